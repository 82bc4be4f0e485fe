// What the target Firewall Policy decides about the gateways' traffic. Pure: facts
// (firewallPolicyFacts.ts) and the rendered rules in, notes or a refusal out, each with the page
// that states it:
// - the return path of the network rules to private addresses the policy does not SNAT;
// - FQDN network rules on a policy without DNS proxy (a refusal, or a note when allowed);
// - network-rule Deny collections that come before the gateway's network rules, or shadow its
//   application rules (unless its own earlier network Allow lets the traffic through);
// - the room on the policy: the groups already there and what their sizes say of its limits.
import { InputError } from "./errors";
import { ApplicationRule, FilterRuleCollection, NetworkRule } from "./firewallRules";
import { DenyRule, dnsProxyWorks, FirewallPolicyFacts, isAny, isPrivate, MB, overlaps, PolicyDoc, PolicyReading, privateRanges, span } from "./firewallPolicyFacts";
import { byCodePoint } from "./ordering";
import { DEFAULT_MAX_GROUP_BYTES, DEFAULT_MAX_RULE_COLLECTION_GROUPS, MAX_GROUP_BYTES, MAX_RULE_COLLECTION_GROUPS, PlacementOptions, SourceOptions } from "./options";

/** One gateway's firewall rules, as the pipeline rendered them. */
export interface GatewayFirewall {
    /** `gateway gw1: ` in a hub, "" for a component's own gateway. */
    readonly prefix: string;
    readonly sources: SourceOptions;
    readonly ruleCollections: readonly FilterRuleCollection[];
    /** Names whose address the plan knows (the configuration host → its VIP). */
    readonly knownAddresses: ReadonlyMap<string, string>;
}

const networkRules = (g: GatewayFirewall) => g.ruleCollections.flatMap((c) => c.rules).filter((r): r is NetworkRule => r.ruleType === "NetworkRule");

function notRead(reading: PolicyReading): string {
    return `The firewall policy ${reading.policy} was not read (${reading.unread}): its SNAT private ranges (the return path of a network rule), DNS proxy, Deny network rules that would shadow the application rules and the groups already on it are not checked.`;
}

/** The `ip` configuration rules the policy does not SNAT: one note for every gateway they concern. */
function returnPathNotes(facts: FirewallPolicyFacts, reading: PolicyReading, gateways: readonly GatewayFirewall[]): string[] {
    const { ranges, setting } = privateRanges(facts);
    const rules = gateways.flatMap((g) => {
        const vip = networkRules(g).find((r) => r.name === "configuration-address")?.destinationAddresses?.[0]?.replace(/\/32$/, "");
        const at = vip === undefined ? undefined : span(vip);
        return vip === undefined || at === undefined ? [] : [{ g, vip, private: ranges.some((r) => overlaps(r, at)) }];
    });
    const concerned = rules.filter((r) => r.private);
    const subject = (list: typeof rules) => (list.length === 1 && list[0].g.prefix === ""
        ? `the network rule configuration-address opens the VIP ${list[0].vip}`
        : `the network rules configuration-address open the VIPs of ${list.map((r) => `${r.g.prefix.replace(/: $/, "")} (${r.vip})`).join(", ")}`);
    const remedies = (list: typeof rules) => {
        const sources = [...new Set(list.flatMap((r) => [...r.g.sources.sourceAddresses, ...r.g.sources.sourceIpGroupIds]))].join(", ");
        const it = list.length === 1 ? "it" : "them";
        return `route the replies back through the firewall (a UDR on the APIM subnet for the gateway's source networks, next hop the firewall), or make the policy SNAT ${it} (snat.privateRanges without ${it}; 255.255.255.255/32 = always SNAT). The APIM subnet's NSG must admit TCP 443 from the gateway's sources (${sources}), or, once SNATed, from the firewall's private addresses`;
    };
    const capital = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}`;
    // Every network rule to a private address has the same return path, not only the configuration one.
    const others = gateways.flatMap((g) => networkRules(g).filter((r) => r.name !== "configuration-address").flatMap((r) => {
        const unSnated = (r.destinationAddresses ?? []).filter((a) => { const s = span(a); return !isAny(a) && s !== undefined && ranges.some((p) => overlaps(p, s)); });
        return unSnated.length === 0 ? [] : [`${g.prefix.replace(/: $/, "/")}${r.name} (${unSnated.join(", ")})`];
    }));
    const othersNote = others.length === 0 ? [] : [`These network rules open private addresses the policy does not SNAT either (${setting}; ${PolicyDoc.SnatPrivateRanges}): ${others.join("; ")}. The hosts there answer the gateway's addresses directly, so their subnets must route the replies back through the firewall (a UDR for the gateway's source networks, next hop the firewall), or the policy must SNAT them; their NSGs must admit the gateway's sources.`];
    if (concerned.length > 0) {
        return [...othersNote, `${capital(subject(concerned))} without SNAT: policy ${reading.policy} has ${setting}, which include ${concerned.length === 1 ? "it" : "them"}, and "Azure Firewall doesn't SNAT with Network rules when the destination IP address is in a private IP address range" (${PolicyDoc.SnatPrivateRanges}). The APIM subnet then answers the gateway hosts directly and the reply bypasses the firewall: ${remedies(concerned)}.`];
    }
    return facts.autoLearnPrivateRanges && rules.length > 0
        ? [...othersNote, `Policy ${reading.policy} auto-learns SNAT private ranges (snat.autoLearnPrivateRanges Enabled): if the learned ranges include ${rules.length === 1 ? "it" : "them"}, ${subject(rules)} without SNAT (${PolicyDoc.SnatPrivateRanges}); then ${remedies(rules)}.`]
        : othersNote;
}

