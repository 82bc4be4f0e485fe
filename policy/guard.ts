// What every policy of the pack shares: its shape, the prefix config, reading loosely typed
// resource inputs, and the one message wording.
//
// Only types are imported from @pulumi/policy: its runtime entry point pulls in the gRPC analyzer
// server, which the tests must never load (they call the validations directly). Type tokens are
// matched on `args.type` instead of `validateResourceOfType`, which would need the azure-native
// and kubernetes resource classes loaded.
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationPolicy,
} from "@pulumi/policy";
import { DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH, DEFAULT_MINIMUM_PREFIX_LENGTH, nameBreadth, PrefixLimits } from "./breadth";

/** A resource policy whose single validation function tests can call directly. */
export interface GuardPolicy extends ResourceValidationPolicy {
    readonly enforcementLevel: EnforcementLevel;
    readonly validateResource: ResourceValidation;
}

/** A stack policy whose validation function tests can call directly. */
export interface GuardStackPolicy extends StackValidationPolicy {
    readonly enforcementLevel: EnforcementLevel;
    readonly validateStack: StackValidation;
}

/**
 * The config every policy that measures prefixes declares. Pulumi keys policy config by policy
 * name, so a stack that wants another minimum sets it on each of them (policy/README.md shows
 * the file); a policy without config uses the defaults.
 */
export const PREFIX_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        minimumPrefixLength: {
            type: "integer",
            minimum: 0,
            maximum: 32,
            default: DEFAULT_MINIMUM_PREFIX_LENGTH,
            description: "The shortest IPv4 prefix a source or destination may have; wider networks and ranges are refused. The component's firewall.minimumPrefixLength has the same default.",
        },
        minimumIpv6PrefixLength: {
            type: "integer",
            minimum: 0,
            maximum: 128,
            default: DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH,
            description: "The shortest IPv6 prefix a source or destination may have. IPv6 networks that embed IPv4 (::ffff:0:0/96, 64:ff9b::/96) are measured by minimumPrefixLength too.",
        },
    },
};

function configured(config: Record<string, unknown>, key: string, fallback: number, max: number): number {
    const value = config[key];
    if (value === undefined) {
        return fallback;
    }
    // The engine validates config against the schema first; this guards a pack run without it.
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
        throw new Error(`Policy config ${key}: received ${show(value)}; allowed: a whole number from 0 to ${max}; fix: correct the policy pack config.`);
    }
    return value;
}

/** The prefix minimums from a policy's config, defaulted. */
export function prefixLimits(args: { getConfig<T extends object>(): T }): PrefixLimits {
    const config = args.getConfig<Record<string, unknown>>() ?? {};
    return {
        ipv4: configured(config, "minimumPrefixLength", DEFAULT_MINIMUM_PREFIX_LENGTH, 32),
        ipv6: configured(config, "minimumIpv6PrefixLength", DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH, 128),
    };
}

/** "IPv4 networks of /8 or longer and IPv6 networks of /32 or longer". */
export function allowedNetworks(limits: PrefixLimits): string {
    return `IPv4 networks of /${limits.ipv4} or longer and IPv6 networks of /${limits.ipv6} or longer`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

export function record(value: unknown): Record<string, unknown> {
    return isRecord(value) ? value : {};
}

export function show(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** A long list shown by its first values and how many more: a refusal line stays short. */
export function showSome(values: readonly unknown[]): string {
    const shown = values.slice(0, 4).map(show).join(",");
    return values.length > 4 ? `[${shown}, and ${values.length - 4} more]` : `[${shown}]`;
}

export const FIX_NETWORKS = "name the networks the rule needs";
export const FIX_HOSTS = "name the hosts the rule needs";
export const ALLOWED_NAMES = "exact host names, or wildcards over a registered domain such as \"*.contoso.com\"";

/** The one wording of a violation: `<where>: received <value> (<what it opens>); allowed: <...>; fix: <...>.` */
export function refusal(where: string, value: string, phrase: string, allowed: string, fix: string): string {
    return `${where}: received ${value} (${phrase}); allowed: ${allowed}; fix: ${fix}.`;
}

/** The violation of a host name too broad to allow, if it is: `host` is measured, `value` shown. */
export function nameRefusal(where: string, value: unknown, host: unknown = value): string | undefined {
    const breadth = nameBreadth(host);
    return breadth && refusal(where, show(value), breadth.phrase, ALLOWED_NAMES, FIX_HOSTS);
}
