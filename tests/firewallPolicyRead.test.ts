// Both components read the target firewall policy, its groups and its parent (basePolicy), under
// the mocks that answer the invokes from `az` output; the offline preview takes the same documents
// from --firewall-policy and --rule-collection-groups; the engine's azure-native double answers
// the same two invokes.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { FirewallPolicy } from "@pulumi/azure-native/network";
import { CLIENT_CONFIG_TOKEN, FIREWALL_POLICY_READ_TOKEN, settle } from "../cli/apimMocks";
import { main } from "../cli/main";
import { runOffline, runOfflineHub } from "../cli/offlineRun";
import { resetPolicyLedger } from "../components/groupWriter";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { firewallPolicyDocument, makeProvider, Store } from "./engine/azureNativeDouble";
import { fixture, fixturePath, forgetRefusedRegistrations, LooseArgs, scratchFiles, Sink, SITE_OPTIONS, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const INTERNAL = () => fixture("az-internal-developer.json");
const GROUPS = () => fixture("rule-collection-groups-deny-all-443.json") as unknown as Record<string, unknown>[];
const PARENT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-root`;

function siteArgs(firewall: Record<string, unknown> = {}, features: Record<string, unknown> = {}): LooseArgs {
    return {
        apim: { resourceGroupName: "rg-apim-dev", serviceName: "contoso-dev" },
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"], ruleCollectionGroupName: "apim-shgw-egress", ...firewall },
        cluster: { namespace: "apim-gateway" },
        features,
    };
}

const startsWith = (notes: readonly string[], start: string) => notes.filter((n) => n.startsWith(start));

describe("reading the firewall policy", () => {
    describe("SelfHostedGatewayEgress", () => {
        it("names the return path of the ip rule when the policy's SNAT ranges are the default", async () => {
            const run = await runOffline(INTERNAL(), siteArgs(), "gw", { firewallPolicies: [fixture("firewall-policy-default-snat.json")], ruleCollectionGroups: GROUPS() });
            assert.equal(startsWith(run.outputs.notes, "The network rule configuration-address opens the VIP 10.50.2.4 without SNAT").length, 1);
        });

        it("reads the parent policy (basePolicy) and names its Deny", async () => {
            const child = with_(fixture("firewall-policy-snat-always.json"), (d) => {
                d.basePolicy = { id: PARENT_ID, resourceGroup: "rg-hub" };
                d.ruleCollectionGroups = [];
            });
            const parent = with_(fixture("firewall-policy-snat-always.json"), (d) => {
                d.name = "fwpol-root";
                d.id = PARENT_ID;
                d.ruleCollectionGroups = [{ id: `${PARENT_ID}/ruleCollectionGroups/platform-deny` }];
            });
            const parentGroups = GROUPS().map((g) => ({ ...g, id: String(g.id).replace("/fwpol-hub/", "/fwpol-root/") }));
            const run = await runOffline(INTERNAL(), siteArgs({ ruleStyle: "fqdn" }), "gw", { firewallPolicies: [child, parent], ruleCollectionGroups: parentGroups });
            assert.deepEqual(run.outputs.notes.filter((n) => /Deny/.test(n)).map((n) => /group \S+, collection \S+, rule \S+ \(policy [^)]+\)/.exec(n)?.[0]), [
                "group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-root in rg-hub)",
            ]);
        });

        it("says so when the parent policy cannot be read, and refuses nothing", async () => {
            const child = with_(fixture("firewall-policy-snat-always.json"), (d) => (d.basePolicy = { id: PARENT_ID }));
            const run = await runOffline(INTERNAL(), siteArgs(), "gw", { firewallPolicies: [child], ruleCollectionGroups: GROUPS() });
            assert.deepEqual(startsWith(run.outputs.notes, "The parent policy"), [
                "The parent policy fwpol-root in rg-hub (basePolicy of fwpol-hub in rg-hub) was not read (ResourceNotFound: no firewall policy document given for fwpol-root in rg-hub (--firewall-policy)): its Deny network rules, which take precedence, are not checked.",
            ]);
            assert.equal(run.resources.filter((r) => r.type === RCG).length, 1);
        });

        it("does not read a parent in another subscription, whose name the provider would look up in its own", async () => {
            const child = with_(fixture("firewall-policy-snat-always.json"), (d) => (d.basePolicy = { id: PARENT_ID.replace(SUBSCRIPTION, "99999999-2222-3333-4444-555555555555") }));
            const parent = with_(fixture("firewall-policy-snat-always.json"), (d) => (d.name = "fwpol-root"));
            const run = await runOffline(INTERNAL(), siteArgs(), "gw", { firewallPolicies: [child, parent], ruleCollectionGroups: GROUPS() });
            assert.deepEqual(startsWith(run.outputs.notes, "The parent policy"), [
                "The parent policy fwpol-root in rg-hub (basePolicy of fwpol-hub in rg-hub) was not read (it is in subscription 99999999-2222-3333-4444-555555555555, the policy's provider reads 11111111-2222-3333-4444-555555555555): its Deny network rules, which take precedence, are not checked.",
            ]);
        });

        it("refuses Event Hubs AMQP on a policy with DNS proxy off, and registers no child", async () => {
            const resources: { type: string }[] = [];
            await assert.rejects(runOffline(INTERNAL(), siteArgs({}, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } }), "gw", { resources: resources as never, firewallPolicies: [fixture("firewall-policy-dns-proxy-off.json")], ruleCollectionGroups: GROUPS() }),
                /^InputError: Invalid value for dnsSettings\.enableProxy: false\. .*Flows: eventhubs-contoso-logs-amqp \(TCP 5671-5672 to contoso-logs\.servicebus\.windows\.net\)\./);
            forgetRefusedRegistrations();
            assert.deepEqual(resources.map((r) => r.type), ["apim-gateway-egress:index:SelfHostedGatewayEgress"]);
        });

        it("takes nothing from a policy document of another subscription than policyId's", async () => {
            const other = "22222222-2222-3333-4444-555555555555";
            const policyId = `/subscriptions/${other}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub`;
            const args = siteArgs({ policyName: undefined, resourceGroupName: undefined, policyId }, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } });
            const run = await runOffline(INTERNAL(), args, "gw", { subscriptionId: other, firewallPolicies: [fixture("firewall-policy-dns-proxy-off.json")] });
            assert.deepEqual(startsWith(run.outputs.notes, "The firewall policy"), [
                `The firewall policy fwpol-hub in rg-hub was not read (the provider reads subscription ${SUBSCRIPTION}, not the policy's ${other}): its SNAT private ranges (the return path of a network rule), DNS proxy, Deny network rules that would shadow the application rules and the groups already on it are not checked.`,
            ]);
        });

        it("refuses its group when the groups already on the policy fill it", async () => {
            await assert.rejects(runOffline(INTERNAL(), siteArgs({ maxRuleCollectionGroups: 1 }), "gw", { firewallPolicies: [fixture("firewall-policy-default-snat.json")], ruleCollectionGroups: GROUPS() }),
                /^InputError: Invalid value for firewall\.maxRuleCollectionGroups: 1\. Policy fwpol-hub in rg-hub already holds 1 rule collection groups this component does not write \(platform-deny\): with this one it would hold 2/);
            forgetRefusedRegistrations();
        });

        it("writes its group when the policy, created in the same program, is unknown in a preview", async () => {
            const tokens: string[] = [];
            const types: string[] = [];
            await pulumi.runtime.setMocks({
                newResource: (r) => {
                    types.push(r.type);
                    return { id: r.type === "azure-native:network:FirewallPolicy" ? undefined as unknown as string : `${r.name}-id`, state: r.inputs };
                },
                call: (c) => {
                    tokens.push(c.token);
                    return c.token === CLIENT_CONFIG_TOKEN ? { subscriptionId: SUBSCRIPTION } : INTERNAL();
                },
            }, "policy-read", "spec", true);
            resetPolicyLedger();
            const policy = new FirewallPolicy("hub", { resourceGroupName: "rg-hub", firewallPolicyName: "fwpol-new" });
            const gw = new SelfHostedGatewayEgress("gw", { ...siteArgs(), firewall: { policyId: policy.id, sourceAddresses: ["10.80.0.0/24"] } });
            await settle(gw.ruleCollectionGroupId);
            await pulumi.runtime.disconnect();
            assert.deepEqual([types.includes(RCG), tokens.includes(FIREWALL_POLICY_READ_TOKEN)], [true, false]);
        });
    });

    describe("GatewayEgressRuleCollectionGroup", () => {
        const hub = (firewall: Record<string, unknown> = {}): LooseArgs => ({
            firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", ...firewall },
            gateways: [{ name: "site1", apim: { resourceGroupName: "rg-apim-dev", serviceName: "contoso-dev" }, sourceAddresses: ["10.80.0.0/24"], ruleStyle: "both" }],
        });

        it("counts the policy's existing groups against the limit", async () => {
            await assert.rejects(runOfflineHub([INTERNAL()], hub({ maxRuleCollectionGroups: 2 }), "hub", { firewallPolicies: [fixture("firewall-policy-default-snat.json")], ruleCollectionGroups: GROUPS() }),
                /^InputError: Invalid value for firewall\.maxRuleCollectionGroups: 2\. This program would write 1 rule collection groups to policy fwpol-hub in rg-hub, which already holds 2 others \(apim-shgw-egress, platform-deny\); the policy accepts 2 here/);
            forgetRefusedRegistrations();
        });

        it("takes 60 groups once an existing group over 1 MB shows a policy created after July 2022", async () => {
            const groups = GROUPS().map((g) => (g.name === "platform-deny" ? { ...g, size: "1.5 MB" } : g));
            const run = await runOfflineHub([INTERNAL()], hub(), "hub", { firewallPolicies: [fixture("firewall-policy-default-snat.json")], ruleCollectionGroups: groups });
            assert.equal(startsWith(run.outputs.notes, "Policy fwpol-hub in rg-hub already holds 2 rule collection groups besides this component's (apim-shgw-egress 0.001 MB, platform-deny 1.500 MB): they count against its 60 groups").length, 1);
        });

        it("names the Deny that blocks each gateway's network rules (its group comes first) and shadows its application rules", async () => {
            const run = await runOfflineHub([INTERNAL()], hub(), "hub", { firewallPolicies: [fixture("firewall-policy-snat-always.json")], ruleCollectionGroups: GROUPS() });
            assert.deepEqual(run.outputs.notes.filter((n) => /Deny/.test(n)).map((n) => /rule deny-\S+ \(policy [^)]+\)(, group priority \d+, collection priority \d+,)? (shadows|blocks) [^.]+/.exec(n)?.[0]), [
                "rule deny-all-443 (policy fwpol-hub in rg-hub), group priority 200, collection priority 1000, blocks gateway site1/configuration-address",
                "rule deny-all-443 (policy fwpol-hub in rg-hub) shadows gateway site1/configuration-host",
            ]);
        });
    });

    describe("the offline preview (--firewall-policy, --rule-collection-groups)", () => {
        const scratch = scratchFiles("policy-read-");
        before(scratch.before);
        after(scratch.after);
        const F = (name: string) => fixturePath(name);
        const options = (firewall: Record<string, unknown>, features: Record<string, unknown> = {}) =>
            scratch.file(`options-${Object.keys(firewall).join("-")}-${Object.keys(features).join("-")}.json`, JSON.stringify({ firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"], ...firewall }, cluster: { namespace: "apim-gateway" }, features }));

        async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
            const out = new Sink();
            const err = new Sink();
            const code = await main(["preview", ...args], out, err);
            forgetRefusedRegistrations();
            return { code, out: out.text, err: err.text };
        }
        const notes = (out: string) => (JSON.parse(out) as { outputs: { notes: string[] } }).outputs.notes;
        const apim = ["--apim", F("az-internal-developer.json")];

        it("names the return path of an Internal instance with default SNAT ranges", async () => {
            const r = await cli([...apim, "--options", SITE_OPTIONS, "--firewall-policy", F("firewall-policy-default-snat.json"), "--rule-collection-groups", F("rule-collection-groups-deny-all-443.json"), "--format", "json"]);
            assert.equal(startsWith(notes(r.out), "The network rule configuration-address opens the VIP 10.50.2.4 without SNAT: policy fwpol-hub in rg-hub has no snat.privateRanges").length, 1);
        });

        it("does not name it with snat.privateRanges 255.255.255.255/32", async () => {
            const r = await cli([...apim, "--options", SITE_OPTIONS, "--firewall-policy", F("firewall-policy-snat-always.json"), "--rule-collection-groups", F("rule-collection-groups-deny-all-443.json"), "--format", "json"]);
            assert.deepEqual([r.code, notes(r.out).filter((n) => /SNAT/.test(n))], [0, []]);
        });

        it("refuses an Event Hubs AMQP flow on a policy with DNS proxy off: exit 2, one line", async () => {
            const r = await cli([...apim, "--options", options({}, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } }), "--firewall-policy", F("firewall-policy-dns-proxy-off.json"), "--format", "json"]);
            assert.deepEqual([r.code, r.out, r.err.split("\n").length], [2, "", 2]);
            assert.match(r.err, /^error: Invalid value for dnsSettings\.enableProxy: false\. .*eventhubs-contoso-logs-amqp/);
        });

        it("keeps of the FQDN network rule note only that the gateway hosts must resolve through the firewall, once the policy shows DNS proxy on", async () => {
            const r = await cli([...apim, "--options", options({}, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } }), "--firewall-policy", F("firewall-policy-snat-always.json"), "--format", "json"]);
            assert.deepEqual([r.code, notes(r.out).filter((n) => /FQDN destinations/.test(n))], [0, [
                "Network rules with FQDN destinations (eventhubs-contoso-logs-amqp) match the addresses the firewall's DNS proxy resolves: the gateway hosts must use the firewall as their DNS server, or a name they resolve elsewhere to another address is denied.",
            ]]);
        });

        it("keeps the whole FQDN network rule note when the policy is not read", async () => {
            const r = await cli([...apim, "--options", options({}, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } }), "--format", "json"]);
            assert.deepEqual(notes(r.out).filter((n) => /FQDN destinations/.test(n)).map((n) => /A Basic-SKU Azure Firewall has no DNS proxy/.test(n)), [true]);
        });

        it("refuses an Event Hubs AMQP flow on a policy with requireProxyForNetworkRules false: exit 2, one line", async () => {
            const policy = with_(fixture("firewall-policy-snat-always.json"), (d) => (d.dnsSettings = { enableProxy: true, requireProxyForNetworkRules: false, servers: [] }));
            const r = await cli([...apim, "--options", options({}, { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } }), "--firewall-policy", scratch.file("policy-require-false.json", JSON.stringify(policy)), "--format", "json"]);
            assert.deepEqual([r.code, r.out, r.err.split("\n").length], [2, "", 2]);
            assert.match(r.err, /^error: Invalid value for dnsSettings\.requireProxyForNetworkRules: false\. .*eventhubs-contoso-logs-amqp/);
        });

        it("names a 0.0.0.0/0:443 network Deny in an earlier group as blocking the network rules and shadowing the application rules", async () => {
            const r = await cli([...apim, "--options", options({ ruleStyle: "both" }), "--firewall-policy", F("firewall-policy-snat-always.json"), "--rule-collection-groups", F("rule-collection-groups-deny-all-443.json"), "--format", "json"]);
            assert.deepEqual(notes(r.out).filter((n) => /Deny/.test(n)).map((n) => /group \S+, collection \S+, rule \S+ \(policy [^)]+\)(, group priority \d+, collection priority \d+,)? (shadows|blocks) \S+/.exec(n)?.[0]), [
                "group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-hub in rg-hub), group priority 200, collection priority 1000, blocks configuration-address.",
                "group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-hub in rg-hub) shadows configuration-host.",
            ]);
        });

        it("names a Deny in an earlier group that blocks the ip-style configuration rule (Internal's default ruleStyle)", async () => {
            const r = await cli([...apim, "--options", options({}), "--firewall-policy", F("firewall-policy-snat-always.json"), "--rule-collection-groups", F("rule-collection-groups-deny-all-443.json"), "--format", "json"]);
            assert.deepEqual(notes(r.out).filter((n) => /Deny/.test(n)).map((n) => /group \S+, collection \S+, rule \S+ \(policy [^)]+\), group priority \d+, collection priority \d+, blocks \S+/.exec(n)?.[0]), [
                "group platform-deny, collection deny-internet-https, rule deny-all-443 (policy fwpol-hub in rg-hub), group priority 200, collection priority 1000, blocks configuration-address.",
            ]);
        });

        it("names no Deny in a group after the gateway's, though ruleStyle both has an application rule: the gateway's network rule allows the traffic first", async () => {
            const groups = (fixture("rule-collection-groups-deny-all-443.json") as unknown as Record<string, unknown>[]).map((g) => (g.name === "platform-deny" ? { ...g, priority: 65000 } : g));
            const r = await cli([...apim, "--options", options({ ruleStyle: "both" }), "--firewall-policy", F("firewall-policy-snat-always.json"), "--rule-collection-groups", scratch.file("groups-65000.json", JSON.stringify(groups)), "--format", "json"]);
            assert.deepEqual([r.code, notes(r.out).filter((n) => /Deny/.test(n))], [0, []]);
        });

        it("counts the policy's existing groups in a hub run", async () => {
            const hubFile = scratch.file("hub.json", JSON.stringify({ firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", maxRuleCollectionGroups: 2 }, gateways: [{ name: "site1", apim: { resourceGroupName: "rg-apim-dev", serviceName: "contoso-dev" }, sourceAddresses: ["10.80.0.0/24"] }] }));
            const r = await cli(["--hub", hubFile, ...apim, "--firewall-policy", F("firewall-policy-default-snat.json"), "--rule-collection-groups", F("rule-collection-groups-deny-all-443.json")]);
            assert.deepEqual([r.code, r.out], [2, ""]);
            assert.match(r.err, /^error: Invalid value for firewall\.maxRuleCollectionGroups: 2\. .*which already holds 2 others \(apim-shgw-egress, platform-deny\)/);
        });

        it("says the policy was not read without the files", async () => {
            const r = await cli([...apim, "--options", SITE_OPTIONS, "--format", "json"]);
            assert.equal(startsWith(notes(r.out), "The firewall policy fwpol-hub in rg-hub was not read (ResourceNotFound: no firewall policy document given").length, 1);
        });

        it("refuses a --firewall-policy file that is not a policy", async () => {
            // A short path of its own: a long checkout path would be cut in the line, as every value is.
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fp-"));
            const notAPolicy = path.join(dir, "apim.json");
            fs.copyFileSync(F("az-internal-developer.json"), notAPolicy);
            try {
                const r = await cli([...apim, "--options", SITE_OPTIONS, "--firewall-policy", notAPolicy]);
                assert.equal(r.code, 2);
                assert.equal(r.err, `error: Invalid value for --firewall-policy: ${JSON.stringify(notAPolicy)}. Expected the output of az network firewall policy show -o json: an object whose type is Microsoft.Network/firewallPolicies.\n`);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("the engine's azure-native double", () => {
        let dir = "";
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "double-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("lists the groups it stores on the policy, and returns each as written", async () => {
            const store = new Store(dir, 0);
            const provider = makeProvider(store, () => dir);
            const inputs = { resourceGroupName: "rg-hub", firewallPolicyName: "fwpol-hub", ruleCollectionGroupName: "site1", priority: 300, ruleCollections: GROUPS()[1].ruleCollections };
            await provider.create?.("urn:pulumi:s::p::azure-native:network:FirewallPolicyRuleCollectionGroup::site1", inputs);
            const policy = firewallPolicyDocument(store, inputs, undefined);
            assert.deepEqual(policy.ruleCollectionGroups, [{ id: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub/ruleCollectionGroups/site1" }]);
            const group = (await provider.invoke?.("azure-native:network:getFirewallPolicyRuleCollectionGroup", inputs))?.outputs as Record<string, unknown>;
            assert.deepEqual([group.name, group.ruleCollections], ["site1", inputs.ruleCollections]);
        });
    });
});
