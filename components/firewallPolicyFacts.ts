// The target Firewall Policy as facts. Pure. Normalizes a policy and its rule collection groups
// from the shapes the azure-native invokes and `az network firewall policy show` /
// `rule-collection-group list` return (flat) and from the REST GET (nested under `properties`),
// and holds the address arithmetic and the documents the findings (firewallPolicyFindings.ts) use.
import { span } from "./peers";

// The one address-range reader (peers.ts), also the findings'.
export { span };

export const PolicyDoc = {
    /** "Azure Firewall doesn't SNAT with Network rules when the destination IP address is in a private IP address range per IANA RFC 1918 or shared address space per IANA RFC 6598"; 255.255.255.255/32 = always SNAT. */
    SnatPrivateRanges: "https://learn.microsoft.com/azure/firewall/snat-private-range",
    /** "You must enable DNS Proxy to use FQDNs in your network rules." */
    FqdnNetworkRules: "https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules",
    /** dnsSettings.requireProxyForNetworkRules: "FQDNs in Network Rules are supported when set to true." */
    DnsSettings: "https://learn.microsoft.com/javascript/api/@azure/arm-network/dnssettings",
    /** The Basic SKU has no DNS proxy. */
    BasicFeatures: "https://learn.microsoft.com/azure/firewall/basic-features",
    /**
     * "Application rules are always processed after network rules ... regardless of Rule Collection
     * Group or Rule Collection priority and policy inheritance"; network rules run by group
     * priority, then collection priority, the parent policy's first, and the first match ends it.
     */
    RuleProcessing: "https://learn.microsoft.com/azure/firewall/rule-processing",
    /** Rule collection groups per policy 50/60 and group size 1/2 MB, by policy creation date (July 2022). */
    FirewallLimits: "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-firewall-limits",
} as const;

// `IANAPrivateRanges`, the default of snat.privateRanges, expands to RFC 1918 and RFC 6598
// (PolicyDoc.SnatPrivateRanges).
const IANA_PRIVATE_RANGES = "IANAPrivateRanges";
const IANA_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
export const MB = 1024 * 1024;

/** A network rule of a Deny collection, where it sits. */
export interface DenyRule {
    readonly policy: string;
    readonly group: string;
    /** The group's and the collection's priorities, which order network rules (PolicyDoc.RuleProcessing); undefined when not given. */
    readonly groupPriority?: number;
    readonly collectionPriority?: number;
    readonly collection: string;
    readonly rule: string;
    readonly ipProtocols: readonly string[];
    readonly sourceAddresses: readonly string[];
    readonly sourceIpGroups: readonly string[];
    readonly destinationAddresses: readonly string[];
    readonly destinationFqdns: readonly string[];
    readonly destinationIpGroups: readonly string[];
    readonly destinationPorts: readonly string[];
}

export interface RuleCollectionGroupFacts {
    readonly name: string;
    readonly priority?: number;
    /** From the group's `size` ("1.5 MB"), else the JSON of its collections. */
    readonly bytes: number;
    readonly denyRules: readonly DenyRule[];
}

export interface FirewallPolicyFacts {
    readonly name: string;
    readonly subscriptionId?: string;
    /** `sku.tier`: Basic, Standard, Premium; undefined when the document does not say. */
    readonly tier?: string;
    readonly dnsProxy: boolean;
    /** `dnsSettings.requireProxyForNetworkRules` when given: an explicit false turns FQDN network rules off (PolicyDoc.DnsSettings). */
    readonly requireProxyForNetworkRules?: boolean;
    /** `snat.privateRanges` as given; undefined when absent (the default, IANAPrivateRanges). */
    readonly snatPrivateRanges?: readonly string[];
    readonly autoLearnPrivateRanges: boolean;
    readonly basePolicyId?: string;
    /** The names of the policy's groups (`ruleCollectionGroups[].id`'s last segment). */
    readonly groupNames: readonly string[];
}

