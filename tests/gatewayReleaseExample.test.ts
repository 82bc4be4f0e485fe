// examples/gateway-release: the chart's release takes the values the egress assumes.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, setApimMocks, settle } from "../cli/apimMocks";
import { resetPolicyLedger } from "../components/groupWriter";
import { unmaskedExample, with_ } from "./helpers";

describe("gateway-release example (examples/gateway-release)", () => {
    const resources: RegisteredResource[] = [];
    let values: Record<string, Record<string, Record<string, unknown>>>;
    let secretValues: Record<string, unknown>;

    before(async function () {
        this.timeout(30000);
        const document = with_(unmaskedExample(), (d) => (d.name = "contoso-apim"));
        await setApimMocks({ answer: () => document }, resources, "gateway-release", "spec");
        pulumi.runtime.setAllConfig({ "gateway-release:gatewayToken": "GatewayKey site&123" }, ["gateway-release:gatewayToken"]);
        resetPolicyLedger();
        const example = require("../examples/gateway-release"); // eslint-disable-line @typescript-eslint/no-require-imports
        await settle(example.configurationAddress as pulumi.Output<string>);
        await settle((example.gateway as { urn: pulumi.Output<string> }).urn);
        secretValues = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")?.inputs.values as Record<string, unknown>;
        values = secretValues.value as typeof values;
    });

    it("maps the configuration host to the VIP read at this deployment", () => {
        assert.deepEqual(values.gateway.deployment, { dns: { hostAliases: [{ ip: "172.26.0.5", hostnames: ["contoso-apim.configuration.azure-api.net"] }] } });
        assert.deepEqual(values.gateway.configuration, { uri: "contoso-apim.configuration.azure-api.net" });
    });

    it("hands the values over as a secret, since they hold the gateway's token", () => {
        // Pulumi's wire form of a secret: its signature key and the value.
        assert.equal(secretValues["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
    });

    it("adds the gateway's name and token beside them", () => {
        assert.equal(values.gateway.name, "factory1");
        assert.deepEqual(values.gateway.auth, { type: "GatewayToken", key: "GatewayKey site&123" });
    });
});
