// The CrossGuard policies, called directly with hand-written rules: each broad form in, exactly
// the expected message out. The pack itself (policy/index.ts) is never imported: constructing a
// PolicyPack starts the analyzer server and waits for the Pulumi engine.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import {
    broadEgressBackedByEgressFirewall,
    firewallFqdnNetworkRulesNeedDnsProxy,
    firewallNoOpenDestinations,
    firewallPriorityRange,
    GuardPolicy,
    GuardStackPolicy,
    networkPolicyBroadEgressOptIn,
    networkPolicyNoOpenEgress,
    PREFIX_CONFIG_SCHEMA,
} from "../policy/policies";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CILIUM = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const EGRESS_FIREWALL = "kubernetes:k8s.ovn.org/v1:EgressFirewall";
const ANNOTATION = "apim-gateway-egress/broad-egress";

/** The subset of the engine's arguments the policies read; the rest is never touched. */
function resourceArgs(type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}): ResourceValidationArgs {
    return { type, props, name: "subject", urn: `urn:pulumi:test::guard::${type}::subject`, getConfig: <T extends object>() => config as T } as unknown as ResourceValidationArgs;
}

/** The messages a resource policy reports for one resource; the validations are synchronous. */
function violations(policy: GuardPolicy, type: string, props: Record<string, unknown>, config: Record<string, unknown> = {}): string[] {
    const reported: string[] = [];
    const result = policy.validateResource(resourceArgs(type, props, config), (message) => {
        reported.push(message);
    });
    assert.equal(result, undefined);
    return reported;
}