/** The refusal (or, allowed, the note) for FQDN network rules on a policy without DNS proxy. */
function dnsProxyNotes(facts: FirewallPolicyFacts, reading: PolicyReading, gateways: readonly GatewayFirewall[], allow: boolean): string[] {
    const basic = facts.tier?.toLowerCase() === "basic";
    if (dnsProxyWorks(facts)) {
        return [];
    }
    const flows = gateways.flatMap((g) => networkRules(g).filter((r) => r.destinationFqdns).map((r) => `${g.prefix.replace(/: $/, "/")}${r.name} (${r.ipProtocols.join("/")} ${r.destinationPorts.join(",")} to ${(r.destinationFqdns ?? []).join(", ")})`));
    if (flows.length === 0) {
        return [];
    }
    const why = basic
        ? `policy ${reading.policy} is Basic tier, which has no DNS proxy (${PolicyDoc.BasicFeatures})`
        : facts.dnsProxy ? `policy ${reading.policy} has dnsSettings.requireProxyForNetworkRules false, and "FQDNs in Network Rules are supported when set to true" (${PolicyDoc.DnsSettings})`
        : `policy ${reading.policy} has DNS proxy off (dnsSettings.enableProxy ${facts.dnsProxy}), and "You must enable DNS Proxy to use FQDNs in your network rules" (${PolicyDoc.FqdnNetworkRules})`;
    if (!allow) {
        const [field, value, fix] = basic ? ["sku.tier", facts.tier, "Use a Standard or Premium policy"]
            : facts.dnsProxy ? ["dnsSettings.requireProxyForNetworkRules", false, "Set dnsSettings.requireProxyForNetworkRules to true in the policy"]
            : ["dnsSettings.enableProxy", facts.dnsProxy, "Turn on DNS proxy in the policy"];
        throw new InputError(field, value, `Network rules with FQDN destinations would not match: ${why}. Flows: ${flows.join("; ")}. ${fix}, give these destinations as addresses, or set firewall.allowWithoutDnsProxy: true to write them anyway.`);
    }
    return [`Written with firewall.allowWithoutDnsProxy although ${why}: these network rules match nothing until it has DNS proxy: ${flows.join("; ")}.`];
}

type Match = 0 | 1 | 2; // no, maybe, yes

/** What a gateway rule lets through, as a Deny sees it. */
interface Traffic {
    readonly name: string;
    readonly protocols: readonly string[];
    readonly ports: readonly string[];
    readonly fqdns: readonly string[];
    readonly addresses: readonly string[];
}

