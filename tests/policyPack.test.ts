// The CrossGuard policies, called directly with hand-built arguments. The pack itself
// (policy/index.ts) is never imported: constructing a PolicyPack starts the analyzer server and
// waits for the Pulumi engine.
import { strict as assert } from "assert";
import type { ResourceValidationArgs } from "@pulumi/policy";
import { DEFAULT_APIM_FILE, runPreview } from "../cli/preview";
import { PRIORITY_RANGE as COMPONENT_PRIORITY_RANGE } from "../components/options";
import {
    firewallFqdnNetworkRulesNeedDnsProxy,
    firewallNoOpenDestinations,
    firewallPriorityRange,
    GuardPolicy,
    networkPolicyNoOpenEgress,
    policies,
    PRIORITY_RANGE,
} from "../policy/policies";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function resource(type: string, props: Record<string, unknown>): ResourceValidationArgs {
    return {
        type,
        props,
        urn: `urn:pulumi:test::guard::${type}::subject`,
        name: "subject",
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`notApplicable: ${reason}`);
        },
    };
}

/** The messages a policy reports for one resource; the validations are synchronous. */
function violations(policy: GuardPolicy, type: string, props: Record<string, unknown>): string[] {
    const reported: string[] = [];
    const result = policy.validateResource(resource(type, props), (message) => {
        reported.push(message);
    });
    assert.equal(result, undefined);
    return reported;
}

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

function networkPolicy(egress: unknown[]) {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "apim-gateway-egress", namespace: "apim-gateway" },
        spec: { podSelector: { matchLabels: { "app.kubernetes.io/component": "self-hosted-gateway" } }, policyTypes: ["Egress"], egress },
    };
}