interface StackEntry {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

/** `[urn, message]` for each violation a stack policy reports. */
function stackViolations(policy: GuardStackPolicy, entries: readonly StackEntry[], config: Record<string, unknown> = {}): [string | undefined, string][] {
    const resources = entries.map((e) => ({ type: e.type, name: e.name, props: e.props, urn: `urn:pulumi:test::guard::${e.type}::${e.name}` }) as unknown as PolicyResource);
    const args = { resources, getConfig: <T extends object>() => config as T } as unknown as StackValidationArgs;
    const reported: [string | undefined, string][] = [];
    const result = policy.validateStack(args, (message, urn) => {
        reported.push([urn, message]);
    });
    assert.equal(result, undefined);
    return reported;
}

// ---- Azure Firewall fixtures ----

function networkRule(name: string, fields: Record<string, unknown>) {
    return { ruleType: "NetworkRule", name, ipProtocols: ["TCP"], sourceAddresses: ["10.80.0.0/24"], destinationPorts: ["443"], ...fields };
}

function applicationRule(name: string, fields: Record<string, unknown>) {
    return { ruleType: "ApplicationRule", name, protocols: [{ protocolType: "Https", port: 443 }], sourceAddresses: ["10.80.0.0/24"], ...fields };
}

function rcg(rules: unknown[], action = "Allow", extra: Record<string, unknown> = {}) {
    return {
        firewallPolicyName: "fwpol-hub",
        resourceGroupName: "rg-hub",
        priority: 300,
        ruleCollections: [{ ruleCollectionType: "FirewallPolicyFilterRuleCollection", name: "apim-gateway-network", priority: 100, action: { type: action }, rules }],
        ...extra,
    };
}

const FIREWALL_ADDRESSES = "IPv4 networks and ranges of /8 or longer, IPv6 of /32 or longer, and service tags of one service";
const NAMES = "exact host names, or wildcards over a registered domain such as \"*.contoso.com\"";

/** The one wording of an address refusal in a firewall rule. */
function firewallAddress(where: string, value: string, phrase: string): string {
    return `${where}: received ${JSON.stringify(value)} (${phrase}); allowed: ${FIREWALL_ADDRESSES}; fix: name the networks the rule needs.`;
}

function firewallName(where: string, value: string, phrase: string): string {
    return `${where}: received ${JSON.stringify(value)} (${phrase}); allowed: ${NAMES}; fix: name the hosts the rule needs.`;
}

describe("policy pack: azure-firewall-no-open-destinations", () => {
    const policy = firewallNoOpenDestinations;
    const check = (rules: unknown[]) => violations(policy, RCG, rcg(rules));

    it("is mandatory and takes the prefix config", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.equal(policy.configSchema, PREFIX_CONFIG_SCHEMA);
    });

    it("passes rules with named addresses, service tags of one service, FQDNs and port ranges", () => {
        assert.deepEqual(check([
            networkRule("configuration-vip", { destinationAddresses: ["10.0.1.5"] }),
            networkRule("storage", { destinationAddresses: ["Storage.WestEurope"] }),
            networkRule("event-hubs", { destinationFqdns: ["contoso.servicebus.windows.net"], destinationPorts: ["5671-5672", "9093"] }),
            networkRule("backend", { destinationAddresses: ["10.0.0.0/8"], destinationPorts: ["1024-65535"], ipProtocols: ["TCP", "UDP"] }),
            applicationRule("configuration-host", { targetFqdns: ["contoso-apim.configuration.azure-api.net", "*.data.mcr.microsoft.com"] }),
            applicationRule("inspected", { targetUrls: ["www.contoso.com/api/*"], terminateTLS: true }),
        ]), []);
    });

    it("refuses the two halves 0.0.0.0/1 and 128.0.0.0/1", () => {
        assert.deepEqual(check([networkRule("halves", { destinationAddresses: ["0.0.0.0/1", "128.0.0.0/1"] })]), [
            'ruleCollections[0].rules[0] ("halves") destinationAddresses: received "0.0.0.0/1" (a /1 network); allowed: IPv4 networks and ranges of /8 or longer, IPv6 of /32 or longer, and service tags of one service; fix: name the networks the rule needs.',
            'ruleCollections[0].rules[0] ("halves") destinationAddresses: received "128.0.0.0/1" (a /1 network); allowed: IPv4 networks and ranges of /8 or longer, IPv6 of /32 or longer, and service tags of one service; fix: name the networks the rule needs.',
        ]);
    });

    it("refuses a /7 and passes a /8", () => {
        assert.deepEqual(check([networkRule("wide", { destinationAddresses: ["10.0.0.0/8", "8.0.0.0/7"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("wide") destinationAddresses', "8.0.0.0/7", "a /7 network"),
        ]);
    });

    it("refuses the range 0.0.0.1-255.255.255.255", () => {
        assert.deepEqual(check([networkRule("range", { destinationAddresses: ["0.0.0.1-255.255.255.255"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("range") destinationAddresses', "0.0.0.1-255.255.255.255", "a range of 4294967295 addresses, as wide as a /0"),
        ]);
    });

    it("refuses *, 0.0.0.0/0 and ::/0", () => {
        assert.deepEqual(check([networkRule("anywhere", { destinationAddresses: ["10.0.1.5", "*", "0.0.0.0/0", "::/0"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("anywhere") destinationAddresses', "*", "any address"),
            firewallAddress('ruleCollections[0].rules[0] ("anywhere") destinationAddresses', "0.0.0.0/0", "a /0 network"),
            firewallAddress('ruleCollections[0].rules[0] ("anywhere") destinationAddresses', "::/0", "a /0 IPv6 network"),
        ]);
    });

    it("refuses the Internet and Any tags", () => {
        assert.deepEqual(check([networkRule("tags", { destinationAddresses: ["Internet", "ANY"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("tags") destinationAddresses', "Internet", "the Internet service tag, every public address"),
            firewallAddress('ruleCollections[0].rules[0] ("tags") destinationAddresses', "ANY", "not an address or service tag Azure Firewall documents; it reads as any address"),
        ]);
    });

    it("refuses the AzureCloud tag and its regional tags", () => {
        assert.deepEqual(check([networkRule("azure", { destinationAddresses: ["AzureCloud", "AzureCloud.WestEurope"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("azure") destinationAddresses', "AzureCloud", "the AzureCloud service tag, every public address of Azure, any tenant's"),
            firewallAddress('ruleCollections[0].rules[0] ("azure") destinationAddresses', "AzureCloud.WestEurope", "the AzureCloud.WestEurope service tag, every public address of Azure in the region, any tenant's"),
        ]);
    });

    it("refuses a broad or * source, which opens the rule to every host", () => {
        assert.deepEqual(check([networkRule("from-anywhere", { sourceAddresses: ["*", "0.0.0.0/4"], destinationAddresses: ["10.0.1.5"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("from-anywhere") sourceAddresses', "*", "any address"),
            firewallAddress('ruleCollections[0].rules[0] ("from-anywhere") sourceAddresses', "0.0.0.0/4", "a /4 network"),
        ]);
    });

    it("refuses an address it cannot read rather than let it through", () => {
        assert.deepEqual(check([networkRule("typo", { destinationAddresses: ["10.0.0.0/8/24"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("typo") destinationAddresses', "10.0.0.0/8/24", "not an address, network, range or service tag this pack can read"),
        ]);
    });

    for (const ports of [["*"], ["1-65535"], ["0-65535"], ["1-32767", "32768-65535"]]) {
        it(`refuses destination ports ${JSON.stringify(ports)}: every port`, () => {
            assert.deepEqual(check([networkRule("all-ports", { destinationAddresses: ["10.0.1.5"], destinationPorts: ports })]), [
                `ruleCollections[0].rules[0] ("all-ports") destinationPorts: received ${JSON.stringify(ports)} (every port); allowed: the ports the flow uses, such as "443" or "5671-5672"; fix: name the ports.`,
            ]);
        });
    }

    it("refuses a destination port it cannot read", () => {
        assert.deepEqual(check([networkRule("odd-port", { destinationAddresses: ["10.0.1.5"], destinationPorts: ["443", "44x"] })]), [
            'ruleCollections[0].rules[0] ("odd-port") destinationPorts: received ["443","44x"] ("44x" is not a port or range this pack can read); allowed: the ports the flow uses, such as "443" or "5671-5672"; fix: name the ports.',
        ]);
    });

    it("refuses protocol Any", () => {
        assert.deepEqual(check([networkRule("any-protocol", { destinationAddresses: ["10.0.1.5"], ipProtocols: ["Any"] })]), [
            'ruleCollections[0].rules[0] ("any-protocol") ipProtocols: received ["Any"] (every IP protocol); allowed: TCP, UDP, ICMP; fix: name the protocols the flow uses.',
        ]);
    });

    it("refuses a * FQDN in network and application rules", () => {
        assert.deepEqual(check([networkRule("names", { destinationFqdns: ["*"] }), applicationRule("web", { targetFqdns: ["*"] })]), [
            firewallName('ruleCollections[0].rules[0] ("names") destinationFqdns', "*", "matches every host name"),
            firewallName('ruleCollections[0].rules[1] ("web") targetFqdns', "*", "matches every host name"),
        ]);
    });

    it("refuses *.com and *.*", () => {
        assert.deepEqual(check([applicationRule("tld", { targetFqdns: ["*.com", "*.*"] })]), [
            firewallName('ruleCollections[0].rules[0] ("tld") targetFqdns', "*.com", "matches every host name under \"com\""),
            firewallName('ruleCollections[0].rules[0] ("tld") targetFqdns', "*.*", "matches every host name"),
        ]);
    });

    it("refuses targetUrls *", () => {
        assert.deepEqual(check([applicationRule("urls", { targetUrls: ["*"], terminateTLS: true })]), [
            firewallName('ruleCollections[0].rules[0] ("urls") targetUrls', "*", "matches every host name"),
        ]);
    });

    it("refuses web categories", () => {
        assert.deepEqual(check([applicationRule("categories", { webCategories: ["Business", "ComputersAndTechnology"] })]), [
            'ruleCollections[0].rules[0] ("categories") webCategories: received ["Business","ComputersAndTechnology"] (whole categories of sites, no host named); allowed: targetFqdns or targetUrls that name the hosts; fix: name the hosts the rule needs.',
        ]);
    });

    it("refuses FQDN tags", () => {
        assert.deepEqual(check([applicationRule("tags", { fqdnTags: ["WindowsUpdate"] })]), [
            'ruleCollections[0].rules[0] ("tags") fqdnTags: received ["WindowsUpdate"] (host lists Microsoft maintains, no host named); allowed: targetFqdns or targetUrls that name the hosts; fix: name the hosts the rule needs.',
        ]);
    });

    it("refuses broad addresses of application rules", () => {
        assert.deepEqual(check([applicationRule("by-address", { destinationAddresses: ["0.0.0.0/0"], targetFqdns: ["contoso.com"] })]), [
            firewallAddress('ruleCollections[0].rules[0] ("by-address") destinationAddresses', "0.0.0.0/0", "a /0 network"),
        ]);
    });

    it("takes another minimum from its config, and names it", () => {
        const props = rcg([networkRule("backend", { destinationAddresses: ["10.0.0.0/16", "10.16.0.0/12"] })]);
        assert.deepEqual(violations(policy, RCG, props, { minimumPrefixLength: 16 }), [
            'ruleCollections[0].rules[0] ("backend") destinationAddresses: received "10.16.0.0/12" (a /12 network); allowed: IPv4 networks and ranges of /16 or longer, IPv6 of /32 or longer, and service tags of one service; fix: name the networks the rule needs.',
        ]);
    });

    it("refuses a config minimum outside 0-32", () => {
        assert.throws(() => violations(policy, RCG, rcg([]), { minimumPrefixLength: 33 }), {
            message: "Policy config minimumPrefixLength: received 33; allowed: a whole number from 0 to 32; fix: correct the policy pack config.",
        });
    });

    it("checks the Draft resource and versioned type tokens too", () => {
        const props = rcg([networkRule("anywhere", { destinationAddresses: ["*"] })]);
        for (const type of ["azure-native:network:FirewallPolicyRuleCollectionGroupDraft", "azure-native:network/v20240501:FirewallPolicyRuleCollectionGroup"]) {
            assert.equal(violations(policy, type, props).length, 1, type);
        }
    });

    it("leaves Deny collections, DNAT collections and other resource types alone", () => {
        assert.deepEqual(violations(policy, RCG, rcg([networkRule("deny-all", { destinationAddresses: ["*"], destinationPorts: ["*"], ipProtocols: ["Any"] })], "Deny")), []);
        const dnat = {
            priority: 300,
            ruleCollections: [{ ruleCollectionType: "FirewallPolicyNatRuleCollection", name: "inbound", priority: 100, action: { type: "DNAT" }, rules: [{ ruleType: "NatRule", name: "rdp", sourceAddresses: ["*"], destinationAddresses: ["*"] }] }],
        };
        assert.deepEqual(violations(policy, RCG, dnat), []);
        assert.deepEqual(violations(policy, "azure-native:network:NetworkSecurityGroup", { destinationAddresses: ["*"] }), []);
    });

    it("checks a filter collection that has no action", () => {
        const props = rcg([networkRule("anywhere", { destinationAddresses: ["*"] })]);
        delete (props.ruleCollections[0] as { action?: unknown }).action;
        assert.equal(violations(policy, RCG, props).length, 1);
    });
});

// ---- cluster fixtures ----

function networkPolicy(egress: unknown[], annotations?: Record<string, string>) {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "apim-gateway-egress", namespace: "apim-gateway", ...(annotations ? { annotations } : {}) },
        spec: { podSelector: { matchLabels: { "app.kubernetes.io/component": "self-hosted-gateway" } }, policyTypes: ["Egress"], egress },
    };
}

const REASON = "cluster.allowNamedFlowsTo asks for 0.0.0.0/0: each named flow on its own ports, narrowed by the Azure Firewall";
const OVN_REASON = "cluster.allowNamedFlowsTo asks for 0.0.0.0/0: each named flow on its own ports, narrowed by the namespace's EgressFirewall (k8s.ovn.org/v1 default), which allows only their names";

function ciliumPolicy(egress: unknown[]) {
    return {
        apiVersion: "cilium.io/v2",
        kind: "CiliumNetworkPolicy",
        metadata: { name: "apim-gateway-egress", namespace: "apim-gateway" },
        spec: { endpointSelector: { matchLabels: { "app.kubernetes.io/component": "self-hosted-gateway" } }, egress },
    };
}

function egressFirewall(egress: unknown[], name = "default", namespace = "apim-gateway") {
    return { apiVersion: "k8s.ovn.org/v1", kind: "EgressFirewall", metadata: { name, namespace }, spec: { egress } };
}

const CLUSTER_NETWORKS = "IPv4 networks of /8 or longer and IPv6 networks of /32 or longer";
const FIX_OPT_IN = 'name the networks the rule needs, or, where something else narrows the flows by name, set the "apim-gateway-egress/broad-egress" annotation and give the rule explicit ports';

describe("policy pack: network-policy-no-open-egress, NetworkPolicy", () => {
    const policy = networkPolicyNoOpenEgress;
    const tcp443 = [{ protocol: "TCP", port: 443 }];

    it("is mandatory and takes the prefix config", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.equal(policy.configSchema, PREFIX_CONFIG_SCHEMA);
    });

    it("passes egress to named networks and in-cluster peers", () => {
        const props = networkPolicy([
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }] },
            { to: [{ ipBlock: { cidr: "10.0.1.5/32" } }, { ipBlock: { cidr: "2001:db8::/32" } }, { ipBlock: { cidr: "10.0.0.0/8" } }], ports: tcp443 },
        ]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), []);
    });

    it("refuses 0.0.0.0/1 without the annotation, with or without except", () => {
        const props = networkPolicy([{ to: [{ ipBlock: { cidr: "10.0.1.5/32" } }, { ipBlock: { cidr: "0.0.0.0/1", except: ["10.0.0.0/8"] } }], ports: tcp443 }]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            'spec.egress[0].to[1].ipBlock.cidr: received "0.0.0.0/1" (a /1 network); allowed: IPv4 networks of /8 or longer and IPv6 networks of /32 or longer; fix: name the networks the rule needs, or, where something else narrows the flows by name, set the "apim-gateway-egress/broad-egress" annotation and give the rule explicit ports.',
        ]);
    });

    it("refuses ::/0 without the annotation", () => {
        const props = networkPolicy([{ to: [{ ipBlock: { cidr: "::/0" } }], ports: tcp443 }]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            `spec.egress[0].to[0].ipBlock.cidr: received "::/0" (a /0 IPv6 network); allowed: ${CLUSTER_NETWORKS}; fix: ${FIX_OPT_IN}.`,
        ]);
    });

    it("refuses an egress rule without peers, which matches every destination", () => {
        const props = networkPolicy([{ ports: [{ protocol: "UDP", port: 53 }] }, { to: [] }]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            `spec.egress[0].to: received none (every destination); allowed: named peers: pods, namespaces, or ${CLUSTER_NETWORKS}; fix: name the peers.`,
            `spec.egress[1].to: received none (every destination); allowed: named peers: pods, namespaces, or ${CLUSTER_NETWORKS}; fix: name the peers.`,
        ]);
    });

    it("refuses a rule without peers even under the annotation", () => {
        const props = networkPolicy([{ ports: tcp443 }], { [ANNOTATION]: REASON });
        assert.equal(violations(policy, NETWORK_POLICY, props).length, 1);
    });

    it("refuses a cidr it cannot read", () => {
        const props = networkPolicy([{ to: [{ ipBlock: { cidr: "10.0.0.0/8/24" } }], ports: tcp443 }], { [ANNOTATION]: REASON });
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            `spec.egress[0].to[0].ipBlock.cidr: received "10.0.0.0/8/24" (not a network this pack can read); allowed: ${CLUSTER_NETWORKS}; fix: write the network as a CIDR such as "10.40.1.0/24".`,
        ]);
    });

    it("accepts 0.0.0.0/0 on explicit ports under the annotation", () => {
        const props = networkPolicy([
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp443 },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 5671, endPort: 5672 }, { protocol: "TCP", port: 9093 }] },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: "https" }] },
        ], { [ANNOTATION]: REASON });
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), []);
    });

    it("refuses 0.0.0.0/0 without ports under the annotation", () => {
        const props = networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }], { [ANNOTATION]: REASON });
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            'spec.egress[0].to[0].ipBlock.cidr: received "0.0.0.0/0" (a /0 network on every port); allowed: under the "apim-gateway-egress/broad-egress" annotation, a broad network on explicit ports only; fix: list the ports the flow uses in spec.egress[0].ports.',
        ]);
    });

    for (const [label, ports] of [
        ["a port entry without a port", [{ protocol: "TCP" }]],
        ["the range 1-65535", [{ protocol: "TCP", port: 1, endPort: 65535 }]],
        ["two ranges that together cover 1-65535", [{ protocol: "UDP", port: 1, endPort: 40000 }, { protocol: "UDP", port: 40001, endPort: 65535 }]],
    ] as const) {
        it(`refuses 0.0.0.0/0 on ${label} under the annotation`, () => {
            const props = networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports }], { [ANNOTATION]: REASON });
            assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
                'spec.egress[0].to[0].ipBlock.cidr: received "0.0.0.0/0" (a /0 network on every port); allowed: under the "apim-gateway-egress/broad-egress" annotation, a broad network on explicit ports only; fix: list the ports the flow uses in spec.egress[0].ports.',
            ]);
        });
    }

    it("reads a blank annotation as no annotation", () => {
        const props = networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp443 }], { [ANNOTATION]: " " });
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            `spec.egress[0].to[0].ipBlock.cidr: received "0.0.0.0/0" (a /0 network); allowed: ${CLUSTER_NETWORKS}; fix: ${FIX_OPT_IN}.`,
        ]);
    });

    it("checks NetworkPolicyPatch and ignores ingress-only policies", () => {
        const open = networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]);
        assert.equal(violations(policy, "kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", open).length, 1);
        assert.deepEqual(violations(policy, NETWORK_POLICY, { metadata: { name: "ingress-only" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } }), []);
    });
});

