// Azure Firewall Policy rule collection groups: what their Allow rules may open, and their
// priorities. The policies look at every group of the stack, not only what SelfHostedGatewayEgress
// registers: a hand-written group next to the component can undo its least privilege as well.
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { addressBreadth, coversEveryPort, holds, parsePortRange, PrefixLimits, setBreadth, urlHost } from "./breadth";
import { FIX_HOSTS, FIX_NETWORKS, GuardPolicy, isRecord, list, nameRefusal, PREFIX_CONFIG_SCHEMA, prefixLimits, refusal, show, showSome } from "./guard";

// The versioned tokens (`azure-native:network/v20240501:...`) are what explicit-version packages
// register; the Draft resource carries the same rule collections and is what gets committed.
const RULE_COLLECTION_GROUP_TYPE = /^azure-native:network(?:\/v[0-9a-z]+)?:FirewallPolicyRuleCollectionGroup(?:Draft)?$/;

/**
 * Priorities of rule collection groups and of rule collections: "any number between 100
 * (highest priority) to 65,000 (lowest priority)".
 * https://learn.microsoft.com/azure/firewall/rule-processing#rule-processing-using-firewall-policy
 */
export const PRIORITY_RANGE = { min: 100, max: 65000 } as const;

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

const ALLOWED_NAMED_HOSTS = "targetFqdns or targetUrls that name the hosts";

// Application rules carry addresses too (with TLS inspection or web categories), so addresses
// are checked whatever the rule type; every other field exists on one rule type only.
const ADDRESS_FIELDS = ["sourceAddresses", "destinationAddresses"] as const;
// Each name field with the host it names: a target URL is measured by its host, shown whole.
const NAME_FIELDS: readonly (readonly [string, (value: unknown) => unknown])[] = [
    ["destinationFqdns", (value) => value],
    ["targetFqdns", (value) => value],
    ["targetUrls", urlHost],
];

function allowedAddresses(limits: PrefixLimits): string {
    return `IPv4 networks and ranges of /${limits.ipv4} or longer, IPv6 of /${limits.ipv6} or longer, and service tags of one service`;
}

function checkRule(visit: RuleVisit, limits: PrefixLimits, report: (message: string) => void): void {
    const { rule, where } = visit;
    const allowed = allowedAddresses(limits);
    for (const field of ADDRESS_FIELDS) {
        for (const value of list(rule[field])) {
            const breadth = addressBreadth(value, limits, true);
            if (breadth) {
                report(refusal(`${where} ${field}`, show(value), breadth.phrase, allowed, FIX_NETWORKS));
            }
        }
    }
    for (const [field, hostOf] of NAME_FIELDS) {
        for (const value of list(rule[field])) {
            const violation = nameRefusal(`${where} ${field}`, value, hostOf(value));
            if (violation) {
                report(violation);
            }
        }
    }
    // Web categories and FQDN tags are lists someone else keeps: no host is named in the rule.
    const webCategories = list(rule.webCategories);
    if (webCategories.length > 0) {
        report(refusal(`${where} webCategories`, show(webCategories), "whole categories of sites, no host named", ALLOWED_NAMED_HOSTS, FIX_HOSTS));
    }
    const fqdnTags = list(rule.fqdnTags);
    if (fqdnTags.length > 0) {
        report(refusal(`${where} fqdnTags`, show(fqdnTags), "host lists Microsoft maintains, no host named", ALLOWED_NAMED_HOSTS, FIX_HOSTS));
    }
    const ports = list(rule.destinationPorts);
    if (ports.length > 0) {
        const ranges = ports.map(parsePortRange);
        const unreadable = ports.find((_, i) => ranges[i] === undefined);
        const phrase = unreadable !== undefined ? `${show(unreadable)} is not a port or range this pack can read`
            : coversEveryPort(ranges as [number, number][]) ? "every port"
            : undefined;
        if (phrase) {
            report(refusal(`${where} destinationPorts`, show(ports), phrase, "the ports the flow uses, such as \"443\" or \"5671-5672\"", "name the ports"));
        }
    }
    // "Any" is every IP protocol (https://learn.microsoft.com/azure/firewall/rule-processing).
    const protocols = list(rule.ipProtocols);
    if (protocols.some((p) => typeof p === "string" && p.trim().toLowerCase() === "any")) {
        report(refusal(`${where} ipProtocols`, show(protocols), "every IP protocol", "TCP, UDP, ICMP", "name the protocols the flow uses"));
    }
}

