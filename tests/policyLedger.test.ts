import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../components/errors";
import { PolicyLedger } from "../components/policyLedger";
import { resetPolicyLedger, SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { baseArgs, unmaskedExample, with_ } from "./helpers";

const HUB = { resourceGroupName: "rg-hub", policyName: "fwpol-hub" };
const RANGE = { start: 300, end: 65000 };

describe("PolicyLedger", () => {
    it("places the first group on a policy with nothing to wait for", () => {
        assert.deepEqual(new PolicyLedger<string>().place(HUB, "a", 500, RANGE), { priority: 500, after: undefined });
    });

    it("chains each group after the previous one on the same policy", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "a", ruleCollectionGroupName: "a", priority: 300, resource: "rcg-a" });
        ledger.record(HUB, { component: "b", ruleCollectionGroupName: "b", priority: 310, resource: "rcg-b" });
        assert.equal(ledger.place(HUB, "c", 320, RANGE).after, "rcg-b");
    });

    it("keeps policies apart, matching names without regard to case", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "a", ruleCollectionGroupName: "a", priority: 300, resource: "rcg-a" });
        assert.equal(ledger.place({ resourceGroupName: "rg-spoke", policyName: "fwpol-hub" }, "a", 300, RANGE).after, undefined);
        assert.equal(ledger.place({ resourceGroupName: "RG-HUB", policyName: "FWPOL-HUB" }, "b", 310, RANGE).after, "rcg-a");
    });

    it("allocates the lowest free multiple of 10 in the range", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "a", ruleCollectionGroupName: "a", priority: 300, resource: "rcg-a" });
        ledger.record(HUB, { component: "b", ruleCollectionGroupName: "b", priority: 320, resource: "rcg-b" });
        assert.equal(ledger.place(HUB, "c", undefined, RANGE).priority, 310);
        assert.equal(ledger.place(HUB, "c", undefined, { start: 305, end: 400 }).priority, 310);
    });

    it("refuses a priority another component holds on the policy", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "site-a", ruleCollectionGroupName: "apim-a", priority: 300, resource: "rcg-a" });
        assert.throws(() => ledger.place(HUB, "apim-b", 300, RANGE), (e: InputError) => {
            assert.equal(e.message, "Invalid value for firewall.priority: 300. Component \"site-a\" already uses that priority on policy fwpol-hub (rule collection group \"apim-a\"): priorities order the groups, so each must be unique.");
            return true;
        });
    });

    it("refuses a group name another component writes on the policy", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "site-a", ruleCollectionGroupName: "apim", priority: 300, resource: "rcg-a" });
        assert.throws(() => ledger.place(HUB, "APIM", 310, RANGE), /firewall\.ruleCollectionGroupName: "APIM"\. Component "site-a" already writes a rule collection group of that name/);
    });

    it("refuses when the range is full", () => {
        const ledger = new PolicyLedger<string>();
        ledger.record(HUB, { component: "a", ruleCollectionGroupName: "a", priority: 300, resource: "rcg-a" });
        assert.throws(() => ledger.place(HUB, "b", undefined, { start: 300, end: 309 }), /firewall\.priorityRange: \{"start":300,"end":309\}\. No free priority is left between 300 and 309/);
    });
});

describe("SelfHostedGatewayEgress on a shared policy", () => {
    const dependsOn = new Map<string, string[]>();
    const priorities = new Map<string, number>();

    before(async () => {
        await pulumi.runtime.setMocks({
            newResource: (r) => {
                if (r.type === "azure-native:network:FirewallPolicyRuleCollectionGroup") {
                    priorities.set(r.name, r.inputs.priority);
                }
                return { id: `${r.name}-id`, state: r.inputs };
            },
            call: () => unmaskedExample(),
        });
        resetPolicyLedger();
        // A transformation sees the options the component gives each child, dependsOn included.
        const record: pulumi.ResourceTransformation = (t) => {
            if (t.type === "azure-native:network:FirewallPolicyRuleCollectionGroup") {
                const deps = ([] as pulumi.Resource[]).concat((t.opts.dependsOn ?? []) as pulumi.Resource[]);
                dependsOn.set(t.name, deps.map((d) => (d as unknown as { __name: string }).__name));
            }
            return undefined;
        };
        const site = (name: string, serializeWrites = true) =>
            new SelfHostedGatewayEgress(name, with_(baseArgs(), (a) => Object.assign(a.firewall, { ruleCollectionGroupName: name, serializeWrites })), { transformations: [record] });
        const components = [site("site-a"), site("site-b"), site("site-c", false)];
        await new Promise<void>((resolve) => pulumi.all(components.map((c) => c.ruleCollectionGroupId)).apply(() => resolve()));
    });

    it("chains each rule collection group after the previous component's", () => {
        assert.deepEqual(dependsOn.get("site-a"), []);
        assert.deepEqual(dependsOn.get("site-b"), ["site-a"]);
    });

    it("does not chain a component that opts out", () => {
        assert.deepEqual(dependsOn.get("site-c"), []);
    });

    it("allocates distinct priorities in construction order", () => {
        assert.deepEqual([...priorities.entries()].sort(), [["site-a", 300], ["site-b", 310], ["site-c", 320]]);
    });
});

describe("landing-zone example (examples/landing-zone)", () => {
    it("chains six sites of two APIM instances on one hub policy with distinct priorities", async () => {
        await pulumi.runtime.setMocks({
            newResource: (r) => ({ id: `${r.name}-id`, state: r.inputs }),
            call: (c) => with_(unmaskedExample(), (d) => (d.name = c.inputs.serviceName)),
        });
        resetPolicyLedger();
        const example = require("../examples/landing-zone"); // eslint-disable-line @typescript-eslint/no-require-imports
        const gateways = await new Promise<{ site: string; priority: number; ruleCollectionGroup: string }[]>((resolve) => pulumi.all(example.gateways).apply((g) => resolve(g as never)));
        assert.deepEqual(gateways.map((g) => [g.site, g.ruleCollectionGroup, g.priority]), [
            ["berlin", "apim-shgw-berlin", 300], ["lyon", "apim-shgw-lyon", 310], ["turin", "apim-shgw-turin", 320],
            ["austin", "apim-shgw-austin", 330], ["monterrey", "apim-shgw-monterrey", 340], ["toronto", "apim-shgw-toronto", 350],
        ]);
    });
});
