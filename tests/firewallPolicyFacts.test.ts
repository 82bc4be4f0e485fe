// The target firewall policy as facts and findings (components/firewallPolicyFacts.ts,
// firewallPolicyFindings.ts): policy documents in the shapes `az`, the azure-native invoke and the
// REST GET return, in; notes or a refusal out.
import { strict as assert } from "assert";
import { InputError } from "../components/errors";
import { FilterRuleCollection } from "../components/firewallRules";
import { normalizeFirewallPolicy, normalizeRuleCollectionGroup, PolicyReading } from "../components/firewallPolicyFacts";
import { GatewayFirewall, policyNotes, policyRoom } from "../components/firewallPolicyFindings";
import { DEFAULT_MAX_GROUP_BYTES, DEFAULT_PRIORITY_RANGE, PlacementOptions } from "../components/options";
import { fixture, with_ } from "./helpers";

const POLICY = "fwpol-hub in rg-hub";
const OWN = (n: string) => n === "apim-shgw-egress";
const DENY_GROUPS = fixture("rule-collection-groups-deny-all-443.json") as unknown as Record<string, unknown>[];

function reading(policyDocument: Record<string, unknown>, groups: readonly Record<string, unknown>[] = DENY_GROUPS, parent?: PolicyReading, policy = POLICY): PolicyReading {
    return {
        policy,
        facts: normalizeFirewallPolicy(policyDocument),
        groups: groups.map((g) => normalizeRuleCollectionGroup(g, policy)).filter((g) => g !== undefined),
        unreadGroups: [],
        parent,
    };
}

const network = (name: string, extra: Record<string, unknown>) => ({ ruleType: "NetworkRule", name, description: "", ipProtocols: ["TCP"], sourceAddresses: ["10.80.0.0/24"], ...extra });
const CONFIGURATION_ADDRESS = network("configuration-address", { destinationAddresses: ["10.50.2.4/32"], destinationPorts: ["443"] });
const AMQP = network("eventhubs-contoso-logs-amqp", { destinationFqdns: ["contoso-logs.servicebus.windows.net"], destinationPorts: ["5671-5672"] });
const CONFIGURATION_HOST = {
    ruleType: "ApplicationRule", name: "configuration-host", description: "", protocols: [{ protocolType: "Https", port: 443 }],
    sourceAddresses: ["10.80.0.0/24"], targetFqdns: ["contoso-dev.configuration.azure-api.net"],
};

function gateway(rules: readonly Record<string, unknown>[], sources: Partial<GatewayFirewall["sources"]> = {}): GatewayFirewall {
    const collection = (name: string, type: string): FilterRuleCollection[] => {
        const own = rules.filter((r) => r.ruleType === type);
        return own.length === 0 ? [] : [{ ruleCollectionType: "FirewallPolicyFilterRuleCollection", name, priority: 100, action: { type: "Allow" }, rules: own as never }];
    };
    return {
        prefix: "",
        sources: { sourceAddresses: ["10.80.0.0/24"], sourceIpGroupIds: [], ...sources },
        ruleCollections: [...collection("apim-gateway-network", "NetworkRule"), ...collection("apim-gateway-application", "ApplicationRule")],
        knownAddresses: new Map([["contoso-dev.configuration.azure-api.net", "10.50.2.4"]]),
    };
}

const notesOf = (r: PolicyReading | undefined, g: GatewayFirewall, allow = false) => policyNotes(r, [g], placement({ allowWithoutDnsProxy: allow }), OWN);

function placement(change: Partial<PlacementOptions> = {}): PlacementOptions {
    return {
        policy: { resourceGroupName: "rg-hub", policyName: "fwpol-hub" }, ruleCollectionGroupName: "apim-shgw-egress", priorityRange: { ...DEFAULT_PRIORITY_RANGE },
        serializeWrites: true, maxGroupBytes: DEFAULT_MAX_GROUP_BYTES, maxRuleCollectionGroups: 50,
        limitsGiven: { maxGroupBytes: false, maxRuleCollectionGroups: false }, allowWithoutDnsProxy: false, ...change,
    };
}

