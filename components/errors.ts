// The one error type for bad input, and the one rule for what a message may show. Every refusal
// names the field and the value it received, so a pipeline log line is enough to fix the input;
// a value that carries a credential is named but withheld, and every message is a single line
// with nothing a CI system would read as a command. The CLI prints `message` alone, no stack.

// Credentials as they appear in values people paste: URL user-info, connection-string keys
// (Redis `password=`, SQL `pwd=`, Service Bus `SharedAccessKey=`, Storage `AccountKey=`, SAS
// `sig=`, Application Insights `InstrumentationKey=`), bearer tokens and JWTs, the self-hosted
// gateway's token as its Authorization header carries it (`GatewayKey <id>&<expiry>&<signature>`),
// and keys pasted bare: padded base64 (Azure's account and access keys are 44 or 88 characters
// ending in `=`), or a run of 50 or more unpadded, mixing digits and both cases. Neither bare form
// may touch a `/` or `.` at its ends, so that a resource ID, a host or a URL path is never taken
// for a key.
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
    /\b[a-z][a-z0-9+.-]*:\/\/[^/\s@"']*@/gi,
    /\b(?:password|passwd|pwd|sharedaccesskey|sharedaccesssignature|accountkey|sig|secret|client_secret|token|access_token|apikey|api_key|instrumentationkey)\s*=\s*[^;,&\s"']*/gi,
    /\bbearer\s+[A-Za-z0-9._~+/-]+=*/gi,
    /\bGatewayKey\s+[^\s&"']+&\d{8,14}&[^\s"']+/gi,
    /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    /(?<![A-Za-z0-9+/.])[A-Za-z0-9+/]{38,}={1,2}(?![A-Za-z0-9+/=.])/g,
    /(?<![A-Za-z0-9+/.])(?=[A-Za-z0-9+]*[0-9])(?=[A-Za-z0-9+]*[a-z])(?=[A-Za-z0-9+]*[A-Z])[A-Za-z0-9+]{50,}(?![A-Za-z0-9+/.])/g,
];

/** True when `text` holds something that looks like a credential. */
export function carriesCredential(text: string): boolean {
    return CREDENTIAL_PATTERNS.some((p) => new RegExp(p.source, p.flags.replace("g", "")).test(text));
}

/** Replaces every credential-looking part of `text` with `(withheld)`. */
export function redactCredentials(text: string): string {
    return CREDENTIAL_PATTERNS.reduce((t, p) => t.replace(p, "(withheld)"), text);
}

/**
 * Makes `text` safe to print as one log line: control characters (newlines included) become
 * `\uXXXX` escapes, and the markers that Azure Pipelines reads as logging commands anywhere in a
 * line (`##vso[`, `##[`) are broken up. GitHub Actions reads `::` commands only at the start of a
 * line, which a single line starting with "error:" never is.
 */
export function oneLine(text: string): string {
    return text
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
        .replace(/##(vso)?\[/gi, (m) => `${m.slice(0, -1)}\\[`);
}

/** Bad input: `field` is a dotted path into the APIM document or the component args. */
export class InputError extends Error {
    /**
     * Pulumi's program runner prints a RunError as its message alone, with no stack: the one line
     * a refusal should be. The SDK recognizes its RunError by this marker (`RunError.isInstance`),
     * which holds across SDK copies; the pure layers stay free of the SDK.
     */
    readonly __pulumiRunError = true;

    constructor(
        readonly field: string,
        readonly value: unknown,
        readonly expectation: string,
    ) {
        super();
        const message = oneLine(redactCredentials(`Invalid value for ${field}: ${describeValue(value)}. ${expectation}`));
        // The SDK prefixes the message of an error it meets while serializing a resource's inputs
        // ("error serializing property ..."), once per input that awaited it, on the same object:
        // a refusal keeps the message the component wrote.
        Object.defineProperty(this, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: true });
        this.name = "InputError";
    }
}

/** How much of a value is searched for a credential: far more than the 80 characters shown. */
const SCANNED = 4096;

/** Renders a received value for a message: short, single-line, never a whole document, never a credential. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "(missing)";
    }
    const text = typeof value === "string" ? JSON.stringify(value)
        : typeof value === "number" || typeof value === "bigint" ? String(value)
        : safeJson(value);
    // Only the start is shown; looking at a bounded part keeps the patterns' cost bounded too.
    if (carriesCredential(text.slice(0, SCANNED))) {
        return "(withheld: it carries a credential)";
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
