// The shared core of the validator: the keys each object of the args takes (read from the
// generated schemas), the refusal of unknown keys, and the readers of one value each (`objectAt`,
// `stringAt`, `booleanAt`, `integerAt`, `listAt`, `enumAt`, ...) with their one-line messages.
// The sections' validators (options<Section>.ts) build on these; options.ts puts them together.
import { distance } from "fastest-levenshtein";
import * as fs from "fs";
import * as path from "path";
import { carriesCredential, InputError } from "./errors";
import { FeatureOptions } from "./options";
import { byCodePoint } from "./ordering";
import { ALL_IPV4, boundedNetworkSet, cidr } from "./peers";

export type Json = Record<string, unknown>;

// The keys each object of the args takes, written down once in args.ts: read from the JSON
// Schemas generated from it (scripts/optionsSchema.ts, shipped in schema/). The checks of the
// values stay below, with their one-line messages.
export interface ObjectSchema {
    readonly properties: Readonly<Record<string, { readonly $ref?: string }>>;
    readonly definitions?: Readonly<Record<string, ObjectSchema>>;
}

function loadSchema(name: string): ObjectSchema {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schema", `${name}.schema.json`), "utf8")) as ObjectSchema;
}

export const OPTIONS_SCHEMA = loadSchema("options");
const HUB_SCHEMA = loadSchema("hub");

export function keysOf(schema: ObjectSchema, definition?: string): string[] {
    const object = definition === undefined ? schema : schema.definitions?.[definition];
    if (object === undefined) {
        throw new Error(`The args schema has no definition ${definition}: run npm run build.`);
    }
    return Object.keys(object.properties);
}

/** The keys of one object of the args, by its name in args.ts; for the validators of other files. */
export function argKeys(definition: string): string[] {
    return keysOf(OPTIONS_SCHEMA, definition);
}

export const TOP_KEYS = keysOf(OPTIONS_SCHEMA);
export const HUB_TOP_KEYS = keysOf(HUB_SCHEMA);
export const APIM_KEYS = keysOf(OPTIONS_SCHEMA, "ApimService");
export const TARGET_KEYS = keysOf(HUB_SCHEMA, "FirewallPolicyTarget");
export const FIREWALL_KEYS = keysOf(OPTIONS_SCHEMA, "Firewall");
export const HUB_GATEWAY_KEYS = keysOf(HUB_SCHEMA, "HubGateway");
export const CLUSTER_KEYS = keysOf(OPTIONS_SCHEMA, "Cluster");
export const FEATURE_KEYS = Object.fromEntries(Object.entries(OPTIONS_SCHEMA.definitions?.Features.properties ?? {})
    .map(([feature, p]) => [feature, keysOf(OPTIONS_SCHEMA, (p.$ref ?? "").split("/").pop())])) as Record<keyof FeatureOptions, string[]>;
export const BACKEND_KEYS = keysOf(OPTIONS_SCHEMA, "Backend");
export const PRIORITY_RANGE_KEYS = keysOf(OPTIONS_SCHEMA, "PriorityRange");
export const INSTANCE_PORT_KEYS = keysOf(OPTIONS_SCHEMA, "InstancePorts");
export const EGRESS_PROXY_KEYS = keysOf(OPTIONS_SCHEMA, "EgressProxy");

// A key named for a secret: a token, secret or password anywhere, a key only as one (`key`, `apiKey`,
// `accountKey`, `sharedAccessKey`, ...), never an ordinary key that happens to end in "key" (`unknownKey`).
const SECRET_KEY_NAME = /token|secret|password|passwd|pwd$|^key$|(api|access|account|gateway|subscription|primary|secondary|instrumentation|master|private|client|signing|encryption)[-_]?key$/i;
/** Keys that would reach an object's prototype if copied naively. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function join(field: string, key: string): string {
    return field ? `${field}.${key}` : key;
}

/** Refuses keys the args do not know, suggesting the nearest known one. Internal. Exported for testing. */
export function checkKeys(field: string, value: Json, allowed: readonly string[]): void {
    for (const key of Object.getOwnPropertyNames(value)) {
        if (allowed.includes(key)) {
            continue;
        }
        // A credential pasted as a key is withheld whole, not only in the parts a path splits it into.
        const path = join(field, carriesCredential(key.slice(0, 4096)) ? "(withheld key)" : key);
        if (PROTOTYPE_KEYS.has(key)) {
            throw new InputError(path, key, "This key is reserved by JavaScript and never an arg.");
        }
        if (SECRET_KEY_NAME.test(key)) {
            throw new InputError(path, "(not shown)", "Secrets are not accepted: the gateway token belongs to the gateway's own deployment, not to its egress rules.");
        }
        const nearest = [...allowed].sort((a, b) => distance(key, a) - distance(key, b) || byCodePoint(a, b))[0];
        const near = nearest !== undefined && distance(key.toLowerCase(), nearest.toLowerCase()) <= Math.max(2, nearest.length / 3);
        throw new InputError(path, key, `Unknown key. Allowed keys are: ${allowed.join(", ")}.`, near ? `Did you mean "${nearest}"?` : undefined);
    }
}