const applicationTraffic = (r: ApplicationRule): Traffic => ({ name: r.name, protocols: ["TCP"], ports: r.protocols.map((p) => String(p.port)), fqdns: r.targetFqdns, addresses: [] });
const networkTraffic = (r: NetworkRule): Traffic => ({ name: r.name, protocols: r.ipProtocols, ports: r.destinationPorts, fqdns: r.destinationFqdns ?? [], addresses: r.destinationAddresses ?? [] });

const portSpan = (p: string): [number, number] => {
    const [a, b] = p.trim().split("-");
    return p.trim() === "*" ? [0, 65535] : [Number(a), Number(b ?? a)];
};
const anyProtocol = (list: readonly string[]) => list.length === 0 || list.some((p) => p.toLowerCase() === "any");

/** Whether a Deny network rule matches a gateway rule's traffic from its sources. */
function matches(deny: DenyRule, sources: SourceOptions, traffic: Traffic, known: ReadonlyMap<string, string>): { match: Match; why: string[] } {
    const why: string[] = [];
    const protocols = anyProtocol(deny.ipProtocols) || anyProtocol(traffic.protocols) || deny.ipProtocols.some((p) => traffic.protocols.some((t) => t.toLowerCase() === p.toLowerCase()));
    const port = deny.destinationPorts.some((p) => traffic.ports.some((t) => overlaps(portSpan(p), portSpan(t))));
    if (!protocols || !port) {
        return { match: 0, why };
    }
    const names = traffic.fqdns.map((n) => n.toLowerCase());
    const addresses = [...traffic.addresses, ...traffic.fqdns.map((n) => known.get(n)).filter((a): a is string => a !== undefined)].map(span).filter((s): s is [number, number] => s !== undefined);
    const tags = traffic.addresses.filter((a) => span(a) === undefined && !isAny(a)).map((t) => t.toLowerCase());
    const unknown = traffic.fqdns.filter((n) => !known.has(n));
    // Only a traffic wholly at known private addresses stays clear of every service tag.
    const onlyPrivate = unknown.length === 0 && tags.length === 0 && addresses.every(isPrivate);
    let destination: Match = 0;
    for (const d of deny.destinationAddresses) {
        const s = span(d);
        if (isAny(d) || (s && addresses.some((a) => overlaps(a, s))) || (!s && tags.includes(d.toLowerCase()))) {
            destination = 2;
        } else if (destination < 2 && s && !isPrivate(s) && unknown.length > 0) {
            // A name whose address the plan does not know resolves, most likely, to a public one.
            destination = 1;
            why.push(`destination ${d}, which may hold the address of ${unknown.join(", ")}, not known here`);
        } else if (destination < 2 && !s && !onlyPrivate) {
            destination = 1;
            why.push(`destination service tag ${d}: not read`);
        }
    }
    if (deny.destinationFqdns.some((f) => names.includes(f.toLowerCase()))) {
        destination = 2;
    }
    if (deny.destinationIpGroups.length > 0 && destination < 2) {
        destination = 1;
        why.push(`destination IP Groups ${deny.destinationIpGroups.join(", ")}: not read`);
    }
    const own = sources.sourceAddresses.map(span).filter((s): s is [number, number] => s !== undefined);
    let source: Match = deny.sourceAddresses.some((a) => isAny(a) || own.some((o) => { const s = span(a); return s !== undefined && overlaps(o, s); })) ? 2 : 0;
    const ownGroups = sources.sourceIpGroupIds.map((g) => g.toLowerCase());
    if (deny.sourceIpGroups.some((g) => ownGroups.includes(g.toLowerCase()))) {
        source = 2;
    } else if (source < 2 && (deny.sourceIpGroups.length > 0 || (ownGroups.length > 0 && deny.sourceAddresses.length > 0))) {
        // An IP Group's addresses are not read: its overlap with the other side is unknown.
        source = 1;
        why.push(deny.sourceIpGroups.length > 0 ? `source IP Groups ${deny.sourceIpGroups.join(", ")}: not read` : "the gateway's sources are IP Groups: not read");
    }
    return { match: Math.min(destination, source) as Match, why: destination === 2 && source === 2 ? [] : why };
}

