// GatewayEgressRuleCollectionGroup: the firewall side of many gateways on one hub policy, run
// through the offline runner (Pulumi mocks, documents on disk), asserted on what it registers.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { settle } from "../cli/apimMocks";
import { OfflineHubOutputs, OfflineRun, RegisteredResource, runOfflineHub } from "../cli/offlineRun";
import { FilterRuleCollection } from "../components/firewallRules";
import { HUB_TYPE_TOKEN } from "../components/gatewayEgressRuleCollectionGroup";
import { fixture, forgetRefusedRegistrations, LooseArgs, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";

/** Three instances: Internal (private VIP 10.50.2.4), External (public VIP 52.164.20.7), None (20.119.8.44) with a custom configuration host. */
const INSTANCES = [
    { document: () => fixture("az-internal-developer.json"), apim: { resourceGroupName: "rg-apim-dev", serviceName: "contoso-dev" }, vip: "10.50.2.4/32" },
    { document: () => fixture("rest-external-premium.json"), apim: { resourceGroupName: "rg-apim", serviceName: "fabrikam-apim" }, vip: "52.164.20.7/32" },
    { document: () => fixture("rest-none-custom-config-host.json"), apim: { resourceGroupName: "rg-apim", serviceName: "tailspin-apim" }, vip: "20.119.8.44/32" },
];
const DOCUMENTS = () => INSTANCES.map((i) => i.document());

/** `n` gateways, round robin over the three instances, each with its own /24. */
function hubArgs(n: number, firewall: Record<string, unknown> = {}): LooseArgs {
    return {
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", ...firewall },
        gateways: Array.from({ length: n }, (_, i) => ({
            name: `site-${String(i).padStart(3, "0")}`,
            apim: INSTANCES[i % 3].apim,
            sourceAddresses: [`10.${100 + Math.floor(i / 200)}.${i % 200}.0/24`],
        })),
    };
}

const groupsOf = (run: OfflineRun<OfflineHubOutputs>) => run.resources.filter((r) => r.type === RCG);
const collectionsOf = (group: RegisteredResource) => group.inputs.ruleCollections as FilterRuleCollection[];

async function refusal(args: LooseArgs, documents = DOCUMENTS()): Promise<{ message: string; types: string[] }> {
    const resources: RegisteredResource[] = [];
    try {
        await runOfflineHub(documents, args, "hub", { resources });
    } catch (e) {
        forgetRefusedRegistrations();
        return { message: (e as Error).message, types: resources.map((r) => r.type) };
    }
    throw new Error("expected a refusal");
}

describe("GatewayEgressRuleCollectionGroup", () => {
    describe("120 gateways over three APIM instances", () => {
        let run: OfflineRun<OfflineHubOutputs>;
        before(async function () {
            this.timeout(60000);
            run = await runOfflineHub(DOCUMENTS(), hubArgs(120), "hub");
        });

        it("registers the component and one rule collection group", () => {
            assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`), [`${HUB_TYPE_TOKEN} hub`, `${RCG} hub`]);
        });

        it("reads each distinct instance once", () => {
            assert.deepEqual(run.apimReads.map((r) => r.serviceName).sort(), ["contoso-dev", "fabrikam-apim", "tailspin-apim"]);
        });

        it("reports one write for a first deployment, the group's name, priority and gateways", () => {
            assert.equal(run.outputs.firstDeployWrites, 1);
            assert.deepEqual(run.outputs.ruleCollectionGroups.map((g) => [g.name, g.priority, g.gateways.length]), [["hub", 300, 120]]);
            assert.ok(run.outputs.ruleCollectionGroups[0].bytes < 1024 * 1024);
        });

        it("writes the group to the policy with the reported name and priority", () => {
            const group = groupsOf(run)[0];
            assert.deepEqual([group.inputs.firewallPolicyName, group.inputs.resourceGroupName, group.inputs.ruleCollectionGroupName, group.inputs.priority], ["fwpol-hub", "rg-hub", "hub", 300]);
        });

        it("holds a network collection per gateway, named after it, at priority 100 + 10 × its position in name order", () => {
            const network = collectionsOf(groupsOf(run)[0]).filter((c) => c.name.endsWith("-network"));
            assert.equal(network.length, 120);
            assert.deepEqual(network.slice(0, 3).map((c) => [c.name, c.priority]), [["site-000-network", 100], ["site-001-network", 110], ["site-002-network", 120]]);
            assert.deepEqual([network[119].name, network[119].priority], ["site-119-network", 1290]);
        });

        it("gives each gateway's rules its own sources and its own instance's configuration VIP", () => {
            const collections = collectionsOf(groupsOf(run)[0]);
            for (const i of [0, 1, 2, 59, 118]) {
                const name = `site-${String(i).padStart(3, "0")}`;
                const rules = collections.filter((c) => c.name.startsWith(`${name}-`)).flatMap((c) => c.rules);
                assert.ok(rules.length > 0, name);
                for (const rule of rules) {
                    assert.deepEqual(rule.sourceAddresses, [`10.100.${i}.0/24`], `${name} ${rule.name}`);
                }
                const vip = INSTANCES[i % 3].vip;
                const address = rules.find((r) => r.name === "configuration-address");
                assert.deepEqual(address && "destinationAddresses" in address ? address.destinationAddresses : [], [vip], name);
            }
        });

        it("opens a custom ConfigurationApi host by name for the instance that has one", () => {
            const rules = collectionsOf(groupsOf(run)[0]).filter((c) => c.name === "site-002-application").flatMap((c) => c.rules);
            assert.deepEqual(rules.map((r) => (r.ruleType === "ApplicationRule" ? r.targetFqdns : [])), [["config.tailspin.example.com"]]);
        });

        it("reports each instance once, with its configuration endpoint and the VIP read from Azure", () => {
            assert.deepEqual(run.outputs.instances, [
                { resourceGroupName: "rg-apim-dev", serviceName: "contoso-dev", configurationHost: "contoso-dev.configuration.azure-api.net", configurationAddress: "10.50.2.4" },
                { resourceGroupName: "rg-apim", serviceName: "fabrikam-apim", configurationHost: "fabrikam-apim.configuration.azure-api.net", configurationAddress: "52.164.20.7" },
                { resourceGroupName: "rg-apim", serviceName: "tailspin-apim", configurationHost: "config.tailspin.example.com", configurationAddress: "20.119.8.44" },
            ]);
        });

        it("reports each gateway with its instance, configuration address, rule style and group", () => {
            assert.deepEqual(run.outputs.gateways.slice(0, 3), [
                { name: "site-000", apimServiceName: "contoso-dev", configurationAddress: "10.50.2.4", ruleStyle: "ip", ruleCollectionGroup: "hub" },
                { name: "site-001", apimServiceName: "fabrikam-apim", configurationAddress: "52.164.20.7", ruleStyle: "both", ruleCollectionGroup: "hub" },
                { name: "site-002", apimServiceName: "tailspin-apim", configurationAddress: "20.119.8.44", ruleStyle: "both", ruleCollectionGroup: "hub" },
            ]);
            assert.equal(run.outputs.gateways.length, 120);
        });
    });

    it("reports the configuration address a gateway declares, and its instance's VIP beside it", async () => {
        const run = await runOfflineHub(DOCUMENTS(), with_(hubArgs(3), (a) => (a.gateways[2].configurationAddress = "20.50.60.70")), "hub");
        assert.deepEqual(run.outputs.gateways.map((g) => [g.name, g.configurationAddress]), [["site-000", "10.50.2.4"], ["site-001", "52.164.20.7"], ["site-002", "20.50.60.70"]]);
        assert.deepEqual(run.outputs.instances.map((i) => [i.serviceName, i.configurationAddress]), [["contoso-dev", "10.50.2.4"], ["fabrikam-apim", "52.164.20.7"], ["tailspin-apim", "20.119.8.44"]]);
    });

    describe("past the group size limit", () => {
        let run: OfflineRun<OfflineHubOutputs>;
        const dependsOn = new Map<string, string[]>();
        before(async function () {
            this.timeout(60000);
            run = await runOfflineHub(DOCUMENTS(), hubArgs(40, { maxGroupBytes: 12000 }), "hub");
        });

        it("splits into the fewest groups, named -2, -3, ..., each within the limit", () => {
            const groups = run.outputs.ruleCollectionGroups;
            assert.ok(groups.length > 1);
            assert.deepEqual(groups.map((g) => g.name), ["hub", ...groups.slice(1).map((_, i) => `hub-${i + 2}`)]);
            assert.ok(groups.every((g) => g.bytes <= 12000), groups.map((g) => g.bytes).join(", "));
            // Fewest in name order: no group could have taken the next gateway as well.
            const total = groups.reduce((n, g) => n + g.bytes, 0);
            assert.ok(total > 12000 * (groups.length - 1) * 0.8);
            assert.equal(run.outputs.firstDeployWrites, groups.length);
        });

        it("keeps every gateway in exactly one group, in name order", () => {
            assert.deepEqual(run.outputs.ruleCollectionGroups.flatMap((g) => g.gateways), hubArgs(40).gateways.map((g: { name: string }) => g.name));
        });

        it("gives each group its own free priority from the range", () => {
            assert.deepEqual(run.outputs.ruleCollectionGroups.map((g) => g.priority), run.outputs.ruleCollectionGroups.map((_, i) => 300 + 10 * i));
        });

        it("chains each group after the one before it", async () => {
            // A transformation sees the options each group is registered with, dependsOn included.
            const record: pulumi.ResourceTransformation = (t) => {
                if (t.type === RCG) {
                    // The first group waits for the earlier writers' groups, known only once they are placed:
                    // the SDK hands that on as an Output.
                    void Promise.all(([] as unknown[]).concat(t.opts.dependsOn ?? []).map((d) => (pulumi.Output.isInstance(d) ? settle(d) : Promise.resolve(d))))
                        .then((deps) => dependsOn.set(t.name, deps.flat().map((d) => (d as { __name: string }).__name)));
                }
                return undefined;
            };
            await runOfflineHub(DOCUMENTS(), hubArgs(40, { maxGroupBytes: 12000 }), "hub", { componentOptions: { transformations: [record] } });
            const names = run.outputs.ruleCollectionGroups.map((_, i) => (i === 0 ? "hub" : `hub-${i + 1}`));
            assert.deepEqual(names.map((n) => dependsOn.get(n)), names.map((_, i) => (i === 0 ? [] : [names[i - 1]])));
        });
    });

    describe("refusals", () => {
        it("refuses more groups than the policy takes, in one line", async () => {
            const { message, types } = await refusal(hubArgs(40, { maxGroupBytes: 12000, maxRuleCollectionGroups: 2 }));
            assert.match(message, /^Invalid value for firewall\.maxRuleCollectionGroups: 2\. This program would write \d+ rule collection groups to policy fwpol-hub in rg-hub \(\d+ of them for "hub"\); the policy accepts 2 here/);
            assert.deepEqual(types.filter((t) => t === RCG), []);
        });

        it("refuses a gateway whose rules alone pass the limit, naming it", async () => {
            const args = with_(hubArgs(3, { maxGroupBytes: 4096 }), (a) => (a.gateways[1].backends = Array.from({ length: 40 }, (_, i) => ({ name: `b${i}`, fqdn: `backend-${i}.factory.example`, port: 443 }))));
            const { message } = await refusal(args);
            assert.match(message, /^Invalid value for gateways\[1\]: "site-001"\. The rules of this gateway alone take about \d+ KB, more than firewall\.maxGroupBytes \(4096\)/);
        });

        it("refuses two gateways of one name, without regard to case", async () => {
            const args = with_(hubArgs(3), (a) => (a.gateways[2].name = "SITE-000"));
            assert.match((await refusal(args)).message, /^Invalid value for gateways\[2\]\.name: "SITE-000"\. Gateway names must be unique \(without regard to case\): gateways\[0\] has it too\.$/);
        });

        it("refuses a gateway of an instance no document describes", async () => {
            const args = with_(hubArgs(3), (a) => (a.gateways[1].apim = { resourceGroupName: "rg-apim", serviceName: "contoso-asia" }));
            assert.match((await refusal(args)).message, /^Invalid value for gateways\[\]\.apim\.serviceName: "contoso-asia"\. No --apim document describes this instance/);
        });

        it("refuses a hub without gateways", async () => {
            assert.match((await refusal(hubArgs(0))).message, /^Invalid value for gateways: \[\]\. Give at least one gateway/);
        });
    });
});
