// Several writers on one firewall policy, with the policy given as another resource's Output
// (`policyId: hubPolicy.id`), as landing zones compose it. Under Pulumi's mocks: the policy is a
// real azure-native resource whose mock ID is its ARM ID, so every writer learns its policy only
// once that resource is registered.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { FirewallPolicy } from "@pulumi/azure-native/network";
import { APIM_READ_TOKEN, CLIENT_CONFIG_TOKEN, settle } from "../cli/apimMocks";
import { GatewayEgressRuleCollectionGroup } from "../components/gatewayEgressRuleCollectionGroup";
import { resetPolicyLedger } from "../components/groupWriter";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { forgetRefusedRegistrations, unmaskedExample, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const POLICY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub`;

interface Registered {
    priorities: Map<string, number>;
    groupNames: Map<string, string>;
    dependsOn: Map<string, string[]>;
    types: string[];
    /** Every registered resource as "type name". */
    resources: string[];
}

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function nothingYet(): Registered {
    return { priorities: new Map(), groupNames: new Map(), dependsOn: new Map(), types: [], resources: [] };
}

/** Mocks that give a FirewallPolicy its ARM ID and answer the reads; a program built by `build`. */
async function program(build: (record: pulumi.ResourceTransformation, policy: FirewallPolicy) => pulumi.Output<unknown>[], providerSubscription = SUBSCRIPTION, registered = nothingYet()): Promise<Registered> {
    await pulumi.runtime.setMocks({
        newResource: (r) => {
            registered.types.push(r.type);
            registered.resources.push(`${r.type} ${r.name}`);
            if (r.type === RCG) {
                registered.priorities.set(r.name, r.inputs.priority);
                registered.groupNames.set(r.name, r.inputs.ruleCollectionGroupName);
            }
            return { id: r.type === "azure-native:network:FirewallPolicy" ? POLICY_ID : `${r.name}-id`, state: r.inputs };
        },
        call: (c) => (c.token === CLIENT_CONFIG_TOKEN ? { subscriptionId: providerSubscription } : c.token === APIM_READ_TOKEN ? unmaskedExample() : {}),
    }, "landing-zone", "spec", false);
    resetPolicyLedger();
    const pending: Promise<unknown>[] = [];
    // A transformation sees the options each group is registered with, dependsOn included; the
    // SDK hands an Output dependsOn on as is, resolved here.
    const record: pulumi.ResourceTransformation = (t) => {
        if (t.type === RCG) {
            pending.push(Promise.all(([] as unknown[]).concat(t.opts.dependsOn ?? []).map((d) => (pulumi.Output.isInstance(d) ? settle(d) : Promise.resolve(d))))
                .then((deps) => registered.dependsOn.set(t.name, deps.flat().map((d) => (d as { __name: string }).__name))));
        }
        return undefined;
    };
    const policy = new FirewallPolicy("hub-policy", { resourceGroupName: "rg-hub", firewallPolicyName: "fwpol-hub" });
    await Promise.all(build(record, policy).map(settle));
    await Promise.all(pending);
    return registered;
}

/** What was registered under a component's name, the component itself aside. */
function childrenOf(name: string, registered: Registered): string[] {
    return registered.resources.filter((r) => r.endsWith(` ${name}`) && !r.startsWith("apim-gateway-egress:"));
}

const site = (name: string, firewall: Record<string, unknown>, record: pulumi.ResourceTransformation) =>
    new SelfHostedGatewayEgress(name, {
        apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" },
        firewall: { sourceAddresses: ["10.80.0.0/24"], ruleCollectionGroupName: name, ...firewall },
        cluster: { namespace: "apim-gateway" },
    }, { transformations: [record] });

describe("writers on one policy given as an Output", () => {
    describe("three SelfHostedGatewayEgress with policyId: hubPolicy.id", () => {
        let registered: Registered;
        before(async () => {
            registered = await program((record, policy) => ["site-a", "site-b", "site-c"].map((n) => site(n, { policyId: policy.id }, record).ruleCollectionGroupId));
        });

        it("serializes their rule collection groups in construction order", () => {
            assert.deepEqual(["site-a", "site-b", "site-c"].map((n) => registered.dependsOn.get(n)), [[], ["site-a"], ["site-b"]]);
        });

        it("allocates them distinct priorities from the range", () => {
            assert.deepEqual([...registered.priorities.entries()].sort(), [["site-a", 300], ["site-b", 310], ["site-c", 320]]);
        });
    });

    it("refuses a duplicate group name among them with one clear line once the values resolve", async () => {
        let refusal: unknown;
        await program((record, policy) => {
            const components = [site("site-a", { policyId: policy.id }, record), site("site-b", { policyId: policy.id, ruleCollectionGroupName: "SITE-A" }, record)];
            return [components[0].ruleCollectionGroupId, components[1].ruleCollectionGroupName];
        }).catch((e: unknown) => (refusal = e));
        forgetRefusedRegistrations();
        assert.equal((refusal as Error | undefined)?.message.split("\n").length, 1);
        assert.match((refusal as Error).message, /Invalid value for firewall\.ruleCollectionGroupName: "SITE-A"\. Component "site-a" already writes a rule collection group of that name to policy fwpol-hub in rg-hub \(subscription 11111111-2222-3333-4444-555555555555\): each group needs its own\.$/);
    });

    it("creates no child of a writer whose group name is refused, its NetworkPolicy neither", async () => {
        const registered = nothingYet();
        await program((record, policy) => {
            const components = [site("site-a", { policyId: policy.id }, record), site("site-b", { policyId: policy.id, ruleCollectionGroupName: "SITE-A" }, record)];
            return components.map((c) => c.networkPolicyName);
        }, SUBSCRIPTION, registered).then(() => assert.fail("the duplicate name was accepted"), (e: unknown) => assert.match(String(e), /ruleCollectionGroupName: "SITE-A"/));
        forgetRefusedRegistrations();
        assert.deepEqual(childrenOf("site-b", registered), []);
    });

    it("takes the policy given by ID and the same policy by name, in another case, as one", async () => {
        const registered = await program((record, policy) => [
            site("by-id", { policyId: policy.id }, record).ruleCollectionGroupId,
            site("by-name", { policyName: "FWPOL-HUB", resourceGroupName: "RG-HUB" }, record).ruleCollectionGroupId,
        ]);
        assert.deepEqual(registered.dependsOn.get("by-name"), ["by-id"]);
        assert.deepEqual([...registered.priorities.values()].sort(), [300, 310]);
    });

    it("chains a writer whose firewall arg is a whole Output like one given plainly", async () => {
        const registered = await program((record, policy) => [
            site("plain", { policyName: "fwpol-hub", resourceGroupName: "rg-hub" }, record).ruleCollectionGroupId,
            new SelfHostedGatewayEgress("wrapped", {
                apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" },
                firewall: policy.id.apply((policyId) => ({ policyId, sourceAddresses: ["10.81.0.0/24"] })),
                cluster: { namespace: "apim-gateway" },
            }, { transformations: [record] }).ruleCollectionGroupId,
        ]);
        assert.deepEqual(registered.dependsOn.get("wrapped"), ["plain"]);
        assert.deepEqual([...registered.priorities.values()].sort(), [300, 310]);
    });

    it("refuses a policy ID in another subscription than the provider's, naming both", async () => {
        let refusal: unknown;
        await program((record, policy) => [site("site-a", { policyId: policy.id }, record).ruleCollectionGroupName], "99999999-2222-3333-4444-555555555555")
            .catch((e: unknown) => (refusal = e));
        forgetRefusedRegistrations();
        assert.match((refusal as Error).message, /^Invalid value for firewall\.policyId: "\/subscriptions\/11111111-2222-3333-4444-555555555555\/resourceGroups\/rg-hub\/pr\.\.\.\. The policy is in subscription 11111111-2222-3333-4444-555555555555, but the azure-native provider of this component writes to subscription 99999999-2222-3333-4444-555555555555: pass a provider for subscription 11111111-2222-3333-4444-555555555555/);
    });

    it("creates no NetworkPolicy for a writer whose policy is in another subscription than the provider's", async () => {
        const registered = nothingYet();
        await program((record, policy) => [site("site-a", { policyId: policy.id }, record).networkPolicyName], "99999999-2222-3333-4444-555555555555", registered)
            .then(() => assert.fail("the policy of another subscription was accepted"), (e: unknown) => assert.match(String(e), /firewall\.policyId/));
        forgetRefusedRegistrations();
        assert.deepEqual(childrenOf("site-a", registered), []);
    });

    describe("a resource that depends on a writer", () => {
        const after = (name: string, component: pulumi.Resource) => new FirewallPolicy(name, { resourceGroupName: "rg-other", firewallPolicyName: name }, { dependsOn: [component] });
        const position = (registered: Registered, resource: string) => registered.resources.indexOf(resource);

        it("waits for the gateway's group and NetworkPolicy, though they wait for the provider's subscription", async () => {
            const registered = await program((record) => {
                const gateway = site("site-a", { policyId: POLICY_ID }, record);
                return [gateway.networkPolicyName, after("release", gateway).id];
            });
            const release = position(registered, "azure-native:network:FirewallPolicy release");
            assert.ok(release > position(registered, `${RCG} site-a`) && release > position(registered, `${NETWORK_POLICY} site-a`), registered.resources.join("\n"));
        });

        it("waits for every group of a hub", async () => {
            const registered = await program((record, policy) => {
                const hub = new GatewayEgressRuleCollectionGroup("hub", {
                    firewall: { policyId: policy.id },
                    gateways: [{ name: "berlin", apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" }, sourceAddresses: ["10.80.0.0/24"] }],
                }, { transformations: [record] });
                return [hub.ruleCollectionGroupIds, after("release", hub).id];
            });
            assert.ok(position(registered, "azure-native:network:FirewallPolicy release") > position(registered, `${RCG} hub`), registered.resources.join("\n"));
        });

        it("is not created when the writer is refused", async () => {
            const registered = nothingYet();
            await program((record) => {
                const gateway = site("site-a", { policyId: POLICY_ID }, record);
                return [gateway.networkPolicyName, after("release", gateway).id];
            }, "99999999-2222-3333-4444-555555555555", registered).then(() => assert.fail("the policy of another subscription was accepted"), () => undefined);
            forgetRefusedRegistrations();
            assert.deepEqual(registered.resources.filter((r) => r.endsWith(" release")), []);
        });
    });

    describe("a hub and cluster-only sites on one policy", () => {
        let registered: Registered;
        before(async function () {
            this.timeout(30000);
            registered = await program((record, policy) => {
                const hub = new GatewayEgressRuleCollectionGroup("hub", {
                    firewall: { policyId: policy.id },
                    gateways: ["berlin", "lyon"].map((name, i) => ({ name, apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" }, sourceAddresses: [`10.8${i}.0.0/24`] })),
                }, { transformations: [record] });
                const sites = ["berlin", "lyon"].map((name) => new SelfHostedGatewayEgress(name, {
                    apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" },
                    firewall: { enabled: false },
                    cluster: { namespace: `apim-${name}` },
                }));
                const other = site("spoke-writer", { policyId: policy.id }, record);
                return [hub.ruleCollectionGroupIds, ...sites.map((s) => s.networkPolicyName), other.ruleCollectionGroupId];
            });
        });

        it("writes one group for the hub and none for the cluster-only sites", () => {
            assert.deepEqual([...registered.groupNames.entries()].sort(), [["hub", "hub"], ["spoke-writer", "spoke-writer"]]);
            // berlin, lyon and the spoke writer each have their cluster side.
            assert.equal(registered.types.filter((t) => t === NETWORK_POLICY).length, 3);
        });

        it("chains a later writer on the policy after the hub's group", () => {
            assert.deepEqual(registered.dependsOn.get("spoke-writer"), ["hub"]);
            assert.deepEqual([registered.priorities.get("hub"), registered.priorities.get("spoke-writer")], [300, 310]);
        });
    });

    it("refuses other firewall keys beside enabled: false, naming the key", () => {
        assert.throws(() => new SelfHostedGatewayEgress("site", with_({ apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" }, cluster: { namespace: "apim-gateway" } }, (a) => (a.firewall = { enabled: false, sourceAddresses: ["10.80.0.0/24"] }))),
            /^InputError: Invalid value for firewall\.sourceAddresses: \["10\.80\.0\.0\/24"\]\. firewall\.enabled is false, so this component writes no firewall rules/);
    });
});
