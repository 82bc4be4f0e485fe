// examples/landing-zone: the hub pattern, one GatewayEgressRuleCollectionGroup for the hub policy
// and one cluster-only SelfHostedGatewayEgress per site, run under Pulumi's mocks.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, setApimMocks, settle } from "../cli/apimMocks";
import { resetPolicyLedger } from "../components/groupWriter";
import { unmaskedExample, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";

describe("landing-zone example (examples/landing-zone)", () => {
    const resources: RegisteredResource[] = [];
    let gateways: { site: string; apim: string; ruleCollectionGroup: string; networkPolicy: string; vip: string }[];
    let writes: number;

    before(async function () {
        this.timeout(30000);
        // Each instance answers with its own VIP.
        const vips: Record<string, string> = { "contoso-apim-eu": "10.40.1.5", "contoso-apim-us": "10.60.1.5" };
        await setApimMocks({ answer: (read) => with_(unmaskedExample(), (d) => Object.assign(d, { name: read.serviceName }, { properties: { ...d.properties, privateIPAddresses: [vips[read.serviceName as string]] } })) }, resources, "landing-zone", "spec");
        resetPolicyLedger();
        const example = require("../examples/landing-zone"); // eslint-disable-line @typescript-eslint/no-require-imports
        [gateways, writes] = await Promise.all([settle(example.gateways as pulumi.Output<typeof gateways>), settle(example.firstDeployWrites as pulumi.Output<number>)]);
    });

    it("writes one rule collection group to the hub policy: one write on a first deployment", () => {
        assert.deepEqual(resources.filter((r) => r.type === RCG).map((r) => [r.name, r.inputs.firewallPolicyName, r.inputs.ruleCollectionGroupName, r.inputs.priority]), [
            ["apim-gateways-hub", "fwpol-hub", "apim-self-hosted-gateways", 300],
        ]);
        assert.equal(writes, 1);
    });

    it("gives each site its own rule collection in that group and its own NetworkPolicy", () => {
        const group = resources.find((r) => r.type === RCG);
        assert.deepEqual((group?.inputs.ruleCollections as { name: string }[]).map((c) => c.name), [
            "austin-network", "berlin-network", "lyon-network", "monterrey-network", "toronto-network", "turin-network",
        ]);
        assert.deepEqual(gateways.map((g) => [g.site, g.ruleCollectionGroup, g.networkPolicy]), [
            ["berlin", "apim-self-hosted-gateways", "apim-shgw-berlin"],
            ["lyon", "apim-self-hosted-gateways", "apim-shgw-lyon"],
            ["turin", "apim-self-hosted-gateways", "apim-shgw-turin"],
            ["austin", "apim-self-hosted-gateways", "apim-shgw-austin"],
            ["monterrey", "apim-self-hosted-gateways", "apim-shgw-monterrey"],
            ["toronto", "apim-self-hosted-gateways", "apim-shgw-toronto"],
        ]);
    });

    it("opens each site to its own instance's VIP", () => {
        assert.deepEqual(gateways.map((g) => `${g.site}=${g.vip}`), [
            "berlin=10.40.1.5", "lyon=10.40.1.5", "turin=10.40.1.5", "austin=10.60.1.5", "monterrey=10.60.1.5", "toronto=10.60.1.5",
        ]);
    });
});