describe("policy pack: network-policy-no-open-egress, CiliumNetworkPolicy", () => {
    const policy = networkPolicyNoOpenEgress;
    const toPorts = [{ ports: [{ port: "443", protocol: "TCP" }] }];

    it("passes the component's shape: the DNS proxy rule, toCIDR, toFQDNs by name and pattern", () => {
        const props = ciliumPolicy([
            { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } }], toPorts: [{ ports: [{ port: "53", protocol: "UDP" }], rules: { dns: [{ matchPattern: "*" }] } }] },
            { toCIDR: ["10.40.1.5/32"], toPorts },
            { toFQDNs: [{ matchName: "contoso-apim.configuration.azure-api.net" }, { matchPattern: "*.data.mcr.microsoft.com" }], toPorts },
            { toEntities: ["kube-apiserver", "cluster"], toPorts },
        ]);
        assert.deepEqual(violations(policy, CILIUM, props), []);
    });

    it("refuses toCIDR 0.0.0.0/0", () => {
        assert.deepEqual(violations(policy, CILIUM, ciliumPolicy([{ toCIDR: ["0.0.0.0/0"], toPorts }])), [
            `spec.egress[0].toCIDR[0]: received "0.0.0.0/0" (a /0 network); allowed: ${CLUSTER_NETWORKS}; fix: name the networks the rule needs.`,
        ]);
    });

    it("refuses a broad toCIDRSet cidr, whatever its except", () => {
        assert.deepEqual(violations(policy, CILIUM, ciliumPolicy([{ toCIDRSet: [{ cidr: "128.0.0.0/1", except: ["192.168.0.0/16"] }, { cidrGroupRef: "partners" }], toPorts }])), [
            `spec.egress[0].toCIDRSet[0].cidr: received "128.0.0.0/1" (a /1 network); allowed: ${CLUSTER_NETWORKS}; fix: name the networks the rule needs.`,
        ]);
    });

    it("refuses the world and all entities", () => {
        assert.deepEqual(violations(policy, CILIUM, ciliumPolicy([{ toEntities: ["world", "all"], toPorts }])), [
            'spec.egress[0].toEntities[0]: received "world" (every address outside the cluster); allowed: entities inside the cluster, such as cluster, host, remote-node or kube-apiserver; fix: name the networks with toCIDR or the hosts with toFQDNs.',
            'spec.egress[0].toEntities[1]: received "all" (every address, in the cluster or not); allowed: entities inside the cluster, such as cluster, host, remote-node or kube-apiserver; fix: name the networks with toCIDR or the hosts with toFQDNs.',
        ]);
    });

    describe("the world reached through toEndpoints, as toEntities: [world]", () => {
        const WORLD = "every address outside the cluster";
        const outside = (where: string, key: string, phrase = WORLD) =>
            `${where}: received ${JSON.stringify(key)} (${phrase}); allowed: endpoints by their own labels, or entities inside the cluster; fix: name the networks with toCIDR or the hosts with toFQDNs.`;

        it("refuses matchLabels reserved:world, reserved:world-ipv4, reserved:world-ipv6 and reserved:all", () => {
            const props = ciliumPolicy([{ toEndpoints: [{ matchLabels: { "reserved:world": "" } }, { matchLabels: { "reserved:world-ipv4": "", "reserved:world-ipv6": "" } }, { matchLabels: { "reserved:all": "" } }], toPorts }]);
            assert.deepEqual(violations(policy, CILIUM, props), [
                outside("spec.egress[0].toEndpoints[0].matchLabels", "reserved:world"),
                outside("spec.egress[0].toEndpoints[1].matchLabels", "reserved:world-ipv4", "every IPv4 address outside the cluster"),
                outside("spec.egress[0].toEndpoints[1].matchLabels", "reserved:world-ipv6", "every IPv6 address outside the cluster"),
                outside("spec.egress[0].toEndpoints[2].matchLabels", "reserved:all", "every address, in the cluster or not"),
            ]);
        });

        it("refuses matchExpressions on the key reserved:world that select it: Exists, In, NotIn of other values", () => {
            const props = ciliumPolicy([{ toEndpoints: [{ matchExpressions: [
                { key: "reserved:world", operator: "Exists" },
                { key: "reserved:world", operator: "In", values: [""] },
                { key: "reserved:world", operator: "NotIn", values: ["x"] },
                { key: "reserved:world", operator: "NotIn", values: [""] },
                { key: "reserved:world", operator: "DoesNotExist" },
            ] }], toPorts }]);
            assert.deepEqual(violations(policy, CILIUM, props), [
                outside("spec.egress[0].toEndpoints[0].matchExpressions[0].key", "reserved:world"),
                outside("spec.egress[0].toEndpoints[0].matchExpressions[1].key", "reserved:world"),
                outside("spec.egress[0].toEndpoints[0].matchExpressions[2].key", "reserved:world"),
            ]);
        });

        it("refuses the label without a source or with any:, which match the reserved one too", () => {
            const props = ciliumPolicy([{ toEndpoints: [{ matchLabels: { world: "" } }, { matchLabels: { "any:world": "" } }, { matchExpressions: [{ key: "Reserved:World", operator: "Exists" }] }], toPorts }]);
            assert.deepEqual(violations(policy, CILIUM, props), [
                outside("spec.egress[0].toEndpoints[0].matchLabels", "world"),
                outside("spec.egress[0].toEndpoints[1].matchLabels", "any:world"),
                outside("spec.egress[0].toEndpoints[2].matchExpressions[0].key", "Reserved:World"),
            ]);
        });

        it("refuses it in every rule of a CiliumClusterwideNetworkPolicy", () => {
            const props = { metadata: { name: "wide" }, specs: [{ endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { "reserved:world": "" } }], toPorts }] }] };
            assert.deepEqual(violations(policy, "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", props), [outside("specs[0].egress[0].toEndpoints[0].matchLabels", "reserved:world")]);
        });

        it("passes endpoints selected by their own labels, other reserved entities inside the cluster, and world in egressDeny", () => {
            const props = ciliumPolicy([{ toEndpoints: [{ matchLabels: { "k8s:app": "world", "k8s:io.kubernetes.pod.namespace": "shop" } }, { matchLabels: { "reserved:host": "" } }, { matchLabels: { "k8s:world": "" } }], toPorts }]);
            (props.spec as Record<string, unknown>).egressDeny = [{ toEndpoints: [{ matchLabels: { "reserved:world": "" } }] }];
            assert.deepEqual(violations(policy, CILIUM, props), []);
        });
    });

    it("refuses toFQDNs matchPattern * and *.com", () => {
        assert.deepEqual(violations(policy, CILIUM, ciliumPolicy([{ toFQDNs: [{ matchPattern: "*" }, { matchPattern: "*.com" }], toPorts }])), [
            firewallName("spec.egress[0].toFQDNs[0].matchPattern", "*", "matches every host name"),
            firewallName("spec.egress[0].toFQDNs[1].matchPattern", "*.com", "matches every host name under \"com\""),
        ]);
    });

    it("refuses a rule with ports but no destination selector, which reaches every destination", () => {
        assert.deepEqual(violations(policy, CILIUM, ciliumPolicy([{ toPorts }])), [
            "spec.egress[0]: received no destination selector (every destination); allowed: toEndpoints, toServices, in-cluster toEntities, toCIDR or toCIDRSet networks, toFQDNs names; fix: name the destinations.",
        ]);
    });

    it("checks every rule of specs, and CiliumClusterwideNetworkPolicy", () => {
        const props = { metadata: { name: "wide" }, specs: [{ endpointSelector: {}, egress: [{ toCIDR: ["10.0.0.0/24"], toPorts }] }, { endpointSelector: {}, egress: [{ toEntities: ["world"] }] }] };
        assert.deepEqual(violations(policy, "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy", props), [
            'specs[1].egress[0].toEntities[0]: received "world" (every address outside the cluster); allowed: entities inside the cluster, such as cluster, host, remote-node or kube-apiserver; fix: name the networks with toCIDR or the hosts with toFQDNs.',
        ]);
    });

    it("leaves egressDeny rules alone", () => {
        const props = ciliumPolicy([{ toCIDR: ["10.40.1.5/32"], toPorts }]);
        (props.spec as Record<string, unknown>).egressDeny = [{ toEntities: ["world"] }];
        assert.deepEqual(violations(policy, CILIUM, props), []);
    });
});