/** Each protocol a rule names, upper case; `Any` stands for every protocol. */
function protocolsOf(rule: Record<string, unknown>): string[] {
    return list(rule.ipProtocols).filter((p): p is string => typeof p === "string").map((p) => p.trim().toUpperCase());
}

/**
 * The breadth rule over sets, for one collection (the component writes one per gateway and rule
 * type): the networks of a field across its allow rules, and the ports each destination is
 * reached on across them, measured as a whole. Each value or rule refused alone is reported by
 * `checkRule`; this reports what only adds up.
 */
function checkCollection(visits: readonly RuleVisit[], where: string, limits: PrefixLimits, report: (message: string) => void): void {
    for (const field of ADDRESS_FIELDS) {
        const values = [...new Set(visits.flatMap((v) => list(v.rule[field])))];
        const breadth = setBreadth(values, limits);
        if (breadth) {
            report(refusal(`${where} ${field}`, showSome(values), breadth.phrase, allowedAddresses(limits), FIX_NETWORKS));
        }
    }
    const rules = visits.filter((v) => list(v.rule.destinationPorts).length > 0).map((v) => ({
        name: typeof v.rule.name === "string" ? v.rule.name : v.where,
        addresses: list(v.rule.destinationAddresses),
        names: list(v.rule.destinationFqdns).filter((n): n is string => typeof n === "string").map((n) => n.trim().toLowerCase()),
        protocols: protocolsOf(v.rule),
        ports: list(v.rule.destinationPorts).map(parsePortRange),
    })).filter((r) => r.ports.every((p) => p !== undefined) && !coversEveryPort(r.ports as [number, number][]));
    const destinations = [...new Set(rules.flatMap((r) => [...r.addresses, ...r.names]))];
    // A network inside another is reached by the same rules and more: once per set of rules.
    const reported = new Set<string>();
    for (const destination of destinations) {
        const protocols = [...new Set(rules.flatMap((r) => r.protocols))].filter((p) => p !== "ANY").sort();
        for (const protocol of protocols.length > 0 ? protocols : ["ANY"]) {
            const reaching = rules.filter((r) => (r.protocols.includes(protocol) || r.protocols.includes("ANY"))
                && (r.names.includes(destination as string) || r.addresses.some((a) => a === destination || holds(a, destination))));
            const key = `${protocol} ${reaching.map((r) => r.name).join()}`;
            if (!reported.has(key) && coversEveryPort(reaching.flatMap((r) => r.ports as [number, number][]))) {
                reported.add(key);
                const over = reaching.map((r) => show(r.name)).join(", ");
                report(refusal(`${where} destinationPorts to ${show(destination)}`, showSome(reaching.map((r) => r.name)), `every ${protocol === "ANY" ? "" : `${protocol} `}port, over the rules ${over}`, "the ports the flow uses, such as \"443\" or \"5671-5672\"", "name the ports"));
            }
        }
    }
}

export const firewallNoOpenDestinations: GuardPolicy = {
    name: "azure-firewall-no-open-destinations",
    description: "Allow rules of Azure Firewall Policy rule collection groups must name what they open: no source or destination network shorter than the minimum prefix (default /8), no `*`, `Internet`, `AzureCloud` or `Any` address, no wildcard over a top-level domain, no web categories or FQDN tags, no all-ports or `Any` protocol.",
    enforcementLevel: "mandatory",
    configSchema: PREFIX_CONFIG_SCHEMA,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!RULE_COLLECTION_GROUP_TYPE.test(args.type)) {
            return;
        }
        const limits = prefixLimits(args);
        const byCollection = new Map<unknown, RuleVisit[]>();
        for (const visit of rulesOf(args.props).filter((v) => allowsEgress(v.collection, v.rule))) {
            checkRule(visit, limits, (message) => reportViolation(message));
            const visits = byCollection.get(visit.collection) ?? [];
            visits.push(visit);
            byCollection.set(visit.collection, visits);
        }
        list(args.props.ruleCollections).forEach((collection, c) => {
            const name = isRecord(collection) && typeof collection.name === "string" ? ` ("${collection.name}")` : "";
            checkCollection(byCollection.get(collection) ?? [], `ruleCollections[${c}]${name}`, limits, (message) => reportViolation(message));
        });
    },
};

function checkPriority(field: string, kind: string, value: unknown, reportViolation: ReportViolation): void {
    // Absent is left to Azure: there is no value to blame, and the provider schema makes it optional.
    if (value === undefined) {
        return;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < PRIORITY_RANGE.min || value > PRIORITY_RANGE.max) {
        reportViolation(`${field}: received ${show(value)}; allowed: ${kind} priorities that are whole numbers from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}; fix: pick a priority in that range.`);
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