/** What was read of one policy: its facts and groups, or why it was not read. */
export interface PolicyReading {
    /** For messages: `fwpol-hub in rg-hub`. */
    readonly policy: string;
    /** Undefined: not read, for `unread`. */
    readonly facts?: FirewallPolicyFacts;
    readonly unread?: string;
    readonly groups: readonly RuleCollectionGroupFacts[];
    /** Groups listed by the policy that could not be read, and why. */
    readonly unreadGroups: readonly { readonly name: string; readonly reason: string }[];
    /** The parent policy (`basePolicy`), when the policy has one. */
    readonly parent?: PolicyReading;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The REST GET nests the properties; the invoke and `az` return them flat. */
function flat(document: Json): Json {
    return isObject(document.properties) ? { ...document, ...document.properties } : document;
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
const numberOf = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined);
const lastSegment = (id: string): string => id.split("/").filter((s) => s !== "").pop() ?? "";

/** True for a firewall policy document (`type` Microsoft.Network/firewallPolicies, any case). */
export function isFirewallPolicyDocument(document: unknown): document is Json {
    return isObject(document) && typeof document.type === "string" && document.type.toLowerCase() === "microsoft.network/firewallpolicies";
}

/** The facts of a policy document; undefined when it is not one. */
export function normalizeFirewallPolicy(document: unknown): FirewallPolicyFacts | undefined {
    if (!isFirewallPolicyDocument(document)) {
        return undefined;
    }
    const d = flat(document);
    const sku = isObject(d.sku) ? d.sku : {};
    const dns = isObject(d.dnsSettings) ? d.dnsSettings : {};
    const snat = isObject(d.snat) ? d.snat : {};
    const id = typeof d.id === "string" ? d.id : "";
    const base = isObject(d.basePolicy) && typeof d.basePolicy.id === "string" ? d.basePolicy.id : undefined;
    return {
        name: typeof d.name === "string" ? d.name : lastSegment(id),
        subscriptionId: subscriptionOf(id),
        tier: typeof sku.tier === "string" ? sku.tier : undefined,
        dnsProxy: dns.enableProxy === true,
        requireProxyForNetworkRules: typeof dns.requireProxyForNetworkRules === "boolean" ? dns.requireProxyForNetworkRules : undefined,
        snatPrivateRanges: Array.isArray(snat.privateRanges) ? strings(snat.privateRanges) : undefined,
        autoLearnPrivateRanges: typeof snat.autoLearnPrivateRanges === "string" && snat.autoLearnPrivateRanges.toLowerCase() === "enabled",
        basePolicyId: base,
        groupNames: (Array.isArray(d.ruleCollectionGroups) ? d.ruleCollectionGroups : [])
            .map((g) => (isObject(g) && typeof g.id === "string" ? lastSegment(g.id) : ""))
            .filter((n) => n !== ""),
    };
}

/** Whether the policy, as read, resolves the FQDNs of network rules: DNS proxy on, not Basic, requireProxyForNetworkRules not false. */
export function dnsProxyWorks(facts: FirewallPolicyFacts | undefined): boolean {
    return facts !== undefined && facts.dnsProxy && facts.tier?.toLowerCase() !== "basic" && facts.requireProxyForNetworkRules !== false;
}

export function subscriptionOf(id: string): string | undefined {
    return /\/subscriptions\/([^/]+)\//i.exec(id)?.[1]?.toLowerCase();
}

/** The resource group and name in a policy's ARM ID. */
export function policyOfId(id: string): { resourceGroupName: string; policyName: string } | undefined {
    const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/firewallPolicies\/([^/]+)$/i.exec(id.trim());
    return m ? { resourceGroupName: m[1], policyName: m[2] } : undefined;
}

/** A group's size: `size` is a string in MB ("0.003 MB", "1.5MB"). */
function bytesOf(d: Json): number {
    const m = typeof d.size === "string" ? /^\s*(\d+(?:\.\d+)?)\s*MB\s*$/i.exec(d.size) : null;
    return m ? Math.round(Number(m[1]) * MB) : Buffer.byteLength(JSON.stringify({ properties: { priority: d.priority, ruleCollections: d.ruleCollections ?? [] } }));
}

/** The facts of one rule collection group of policy `policy`; undefined when the document is not one. */
export function normalizeRuleCollectionGroup(document: unknown, policy: string): RuleCollectionGroupFacts | undefined {
    if (!isObject(document)) {
        return undefined;
    }
    const d = flat(document);
    // An empty group may come without its collections.
    const collections = d.ruleCollections ?? [];
    if (!Array.isArray(collections) || typeof d.name !== "string") {
        return undefined;
    }
    const denyRules = collections.filter(isObject)
        .filter((c) => c.ruleCollectionType === "FirewallPolicyFilterRuleCollection" && isObject(c.action) && String(c.action.type).toLowerCase() === "deny")
        .flatMap((c) => (Array.isArray(c.rules) ? c.rules : []).filter(isObject).filter((r) => r.ruleType === "NetworkRule").map((r): DenyRule => ({
            policy,
            group: d.name as string,
            groupPriority: numberOf(d.priority),
            collectionPriority: numberOf(c.priority),
            collection: String(c.name),
            rule: String(r.name),
            ipProtocols: strings(r.ipProtocols),
            sourceAddresses: strings(r.sourceAddresses),
            sourceIpGroups: strings(r.sourceIpGroups),
            destinationAddresses: strings(r.destinationAddresses),
            destinationFqdns: strings(r.destinationFqdns),
            destinationIpGroups: strings(r.destinationIpGroups),
            destinationPorts: strings(r.destinationPorts),
        })));
    return { name: d.name, priority: numberOf(d.priority), bytes: bytesOf(d), denyRules };
}

// ---- addresses ----

export const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];
export const isAny = (text: string) => text.trim() === "*" || /\/0$/.test(text.trim());

/** Within RFC 1918 or RFC 6598. No service tag holds such addresses: Internet is "the IP address space that's outside the virtual network and reachable by the public internet", the others Azure services' public prefixes (https://learn.microsoft.com/azure/virtual-network/service-tags-overview). */
export const isPrivate = (s: [number, number]) => IANA_RANGES.map(span).some((r) => r !== undefined && r[0] <= s[0] && s[1] <= r[1]);

/** The ranges the policy does not SNAT, and how the policy says so. */
export function privateRanges(facts: FirewallPolicyFacts): { ranges: [number, number][]; setting: string } {
    const given = facts.snatPrivateRanges ?? [];
    const expanded = given.length === 0 ? IANA_RANGES : given.flatMap((r) => (r === IANA_PRIVATE_RANGES ? IANA_RANGES : [r]));
    const setting = given.length === 0 ? `no snat.privateRanges, so the default ${IANA_PRIVATE_RANGES} (${IANA_RANGES.join(", ")})` : `snat.privateRanges ${given.join(", ")}`;
    return { ranges: expanded.map(span).filter((s): s is [number, number] => s !== undefined), setting };
}
