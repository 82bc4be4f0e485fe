// The one error type for bad input, and the one rule for what a message may show. Every refusal
// names the field and the value it received, so a pipeline log line is enough to fix the input;
// a value that carries a credential is named but withheld, and every message is a single line
// with nothing a CI system would read as a command. The CLI prints `message` alone, no stack.

// Credentials as they appear in values people paste: URL user-info, connection-string keys
// (Redis `password=`, SQL `pwd=`, Service Bus `SharedAccessKey=`, Storage `AccountKey=`, SAS
// `sig=`, Application Insights `InstrumentationKey=`) and keys ending in such a word however
// they start (`db_password=`, `AZURE_CLIENT_SECRET=`), or with `:` before a value holding a digit
// (`x-api-key: 0a1b...`, `password:hunter2`; "the token: see ..." is a sentence), PEM private keys, GitHub tokens (`ghp_`...), AWS access key IDs, bearer tokens and JWTs, the self-hosted
// gateway's token as its Authorization header carries it (`GatewayKey <id>&<expiry>&<signature>`),
// and keys pasted bare: padded base64 (Azure's account and access keys are 44 or 88 characters
// ending in `=`), or a run of 50 or more unpadded, mixing digits and both cases. Neither bare form
// may touch a `/` or `.` at its ends, so that a resource ID, a host or a URL path is never taken
// for a key.
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
    /\b[a-z][a-z0-9+.-]*:\/\/[^/\s@"']*@/gi,
    /(?<![A-Za-z0-9])[A-Za-z0-9_-]*?(?:password|passwd|pwd|sharedaccesskey|sharedaccesssignature|accountkey|sig|secret|token|apikey|api[_-]key|instrumentationkey)s?\s*=\s*[^;,&\s"'(][^;,&\s"']*/gi,
    /(?<![A-Za-z0-9])[A-Za-z0-9_-]*?(?:password|passwd|pwd|secret|token|apikey|api[_-]key)s?:\s*(?=[^;,&\s"'(]*[0-9])[^;,&\s"'(][^;,&\s"']*/gi,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[^"]*/g,
    /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
    /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    /\bbearer\s+[A-Za-z0-9._~+/-]+=*/gi,
    /\bGatewayKey\s+[^\s&"']+&\d{8,14}&[^\s"']+/gi,
    /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    /(?<![A-Za-z0-9+/.])[A-Za-z0-9+/]{38,}={1,2}(?![A-Za-z0-9+/=.])/g,
    /(?<![A-Za-z0-9+/.])(?=[A-Za-z0-9+]*[0-9])(?=[A-Za-z0-9+]*[a-z])(?=[A-Za-z0-9+]*[A-Z])[A-Za-z0-9+]{50,}(?![A-Za-z0-9+/.])/g,
];

/** How a refusal shows a value a preview does not know yet. */
export const UNKNOWN_VALUE = "(unknown until deployment)";

/** True when `text` holds something that looks like a credential. */
export function carriesCredential(text: string): boolean {
    return CREDENTIAL_PATTERNS.some((p) => new RegExp(p.source, p.flags.replace("g", "")).test(text));
}

/** Replaces every credential-looking part of `text` with `(withheld)`. */
export function redactCredentials(text: string): string {
    return CREDENTIAL_PATTERNS.reduce((t, p) => t.replace(p, "(withheld)"), text);
}

/**
 * Makes `text` safe to print as one log line: control characters (newlines included) and the
 * bidirectional controls that reorder what a reader sees (U+202E, review F14) become `\uXXXX` escapes, and the markers that Azure Pipelines reads as logging commands anywhere in a
 * line (`##vso[`, `##[`) are broken up. GitHub Actions reads `::` commands only at the start of a
 * line, which a single line starting with "error:" never is.
 */
export function oneLine(text: string): string {
    return text
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
        .replace(/##(vso)?\[/gi, (m) => `${m.slice(0, -1)}\\[`);
}

/**
 * What a refusal shows for a value that came in a secret Output (`pulumi.secret(...)`): the field
 * is named, the value is not, nor anything derived from it.
 */
export const SECRET_VALUE: unique symbol = Symbol("secret value");

/** The longest part of a field path shown whole: longer ones (a 1 MB key) are cut. */
const FIELD_PART = 64;
/** The longest field path and expectation shown whole. */
const FIELD_LENGTH = 200;
const EXPECTATION_LENGTH = 1000;

/** `text` cut to `max` characters, saying how long it was. */
function bounded(text: string, max: number): string {
    return text.length > max ? `${text.slice(0, max - 40)}... (${text.length.toLocaleString("en-US")} characters)` : text;
}

/**
 * A field path as a message shows it: a part that looks like a credential (a key pasted as a
 * YAML or JSON key) is withheld, a long part is cut, and the whole path is bounded. The parts are
 * checked one by one because the credential patterns do not look past the `.` before a key.
 */
export function describeField(field: string): string {
    const parts = field.replace(/[^.[\]]+/g, (part) => (carriesCredential(part.slice(0, SCANNED)) ? "(withheld key)" : bounded(part, FIELD_PART)));
    return bounded(parts, FIELD_LENGTH);
}

/** Bad input: `field` is a dotted path into the APIM document or the component args. */
export class InputError extends Error {
    /**
     * Pulumi's program runner prints a RunError as its message alone, with no stack: the one line
     * a refusal should be. The SDK recognizes its RunError by this marker (`RunError.isInstance`),
     * which holds across SDK copies; the pure layers stay free of the SDK.
     */
    readonly __pulumiRunError = true;

    /**
     * `hint` is what is derived from the value ("Did you mean ..."): shown only with the value, so
     * that a withheld credential or secret is not quoted in part.
     */
    constructor(
        readonly field: string,
        readonly value: unknown,
        readonly expectation: string,
        readonly hint?: string,
    ) {
        super();
        // Kept for callers, but not shown when an uncaught error is printed whole (util.inspect):
        // the raw value may be a credential.
        for (const key of ["value", "expectation", "hint"]) {
            Object.defineProperty(this, key, { enumerable: false });
        }
        const shown = describeValue(value);
        const suggestion = hint !== undefined && !WITHHELD.has(shown) ? ` ${bounded(hint, FIELD_LENGTH)}` : "";
        const message = oneLine(redactCredentials(`Invalid value for ${describeField(field)}: ${shown}. ${bounded(expectation, EXPECTATION_LENGTH)}${suggestion}`));
        // The SDK prefixes the message of an error it meets while serializing a resource's inputs
        // ("error serializing property ..."), once per input that awaited it, on the same object:
        // a refusal keeps the message the component wrote.
        Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
        this.name = "InputError";
    }
}

/** How much of a value is searched for a credential: far more than the 80 characters shown. */
const SCANNED = 4096;

const CREDENTIAL_WITHHELD = "(withheld: it carries a credential)";
const SECRET_WITHHELD = "(withheld: the value is secret)";
const WITHHELD = new Set([CREDENTIAL_WITHHELD, SECRET_WITHHELD]);

/** Renders a received value for a message: short, single-line, never a whole document, never a credential or secret. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "(missing)";
    }
    if (value === SECRET_VALUE) {
        return SECRET_WITHHELD;
    }
    const text = typeof value === "string" ? JSON.stringify(value)
        : typeof value === "number" || typeof value === "bigint" ? String(value)
        : safeJson(value);
    // Only the start is shown; looking at a bounded part keeps the patterns' cost bounded too.
    if (carriesCredential(text.slice(0, SCANNED))) {
        return CREDENTIAL_WITHHELD;
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function safeJson(value: unknown): string {
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

/** Where secret Outputs sit in a component's args: their arg paths, and the text of their values. */
export interface Secrets {
    /** `firewall.sourceAddresses`, `gateways[2].name`; `` when the args are one secret. */
    readonly paths: readonly string[];
    /** Every string and number inside them, as text. */
    readonly values: readonly string[];
}

export const NO_SECRETS: Secrets = { paths: [], values: [] };

/** True when `field` is at, inside or above a secret arg path. */
/** True when `inner` is `outer` or inside it (`` is the args as one secret). */
function within(inner: string, outer: string): boolean {
    return outer === "" || inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
}

function touches(field: string, path: string): boolean {
    return within(field, path) || within(path, field);
}

/** True when `value` is, or holds, one of the secret texts. */
function holdsSecret(value: unknown, texts: ReadonlySet<string>): boolean {
    if (typeof value === "string" || typeof value === "number") {
        return texts.has(String(value));
    }
    return typeof value === "object" && value !== null && Object.values(value).some((v) => holdsSecret(v, texts));
}

// A secret piece this short (a port, a flag) is not searched for in messages: cutting every "443"
// out would garble them. The refusal of its own field withholds it anyway.
const SHORTEST_SEARCHED = 4;
/** The fixed words of the resource IDs the args take: no piece of a secret ID, and words messages use. */
const RESOURCE_ID_WORDS = new Set(["subscriptions", "resourcegroups", "providers", "microsoft.network", "firewallpolicies", "ipgroups"]);
/** Words of a message or of a secret: runs of what names, addresses and IDs are made of. */
const WORD = /[A-Za-z0-9_.-]*[A-Za-z0-9_-]/g;
/**
 * A piece of a secret that is searched for in a refusal's text: the whole value, or a word of it
 * that no sentence uses (it holds a digit, `-`, `_` or `.`: a subscription, an address, a name);
 * a plain word of a secret ("image", "name") is never cut out of the fixed text (review F8).
 */
const NAME_LIKE = /[0-9_.-]/;

/**
 * Runs `f`, and refuses with the value withheld when what it refuses is, holds or names a secret
 * input: the field is named and the value said to be secret, the hint is dropped, every word of
 * the expectation that holds a piece of a secret is cut out (a policy ID's subscription, a
 * gateway name in a group name), and a key refused under a secret path is withheld (its name is
 * part of the secret).
 */
export function withSecretsWithheld<T>(secrets: Secrets, f: () => T): T {
    try {
        return f();
    } catch (e) {
        if (!(e instanceof InputError) || e.value === SECRET_VALUE || (secrets.paths.length === 0 && secrets.values.length === 0)) {
            throw e;
        }
        const searched = (w: string) => w.length >= SHORTEST_SEARCHED && !RESOURCE_ID_WORDS.has(w.toLowerCase());
        const wholes = secrets.values.filter(searched);
        const pieces = [...new Set(secrets.values.flatMap((v) => v.match(WORD) ?? []))].filter((w) => NAME_LIKE.test(w) && searched(w));
        const cut = (text: string) => wholes.reduce((t, v) => t.split(v).join("(secret)"), text).replace(WORD, (w) => (pieces.some((p) => w.includes(p)) ? "(secret)" : w));
        const underSecret = secrets.paths.some((p) => within(e.field, p) && (p === "" || p !== e.field));
        // An unknown key is refused with the key as its value: under a secret path, the key is withheld too.
        const key = /(?:^|\.)([^.[\]]+)$/.exec(e.field)?.[1];
        const field = underSecret && key !== undefined && e.value === key ? `${e.field.slice(0, e.field.length - key.length)}(withheld key)` : e.field;
        const expectation = cut(e.expectation);
        if (secrets.paths.some((p) => touches(e.field, p)) || holdsSecret(e.value, new Set(secrets.values)) || field !== e.field || expectation !== e.expectation || cut(e.message) !== e.message) {
            throw new InputError(field, SECRET_VALUE, expectation);
        }
        throw e;
    }
}

/** `withSecretsWithheld` for a refusal that arrives later: what `value` rejects with (the policy ledger's). */
export async function secretsWithheldIn<T>(secrets: Promise<Secrets>, value: Promise<T>): Promise<T> {
    try {
        return await value;
    } catch (e) {
        const known = await secrets;
        return withSecretsWithheld(known, () => {
            throw e;
        });
    }
}