/** Where the gateway's groups sit: the priority given, else that of its group as read, else anywhere in `priorityRange` (the ledger allocates from it). */
export interface GatewayPriority {
    readonly low: number;
    readonly high: number;
}

export function gatewayPriority(reading: PolicyReading, placement: PlacementOptions, isOwnGroup: (name: string) => boolean): GatewayPriority {
    if (placement.priority !== undefined) {
        return { low: placement.priority, high: placement.priority };
    }
    const read = reading.groups.filter((g) => isOwnGroup(g.name)).flatMap((g) => (g.priority === undefined ? [] : [g.priority]));
    return read.length > 0 ? { low: Math.min(...read), high: Math.max(...read) } : { low: placement.priorityRange.start, high: placement.priorityRange.end };
}

/** Whether a Deny's network rule runs before the gateway's network rules (PolicyDoc.RuleProcessing): the parent's first, then by group priority. */
function precedes(deny: DenyRule, reading: PolicyReading, at: GatewayPriority): { match: Match; why?: string } {
    if (deny.policy !== reading.policy) {
        return { match: 2 };
    }
    const p = deny.groupPriority;
    if (p === undefined) {
        return { match: 1, why: "its group's priority not read" };
    }
    return p < at.low ? { match: 2 } : p > at.high ? { match: 0 } : { match: 1, why: `its group's priority ${p} within the gateway's ${at.low}-${at.high}` };
}

/** A gateway network rule that surely lets an application rule's traffic through: TCP on its port to each of its names or their known addresses. */
function coveredBy(app: Traffic, network: readonly NetworkRule[], known: ReadonlyMap<string, string>): NetworkRule | undefined {
    return network.find((n) => (anyProtocol(n.ipProtocols) || n.ipProtocols.some((p) => p.toLowerCase() === "tcp"))
        && app.ports.every((port) => n.destinationPorts.some((p) => overlaps(portSpan(p), portSpan(port))))
        && app.fqdns.every((f) => (n.destinationFqdns ?? []).some((d) => d.toLowerCase() === f.toLowerCase())
            || (n.destinationAddresses ?? []).some((d) => { const a = known.get(f); const s = span(d); const k = a === undefined ? undefined : span(a); return isAny(d) || (s !== undefined && k !== undefined && k[0] >= s[0] && k[1] <= s[1]); })));
}

interface Found { match: Match; rules: Set<string>; why: Set<string> }

function record(found: Map<DenyRule, Found>, deny: DenyRule, match: Match, rule: string, why: readonly string[]): void {
    const entry = found.get(deny) ?? { match, rules: new Set<string>(), why: new Set<string>() };
    entry.match = Math.max(entry.match, match) as Match;
    entry.rules.add(rule);
    why.forEach((w) => entry.why.add(w));
    found.set(deny, entry);
}