/** A Deny collection with one network rule, as `rule-collection-group list` prints it. */
function denyGroup(name: string, rule: Record<string, unknown>): Record<string, unknown> {
    return {
        name, priority: 100, size: "0.001 MB", type: "Microsoft.Network/FirewallPolicies/RuleCollectionGroups",
        ruleCollections: [{ ruleCollectionType: "FirewallPolicyFilterRuleCollection", name: "deny", priority: 100, action: { type: "Deny" }, rules: [{ ruleType: "NetworkRule", name: "r", ipProtocols: ["TCP"], sourceAddresses: [], sourceIpGroups: [], destinationAddresses: [], destinationFqdns: [], destinationIpGroups: [], destinationPorts: ["443"], ...rule }] }],
    };
}

const shadowNote = (r: PolicyReading) => notesOf(r, gateway([CONFIGURATION_HOST])).filter((n) => /Deny network rules/.test(n));

const RETURN_PATH = "The network rule configuration-address opens the VIP 10.50.2.4 without SNAT: policy fwpol-hub in rg-hub has no snat.privateRanges, so the default IANAPrivateRanges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10), which include it, and \"Azure Firewall doesn't SNAT with Network rules when the destination IP address is in a private IP address range\" (https://learn.microsoft.com/azure/firewall/snat-private-range). The APIM subnet then answers the gateway hosts directly and the reply bypasses the firewall: route the replies back through the firewall (a UDR on the APIM subnet for the gateway's source networks, next hop the firewall), or make the policy SNAT it (snat.privateRanges without it; 255.255.255.255/32 = always SNAT). The APIM subnet's NSG must admit TCP 443 from the gateway's sources (10.80.0.0/24), or, once SNATed, from the firewall's private addresses.";