describe("policy pack: what it does not check", () => {
    // Issue 18: other resources carry allow rules too; the pack must say it passes them.
    const NOT_CHECKED = [
        "azure:network/firewallPolicyRuleCollectionGroup:FirewallPolicyRuleCollectionGroup",
        "azure:network/firewallNetworkRuleCollection:FirewallNetworkRuleCollection",
        "azure:network/firewallApplicationRuleCollection:FirewallApplicationRuleCollection",
        "azure-native:network:AzureFirewall",
        "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy",
        "kubernetes:policy.networking.k8s.io/v1alpha1:BaselineAdminNetworkPolicy",
        "kubernetes:crd.projectcalico.org/v1:NetworkPolicy",
        "kubernetes:crd.projectcalico.org/v1:GlobalNetworkPolicy",
    ];
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "policy", "README.md"), "utf8");
    const open = {
        networkRuleCollections: [{ name: "open", priority: 100, action: { type: "Allow" }, rules: [{ name: "any", sourceAddresses: ["*"], destinationAddresses: ["*"], destinationPorts: ["*"], protocols: ["Any"] }] }],
        spec: { egress: [{ action: "Allow", to: [{ networks: ["0.0.0.0/0"] }] }, { action: "Allow", destination: { nets: ["0.0.0.0/0"] } }] },
    };

    for (const type of NOT_CHECKED) {
        it(`lists ${type} as not covered in policy/README.md, and indeed passes it`, () => {
            assert.ok(readme.includes(`\`${type}\``), `policy/README.md does not name ${type}`);
            for (const policy of [firewallNoOpenDestinations, networkPolicyNoOpenEgress, firewallPriorityRange]) {
                assert.deepEqual(violations(policy, type, open), []);
            }
        });
    }
});