function shadowingNotes(readings: readonly PolicyReading[], gateways: readonly GatewayFirewall[], isOwnGroup: (name: string) => boolean, reading: PolicyReading, at: GatewayPriority): string[] {
    const denies = readings.flatMap((r) => r.groups.filter((g) => r !== reading || !isOwnGroup(g.name)).flatMap((g) => g.denyRules));
    const application = new Map<DenyRule, Found>();
    const network = new Map<DenyRule, Found>();
    for (const g of gateways) {
        const label = (name: string) => `${g.prefix.replace(/: $/, "/")}${name}`;
        const own = networkRules(g);
        for (const deny of denies) {
            const order = precedes(deny, reading, at);
            for (const rule of own) {
                const { match, why } = matches(deny, g.sources, networkTraffic(rule), g.knownAddresses);
                const m = Math.min(match, order.match) as Match;
                if (m > 0) {
                    record(network, deny, m, label(rule.name), [...why, ...(order.why ? [order.why] : [])]);
                }
            }
            for (const app of g.ruleCollections.flatMap((c) => c.rules).filter((r): r is ApplicationRule => r.ruleType === "ApplicationRule")) {
                const traffic = applicationTraffic(app);
                const { match, why } = matches(deny, g.sources, traffic, g.knownAddresses);
                // Network rules run first: the gateway's own network Allow for the same traffic, if
                // it comes before the Deny, lets it through and the application rule is never asked.
                const passing = coveredBy(traffic, own, g.knownAddresses);
                const m = (passing ? Math.min(match, order.match) : match) as Match;
                if (m > 0) {
                    record(application, deny, m, label(app.name), [...why, ...(passing && order.why ? [`unless ${label(passing.name)} comes first: ${order.why}`] : [])]);
                }
            }
        }
    }
    const name = (d: DenyRule) => `group ${d.group}, collection ${d.collection}, rule ${d.rule} (policy ${d.policy})`;
    // In the order of their names, whatever order Azure lists the groups in: the notes are outputs.
    const sorted = (found: Map<DenyRule, Found>, match: Match) => [...found].filter(([, e]) => e.match === match)
        .map(([d, e]) => [d, { rules: [...e.rules].sort(byCodePoint), why: [...e.why].sort(byCodePoint) }] as const).sort(([a], [b]) => byCodePoint(name(a), name(b)));
    const where = (d: DenyRule) => `${d.policy !== reading.policy ? "the parent policy" : `group priority ${d.groupPriority ?? "not read"}`}, collection priority ${d.collectionPriority ?? "not read"}`;
    const order = "\"Application rules are always processed after network rules ... regardless of Rule Collection Group or Rule Collection priority and policy inheritance\"";
    const notes: string[] = [];
    const sureNetwork = sorted(network, 2);
    if (sureNetwork.length > 0) {
        notes.push(`These Deny network rules come before the gateway's network rules and match their traffic: network rules run by rule collection group priority, then rule collection priority, the parent policy's first, and the first match ends processing (${PolicyDoc.RuleProcessing}). ${sureNetwork.map(([d, e]) => `${name(d)}, ${where(d)}, blocks ${e.rules.join(", ")}`).join("; ")}. Give the gateway's group a lower priority number than the Deny's group (firewall.priority; a parent policy's rules always come first), or narrow the Deny's sources to leave out the gateway's.`);
    }
    const maybeNetwork = sorted(network, 1);
    if (maybeNetwork.length > 0) {
        notes.push(`These Deny network rules may come before the gateway's network rules and match their traffic (${PolicyDoc.RuleProcessing}): ${maybeNetwork.map(([d, e]) => `${name(d)} may block ${e.rules.join(", ")} (${e.why.join("; ")})`).join("; ")}.`);
    }
    const sure = sorted(application, 2);
    if (sure.length > 0) {
        notes.push(`These Deny network rules match the gateway's HTTPS traffic, so its application rules never see it: ${order} (${PolicyDoc.RuleProcessing}). ${sure.map(([d, e]) => `${name(d)} shadows ${e.rules.join(", ")}`).join("; ")}. Narrow the Deny's sources to leave out the gateway's, or deny in an application rule collection instead, which is ordered by priority with the gateway's.`);
    }
    const maybe = sorted(application, 1);
    if (maybe.length > 0) {
        notes.push(`These Deny network rules may match the gateway's HTTPS traffic, and network rules run before every application rule (${PolicyDoc.RuleProcessing}): ${maybe.map(([d, e]) => `${name(d)} may shadow ${e.rules.join(", ")} (${e.why.join("; ")})`).join("; ")}.`);
    }
    return notes;
}

/** The groups already on the policy besides this program's, and the limits they imply. */
export interface PolicyRoom {
    readonly placement: PlacementOptions;
    readonly existingGroups: readonly string[];
    readonly notes: readonly string[];
}

/**
 * The room on the policy. Its creation date, which decides 50/60 groups and 1/2 MB, is not in the
 * policy document: a group over 1 MB, or more than 50 groups, shows a newer policy; otherwise the
 * user's settings (or the defaults) stand.
 */
