// CrossGuard policies of the `apim-gateway-egress-guard` pack. They look at every resource of the
// stack, not only what SelfHostedGatewayEgress registers: a hand-written rule collection group or
// NetworkPolicy next to the component can undo its least-privilege egress just as well.
//
// Only types are imported from @pulumi/policy: its runtime entry point pulls in the gRPC analyzer
// server, which the tests must never load (they call validateResource directly). Type tokens
// are matched on `args.type` instead of `validateResourceOfType`, which would need the
// azure-native and kubernetes resource classes loaded, plus an `isType` the tests would fake.
import type { EnforcementLevel, ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

/** A resource policy whose single validation function tests can call directly. */
export interface GuardPolicy extends ResourceValidationPolicy {
    readonly enforcementLevel: EnforcementLevel;
    readonly validateResource: ResourceValidation;
}

// The versioned tokens (`azure-native:network/v20240501:...`) are what azure-native v2 programs
// and explicit-version packages register; the Draft resource carries the same rule collections
// and is what gets committed into the policy.
const RULE_COLLECTION_GROUP_TYPE = /^azure-native:network(?:\/v[0-9a-z]+)?:FirewallPolicyRuleCollectionGroup(?:Draft)?$/;

// NetworkPolicyPatch (server-side apply) merges its egress rules into a live NetworkPolicy, so an
// open peer in a patch opens the same hole.
const NETWORK_POLICY_TYPES: ReadonlySet<string> = new Set([
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicyPatch",
]);

/**
 * Priorities of rule collection groups and of rule collections: "any number between 100
 * (highest priority) to 65,000 (lowest priority)".
 * https://learn.microsoft.com/azure/firewall/rule-processing#rule-processing-using-firewall-policy
 */
export const PRIORITY_RANGE = { min: 100, max: 65000 } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

function show(value: unknown): string {
    return JSON.stringify(value) ?? String(value);
}

/** What an address or CIDR covers when it is the whole IPv4 or IPv6 space, else undefined. */
function wholeAddressSpace(value: string): string | undefined {
    const cidr = /^(.*)\/0+$/.exec(value);
    if (cidr) {
        // Host bits are irrelevant under a /0: "10.0.0.0/0" is as open as "0.0.0.0/0".
        return cidr[1].includes(":") ? "the whole IPv6 address space" : "the whole IPv4 address space";
    }
    // Azure Firewall writes address ranges as `first-last` (the format is documented for IP
    // Groups: https://learn.microsoft.com/azure/firewall/ip-groups#sample-format).
    if (/^0\.0\.0\.0\s*-\s*255\.255\.255\.255$/.test(value)) {
        return "the whole IPv4 address space";
    }
    return undefined;
}

/**
 * Why a firewall destination address or service tag opens every destination, else undefined.
 *
 * - `*` is Azure Firewall's "any": Microsoft's own example of a network rule to anywhere is
 *   `-DestinationAddress *`
 *   (https://learn.microsoft.com/powershell/module/az.network/new-azfirewallpolicynetworkrule).
 * - `Internet` is the service tag for "the IP address space that's outside the virtual network
 *   and reachable by the public internet", and the tag table marks it as not usable with Azure
 *   Firewall (https://learn.microsoft.com/azure/virtual-network/service-tags-overview#available-service-tags).
 *   Accepted, it opens all public egress; refused, the deployment fails late. Either way preview
 *   is the place to stop it.
 * - `Any` is no documented destination: Azure Firewall uses it for an IP *protocol*
 *   ("Any IP protocol", https://learn.microsoft.com/azure/firewall/rule-processing) and the
 *   portal shows it as the label of `*`. Whoever writes it as a destination means "anywhere", and
 *   no address or tag has that name, so rejecting it costs no legitimate rule.
 * Tags are matched case-insensitively because the classic spelling was `INTERNET`.
 */
function openDestination(value: string): string | undefined {
    const trimmed = value.trim();
    if (trimmed === "*") {
        return "means any destination";
    }
    switch (trimmed.toLowerCase()) {
        case "internet":
            return "is the Internet service tag, every public address";
        case "any":
            return "is not an address or service tag Azure Firewall documents, and reads as any destination";
    }
    const space = wholeAddressSpace(trimmed);
    return space === undefined ? undefined : `is ${space}`;
}

function label(collectionIndex: number, ruleIndex: number, rule: Record<string, unknown>): string {
    const where = `ruleCollections[${collectionIndex}].rules[${ruleIndex}]`;
    return typeof rule.name === "string" ? `${where} ("${rule.name}")` : where;
}

interface RuleVisit {
    readonly collection: Record<string, unknown>;
    readonly rule: Record<string, unknown>;
    readonly where: string;
}

function rulesOf(props: Record<string, unknown>): RuleVisit[] {
    const visits: RuleVisit[] = [];
    list(props.ruleCollections).forEach((collection, c) => {
        if (!isRecord(collection)) {
            return;
        }
        list(collection.rules).forEach((rule, r) => {
            if (isRecord(rule)) {
                visits.push({ collection, rule, where: label(c, r, rule) });
            }
        });
    });
    return visits;
}

/**
 * Deny collections may (and should) end in a deny-all; DNAT collections describe inbound
 * translation, where the destination is the firewall's own public address. Only the rules that
 * let traffic out matter here. A filter collection without an action is checked: Azure has no
 * documented default action, and a guard should not guess "Deny".
 */
function allowsEgress(collection: Record<string, unknown>, rule: Record<string, unknown>): boolean {
    if (collection.ruleCollectionType === "FirewallPolicyNatRuleCollection" || rule.ruleType === "NatRule") {
        return false;
    }
    const action = isRecord(collection.action) ? collection.action.type : undefined;
    return !(typeof action === "string" && action.toLowerCase() === "deny");
}

// Application rules carry destinationAddresses too (with TLS inspection or web categories), so
// both rule types are checked for addresses; FQDN fields differ by type.
const ADDRESS_FIELDS = ["destinationAddresses"] as const;
const FQDN_FIELDS: Readonly<Record<string, readonly string[]>> = {
    NetworkRule: ["destinationFqdns"],
    ApplicationRule: ["targetFqdns"],
};

export const firewallNoOpenDestinations: GuardPolicy = {
    name: "azure-firewall-no-open-destinations",
    description: "Allow rules of Azure Firewall Policy rule collection groups must name their destinations: no `*`, `0.0.0.0/0`, `::/0`, `Internet` or `Any` address, no bare `*` FQDN.",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!RULE_COLLECTION_GROUP_TYPE.test(args.type)) {
            return;
        }
        for (const { collection, rule, where } of rulesOf(args.props)) {
            if (!allowsEgress(collection, rule)) {
                continue;
            }
            for (const field of ADDRESS_FIELDS) {
                for (const value of list(rule[field])) {
                    const why = typeof value === "string" ? openDestination(value) : undefined;
                    if (why !== undefined) {
                        reportViolation(`${where} ${field}: ${show(value)} ${why}; an Allow rule must name its destinations.`);
                    }
                }
            }
            for (const field of FQDN_FIELDS[String(rule.ruleType)] ?? []) {
                for (const value of list(rule[field])) {
                    if (typeof value === "string" && value.trim() === "*") {
                        reportViolation(`${where} ${field}: "*" matches any host name; an Allow rule must name its destinations.`);
                    }
                }
            }
        }
    },
};