describe("firewall policy facts", () => {
    describe("normalizing", () => {
        it("reads az network firewall policy show output: tier, DNS proxy, SNAT ranges and the groups' names", () => {
            assert.deepEqual(normalizeFirewallPolicy(fixture("firewall-policy-snat-always.json")), {
                name: "fwpol-hub", subscriptionId: "11111111-2222-3333-4444-555555555555", tier: "Standard", dnsProxy: true, requireProxyForNetworkRules: undefined,
                snatPrivateRanges: ["255.255.255.255/32"], autoLearnPrivateRanges: false, basePolicyId: undefined, groupNames: ["apim-shgw-egress", "platform-deny"],
            });
        });

        it("reads the REST GET's nested properties the same way", () => {
            const az = fixture("firewall-policy-snat-always.json");
            const { id, name, type, location, ...properties } = az;
            assert.deepEqual(normalizeFirewallPolicy({ id, name, type, location, properties }), normalizeFirewallPolicy(az));
        });

        it("takes a document of another type for no policy at all", () => {
            assert.equal(normalizeFirewallPolicy({ name: "contoso-apim", type: "Microsoft.ApiManagement/service", sku: { name: "Premium" } }), undefined);
        });

        it("keeps a group's Deny network rules and reads its size in MB", () => {
            const group = normalizeRuleCollectionGroup(with_(DENY_GROUPS[1], (g) => (g.size = "1.5 MB")), POLICY);
            assert.equal(group?.bytes, 1.5 * 1024 * 1024);
            assert.deepEqual(group?.denyRules.map((r) => `${r.group}/${r.collection}/${r.rule}`), ["platform-deny/deny-internet-https/deny-all-443", "platform-deny/deny-internet-https/deny-other-site-443"]);
        });

        it("keeps the group's and the collection's priorities of each Deny rule, which order network rules", () => {
            const group = normalizeRuleCollectionGroup(DENY_GROUPS[1], POLICY);
            assert.deepEqual([group?.priority, group?.denyRules.map((r) => [r.groupPriority, r.collectionPriority])], [200, [[200, 1000], [200, 1000]]]);
        });

        it("reads a group's REST shape (properties nested) as its az shape", () => {
            const { name, id, type, ...properties } = DENY_GROUPS[1];
            assert.deepEqual(normalizeRuleCollectionGroup({ name, id, type, properties }, POLICY), normalizeRuleCollectionGroup(DENY_GROUPS[1], POLICY));
        });

        it("takes a group listed without its collections for an empty one", () => {
            assert.deepEqual(normalizeRuleCollectionGroup({ name: "empty", priority: 100, ruleCollections: null, size: "0.0001 MB" }, POLICY), { name: "empty", priority: 100, bytes: 105, denyRules: [] });
        });

        it("keeps no rule of an Allow collection", () => {
            assert.deepEqual(normalizeRuleCollectionGroup(DENY_GROUPS[0], POLICY)?.denyRules, []);
        });
    });

    describe("the return path of the ip configuration rule", () => {
        it("names the VIP, the default SNAT ranges, both remedies and the NSG when the policy leaves snat.privateRanges out", () => {
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-default-snat.json"), []), gateway([CONFIGURATION_ADDRESS])), [RETURN_PATH]);
        });

        it("names the other network rules to private addresses it does not SNAT (a backend, StatsD), not those to public ones", () => {
            const backend = network("backend-orders", { destinationAddresses: ["10.90.1.4/32"], destinationPorts: ["8443"] });
            const statsd = { ...network("statsd", { destinationAddresses: ["10.90.2.5"], destinationPorts: ["8125"] }), ipProtocols: ["UDP"] };
            const publicBackend = network("backend-partner", { destinationAddresses: ["20.1.2.3/32"], destinationPorts: ["443"] });
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-default-snat.json"), []), gateway([CONFIGURATION_ADDRESS, backend, statsd, publicBackend])), [
                "These network rules open private addresses the policy does not SNAT either (no snat.privateRanges, so the default IANAPrivateRanges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10); https://learn.microsoft.com/azure/firewall/snat-private-range): backend-orders (10.90.1.4/32); statsd (10.90.2.5). The hosts there answer the gateway's addresses directly, so their subnets must route the replies back through the firewall (a UDR for the gateway's source networks, next hop the firewall), or the policy must SNAT them; their NSGs must admit the gateway's sources.",
                RETURN_PATH,
            ]);
        });

        it("names them without the configuration rule too (configurationAddress public)", () => {
            const backend = network("backend-orders", { destinationAddresses: ["10.90.1.4/32"], destinationPorts: ["8443"] });
            assert.match(notesOf(reading(fixture("firewall-policy-default-snat.json"), []), gateway([backend]))[0], /^These network rules open private addresses .*: backend-orders \(10\.90\.1\.4\/32\)\. /);
        });

        it("says nothing when the policy always SNATs (255.255.255.255/32)", () => {
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-snat-always.json"), []), gateway([CONFIGURATION_ADDRESS])), []);
        });

        it("expands IANAPrivateRanges beside the ranges added to it", () => {
            const doc = with_(fixture("firewall-policy-default-snat.json"), (d) => (d.snat = { privateRanges: ["IANAPrivateRanges", "203.0.113.0/24"] }));
            assert.match(notesOf(reading(doc, []), gateway([CONFIGURATION_ADDRESS]))[0], /has snat\.privateRanges IANAPrivateRanges, 203\.0\.113\.0\/24, which include it/);
        });

        it("warns that auto-learned ranges may include the VIP when the configured ones do not", () => {
            const doc = with_(fixture("firewall-policy-default-snat.json"), (d) => (d.snat = { privateRanges: ["255.255.255.255/32"], autoLearnPrivateRanges: "Enabled" }));
            assert.match(notesOf(reading(doc, []), gateway([CONFIGURATION_ADDRESS]))[0], /^Policy fwpol-hub in rg-hub auto-learns SNAT private ranges \(snat\.autoLearnPrivateRanges Enabled\): if the learned ranges include it, the network rule configuration-address opens the VIP 10\.50\.2\.4 without SNAT/);
        });
    });

    it("says the return path once for every gateway of a hub, naming each with its VIP", () => {
        const hub = ["site1", "site2"].map((name) => ({ ...gateway([CONFIGURATION_ADDRESS]), prefix: `gateway ${name}: ` }));
        const notes = policyNotes(reading(fixture("firewall-policy-default-snat.json"), []), hub, placement(), OWN);
        assert.deepEqual(notes.map((n) => n.slice(0, 120)), ["The network rules configuration-address open the VIPs of gateway site1 (10.50.2.4), gateway site2 (10.50.2.4) without SN"]);
    });

    describe("DNS proxy", () => {
        it("refuses FQDN network rules on a policy with DNS proxy off, naming the flows", () => {
            assert.throws(() => notesOf(reading(fixture("firewall-policy-dns-proxy-off.json"), []), gateway([AMQP])), (e: unknown) => e instanceof InputError
                && e.message === "Invalid value for dnsSettings.enableProxy: false. Network rules with FQDN destinations would not match: policy fwpol-hub in rg-hub has DNS proxy off (dnsSettings.enableProxy false), and \"You must enable DNS Proxy to use FQDNs in your network rules\" (https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules). Flows: eventhubs-contoso-logs-amqp (TCP 5671-5672 to contoso-logs.servicebus.windows.net). Turn on DNS proxy in the policy, give these destinations as addresses, or set firewall.allowWithoutDnsProxy: true to write them anyway.");
        });

        it("refuses them on a Basic-tier policy even with DNS proxy on", () => {
            const basic = with_(fixture("firewall-policy-default-snat.json"), (d) => (d.sku = { tier: "Basic" }));
            assert.throws(() => notesOf(reading(basic, []), gateway([AMQP])), /^InputError: Invalid value for sku\.tier: "Basic"\. .*Basic tier, which has no DNS proxy/);
        });

        it("writes them with a note when firewall.allowWithoutDnsProxy is set", () => {
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-dns-proxy-off.json"), []), gateway([AMQP]), true), [
                "Written with firewall.allowWithoutDnsProxy although policy fwpol-hub in rg-hub has DNS proxy off (dnsSettings.enableProxy false), and \"You must enable DNS Proxy to use FQDNs in your network rules\" (https://learn.microsoft.com/azure/firewall/fqdn-filtering-network-rules): these network rules match nothing until it has DNS proxy: eventhubs-contoso-logs-amqp (TCP 5671-5672 to contoso-logs.servicebus.windows.net).",
            ]);
        });

        it("refuses them on a policy with DNS proxy on but dnsSettings.requireProxyForNetworkRules false", () => {
            const off = with_(fixture("firewall-policy-default-snat.json"), (d) => (d.dnsSettings = { enableProxy: true, requireProxyForNetworkRules: false, servers: [] }));
            assert.throws(() => notesOf(reading(off, []), gateway([AMQP])), (e: unknown) => e instanceof InputError
                && e.message === "Invalid value for dnsSettings.requireProxyForNetworkRules: false. Network rules with FQDN destinations would not match: policy fwpol-hub in rg-hub has dnsSettings.requireProxyForNetworkRules false, and \"FQDNs in Network Rules are supported when set to true\" (https://learn.microsoft.com/javascript/api/@azure/arm-network/dnssettings). Flows: eventhubs-contoso-logs-amqp (TCP 5671-5672 to contoso-logs.servicebus.windows.net). Set dnsSettings.requireProxyForNetworkRules to true in the policy, give these destinations as addresses, or set firewall.allowWithoutDnsProxy: true to write them anyway.");
        });

        it("takes requireProxyForNetworkRules true, or left out, with DNS proxy on for FQDN network rules working", () => {
            const on = (dns: Record<string, unknown>) => with_(fixture("firewall-policy-default-snat.json"), (d) => (d.dnsSettings = dns));
            assert.deepEqual([on({ enableProxy: true, requireProxyForNetworkRules: true }), on({ enableProxy: true })].map((p) => notesOf(reading(p, []), gateway([AMQP]))), [[], []]);
        });

        it("does not mind DNS proxy off when no network rule names an FQDN", () => {
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-dns-proxy-off.json"), []), gateway([CONFIGURATION_HOST])), []);
        });
    });

    describe("Deny network rules that shadow the application rules", () => {
        const policy = () => fixture("firewall-policy-default-snat.json");

        it("names a Deny to 0.0.0.0/0:443 from any source by group, collection and rule, with the processing order; not the Deny for another site", () => {
            assert.deepEqual(shadowNote(reading(policy())), [
                "These Deny network rules match the gateway's HTTPS traffic, so its application rules never see it: \"Application rules are always processed after network rules ... regardless of Rule Collection Group or Rule Collection priority and policy inheritance\" (https://learn.microsoft.com/azure/firewall/rule-processing). group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-hub in rg-hub) shadows configuration-host. Narrow the Deny's sources to leave out the gateway's, or deny in an application rule collection instead, which is ordered by priority with the gateway's.",
            ]);
        });

        it("names a Deny on every port (*) to *", () => {
            assert.equal(shadowNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["10.80.0.0/16"], destinationAddresses: ["*"], destinationPorts: ["*"] })])).length, 1);
        });

        it("names a Deny to a range of ports holding 443", () => {
            assert.equal(shadowNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["*"], destinationPorts: ["1-1024"] })])).length, 1);
        });

        it("names a Deny to the address the configuration host resolves to", () => {
            assert.match(shadowNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["10.0.0.0/8"] })]))[0], /^These Deny network rules match/);
        });

        it("does not name a Deny for UDP only, or on port 80 only", () => {
            assert.deepEqual(shadowNote(reading(policy(), [
                denyGroup("udp", { ipProtocols: ["UDP"], sourceAddresses: ["*"], destinationAddresses: ["*"] }),
                denyGroup("http", { sourceAddresses: ["*"], destinationAddresses: ["*"], destinationPorts: ["80"] }),
            ])), []);
        });

        const LOGIN = { ...CONFIGURATION_HOST, name: "entra-login", targetFqdns: ["login.microsoftonline.com"] };
        const loginNote = (r: PolicyReading) => notesOf(r, gateway([LOGIN])).filter((n) => /Deny network rules/.test(n));

        it("says a Deny to a service tag may shadow a name whose address is not known, since the tag's addresses are not read", () => {
            assert.deepEqual(loginNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["Internet"] })])), [
                "These Deny network rules may match the gateway's HTTPS traffic, and network rules run before every application rule (https://learn.microsoft.com/azure/firewall/rule-processing): group g, collection deny, rule r (policy fwpol-hub in rg-hub) may shadow entra-login (destination service tag Internet: not read).",
            ]);
        });

        it("does not name a Deny to a service tag for the configuration host, whose only known address is the private VIP (no tag holds RFC 1918)", () => {
            assert.deepEqual(shadowNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["Internet", "AzureCloud"] })])), []);
        });

        it("says a Deny to public ranges may shadow a name whose address is not known (Entra's 20.190.128.0/18, 40.126.0.0/18)", () => {
            assert.deepEqual(loginNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["20.190.128.0/18", "40.126.0.0/18"] })])), [
                "These Deny network rules may match the gateway's HTTPS traffic, and network rules run before every application rule (https://learn.microsoft.com/azure/firewall/rule-processing): group g, collection deny, rule r (policy fwpol-hub in rg-hub) may shadow entra-login (destination 20.190.128.0/18, which may hold the address of login.microsoftonline.com, not known here; destination 40.126.0.0/18, which may hold the address of login.microsoftonline.com, not known here).",
            ]);
        });

        it("does not name a Deny to a private range for a name whose address is not known, nor one to a public range for the private VIP", () => {
            assert.deepEqual([
                loginNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["10.99.0.0/16"] })])),
                shadowNote(reading(policy(), [denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["20.0.0.0/8"] })])),
            ], [[], []]);
        });

        it("says a Deny from an IP Group may shadow, and one from the gateway's own IP Group does", () => {
            const ipGroup = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/ipGroups/factories";
            const group = denyGroup("g", { sourceIpGroups: [ipGroup], destinationAddresses: ["*"] });
            assert.match(shadowNote(reading(policy(), [group]))[0], /may shadow configuration-host \(source IP Groups .*ipGroups\/factories: not read\)\.$/);
            assert.match(policyNotes(reading(policy(), [group]), [gateway([CONFIGURATION_HOST], { sourceAddresses: [], sourceIpGroupIds: [ipGroup] })], placement(), OWN)[0], /^These Deny network rules match the gateway's HTTPS traffic/);
        });

        it("names a Deny of the parent policy (basePolicy)", () => {
            const parent = reading(policy(), [denyGroup("parent-deny", { sourceAddresses: ["*"], destinationAddresses: ["0.0.0.0/0"] })], undefined, "fwpol-root in rg-hub");
            assert.match(shadowNote(reading(policy(), [], parent))[0], /group parent-deny, collection deny, rule r \(policy fwpol-root in rg-hub\) shadows configuration-host/);
        });

        it("gives the same notes whatever order the policy lists its groups and rules in", () => {
            const groups = [
                denyGroup("b-deny", { sourceAddresses: ["*"], destinationAddresses: ["*"] }), denyGroup("a-deny", { sourceAddresses: ["*"], destinationAddresses: ["*"] }),
                denyGroup("c-tag", { sourceAddresses: ["*"], destinationAddresses: ["Internet", "AzureCloud"] }),
            ];
            const doc = with_(policy(), (d) => (d.ruleCollectionGroups = groups.map((g) => ({ id: `/x/ruleCollectionGroups/${String(g.name)}` }))));
            const reversed = with_(doc, (d) => d.ruleCollectionGroups.reverse());
            const all = (r: PolicyReading) => [...notesOf(r, gateway([CONFIGURATION_HOST])), ...policyRoom(r, placement(), OWN).notes];
            assert.deepEqual(all(reading(reversed, [...groups].reverse())), all(reading(doc, groups)));
            assert.match(all(reading(doc, groups))[0], /group a-deny, .* shadows configuration-host; group b-deny, /);
        });

        it("leaves out the groups this program writes", () => {
            assert.deepEqual(shadowNote(reading(policy(), [{ ...denyGroup("apim-shgw-egress", { sourceAddresses: ["*"], destinationAddresses: ["*"] }) }])), []);
        });
    });

    describe("Deny network rules that come before the gateway's network rules", () => {
        const policy = () => fixture("firewall-policy-snat-always.json");
        const blockNotes = (r: PolicyReading, rules: readonly Record<string, unknown>[] = [CONFIGURATION_ADDRESS], change: Partial<PlacementOptions> = {}) =>
            policyNotes(r, [gateway(rules)], placement(change), OWN).filter((n) => /Deny network rules/.test(n));
        const BLOCKS = "These Deny network rules come before the gateway's network rules and match their traffic: network rules run by rule collection group priority, then rule collection priority, the parent policy's first, and the first match ends processing (https://learn.microsoft.com/azure/firewall/rule-processing). ";
        const REMEDY = " Give the gateway's group a lower priority number than the Deny's group (firewall.priority; a parent policy's rules always come first), or narrow the Deny's sources to leave out the gateway's.";
        const at = (priority: number) => (g: Record<string, unknown>) => ({ ...g, priority });

        it("names a Deny in a group of lower priority number than the gateway's group (as read) that blocks its configuration-address rule", () => {
            assert.deepEqual(blockNotes(reading(policy())), [
                `${BLOCKS}group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-hub in rg-hub), group priority 200, collection priority 1000, blocks configuration-address.${REMEDY}`,
            ]);
        });

        it("names a Deny on the AMQP ports that blocks the Event Hubs network rule, not one on 443 only to another address", () => {
            assert.deepEqual(blockNotes(reading(policy(), [DENY_GROUPS[0], denyGroup("amqp", { sourceAddresses: ["*"], destinationAddresses: ["*"], destinationPorts: ["5671"] }), denyGroup("vip", { sourceAddresses: ["*"], destinationAddresses: ["10.99.0.0/16"] })]), [AMQP]), [
                `${BLOCKS}group amqp, collection deny, rule r (policy fwpol-hub in rg-hub), group priority 100, collection priority 100, blocks eventhubs-contoso-logs-amqp.${REMEDY}`,
            ]);
        });

        it("does not name a Deny in a group after the gateway's", () => {
            assert.deepEqual(blockNotes(reading(policy(), DENY_GROUPS.map((g) => (g.name === "platform-deny" ? at(65000)(g) : g)))), []);
        });

        it("takes the priority given in firewall.priority over the one read", () => {
            assert.deepEqual(blockNotes(reading(policy()), [CONFIGURATION_ADDRESS], { priority: 150 }), []);
        });

        it("names a Deny of the parent policy whatever its priority", () => {
            const parent = reading(policy(), [at(65000)(denyGroup("parent-deny", { sourceAddresses: ["*"], destinationAddresses: ["0.0.0.0/0"] }))], undefined, "fwpol-root in rg-hub");
            assert.deepEqual(blockNotes(reading(policy(), [DENY_GROUPS[0]], parent)), [
                `${BLOCKS}group parent-deny, collection deny, rule r (policy fwpol-root in rg-hub), the parent policy, collection priority 100, blocks configuration-address.${REMEDY}`,
            ]);
        });

        it("says a Deny within the priority range the gateway's group is allocated from may block, when its group is not on the policy yet", () => {
            assert.deepEqual(blockNotes(reading(policy(), [at(400)(denyGroup("g", { sourceAddresses: ["*"], destinationAddresses: ["*"] }))])), [
                "These Deny network rules may come before the gateway's network rules and match their traffic (https://learn.microsoft.com/azure/firewall/rule-processing): group g, collection deny, rule r (policy fwpol-hub in rg-hub) may block configuration-address (its group's priority 400 within the gateway's 300-65000).",
            ]);
        });

        it("does not say a Deny after the gateway's group shadows an application rule whose traffic the gateway's own network rule allows first", () => {
            const groups = DENY_GROUPS.map((g) => (g.name === "platform-deny" ? at(65000)(g) : g));
            assert.deepEqual(blockNotes(reading(policy(), groups), [CONFIGURATION_ADDRESS, CONFIGURATION_HOST]), []);
        });

        it("names both when the Deny comes first: it blocks the network rule and shadows the application rule", () => {
            assert.deepEqual(blockNotes(reading(policy()), [CONFIGURATION_ADDRESS, CONFIGURATION_HOST]).map((n) => n.slice(0, 60)), [
                "These Deny network rules come before the gateway's network r",
                "These Deny network rules match the gateway's HTTPS traffic, ",
            ]);
        });
    });

    describe("what was not read", () => {
        it("says the policy was not read, and why", () => {
            assert.deepEqual(notesOf({ policy: POLICY, unread: "ResourceNotFound", groups: [], unreadGroups: [] }, gateway([AMQP])), [
                "The firewall policy fwpol-hub in rg-hub was not read (ResourceNotFound): its SNAT private ranges (the return path of a network rule), DNS proxy, Deny network rules that would shadow the application rules and the groups already on it are not checked.",
            ]);
        });

        it("says an unreadable parent policy was not checked", () => {
            const parent: PolicyReading = { policy: "fwpol-root in rg-other", unread: "AuthorizationFailed", groups: [], unreadGroups: [] };
            assert.deepEqual(notesOf(reading(fixture("firewall-policy-snat-always.json"), [], parent), gateway([CONFIGURATION_HOST])), [
                "The parent policy fwpol-root in rg-other (basePolicy of fwpol-hub in rg-hub) was not read (AuthorizationFailed): its Deny network rules, which take precedence, are not checked.",
            ]);
        });

        it("says nothing without a policy target", () => {
            assert.deepEqual(notesOf(undefined, gateway([AMQP])), []);
        });
    });

    describe("room on the policy", () => {
        it("counts the groups already there besides this program's", () => {
            const room = policyRoom(reading(fixture("firewall-policy-default-snat.json")), placement(), OWN);
            assert.deepEqual(room.existingGroups, ["platform-deny"]);
            assert.deepEqual([room.placement.maxGroupBytes, room.placement.maxRuleCollectionGroups], [1024 * 1024, 50]);
        });

        it("takes a group over 1 MB for a policy created after July 2022: 60 groups of 2 MB", () => {
            const groups = [with_(DENY_GROUPS[1], (g) => (g.size = "1.5 MB"))];
            const room = policyRoom(reading(fixture("firewall-policy-default-snat.json"), groups), placement(), OWN);
            assert.deepEqual([room.placement.maxGroupBytes, room.placement.maxRuleCollectionGroups], [2 * 1024 * 1024, 60]);
            assert.match(room.notes[0], /The policy was created after July 2022: its group platform-deny takes 1\.5 MB, more than a policy created before July 2022 accepts/);
        });

        it("keeps the limits the user set", () => {
            const groups = [with_(DENY_GROUPS[1], (g) => (g.size = "1.5 MB"))];
            const given = placement({ maxRuleCollectionGroups: 40, limitsGiven: { maxGroupBytes: false, maxRuleCollectionGroups: true } });
            const room = policyRoom(reading(fixture("firewall-policy-default-snat.json"), groups), given, OWN);
            assert.deepEqual([room.placement.maxGroupBytes, room.placement.maxRuleCollectionGroups], [2 * 1024 * 1024, 40]);
        });

        it("keeps the user's settings or the defaults when the policy was not read", () => {
            const room = policyRoom({ policy: POLICY, unread: "x", groups: [], unreadGroups: [] }, placement(), OWN);
            assert.deepEqual([room.existingGroups, room.placement, room.notes], [[], placement(), []]);
        });
    });
});