describe("policy pack: network-policy-no-open-egress, EgressFirewall", () => {
    const policy = networkPolicyNoOpenEgress;
    const ports = [{ protocol: "TCP", port: 443 }];

    it("passes Allow rules to named networks and names, a node selector and the final Deny 0.0.0.0/0", () => {
        const props = egressFirewall([
            { type: "Allow", to: { cidrSelector: "10.40.1.5/32" }, ports },
            { type: "Allow", to: { dnsName: "contoso-apim.configuration.azure-api.net" }, ports },
            { type: "Allow", to: { dnsName: "*.data.mcr.microsoft.com" }, ports },
            { type: "Allow", to: { nodeSelector: { matchLabels: { "node-role.kubernetes.io/master": "" } } } },
            { type: "Deny", to: { cidrSelector: "0.0.0.0/0" } },
        ]);
        assert.deepEqual(violations(policy, EGRESS_FIREWALL, props), []);
    });

    it("refuses an Allow to 0.0.0.0/0", () => {
        assert.deepEqual(violations(policy, EGRESS_FIREWALL, egressFirewall([{ type: "Allow", to: { cidrSelector: "0.0.0.0/0" } }])), [
            `spec.egress[0].to.cidrSelector: received "0.0.0.0/0" (a /0 network); allowed: ${CLUSTER_NETWORKS}; fix: name the networks the rule needs.`,
        ]);
    });

    it("refuses an Allow to a wildcard-only dnsName", () => {
        assert.deepEqual(violations(policy, EGRESS_FIREWALL, egressFirewall([{ type: "Allow", to: { dnsName: "*" } }, { type: "Allow", to: { dnsName: "*.com" }, ports }])), [
            firewallName("spec.egress[0].to.dnsName", "*", "matches every host name"),
            firewallName("spec.egress[1].to.dnsName", "*.com", "matches every host name under \"com\""),
        ]);
    });

    it("reads a rule type other than Deny as Allow", () => {
        assert.equal(violations(policy, EGRESS_FIREWALL, egressFirewall([{ type: "allow ", to: { cidrSelector: "0.0.0.0/1" } }])).length, 1);
    });
});