export function objectAt(field: string, value: unknown, allowed: readonly string[]): Json {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new InputError(field, value, "Expected an object.");
    }
    checkKeys(field, value as Json, allowed);
    return value as Json;
}

export function stringAt(field: string, value: unknown, required: true): string;
export function stringAt(field: string, value: unknown, required?: boolean): string | undefined;
export function stringAt(field: string, value: unknown, required = false): string | undefined {
    if (value === undefined || value === null) {
        if (required) {
            throw new InputError(field, value, "This arg is required.");
        }
        return undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
        throw new InputError(field, value, "Expected a non-empty string.");
    }
    return value.trim();
}

export function booleanAt(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "boolean") {
        throw new InputError(field, value, "Expected true or false.");
    }
    return value;
}

export function integerAt(field: string, value: unknown, fallback: number, min: number, max: number, what: string): number {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new InputError(field, value, `${what} is a whole number from ${min} to ${max}.`);
    }
    return value;
}

// Large enough for any real site, small enough that a runaway list fails here and not at Azure.
export const MAX_LIST_LENGTH = 1000;

/**
 * A list of at most `max` items, each read by `item`; an item listed twice (by `key`, its JSON by
 * default) is refused.
 */
export function listAt<T>(field: string, value: unknown, item: (field: string, value: unknown) => T, max = MAX_LIST_LENGTH, key: (item: T) => string = (v) => JSON.stringify(v)): T[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value)) {
        throw new InputError(field, value, "Expected a list.");
    }
    if (value.length > max) {
        throw new InputError(field, `${value.length} items`, `At most ${max} items are accepted.`);
    }
    const items = value.map((v, i) => item(`${field}[${i}]`, v));
    const seen = new Set<string>();
    items.forEach((v, i) => {
        const k = key(v);
        if (seen.has(k)) {
            throw new InputError(`${field}[${i}]`, value[i], "This value is listed twice.");
        }
        seen.add(k);
    });
    return items;
}

/** `text` parsed as a URL; undefined where it is none, for the caller to refuse in its own words. */
export function urlOf(text: string): URL | undefined {
    try {
        return new URL(text);
    } catch {
        return undefined;
    }
}

export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback: T): T;
export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>): T | undefined;
export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback?: T): T | undefined {
    if (value === undefined || value === null) {
        return fallback;
    }
    const values = Object.values(allowed);
    const match = values.find((v) => v === value);
    if (!match) {
        const nearest = typeof value === "string" ? values.find((v) => v.toLowerCase() === value.toLowerCase() || distance(v, value.toLowerCase()) <= 2) : undefined;
        throw new InputError(field, value, `Allowed values are: ${values.join(", ")}.`, nearest ? `Did you mean "${nearest}"?` : undefined);
    }
    return match;
}

export function patternAt(field: string, value: unknown, pattern: RegExp, expectation: string): string {
    const text = stringAt(field, value, true);
    if (!pattern.test(text)) {
        throw new InputError(field, value, expectation);
    }
    return text;
}

/**
 * A list of networks, each bounded by `minimumPrefixLength` and all of them together too (the
 * breadth rule over sets). With `optIn`, 0.0.0.0/0 written out is the documented opt-in: it
 * stands for every address, so nothing beside it is measured.
 */
export function networkListAt(field: string, value: unknown, minimumPrefixLength: number, optIn = false): string[] {
    const read = (list: unknown): string[] => {
        const networks = listAt(field, list, (f, v) => (optIn && v === ALL_IPV4 ? ALL_IPV4 : cidr(f, v, minimumPrefixLength).value));
        if (!networks.includes(ALL_IPV4)) {
            boundedNetworkSet(field, networks, list, minimumPrefixLength);
        }
        return networks;
    };
    try {
        return read(value);
    } catch (e) {
        // A hint names a network the whole list then accepts (not one listed twice, nor one that
        // breaks the set's breadth), or there is none (review F5).
        const suggested = e instanceof InputError && e.hint !== undefined ? /^Did you mean "(.+)"\?$/.exec(e.hint)?.[1] : undefined;
        const at = e instanceof InputError && Array.isArray(value) ? value.findIndex((_, i) => e.field === `${field}[${i}]`) : -1;
        if (e instanceof InputError && suggested !== undefined && at >= 0) {
            try {
                read((value as unknown[]).map((v, i) => (i === at ? suggested : v)));
            } catch {
                throw new InputError(e.field, e.value, e.expectation);
            }
        }
        throw e;
    }
}
