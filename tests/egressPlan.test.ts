import { strict as assert } from "assert";
import { normalizeApim } from "../components/apimFacts";
import { buildEgressPlan } from "../components/egressPlan";
import { resolveOptions } from "../components/options";
import { formatPorts } from "../components/peers";
import { baseArgs, fixture, LooseArgs, unmaskedExample, with_ } from "./helpers";

/** The plan as `id destination ports` lines: what a reviewer reads. */
function planLines(document: unknown, args: LooseArgs): string[] {
    const plan = buildEgressPlan(normalizeApim(document), resolveOptions("gw", args));
    return plan.flows.map((f) => `${f.id} ${f.destination.value} ${f.ports.map((p) => `${p.protocol}:${formatPorts(p)}`).join(",")}`);
}

const CONFIGURATION = [
    "configuration-address 172.26.0.5/32 TCP:443",
    "configuration-host apimservice1.configuration.azure-api.net TCP:443",
];

const withFeature = (features: object) => with_(baseArgs(), (a) => (a.features = features));

describe("buildEgressPlan", () => {
    it("holds only the configuration endpoint, as VIP and as name, when no feature is on", () => {
        assert.deepEqual(planLines(unmaskedExample(), baseArgs()), CONFIGURATION);
    });

    it("marks the configuration flows required and names their documents", () => {
        const plan = buildEgressPlan(normalizeApim(unmaskedExample()), resolveOptions("gw", baseArgs()));
        assert.deepEqual(plan.flows.map((f) => [f.required, f.reference]), [
            [true, "https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses"],
            [true, "https://learn.microsoft.com/azure/api-management/self-hosted-gateway-overview#connectivity-to-azure"],
        ]);
    });

    it("adds blob and table endpoints of each named storage account", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ storage: { enabled: true, accountNames: ["tracesb", "tracesa"] } })), [
            ...CONFIGURATION,
            "storage-tracesa-blob tracesa.blob.core.windows.net TCP:443",
            "storage-tracesa-table tracesa.table.core.windows.net TCP:443",
            "storage-tracesb-blob tracesb.blob.core.windows.net TCP:443",
            "storage-tracesb-table tracesb.table.core.windows.net TCP:443",
        ]);
    });

    it("adds the regional Storage service tag only when asked", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ storage: { enabled: true, useServiceTag: true } })), [
            ...CONFIGURATION,
            "storage-tag-westus Storage.westus TCP:443",
        ]);
    });

    it("adds Azure Resource Manager", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ azureResourceManager: { enabled: true } })), [
            ...CONFIGURATION,
            "azureresourcemanager-management-azure-com management.azure.com TCP:443",
        ]);
    });

    it("adds Entra ID, global and regional, in the instance's region unless told otherwise", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ entraId: { enabled: true, region: "westeurope" } })), [
            ...CONFIGURATION,
            "entraid-login-microsoftonline-com login.microsoftonline.com TCP:443",
            "entraid-westeurope-login-microsoft-com westeurope.login.microsoft.com TCP:443",
        ]);
    });

    it("adds the Application Insights endpoints", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ applicationInsights: { enabled: true } })), [
            ...CONFIGURATION,
            "applicationinsights-dc-applicationinsights-azure-com dc.applicationinsights.azure.com TCP:443",
            "applicationinsights-dc-services-visualstudio-com dc.services.visualstudio.com TCP:443",
            "applicationinsights-live-applicationinsights-azure-com live.applicationinsights.azure.com TCP:443",
            "applicationinsights-rt-services-visualstudio-com rt.services.visualstudio.com TCP:443",
            "applicationinsights-westus-in-applicationinsights-azure-com westus.in.applicationinsights.azure.com TCP:443",
            "applicationinsights-westus-livediagnostics-monitor-azure-com westus.livediagnostics.monitor.azure.com TCP:443",
        ]);
    });

    it("adds each Event Hubs namespace on HTTPS, and on AMQP and Kafka", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ eventHubs: { enabled: true, namespaces: ["contoso-logs"] } })), [
            ...CONFIGURATION,
            "eventhubs-contoso-logs-amqp-kafka contoso-logs.servicebus.windows.net TCP:5671-5672,TCP:9093",
            "eventhubs-contoso-logs-https contoso-logs.servicebus.windows.net TCP:443",
        ]);
    });

    it("adds the external cache by address on its port", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ externalCache: { enabled: true, host: "10.60.0.4" } })), [
            "configuration-address 172.26.0.5/32 TCP:443",
            "configuration-host apimservice1.configuration.azure-api.net TCP:443",
            "externalcache-10-60-0-4-32 10.60.0.4/32 TCP:6380",
        ]);
    });

    it("adds Microsoft's registry, its data endpoints as the documented wildcard", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ imagePull: { enabled: true } })), [
            ...CONFIGURATION,
            "imagepull-mcr-microsoft-com mcr.microsoft.com TCP:443",
            "imagepull-wildcard-data-mcr-microsoft-com *.data.mcr.microsoft.com TCP:443",
        ]);
    });

    it("adds declared backends, sorted by name, marked as declared by the user", () => {
        const args = with_(baseArgs(), (a) => (a.backends = [
            { name: "orders", fqdn: "orders.factory.example", port: 443 },
            { name: "billing", address: "10.90.4.0/24", port: 8443, endPort: 8444 },
        ]));
        const plan = buildEgressPlan(normalizeApim(unmaskedExample()), resolveOptions("gw", args));
        assert.deepEqual(plan.flows.slice(2).map((f) => [f.id, f.destination.value, f.ports, f.reference]), [
            ["backend-billing", "10.90.4.0/24", [{ protocol: "TCP", port: 8443, endPort: 8444 }], "declared by the user"],
            ["backend-orders", "orders.factory.example", [{ protocol: "TCP", port: 443 }], "declared by the user"],
        ]);
    });

    it("uses the US Government endpoints for an azure-api.us instance", () => {
        const doc = with_(fixture("rest-external-premium.json"), (d) => (d.properties.gatewayUrl = "https://fabrikam-apim.azure-api.us"));
        assert.deepEqual(planLines(doc, withFeature({ entraId: { enabled: true }, applicationInsights: { enabled: true }, storage: { enabled: true, accountNames: ["traces"] } })), [
            "configuration-address 52.164.20.7/32 TCP:443",
            "configuration-host fabrikam-apim.configuration.azure-api.us TCP:443",
            "storage-traces-blob traces.blob.core.usgovcloudapi.net TCP:443",
            "storage-traces-table traces.table.core.usgovcloudapi.net TCP:443",
            "entraid-login-microsoftonline-us login.microsoftonline.us TCP:443",
            "applicationinsights-dc-applicationinsights-us dc.applicationinsights.us TCP:443",
        ]);
    });

    it("uses the China endpoints and registry for an azure-api.cn instance", () => {
        const doc = with_(fixture("rest-external-premium.json"), (d) => (d.properties.gatewayUrl = "https://fabrikam-apim.azure-api.cn"));
        assert.deepEqual(planLines(doc, withFeature({ entraId: { enabled: true }, imagePull: { enabled: true } })), [
            "configuration-address 52.164.20.7/32 TCP:443",
            "configuration-host fabrikam-apim.configuration.azure-api.cn TCP:443",
            "entraid-login-chinacloudapi-cn login.chinacloudapi.cn TCP:443",
            "imagepull-mcr-azure-cn mcr.azure.cn TCP:443",
            "imagepull-wildcard-data-mcr-azure-cn *.data.mcr.azure.cn TCP:443",
        ]);
    });
});