describe("policy pack: azure-firewall-no-open-destinations", () => {
    const policy = firewallNoOpenDestinations;

    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes rules with named addresses, service tags and FQDNs", () => {
        const props = rcg([
            networkRule("configuration-vip", { destinationAddresses: ["10.0.1.5"] }),
            networkRule("storage", { destinationAddresses: ["Storage.WestEurope"] }),
            networkRule("event-hubs", { destinationFqdns: ["contoso.servicebus.windows.net"] }),
            applicationRule("configuration-host", { targetFqdns: ["contoso-apim.configuration.azure-api.net", "*.data.mcr.microsoft.com"] }),
        ]);
        assert.deepEqual(violations(policy, RCG, props), []);
    });

    it("rejects * and /0 destination addresses of network rules", () => {
        const props = rcg([networkRule("anywhere", { destinationAddresses: ["10.0.1.5", "*", "0.0.0.0/0", "::/0"] })]);
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0].rules[0] ("anywhere") destinationAddresses: "*" means any destination; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[0] ("anywhere") destinationAddresses: "0.0.0.0/0" is the whole IPv4 address space; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[0] ("anywhere") destinationAddresses: "::/0" is the whole IPv6 address space; an Allow rule must name its destinations.',
        ]);
    });

    it("rejects the Internet and Any tags, a /0 with host bits and the full IPv4 range", () => {
        const props = rcg([networkRule("tags", { destinationAddresses: ["Internet", "ANY", "10.0.0.0/0", "0.0.0.0-255.255.255.255"] })]);
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0].rules[0] ("tags") destinationAddresses: "Internet" is the Internet service tag, every public address; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[0] ("tags") destinationAddresses: "ANY" is not an address or service tag Azure Firewall documents, and reads as any destination; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[0] ("tags") destinationAddresses: "10.0.0.0/0" is the whole IPv4 address space; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[0] ("tags") destinationAddresses: "0.0.0.0-255.255.255.255" is the whole IPv4 address space; an Allow rule must name its destinations.',
        ]);
    });

    it("rejects a bare * FQDN in application and network rules, and open addresses of application rules", () => {
        const props = rcg([
            applicationRule("web", { targetFqdns: ["*"] }),
            networkRule("names", { destinationFqdns: ["*"] }),
            applicationRule("by-address", { destinationAddresses: ["0.0.0.0/0"] }),
        ]);
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0].rules[0] ("web") targetFqdns: "*" matches any host name; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[1] ("names") destinationFqdns: "*" matches any host name; an Allow rule must name its destinations.',
            'ruleCollections[0].rules[2] ("by-address") destinationAddresses: "0.0.0.0/0" is the whole IPv4 address space; an Allow rule must name its destinations.',
        ]);
    });

    it("checks the Draft resource and versioned type tokens too", () => {
        const props = rcg([networkRule("anywhere", { destinationAddresses: ["*"] })]);
        for (const type of ["azure-native:network:FirewallPolicyRuleCollectionGroupDraft", "azure-native:network/v20240501:FirewallPolicyRuleCollectionGroup"]) {
            assert.equal(violations(policy, type, props).length, 1, type);
        }
    });

    it("leaves Deny collections, DNAT collections and other resource types alone", () => {
        assert.deepEqual(violations(policy, RCG, rcg([networkRule("deny-all", { destinationAddresses: ["*"] })], "Deny")), []);
        const dnat = {
            priority: 300,
            ruleCollections: [{ ruleCollectionType: "FirewallPolicyNatRuleCollection", name: "inbound", priority: 100, action: { type: "DNAT" }, rules: [{ ruleType: "NatRule", name: "rdp", destinationAddresses: ["*"] }] }],
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

describe("policy pack: network-policy-no-open-egress", () => {
    const policy = networkPolicyNoOpenEgress;

    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    it("passes egress to named CIDRs and in-cluster peers", () => {
        const props = networkPolicy([
            { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }] },
            { to: [{ ipBlock: { cidr: "10.0.1.5/32" } }, { ipBlock: { cidr: "2001:db8::/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), []);
    });

    it("rejects 0.0.0.0/0 and ::/0, with or without except", () => {
        const props = networkPolicy([
            { to: [{ ipBlock: { cidr: "10.0.1.5/32" } }, { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] },
            { to: [{ ipBlock: { cidr: "::/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            'spec.egress[0].to[1].ipBlock.cidr: "0.0.0.0/0" is the whole IPv4 address space; egress must name its destinations.',
            'spec.egress[1].to[0].ipBlock.cidr: "::/0" is the whole IPv6 address space; egress must name its destinations.',
        ]);
    });

    it("rejects an egress rule without peers, which matches every destination", () => {
        const props = networkPolicy([{ ports: [{ protocol: "UDP", port: 53 }] }, { to: [] }]);
        assert.deepEqual(violations(policy, NETWORK_POLICY, props), [
            'spec.egress[0] has no "to", so it allows every destination; name the peers.',
            'spec.egress[1] has no "to", so it allows every destination; name the peers.',
        ]);
    });

    it("checks NetworkPolicyPatch and ignores other kinds", () => {
        const open = networkPolicy([{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]);
        assert.equal(violations(policy, "kubernetes:networking.k8s.io/v1:NetworkPolicyPatch", open).length, 1);
        assert.deepEqual(violations(policy, "kubernetes:cilium.io/v2:CiliumNetworkPolicy", open), []);
        assert.deepEqual(violations(policy, NETWORK_POLICY, { metadata: { name: "ingress-only" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } }), []);
    });
});

describe("policy pack: azure-firewall-priority-range", () => {
    const policy = firewallPriorityRange;

    it("is mandatory and uses the range the component validates", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.deepEqual(PRIORITY_RANGE, COMPONENT_PRIORITY_RANGE);
    });

    it("passes priorities at both ends of 100-65000", () => {
        for (const priority of [100, 65000]) {
            assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority })), [], String(priority));
        }
    });

    it("rejects a group priority below 100, above 65000 or not a whole number", () => {
        assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority: 99 })), [
            "priority: 99 is outside 100-65000; Azure Firewall accepts rule collection group priorities that are whole numbers from 100 to 65000.",
        ]);
        assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority: 65001 })), [
            "priority: 65001 is outside 100-65000; Azure Firewall accepts rule collection group priorities that are whole numbers from 100 to 65000.",
        ]);
        assert.deepEqual(violations(policy, RCG, rcg([], "Allow", { priority: 150.5 })), [
            "priority: 150.5 is outside 100-65000; Azure Firewall accepts rule collection group priorities that are whole numbers from 100 to 65000.",
        ]);
    });

    it("rejects a rule collection priority out of range", () => {
        const props = rcg([]);
        (props.ruleCollections[0] as { priority: number }).priority = 70000;
        assert.deepEqual(violations(policy, RCG, props), [
            'ruleCollections[0] ("apim-gateway-network").priority: 70000 is outside 100-65000; Azure Firewall accepts rule collection priorities that are whole numbers from 100 to 65000.',
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

describe("policy pack: the component's own preview", () => {
    it("registers nothing a mandatory policy rejects", async () => {
        const { run } = await runPreview({ apimFile: DEFAULT_APIM_FILE });
        assert.ok(run.resources.some((r) => r.type === RCG), "the preview registers a rule collection group");
        const rejected = run.resources.flatMap((r) =>
            policies
                .filter((p) => p.enforcementLevel === "mandatory")
                .flatMap((p) => violations(p, r.type, r.inputs).map((m) => `${p.name} ${r.type} ${r.name}: ${m}`)),
        );
        assert.deepEqual(rejected, []);
    });
});
