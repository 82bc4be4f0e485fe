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
            "storage-tag-westus Storage.WestUS TCP:443",
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

    it("adds the global Application Insights hosts the Azure Monitor page lists, and no guessed regional host", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ applicationInsights: { enabled: true } })), [
            ...CONFIGURATION,
            "applicationinsights-dc-applicationinsights-azure-com dc.applicationinsights.azure.com TCP:443",
            "applicationinsights-dc-applicationinsights-microsoft-com dc.applicationinsights.microsoft.com TCP:443",
            "applicationinsights-dc-services-visualstudio-com dc.services.visualstudio.com TCP:443",
            "applicationinsights-live-applicationinsights-azure-com live.applicationinsights.azure.com TCP:443",
            "applicationinsights-rt-applicationinsights-microsoft-com rt.applicationinsights.microsoft.com TCP:443",
            "applicationinsights-rt-services-visualstudio-com rt.services.visualstudio.com TCP:443",
        ]);
    });

    it("adds the connection string's stamped ingestion host and its live host, declared by the user", () => {
        const plan = buildEgressPlan(normalizeApim(unmaskedExample()), resolveOptions("gw", withFeature({ applicationInsights: {
            enabled: true, ingestionEndpoint: "https://westeurope-5.in.applicationinsights.azure.com/", liveEndpoint: "https://westeurope.livediagnostics.monitor.azure.com/",
        } })));
        assert.deepEqual(plan.flows.filter((f) => f.reference === "declared by the user").map((f) => [f.id, f.destination.value]), [
            ["applicationinsights-westeurope-5-in-applicationinsights-azure-com", "westeurope-5.in.applicationinsights.azure.com"],
            ["applicationinsights-westeurope-livediagnostics-monitor-azure-com", "westeurope.livediagnostics.monitor.azure.com"],
        ]);
    });

    it("refuses an ingestion endpoint outside the instance cloud's Application Insights domain", () => {
        assert.throws(() => planLines(unmaskedExample(), withFeature({ applicationInsights: { enabled: true, ingestionEndpoint: "https://collector.example.com/" } })),
            /^InputError: Invalid value for features\.applicationInsights\.ingestionEndpoint: "collector\.example\.com"\. Expected a host in in\.applicationinsights\.azure\.com/);
    });

    it("refuses a whole connection string as an endpoint, without echoing its key", () => {
        assert.throws(() => planLines(unmaskedExample(), withFeature({ applicationInsights: { enabled: true, ingestionEndpoint: "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/" } })),
            /^InputError: Invalid value for features\.applicationInsights\.ingestionEndpoint: \(withheld: it carries a credential\)\. Expected the https URL of the connection string's endpoint alone/);
    });

    it("adds each Event Hubs namespace on HTTPS and AMQP, not on Kafka's 9093", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ eventHubs: { enabled: true, namespaces: ["contoso-logs"] } })), [
            ...CONFIGURATION,
            "eventhubs-contoso-logs-amqp contoso-logs.servicebus.windows.net TCP:5671-5672",
            "eventhubs-contoso-logs-https contoso-logs.servicebus.windows.net TCP:443",
        ]);
    });

    it("opens the declared address of a configuration host published through Application Gateway instead of the VIP", () => {
        const plan = buildEgressPlan(normalizeApim(fixture("rest-none-custom-config-host.json")), resolveOptions("gw", with_(baseArgs(), (a) => (a.firewall.configurationAddress = "52.178.10.20"))));
        assert.deepEqual(plan.flows.map((f) => [f.id, f.destination.value, f.reference]), [
            ["configuration-address", "52.178.10.20/32", "declared by the user"],
            ["configuration-host", "config.tailspin.example.com", "https://learn.microsoft.com/azure/api-management/self-hosted-gateway-settings-reference"],
        ]);
        assert.equal(plan.configurationAddress, "52.178.10.20");
    });

    it("adds the external cache by address on its port", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ externalCache: { enabled: true, host: "10.60.0.4" } })), [
            "configuration-address 172.26.0.5/32 TCP:443",
            "configuration-host apimservice1.configuration.azure-api.net TCP:443",
            "externalcache-10-60-0-4-32 10.60.0.4/32 TCP:6380",
        ]);
    });

    it("adds Microsoft's registry, its data endpoints as the documented wildcard", () => {
        assert.deepEqual(planLines(unmaskedExample(), withFeature({ imagePull: { enabled: true, nodeAddresses: ["10.80.0.0/24"] } })), [
            ...CONFIGURATION,
            "imagepull-mcr-microsoft-com mcr.microsoft.com TCP:443",
            "imagepull-wildcard-data-mcr-microsoft-com *.data.mcr.microsoft.com TCP:443",
        ]);
    });

    it("marks the image pull as the nodes', from the node networks", () => {
        const plan = buildEgressPlan(normalizeApim(unmaskedExample()), resolveOptions("gw", withFeature({ imagePull: { enabled: true, nodeAddresses: ["10.20.0.0/22"] } })));
        assert.deepEqual(plan.flows.filter((f) => f.feature === "imagePull").map((f) => f.fromNodes), [["10.20.0.0/22"], ["10.20.0.0/22"]]);
    });

    it("refuses the image pull without the nodes' networks", () => {
        assert.throws(() => resolveOptions("gw", withFeature({ imagePull: { enabled: true } })), /^InputError: Invalid value for features\.imagePull\.nodeAddresses: \(missing\)\. The nodes' container runtime pulls the gateway image, not the gateway pod/);
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
        assert.deepEqual(planLines(doc, withFeature({ entraId: { enabled: true }, imagePull: { enabled: true, nodeAddresses: ["10.80.0.0/24"] } })), [
            "configuration-address 52.164.20.7/32 TCP:443",
            "configuration-host fabrikam-apim.configuration.azure-api.cn TCP:443",
            "entraid-login-chinacloudapi-cn login.chinacloudapi.cn TCP:443",
            "imagepull-mcr-azure-cn mcr.azure.cn TCP:443",
            "imagepull-wildcard-data-mcr-azure-cn *.data.mcr.azure.cn TCP:443",
        ]);
    });

    it("uses the China page's Application Insights hosts and its regional domains for an azure-api.cn instance", () => {
        const doc = with_(fixture("rest-external-premium.json"), (d) => (d.properties.gatewayUrl = "https://fabrikam-apim.azure-api.cn"));
        assert.deepEqual(planLines(doc, withFeature({ applicationInsights: { enabled: true, ingestionEndpoint: "https://chinanorth2-0.in.applicationinsights.azure.cn/", liveEndpoint: "https://chinanorth2.livediagnostics.monitor.azure.cn/" } })).slice(2).map((l) => l.split(" ")[1]), [
            "chinanorth2-0.in.applicationinsights.azure.cn",
            "chinanorth2.livediagnostics.monitor.azure.cn",
            "dc.applicationinsights.azure.cn",
            "dc.applicationinsights.microsoft.com",
            "dc.services.visualstudio.com",
            "live.applicationinsights.azure.cn",
            "rt.applicationinsights.microsoft.com",
            "rt.services.visualstudio.com",
        ]);
    });
});