describe("policy pack: network-policy-broad-egress-opt-in", () => {
    const policy = networkPolicyBroadEgressOptIn;

    it("is advisory and takes the prefix config", () => {
        assert.equal(policy.enforcementLevel, "advisory");
        assert.equal(policy.configSchema, PREFIX_CONFIG_SCHEMA);
    });

    it("reports each broad network the annotation accepted, with its ports and the reason", () => {
        const props = networkPolicy([
            { to: [{ ipBlock: { cidr: "10.40.1.5/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 5671, endPort: 5672 }, { protocol: "TCP", port: 9093 }] },
        ], { [ANNOTATION]: REASON });
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            'spec.egress[1].to[0].ipBlock.cidr: accepted "0.0.0.0/0" (a /0 network) on TCP 5671-5672, TCP 9093 under the "apim-gateway-egress/broad-egress" annotation: "cluster.allowNamedFlowsTo asks for 0.0.0.0/0: each named flow on its own ports, narrowed by the Azure Firewall"; this NetworkPolicy does not narrow it, so what the annotation names must.',
        ]);
    });

    it("reports nothing the mandatory policy refuses, nor an unannotated policy", () => {
        assert.deepEqual(violations(policy, NETWORK_POLICY, networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }], { [ANNOTATION]: REASON })), []);
        assert.deepEqual(violations(policy, NETWORK_POLICY, networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }])), []);
    });
});

