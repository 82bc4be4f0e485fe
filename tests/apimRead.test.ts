// The APIM read shared by the SelfHostedGatewayEgress of one program run (components/apimRead.ts):
// one invoke per instance and provider, as a hand-written landing zone reads each instance once.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/azure-native/provider";
import { APIM_READ_TOKEN, settle } from "../cli/apimMocks";
import { resetPolicyLedger } from "../components/groupWriter";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { unmaskedExample } from "./helpers";

/** A program of cluster-only sites built by `build` under fresh mocks; the APIM reads it made, as "resourceGroup/service via provider". */
async function apimReads(build: () => SelfHostedGatewayEgress[]): Promise<string[]> {
    const reads: string[] = [];
    await pulumi.runtime.setMocks({
        newResource: (r) => ({ id: `${r.name}-id`, state: r.inputs }),
        call: (c) => {
            if (c.token === APIM_READ_TOKEN) {
                reads.push(`${String(c.inputs.resourceGroupName)}/${String(c.inputs.serviceName)} via ${c.provider ? c.provider.split("::")[3] : "default"}`);
                return unmaskedExample();
            }
            return {};
        },
    }, "apim-read", "spec", false);
    resetPolicyLedger();
    await Promise.all(build().map((c) => settle(c.networkPolicyName)));
    return reads.sort();
}

function site(name: string, serviceName: unknown, opts?: pulumi.ComponentResourceOptions): SelfHostedGatewayEgress {
    return new SelfHostedGatewayEgress(name, { apim: { resourceGroupName: "rg-apim", serviceName }, firewall: { enabled: false }, cluster: { namespace: name } } as never, opts);
}

describe("the APIM read of a program run", () => {
    it("reads an instance once for every site on it, with the default provider", async () => {
        assert.deepEqual(await apimReads(() => [site("a", "contoso-apim"), site("b", "contoso-apim"), site("c", "other-apim")]), ["rg-apim/contoso-apim via default", "rg-apim/other-apim via default"]);
    });

    it("reads an instance again through another provider", async () => {
        assert.deepEqual(await apimReads(() => {
            const eu = new Provider("eu", {});
            return [site("a", "contoso-apim"), site("b", "contoso-apim", { providers: [eu] }), site("c", "contoso-apim", { provider: eu })];
        }), ["rg-apim/contoso-apim via default", "rg-apim/contoso-apim via eu"]);
    });

    it("reads a name given as an Output on its own", async () => {
        assert.deepEqual(await apimReads(() => [site("a", "contoso-apim"), site("b", pulumi.output("contoso-apim"))]), ["rg-apim/contoso-apim via default", "rg-apim/contoso-apim via default"]);
    });

    it("reads again in the next program run", async () => {
        await apimReads(() => [site("a", "contoso-apim")]);
        assert.deepEqual(await apimReads(() => [site("a", "contoso-apim")]), ["rg-apim/contoso-apim via default"]);
    });
});
