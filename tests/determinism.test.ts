import { strict as assert } from "assert";
import { runOffline } from "../cli/offlineRun";
import { preview } from "../cli/preview";
import { baseArgs, fixturePath, forgetRefusedRegistrations, SITE_OPTIONS, unmaskedExample, with_ } from "./helpers";

const richArgs = () => with_(baseArgs(), (a) => {
    a.firewall.sourceAddresses = ["10.80.1.0/24", "10.80.0.0/24"];
    a.features = { storage: { enabled: true, accountNames: ["tracesb", "tracesa"] }, eventHubs: { enabled: true, namespaces: ["logs-two", "logs-one"] } };
    a.backends = [{ name: "orders", fqdn: "orders.factory.example", port: 443 }, { name: "billing", address: "10.90.4.0/24", port: 8443 }];
});

describe("determinism", () => {
    it("prints byte-identical JSON for two previews of the same document", async () => {
        const request = { apimFiles: [fixturePath("rest-external-premium.json")], optionsFile: SITE_OPTIONS, format: "json" as const };
        assert.equal(await preview(request), await preview(request));
    });

    it("registers identical inputs on a second run over unchanged Azure data", async () => {
        const first = await runOffline(unmaskedExample(), richArgs(), "gw");
        const second = await runOffline(unmaskedExample(), richArgs(), "gw");
        assert.deepEqual(second.resources, first.resources);
    });

    it("registers identical inputs whatever the order of the input lists", async () => {
        const reversed = with_(richArgs(), (a) => {
            a.firewall.sourceAddresses.reverse();
            a.features.storage.accountNames.reverse();
            a.features.eventHubs.namespaces.reverse();
            a.backends.reverse();
        });
        const document = with_(unmaskedExample(), (d) => d.properties.hostnameConfigurations.reverse());
        assert.deepEqual((await runOffline(document, reversed, "gw")).resources, (await runOffline(unmaskedExample(), richArgs(), "gw")).resources);
    });

    it("changes only the rules that carry the VIP when the VIP changes", async () => {
        const before = await runOffline(unmaskedExample(), richArgs(), "gw");
        const after = await runOffline(with_(unmaskedExample(), (d) => (d.properties.privateIPAddresses = ["172.26.0.9"])), richArgs(), "gw");
        const rules = (run: typeof before) => (run.resources.find((r) => r.type === "azure-native:network:FirewallPolicyRuleCollectionGroup")?.inputs.ruleCollections as { rules: { name: string }[] }[])
            .flatMap((c) => c.rules);
        const changed = rules(after).filter((rule, i) => JSON.stringify(rule) !== JSON.stringify(rules(before)[i])).map((r) => r.name);
        assert.deepEqual(changed, ["configuration-address"]);
    });
});

describe("Azure and cluster limits", () => {
    it("refuses a rule collection group over firewall.maxGroupBytes (1 MB by default) before any write", async () => {
        const many = with_(baseArgs(), (a) => (a.backends = Array.from({ length: 1000 }, (_, i) => ({ name: `b${i}`, fqdn: `${"x".repeat(60)}.${"y".repeat(60)}.${"z".repeat(60)}.backend${i}.factory.example`, port: 443 }))));
        const registered: { type: string }[] = [];
        await assert.rejects(runOffline(unmaskedExample(), with_(many, (a) => (a.firewall.sourceAddresses = Array.from({ length: 400 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`))), "gw", { resources: registered as never }),
            /^InputError: Invalid value for firewall\.maxGroupBytes: 1048576\. The rule collection group would take about \d+ KB: split the backends across components, or put the gateway into a GatewayEgressRuleCollectionGroup/);
        forgetRefusedRegistrations();
        assert.deepEqual(registered.map((r) => r.type), ["apim-gateway-egress:index:SelfHostedGatewayEgress"]);
    });
});