describe("policy pack: broad-egress-backed-by-egress-firewall", () => {
    const policy = broadEgressBackedByEgressFirewall;
    const broadRule = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] };
    const narrowing = [{ type: "Allow", to: { dnsName: "contoso-apim.configuration.azure-api.net" }, ports: [{ protocol: "TCP", port: 443 }] }, { type: "Deny", to: { cidrSelector: "0.0.0.0/0" } }];
    const np = (reason = OVN_REASON, egress: unknown[] = [broadRule]): StackEntry => ({ type: NETWORK_POLICY, name: "gw", props: networkPolicy(egress, { [ANNOTATION]: reason }) });
    const ef = (egress: unknown[] = narrowing, name = "default", namespace = "apim-gateway"): StackEntry => ({ type: EGRESS_FIREWALL, name: "gw", props: egressFirewall(egress, name, namespace) });
    const urn = `urn:pulumi:test::guard::${NETWORK_POLICY}::gw`;
    const allowedV4 = 'allowed: broad egress that the EgressFirewall "default" of the same namespace narrows, ending in Deny 0.0.0.0/0';
    const fix = 'fix: end that EgressFirewall with the Deny (the component: cluster.flavor "openshift" with cluster.denyAllOtherEgress: true), or list the flows\' CIDRs instead of 0.0.0.0/0 in cluster.allowNamedFlowsTo.';

    it("is a mandatory stack policy that takes the prefix config", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.equal(policy.configSchema, PREFIX_CONFIG_SCHEMA);
    });

    it("passes an annotated NetworkPolicy beside its namespace's EgressFirewall default ending in Deny 0.0.0.0/0", () => {
        assert.deepEqual(stackViolations(policy, [np(), ef()]), []);
    });

    it("leaves a plain Kubernetes stack to the advisory: no EgressFirewall, and a reason that names none", () => {
        assert.deepEqual(stackViolations(policy, [np(REASON)]), []);
    });

    it("refuses an annotated NetworkPolicy whose namespace has no EgressFirewall default on a stack with EgressFirewalls", () => {
        assert.deepEqual(stackViolations(policy, [np(), ef(narrowing, "default", "other")]), [[urn,
            `NetworkPolicy "apim-gateway/apim-gateway-egress": received the "apim-gateway-egress/broad-egress" annotation on an OVN-Kubernetes stack (it registers EgressFirewall resources), and no EgressFirewall "default" in namespace "apim-gateway"; ${allowedV4}; ${fix}`]]);
    });

    it("refuses an EgressFirewall of another name, which OVN-Kubernetes ignores", () => {
        assert.equal(stackViolations(policy, [np(), ef(narrowing, "gateway")]).length, 1);
    });

    it("refuses a reason that names the EgressFirewall when the stack registers none", () => {
        assert.deepEqual(stackViolations(policy, [np()]), [[urn,
            `NetworkPolicy "apim-gateway/apim-gateway-egress": received the "apim-gateway-egress/broad-egress" annotation on an OVN-Kubernetes stack (the annotation names the EgressFirewall), and no EgressFirewall "default" in namespace "apim-gateway"; ${allowedV4}; ${fix}`]]);
    });

    it("refuses an EgressFirewall that does not end in Deny 0.0.0.0/0", () => {
        const allowOnly = [narrowing[0]];
        assert.deepEqual(stackViolations(policy, [np(REASON), ef(allowOnly)]), [[urn,
            `NetworkPolicy "apim-gateway/apim-gateway-egress": received the "apim-gateway-egress/broad-egress" annotation on an OVN-Kubernetes stack (it registers EgressFirewall resources), and EgressFirewall "default" in namespace "apim-gateway" has last rule {"type":"Allow","to":{"dnsName":"contoso-apim.configuration.azure-api.net"},"ports":[{"protocol":"TCP","port":443}]}, no final Deny 0.0.0.0/0; ${allowedV4}; ${fix}`]]);
    });

    it("asks for Deny ::/0 too when the annotation accepted an IPv6 network", () => {
        const both = [broadRule, { to: [{ ipBlock: { cidr: "::/0" } }], ports: [{ protocol: "TCP", port: 443 }] }];
        assert.deepEqual(stackViolations(policy, [np(OVN_REASON, both), ef()]), [[urn,
            `NetworkPolicy "apim-gateway/apim-gateway-egress": received the "apim-gateway-egress/broad-egress" annotation on an OVN-Kubernetes stack (it registers EgressFirewall resources), and EgressFirewall "default" in namespace "apim-gateway" has last rule {"type":"Deny","to":{"cidrSelector":"0.0.0.0/0"}}, no final Deny ::/0; allowed: broad egress that the EgressFirewall "default" of the same namespace narrows, ending in Deny 0.0.0.0/0 and Deny ::/0; ${fix}`]]);
        assert.deepEqual(stackViolations(policy, [np(OVN_REASON, both), ef([...narrowing, { type: "Deny", to: { cidrSelector: "::/0" } }])]), []);
    });

    it("holds nothing against an annotated NetworkPolicy whose egress is all narrow", () => {
        assert.deepEqual(stackViolations(policy, [np(OVN_REASON, [{ to: [{ ipBlock: { cidr: "10.40.1.5/32" } }], ports: [{ protocol: "TCP", port: 443 }] }])]), []);
    });
});