export const networkPolicyNoOpenEgress: GuardPolicy = {
    name: "network-policy-no-open-egress",
    description: "Kubernetes NetworkPolicy egress rules must not allow 0.0.0.0/0 or ::/0, nor leave out `to` (which allows every destination).",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!NETWORK_POLICY_TYPES.has(args.type)) {
            return;
        }
        const spec = isRecord(args.props.spec) ? args.props.spec : {};
        list(spec.egress).forEach((rule, e) => {
            if (!isRecord(rule)) {
                return;
            }
            // "If this field is empty or missing, this rule matches all destinations (traffic not
            // restricted by destination)."
            // https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
            const to = list(rule.to);
            if (to.length === 0) {
                reportViolation(`spec.egress[${e}] has no "to", so it allows every destination; name the peers.`);
                return;
            }
            to.forEach((peer, p) => {
                const cidr = isRecord(peer) && isRecord(peer.ipBlock) ? peer.ipBlock.cidr : undefined;
                const space = typeof cidr === "string" ? wholeAddressSpace(cidr.trim()) : undefined;
                // `except` is not a way out: it carves holes in an allow-all, which still allows
                // every address nobody thought to list.
                if (space !== undefined) {
                    reportViolation(`spec.egress[${e}].to[${p}].ipBlock.cidr: ${show(cidr)} is ${space}; egress must name its destinations.`);
                }
            });
        });
    },
};

function checkPriority(field: string, kind: string, value: unknown, reportViolation: ReportViolation): void {
    // Absent is left to Azure: there is no value to blame, and the provider schema makes it optional.
    if (value === undefined) {
        return;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < PRIORITY_RANGE.min || value > PRIORITY_RANGE.max) {
        reportViolation(`${field}: ${show(value)} is outside ${PRIORITY_RANGE.min}-${PRIORITY_RANGE.max}; Azure Firewall accepts ${kind} priorities that are whole numbers from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}.`);
    }
}

export const firewallPriorityRange: GuardPolicy = {
    name: "azure-firewall-priority-range",
    description: `Rule collection group and rule collection priorities must be whole numbers from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}.`,
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!RULE_COLLECTION_GROUP_TYPE.test(args.type)) {
            return;
        }
        checkPriority("priority", "rule collection group", args.props.priority, reportViolation);
        list(args.props.ruleCollections).forEach((collection, c) => {
            if (isRecord(collection)) {
                const name = typeof collection.name === "string" ? ` ("${collection.name}")` : "";
                checkPriority(`ruleCollections[${c}]${name}.priority`, "rule collection", collection.priority, reportViolation);
            }
        });
    },
};

export const firewallFqdnNetworkRulesNeedDnsProxy: GuardPolicy = {
    name: "azure-firewall-fqdn-network-rules-need-dns-proxy",
    description: "Network rules with destinationFqdns work only when the firewall policy has DNS proxy enabled and clients resolve names through the firewall.",
    enforcementLevel: "advisory",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!RULE_COLLECTION_GROUP_TYPE.test(args.type)) {
            return;
        }
        // "You must enable DNS Proxy to use FQDNs in your network rules."
        // https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules
        // Clients that resolve elsewhere can get other addresses than the firewall and be denied:
        // https://learn.microsoft.com/azure/firewall/dns-details#clients-not-configured-to-use-the-firewall-dns-proxy
        // The firewall policy is seldom in the same stack, so this stays a reminder, not a check.
        for (const { rule, where } of rulesOf(args.props)) {
            const fqdns = list(rule.destinationFqdns);
            if (rule.ruleType === "NetworkRule" && fqdns.length > 0) {
                reportViolation(`${where} destinationFqdns: ${show(fqdns)} needs DNS proxy on the firewall policy (dnsSettings.enableProxy: true) and clients that use the firewall as their DNS server.`);
            }
        }
    },
};

/** Every policy of the pack, mandatory ones first. */
export const policies: readonly GuardPolicy[] = [
    firewallNoOpenDestinations,
    networkPolicyNoOpenEgress,
    firewallPriorityRange,
    firewallFqdnNetworkRulesNeedDnsProxy,
];