export function policyRoom(reading: PolicyReading | undefined, placement: PlacementOptions, isOwnGroup: (name: string) => boolean): PolicyRoom {
    if (!reading?.facts) {
        return { placement, existingGroups: [], notes: [] };
    }
    const existing = reading.facts.groupNames.filter((n) => !isOwnGroup(n)).sort(byCodePoint);
    const sizes = new Map(reading.groups.map((g) => [g.name, g.bytes]));
    const large = reading.groups.find((g) => g.bytes > DEFAULT_MAX_GROUP_BYTES);
    const evidence = large ? `its group ${large.name} takes ${(large.bytes / MB).toFixed(1)} MB, more than a policy created before July 2022 accepts`
        : reading.facts.groupNames.length > DEFAULT_MAX_RULE_COLLECTION_GROUPS ? `it holds ${reading.facts.groupNames.length} groups, more than a policy created before July 2022 accepts` : undefined;
    const adjusted: PlacementOptions = evidence ? {
        ...placement,
        maxGroupBytes: placement.limitsGiven.maxGroupBytes ? placement.maxGroupBytes : MAX_GROUP_BYTES,
        maxRuleCollectionGroups: placement.limitsGiven.maxRuleCollectionGroups ? placement.maxRuleCollectionGroups : MAX_RULE_COLLECTION_GROUPS,
    } : placement;
    const notes = existing.length === 0 ? [] : [
        `Policy ${reading.policy} already holds ${existing.length} rule collection group${existing.length === 1 ? "" : "s"} besides this component's (${existing.map((n) => (sizes.has(n) ? `${n} ${((sizes.get(n) as number) / MB).toFixed(3)} MB` : n)).join(", ")}): they count against its ${adjusted.maxRuleCollectionGroups} groups (${PolicyDoc.FirewallLimits}).`
        + (evidence ? ` The policy was created after July 2022: ${evidence}; so it takes ${MAX_RULE_COLLECTION_GROUPS} groups of ${MAX_GROUP_BYTES / MB} MB, and the limits not set by firewall.maxRuleCollectionGroups or firewall.maxGroupBytes are those.` : ""),
    ];
    return { placement: adjusted, existingGroups: existing, notes };
}

/**
 * What the policy decides about the gateways' traffic: notes, or an `InputError` for FQDN network
 * rules without DNS proxy (unless `placement.allowWithoutDnsProxy`). `reading` undefined: no policy target.
 */
export function policyNotes(reading: PolicyReading | undefined, gateways: readonly GatewayFirewall[], placement: PlacementOptions, isOwnGroup: (name: string) => boolean): string[] {
    if (reading === undefined) {
        return [];
    }
    const facts = reading.facts;
    if (!facts) {
        return [notRead(reading)];
    }
    const parent = reading.parent;
    return [
        ...returnPathNotes(facts, reading, gateways),
        ...dnsProxyNotes(facts, reading, gateways, placement.allowWithoutDnsProxy),
        ...shadowingNotes([reading, ...(parent?.facts ? [parent] : [])], gateways, isOwnGroup, reading, gatewayPriority(reading, placement, isOwnGroup)),
        ...(parent && !parent.facts ? [`The parent policy ${parent.policy} (basePolicy of ${reading.policy}) was not read (${parent.unread}): its Deny network rules, which take precedence, are not checked.`] : []),
        ...[reading, ...(parent ? [parent] : [])].map((r) => ({ r, unread: r.unreadGroups.filter((g) => r !== reading || !isOwnGroup(g.name)) })).filter(({ unread }) => unread.length > 0)
            .map(({ r, unread }) => `Rule collection groups of policy ${r.policy} not read, so not checked for Deny rules: ${unread.map((g) => `${g.name} (${g.reason})`).join(", ")}.`),
    ];
}

/** Refuses a component's own group when the groups already on the policy leave no room for it. */
export function checkRoom(room: PolicyRoom, reading: PolicyReading | undefined): void {
    const max = room.placement.maxRuleCollectionGroups;
    if (room.existingGroups.length + 1 > max) {
        throw new InputError("firewall.maxRuleCollectionGroups", max, `Policy ${reading?.policy ?? ""} already holds ${room.existingGroups.length} rule collection groups this component does not write (${room.existingGroups.join(", ")}): with this one it would hold ${room.existingGroups.length + 1}, and it accepts ${max} here (Azure: 50 for policies created before July 2022, 60 after). Remove groups nobody uses, or put the gateways of this policy into one GatewayEgressRuleCollectionGroup.`);
    }
}