describe("policy pack: azure-firewall-priority-range", () => {
    const policy = firewallPriorityRange;

    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes priorities at both ends of 100-65000", () => {
        for (const priority of [100, 65000]) {
            assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority })), [], String(priority));
        }
    });

    for (const priority of [99, 65001, 150.5]) {
        it(`refuses the group priority ${priority}`, () => {
            assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority })), [
                `priority: received ${priority}; allowed: rule collection group priorities that are whole numbers from 100 to 65000; fix: pick a priority in that range.`,
            ]);
        });
    }

    it("refuses a rule collection priority out of range", () => {
        const props = rcg([]);
        (props.ruleCollections[0] as { priority: number }).priority = 70000;
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0] ("apim-gateway-network").priority: received 70000; allowed: rule collection priorities that are whole numbers from 100 to 65000; fix: pick a priority in that range.',
        ]);
    });

    it("ignores other resource types", () => {
        assert.deepEqual(violations(policy, "azure-native:network:FirewallPolicy", { priority: 1 }), []);
    });
});

describe("policy pack: azure-firewall-fqdn-network-rules-need-dns-proxy", () => {
    const policy = firewallFqdnNetworkRulesNeedDnsProxy;

    it("is advisory", () => {
        assert.equal(policy.enforcementLevel, "advisory");
    });

    it("passes address network rules and FQDN application rules", () => {
        const props = rcg([
            networkRule("configuration-vip", { destinationAddresses: ["10.0.1.5"] }),
            applicationRule("configuration-host", { targetFqdns: ["contoso-apim.configuration.azure-api.net"] }),
        ]);
        assert.deepEqual(violations(policy, RCG, props), []);
    });

    it("flags network rules with destinationFqdns", () => {
        const props = rcg([networkRule("event-hubs-amqp", { destinationFqdns: ["contoso.servicebus.windows.net"], destinationPorts: ["5671-5672"] })]);
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0].rules[0] ("event-hubs-amqp") destinationFqdns: ["contoso.servicebus.windows.net"] needs DNS proxy on the firewall policy (dnsSettings.enableProxy: true) and clients that use the firewall as their DNS server.',
        ]);
    });
});
