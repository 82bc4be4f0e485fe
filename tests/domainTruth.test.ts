// Domain truth, rounds two and three: each flow, value and note the documents corrected, fixture
// in, rules out. Sources in DESIGN.md §8 and §10 and beside the code that applies them.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { OfflineRun, RegisteredResource, runOffline, runOfflineHub } from "../cli/offlineRun";
import { preview } from "../cli/preview";
import { FilterRuleCollection } from "../components/firewallRules";
import { resetPolicyLedger } from "../components/groupWriter";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { baseArgs, fixture, fixturePath, LooseArgs, SITE_OPTIONS, unmaskedExample, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const INTERNAL = fixturePath("az-internal-developer.json"); // Internal, private VIP 10.50.2.4

const only = (run: OfflineRun, type: string): RegisteredResource => run.resources.filter((r) => r.type === type)[0];
const rulesOf = (run: OfflineRun) => (only(run, RCG).inputs.ruleCollections as FilterRuleCollection[]).flatMap((c) => c.rules);
type Peer = { ipBlock?: { cidr: string }; namespaceSelector?: { matchLabels: Record<string, string> }; podSelector?: object };
type Rule = { to?: Peer[]; from?: Peer[]; ports?: { protocol: string; port: number }[] };
const spec = (r: RegisteredResource) => r.inputs.spec as { egress: Rule[]; ingress: Rule[] };
const REPO = path.join(__dirname, "..", "..");
const EXTERNAL = () => fixture("rest-external-premium.json"); // External, North Europe, public VIP 52.164.20.7
const inCloud = (domain: string, location: string) => with_(EXTERNAL(), (d) => ((d.properties.gatewayUrl = `https://fabrikam-apim.${domain}`), (d.location = location)));
/** The one-line refusal a run ends in. */
async function refusal(run: Promise<unknown>): Promise<string> {
    try {
        await run;
    } catch (e) {
        return (e as Error).message;
    }
    return assert.fail("expected a refusal");
}
const cidrs = (rules: Rule[]) => rules.flatMap((r) => [...(r.to ?? []), ...(r.from ?? [])]).flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr] : []));

describe("domain truth", () => {
    describe("the gateway chart's values (gatewayHelmValues, --format helm-values)", () => {
        it("maps an Internal instance's configuration host to the VIP of that document", async () => {
            const values = parseYaml(await preview({ apimFiles: [INTERNAL], optionsFile: SITE_OPTIONS, format: "helm-values" }));
            assert.deepEqual(values, {
                gateway: {
                    configuration: { uri: "contoso-dev.configuration.azure-api.net" },
                    deployment: { dns: { hostAliases: [{ ip: "10.50.2.4", hostnames: ["contoso-dev.configuration.azure-api.net"] }] } },
                },
                service: { ports: { instance: { synchronization: 4290, heartbeat: 4291 } } },
            });
        });

        it("follows the VIP read at this deployment", async () => {
            const moved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "apim-egress-vip-")), "moved.json");
            fs.writeFileSync(moved, fs.readFileSync(INTERNAL, "utf8").replace("10.50.2.4", "10.50.3.9"));
            const values = parseYaml(await preview({ apimFiles: [moved], optionsFile: SITE_OPTIONS, format: "helm-values" }));
            assert.deepEqual(values.gateway.deployment.dns.hostAliases, [{ ip: "10.50.3.9", hostnames: ["contoso-dev.configuration.azure-api.net"] }]);
        });

        it("maps no host of an External instance unless asked", async () => {
            const external = await runOffline(fixture("rest-external-premium.json"), baseArgs(), "gw");
            assert.deepEqual(external.outputs.gatewayHelmValues.gateway.deployment, {});
            const asked = await runOffline(fixture("rest-external-premium.json"), { ...baseArgs(), hostAliases: true }, "gw");
            assert.deepEqual(asked.outputs.gatewayHelmValues.gateway.deployment, { dns: { hostAliases: [{ ip: "52.164.20.7", hostnames: ["fabrikam-apim.configuration.azure-api.net"] }] } });
        });

        it("carries the replicas' ports as configured", async () => {
            const run = await runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.cluster.instancePorts = { synchronization: 5290, heartbeat: 5291 })), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.service.ports.instance, { synchronization: 5290, heartbeat: 5291 });
            const replicas = spec(only(run, NP)).egress[1].ports;
            assert.deepEqual(replicas, [{ protocol: "UDP", port: 5290 }, { protocol: "UDP", port: 5291 }]);
        });
    });

    describe("explicit proxy mode (egressProxy)", () => {
        const proxied = (flavor: string): LooseArgs => ({
            apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" },
            firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" },
            cluster: { namespace: "apim-gateway", flavor, ...(flavor === "openshift" ? { namespaceIsDedicated: true } : {}) },
            features: { azureResourceManager: { enabled: true } },
            backends: [{ name: "orders", address: "10.90.4.0/24", port: 8443 }],
            egressProxy: { address: "10.70.0.10", port: 3128 },
        });

        it("opens nothing external from the pods: DNS, the replicas, and the proxy alone", async () => {
            const run = await runOffline(unmaskedExample(), proxied("kubernetes"), "gw");
            const egress = spec(only(run, NP)).egress;
            assert.equal(egress.length, 3);
            assert.deepEqual(cidrs(egress), ["10.70.0.10/32"]);
            assert.deepEqual(egress[2].ports, [{ protocol: "TCP", port: 3128 }]);
            assert.deepEqual(run.outputs.notEnforceableInCluster, []);
        });

        it("lets the OpenShift EgressFirewall allow the proxy and deny the rest", async () => {
            const run = await runOffline(unmaskedExample(), proxied("openshift"), "gw");
            const ef = run.resources.find((r) => r.type === "kubernetes:k8s.ovn.org/v1:EgressFirewall") as RegisteredResource;
            assert.deepEqual((ef.inputs.spec as { egress: unknown[] }).egress, [
                { type: "Allow", to: { cidrSelector: "10.70.0.10/32" }, ports: [{ protocol: "TCP", port: 3128 }] },
                { type: "Deny", to: { cidrSelector: "0.0.0.0/0" } },
            ]);
        });

        it("lets the CiliumNetworkPolicy allow DNS and the proxy only", async () => {
            const run = await runOffline(unmaskedExample(), proxied("cilium"), "gw");
            const cnp = run.resources.find((r) => r.type === "kubernetes:cilium.io/v2:CiliumNetworkPolicy") as RegisteredResource;
            const egress = (cnp.inputs.spec as { egress: Record<string, unknown>[] }).egress;
            assert.deepEqual(egress.map((r) => Object.keys(r).filter((k) => k !== "toPorts")), [["toEndpoints"], ["toCIDR"]]);
            assert.deepEqual(egress[1].toCIDR, ["10.70.0.10/32"]);
        });

        it("gives every firewall rule the proxy as its source", async () => {
            const run = await runOffline(unmaskedExample(), proxied("kubernetes"), "gw");
            assert.deepEqual([...new Set(rulesOf(run).map((r) => JSON.stringify(r.sourceAddresses)))], ['["10.70.0.10/32"]']);
        });

        it("carries the proxy in the chart's values", async () => {
            const run = await runOffline(unmaskedExample(), proxied("kubernetes"), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.deployment.network, { proxy: { http: "http://10.70.0.10:3128", https: "http://10.70.0.10:3128", bypass: "localhost,127.0.0.1,.svc,.cluster.local" } });
        });

        it("shows both hops in the change request: pods to the proxy, the proxy to each destination", async () => {
            const run = await runOffline(unmaskedExample(), proxied("kubernetes"), "gw");
            const hops = run.outputs.changeRequest.filter((r) => r.destinations === "10.70.0.10/32" || r.sources === "10.70.0.10/32").map((r) => `${r.enforcer} ${r.sources.split(" ")[0]} → ${r.destinations}`);
            assert.deepEqual(hops, [
                "Azure Firewall 10.70.0.10/32 → 172.26.0.5/32",
                "Azure Firewall 10.70.0.10/32 → 10.90.4.0/24",
                "Azure Firewall 10.70.0.10/32 → management.azure.com",
                "NetworkPolicy pods → 10.70.0.10/32",
            ]);
        });

        it("lists each flow once under the proxy's rule, and each of their documents once", async () => {
            const run = await runOffline(unmaskedExample(), with_(proxied("kubernetes"), (a) => (a.firewall.ruleStyle = "both")), "gw");
            const rule = run.outputs.changeRequest.find((r) => r.destinations === "10.70.0.10/32") as { rule: string; reference: string };
            assert.deepEqual(rule.rule.split(" "), ["configuration-address", "configuration-host", "azureresourcemanager-management-azure-com", "backend-orders"]);
            const references = rule.reference.replace("declared by the user", "declared-by-the-user").split(" ");
            assert.deepEqual(references, [...new Set(references)]);
        });

        it("opens Event Hubs on 443 alone, since AMQP over TCP cannot pass a proxy, and says so", async () => {
            const run = await runOffline(unmaskedExample(), with_(proxied("kubernetes"), (a) => (a.features.eventHubs = { enabled: true, namespaces: ["contoso-logs"] })), "gw");
            assert.deepEqual(run.outputs.egressPlan.filter((f) => f.id.startsWith("eventhubs-")).map((f) => `${f.id} ${f.ports}`), ["eventhubs-contoso-logs-https 443"]);
            assert.ok(run.outputs.notes.includes("Through egressProxy only Event Hubs on 443 is opened: AMQP on 5671-5672 cannot pass a forward proxy (Event Hubs clients take a proxy only for AMQP over WebSockets, on 443). Check that the gateway's Event Hubs logs arrive; if they do not, the logger needs a path that does not go through the proxy."));
        });

        it("maps no host of an Internal instance, and tells the proxy's administrator what to resolve", async () => {
            const run = await runOffline(fixture("az-internal-developer.json"), proxied("kubernetes"), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.deployment, { network: { proxy: { http: "http://10.70.0.10:3128", https: "http://10.70.0.10:3128", bypass: "localhost,127.0.0.1,.svc,.cluster.local" } } });
            assert.ok(run.outputs.notes.includes("The gateway sends every connection to the forward proxy 10.70.0.10:3128 by name (CONNECT), so the proxy resolves the names: it must resolve contoso-dev.configuration.azure-api.net to 10.50.2.4 (for an Internal instance, from a private DNS zone named contoso-dev.configuration.azure-api.net with an apex A record, or an A record for that name alone (never a zone for azure-api.net: Azure reserves it)), and the firewall sees the proxy as the source of every flow."));
        });

        it("refuses an external cache beside a proxy, which carries HTTP and HTTPS only", async () => {
            await assert.rejects(runOffline(unmaskedExample(), with_(proxied("kubernetes"), (a) => (a.features.externalCache = { enabled: true, host: "redis.contoso.internal" })), "gw"),
                /^InputError: Invalid value for features\.externalCache\.enabled: true\. With egressProxy the gateway reaches everything outside the cluster through the proxy, which carries HTTP and HTTPS, not Redis/);
        });

        it("refuses a UDP backend beside a proxy, naming it where the user listed it", async () => {
            const udp = with_(proxied("kubernetes"), (a) => a.backends.unshift({ name: "zz-syslog", address: "10.90.5.4", port: 514, protocol: "UDP" }));
            await assert.rejects(runOffline(unmaskedExample(), udp, "gw"), /^InputError: Invalid value for backends\[0\]\.protocol: "UDP"\. With egressProxy the gateway reaches every backend through the proxy, which carries HTTP and HTTPS over TCP only/);
        });

        it("refuses gateway hosts as firewall sources beside a proxy", async () => {
            await assert.rejects(runOffline(unmaskedExample(), with_(proxied("kubernetes"), (a) => (a.firewall.sourceAddresses = ["10.80.0.0/24"])), "gw"),
                /^InputError: Invalid value for firewall\.sourceAddresses: \["10\.80\.0\.0\/24"\]\. With egressProxy the firewall sees the proxy as the source of every flow/);
        });
    });

    describe("ingress as the gateway is exposed", () => {
        it("opens the listeners to the networks in cluster.ingressFrom (a LoadBalancer's clients and probes)", async () => {
            const run = await runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.cluster.ingressFrom = ["0.0.0.0/0"])), "gw");
            const listeners = spec(only(run, NP)).ingress[0];
            assert.deepEqual(listeners.from, [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }, { ipBlock: { cidr: "0.0.0.0/0" } }]);
        });

        it("refuses a broad client network other than an explicit 0.0.0.0/0", async () => {
            await assert.rejects(runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.cluster.ingressFrom = ["0.0.0.0/1"])), "gw"), /^InputError: Invalid value for cluster\.ingressFrom\[0\]: "0\.0\.0\.0\/1"/);
        });
    });

    describe("a configuration host published through Application Gateway", () => {
        it("opens the declared address, in the firewall and in the cluster, instead of the VIP", async () => {
            const run = await runOffline(fixture("rest-none-custom-config-host.json"), with_(baseArgs(), (a) => (a.apim.serviceName = "tailspin-apim", a.firewall.configurationAddress = "52.178.10.20")), "gw");
            const address = rulesOf(run).find((r) => r.name === "configuration-address");
            assert.deepEqual(address && "destinationAddresses" in address ? address.destinationAddresses : [], ["52.178.10.20/32"]);
            assert.ok(cidrs(spec(only(run, NP)).egress).includes("52.178.10.20/32"));
            assert.equal(run.outputs.configurationAddress, "20.119.8.44");
        });

        it("says so when a custom ConfigurationApi host has no declared address", async () => {
            const run = await runOffline(fixture("rest-none-custom-config-host.json"), with_(baseArgs(), (a) => (a.apim.serviceName = "tailspin-apim")), "gw");
            assert.ok(run.outputs.notes.includes("The configuration host config.tailspin.example.com is a custom ConfigurationApi hostname: if Application Gateway publishes it (the \"Internet connectivity\" option), the gateway connects to the Application Gateway's address, not to the VIP 20.119.8.44. Set firewall.configurationAddress to that address."));
        });
    });

    describe("the image pull is the nodes'", () => {
        const pull = () => with_(baseArgs(), (a) => (a.features = { imagePull: { enabled: true, nodeAddresses: ["10.20.0.0/22"] } }));

        it("opens the registry from the node networks only", async () => {
            const run = await runOffline(unmaskedExample(), pull(), "gw");
            const registry = rulesOf(run).filter((r) => r.name.startsWith("imagepull"));
            assert.deepEqual(registry.map((r) => [r.name, r.sourceAddresses]), [["imagepull-mcr-microsoft-com", ["10.20.0.0/22"]], ["imagepull-wildcard-data-mcr-microsoft-com", ["10.20.0.0/22"]]]);
        });

        it("has no part in pod policy and is never blocked in the cluster", async () => {
            const run = await runOffline(unmaskedExample(), pull(), "gw");
            assert.deepEqual(spec(only(run, NP)).egress.length, 3);
            assert.deepEqual(run.outputs.notEnforceableInCluster, []);
            assert.deepEqual(run.outputs.egressPlan.filter((f) => f.feature === "imagePull").map((f) => f.clusterRules), ["not pod traffic: the nodes' container runtime pulls images", "not pod traffic: the nodes' container runtime pulls images"]);
        });
    });

    it("warns that a Basic-SKU firewall has no DNS proxy when a rule needs one", async () => {
        const run = await runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.features = { eventHubs: { enabled: true, namespaces: ["contoso-logs"] } })), "gw");
        assert.ok(run.outputs.notes.some((n) => n.startsWith("Network rules with FQDN destinations (eventhubs-contoso-logs-amqp) need DNS proxy") && n.includes("A Basic-SKU Azure Firewall has no DNS proxy")));
    });

    // ---- round three (DESIGN.md §10) ----

    describe("instance ports reach the gateway's own settings (gateway.configuration.additional)", () => {
        // Chart 1.15.1 templates/deployment.yaml: service.ports.instance.* sets only the containerPort and
        // the headless Service; the gateway listens on policy.rate-limit.sync.port and
        // neighborhood.heartbeat.port (settings reference), which templates/configmap.yaml takes from
        // gateway.configuration.additional. ConfigMap data are strings.
        it("sets both ports as gateway settings when they differ from 4290/4291", async () => {
            const run = await runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.cluster.instancePorts = { synchronization: 5290 })), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration.additional, { "policy.rate-limit.sync.port": "5290", "neighborhood.heartbeat.port": "4291" });
            assert.deepEqual(run.outputs.gatewayHelmValues.service.ports.instance, { synchronization: 5290, heartbeat: 4291 });
        });

        it("adds no setting for the default ports", async () => {
            const run = await runOffline(unmaskedExample(), baseArgs(), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration, { uri: "apimservice1.configuration.azure-api.net" });
        });
    });

    describe("service tags in their canonical casing (Microsoft's service tag files)", () => {
        const tagOf = async (document: Record<string, unknown>) => {
            const run = await runOffline(document, with_(baseArgs(), (a) => (a.features = { storage: { enabled: true, useServiceTag: true } })), "gw");
            return rulesOf(run).filter((r) => r.name.startsWith("storage-tag-")).map((r) => ("destinationAddresses" in r ? r.destinationAddresses : []));
        };

        it("writes Storage.WestUS, Storage.NorthEurope and Storage.SouthCentralUS, never the lowercase region", async () => {
            assert.deepEqual(await tagOf(unmaskedExample()), [["Storage.WestUS"]]);
            assert.deepEqual(await tagOf(EXTERNAL()), [["Storage.NorthEurope"]]);
            assert.deepEqual(await tagOf(with_(EXTERNAL(), (d) => (d.location = "South Central US"))), [["Storage.SouthCentralUS"]]);
        });

        it("writes the sovereign clouds' tags: Storage.USGovVirginia, Storage.ChinaEast2", async () => {
            assert.deepEqual(await tagOf(inCloud("azure-api.us", "US Gov Virginia")), [["Storage.USGovVirginia"]]);
            assert.deepEqual(await tagOf(inCloud("azure-api.cn", "China East 2")), [["Storage.ChinaEast2"]]);
        });

        it("refuses a region no service tag file lists, with the nearest known one, rather than guess a tag", async () => {
            assert.equal(await refusal(tagOf(with_(EXTERNAL(), (d) => (d.location = "West Europa")))),
                "Invalid value for location: \"West Europa\". features.storage.useServiceTag opens the Storage service tag of the instance's primary region. No Storage service tag is listed for region \"westeuropa\" in AzureCloud. Did you mean \"westeurope\"?");
        });

        it("refuses a public region for a US Government instance, naming that cloud's regions", async () => {
            assert.equal(await refusal(tagOf(inCloud("azure-api.us", "West Europe"))),
                "Invalid value for location: \"West Europe\". features.storage.useServiceTag opens the Storage service tag of the instance's primary region. No Storage service tag is listed for region \"westeurope\" in AzureUSGovernment. Its regions: usdodcentral, usdodeast, usgovarizona, usgovtexas, usgovvirginia.");
        });

        for (const [region, hint] of [["WESTEUROPE", "westeurope"], ["west europe", "westeurope"], ["westeurop", "westeurope"], ["eastus 2", "eastus2"]]) {
            it(`refuses features.entraId.region ${JSON.stringify(region)}, suggesting "${hint}"`, async () => {
                const args = with_(baseArgs(), (a) => (a.features = { entraId: { enabled: true, region } }));
                assert.equal(await refusal(runOffline(unmaskedExample(), args, "gw")),
                    `Invalid value for features.entraId.region: ${JSON.stringify(region)}. Expected the programmatic name of an Azure region, such as "westeurope". Did you mean "${hint}"?`);
            });
        }

        it("refuses a features.entraId.region far from every known region, without a guess", async () => {
            const args = with_(baseArgs(), (a) => (a.features = { entraId: { enabled: true, region: "marsnorth" } }));
            assert.equal(await refusal(runOffline(unmaskedExample(), args, "gw")), "Invalid value for features.entraId.region: \"marsnorth\". Expected the programmatic name of an Azure region, such as \"westeurope\".");
        });
    });

    describe("DNS advice Azure accepts: a record scoped to the configuration host, never a zone for azure-api.net", () => {
        // Azure refuses a private zone named azure-api.net (MicrosoftDocs/azure-docs issue 102958); the
        // internal-VNet page: "Do not create a Private DNS zone or forward lookup zone for azure-api.net".
        const advisesApexZone = /(private (dns )?zone|forward lookup zone|zone named) [`"]?azure-api\.net/i;
        const internalNotes = async () => [
            ...(await runOffline(fixture("az-internal-developer.json"), with_(baseArgs(), (a) => (a.firewall.ruleStyle = "fqdn")), "gw")).outputs.notes,
            ...(await runOffline(fixture("az-internal-developer.json"), { ...baseArgs(), firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" }, egressProxy: { address: "10.70.0.10", port: 3128 } }, "gw")).outputs.notes,
        ];

        it("advises, in the notes, a zone named after the configuration host with an apex A record", async () => {
            const notes = await internalNotes();
            const advice = "a private DNS zone named contoso-dev.configuration.azure-api.net with an apex A record, or an A record for that name alone (never a zone for azure-api.net: Azure reserves it)";
            assert.deepEqual(notes.filter((n) => n.includes(advice)).length, 2);
        });

        it("never advises a zone for azure-api.net in a note", async () => {
            assert.deepEqual((await internalNotes()).filter((n) => advisesApexZone.test(n)), []);
        });

        it("never advises it in the README, the docs or the code's comments", () => {
            const files = ["README.md", "CHANGELOG.md", ...fs.readdirSync(path.join(REPO, "components")).map((f) => `components/${f}`)];
            assert.deepEqual(files.filter((f) => advisesApexZone.test(fs.readFileSync(path.join(REPO, f), "utf8"))), []);
        });
    });

    describe("how the gateway signs in decides its flows (gatewayAuth)", () => {
        const entra = (type: string, extra: Record<string, unknown> = {}) => with_(baseArgs(), (a) => (a.gatewayAuth = { type, gatewayName: "factory1", ...extra }));
        const signIn = (run: OfflineRun) => run.outputs.egressPlan.filter((f) => f.feature === "entraId").map((f) => `${f.id} ${f.destination} required=${f.required}`);

        it("adds nothing for the default GatewayToken", async () => {
            const run = await runOffline(unmaskedExample(), baseArgs(), "gw");
            assert.deepEqual(signIn(run), []);
            assert.deepEqual([run.outputs.gatewayHelmValues.gateway.name, run.outputs.gatewayHelmValues.gateway.auth], [undefined, undefined]);
        });

        // Overview, "Connectivity to Azure": for Microsoft Entra authentication "Required endpoints are
        // <region>.login.microsoft.com and login.microsoftonline.com".
        it("opens the Entra sign-in, global and regional, as required flows for AzureAdApp, and sets gateway.name, gateway.auth.type and the authority", async () => {
            const run = await runOffline(unmaskedExample(), entra("AzureAdApp"), "gw");
            assert.deepEqual(signIn(run), ["entraid-login-microsoftonline-com login.microsoftonline.com required=true", "entraid-westus-login-microsoft-com westus.login.microsoft.com required=true"]);
            assert.deepEqual(rulesOf(run).filter((r) => r.name.startsWith("entraid-")).map((r) => ("targetFqdns" in r ? r.targetFqdns : [])), [["login.microsoftonline.com"], ["westus.login.microsoft.com"]]);
            const { name, auth } = run.outputs.gatewayHelmValues.gateway;
            assert.deepEqual({ name, auth }, { name: "factory1", auth: { type: "AzureAdApp", azureAd: { authority: "https://login.microsoftonline.com" } } });
        });

        it("merges with features.entraId: one rule for each login host, required, in the region features.entraId names", async () => {
            const run = await runOffline(unmaskedExample(), with_(entra("AzureAdApp"), (a) => (a.features = { entraId: { enabled: true, region: "westeurope" } })), "gw");
            assert.deepEqual(signIn(run), ["entraid-login-microsoftonline-com login.microsoftonline.com required=true", "entraid-westeurope-login-microsoft-com westeurope.login.microsoft.com required=true"]);
        });

        it("keeps features.entraId's hosts optional beside a custom authority, which names its host alone", async () => {
            const run = await runOffline(unmaskedExample(), with_(entra("AzureAdApp", { authority: "https://login.partner.microsoftonline.cn" }), (a) => (a.features = { entraId: { enabled: true } })), "gw");
            assert.deepEqual(signIn(run), [
                "entraid-login-microsoftonline-com login.microsoftonline.com required=false",
                "entraid-login-partner-microsoftonline-cn login.partner.microsoftonline.cn required=true",
                "entraid-westus-login-microsoft-com westus.login.microsoft.com required=false",
            ]);
        });

        it("moves the host with a custom authority, and carries the authority as given", async () => {
            const run = await runOffline(unmaskedExample(), entra("AzureAdApp", { authority: "https://Login.Partner.MicrosoftOnline.cn/contoso.onmicrosoft.com/" }), "gw");
            assert.deepEqual(signIn(run), ["entraid-login-partner-microsoftonline-cn login.partner.microsoftonline.cn required=true"]);
            assert.equal(run.outputs.gatewayHelmValues.gateway.auth?.azureAd?.authority, "https://login.partner.microsoftonline.cn/contoso.onmicrosoft.com");
        });

        it("signs a US Government instance in at its cloud's login host, with its token audience", async () => {
            const run = await runOffline(inCloud("azure-api.us", "US Gov Virginia"), entra("AzureAdApp"), "gw");
            assert.deepEqual(signIn(run), ["entraid-login-microsoftonline-us login.microsoftonline.us required=true"]);
            assert.equal(run.outputs.gatewayHelmValues.gateway.auth?.azureAd?.authority, "https://login.microsoftonline.us");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration.additional, { "config.service.auth.tokenAudience": "https://azure-api.us/configuration" });
        });

        it("gives a China instance its token audience and, with Application Insights, its telemetry endpoint", async () => {
            const run = await runOffline(inCloud("azure-api.cn", "China East 2"), with_(baseArgs(), (a) => (a.features = { applicationInsights: { enabled: true } })), "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration.additional, {
                "config.service.auth.tokenAudience": "https://azure-api.cn/configuration",
                "logs.applicationinsights.endpoint": "https://dc.applicationinsights.azure.cn/v2/track",
            });
            // The endpoint the gateway is told to use is one the rules open.
            assert.ok(run.outputs.egressPlan.some((f) => f.destination === "dc.applicationinsights.azure.cn"));
        });

        it("gives a US Government instance its Application Insights endpoint, which the rules open", async () => {
            const run = await runOffline(inCloud("azure-api.us", "US Gov Virginia"), with_(baseArgs(), (a) => (a.features = { applicationInsights: { enabled: true } })), "gw");
            assert.equal(run.outputs.gatewayHelmValues.gateway.configuration.additional?.["logs.applicationinsights.endpoint"], "https://dc.applicationinsights.us/v2/track");
            assert.ok(run.outputs.egressPlan.some((f) => f.destination === "dc.applicationinsights.us"));
        });

        it("sets no authority for WorkloadIdentity, which the chart does not pass, and says who sets the host", async () => {
            const run = await runOffline(unmaskedExample(), with_(entra("WorkloadIdentity"), (a) => (a.cluster.allowNamedFlowsTo = ["20.190.128.0/18"])), "gw");
            const { name, auth } = run.outputs.gatewayHelmValues.gateway;
            assert.deepEqual({ name, auth }, { name: "factory1", auth: { type: "WorkloadIdentity" } });
            assert.ok(run.outputs.notes.includes("With gatewayAuth.type WorkloadIdentity the chart sets no authority: the Azure Workload Identity webhook gives the pod its sign-in host (AZURE_AUTHORITY_HOST, from the webhook's cloud). The rules open login.microsoftonline.com: the two must agree."));
        });

        it("says so when the cluster policy blocks the required sign-in, and which ranges to list", async () => {
            const run = await runOffline(unmaskedExample(), entra("AzureAdApp"), "gw");
            assert.ok(run.outputs.notes.includes("entraid-login-microsoftonline-com is required by gatewayAuth.type AzureAdApp: without it the gateway gets no configuration, yet the cluster policy blocks it (a NetworkPolicy matches addresses, not names: list CIDRs for it in cluster.allowNamedFlowsTo to allow it). List the AzureActiveDirectory service tag's prefixes (Azure IP Ranges and Service Tags download, or az network list-service-tags) in cluster.allowNamedFlowsTo, or use cluster.flavor cilium, which allows it by name."));
        });

        it("says on OpenShift that the NetworkPolicy blocks the required sign-in although the EgressFirewall allows it", async () => {
            const run = await runOffline(unmaskedExample(), with_(entra("AzureAdApp"), (a) => (a.cluster = { namespace: "apim-gateway", flavor: "openshift", namespaceIsDedicated: true })), "gw");
            assert.deepEqual(run.outputs.notes.filter((n) => n.startsWith("entraid-login-microsoftonline-com is required")), [
                "entraid-login-microsoftonline-com is required by gatewayAuth.type AzureAdApp: without it the gateway gets no configuration, yet the EgressFirewall allows login.microsoftonline.com by dnsName, but the NetworkPolicy, which applies as well, matches addresses only and blocks it. List the AzureActiveDirectory service tag's prefixes (Azure IP Ranges and Service Tags download, or az network list-service-tags) in cluster.allowNamedFlowsTo.",
            ]);
        });

        it("reads gatewayAuth inside an Output as it reads a plain value", async () => {
            const run = await runOffline(unmaskedExample(), { ...baseArgs(), gatewayAuth: pulumi.output({ type: "AzureAdApp", gatewayName: pulumi.output("factory1") }) } as LooseArgs, "gw");
            assert.deepEqual(signIn(run), ["entraid-login-microsoftonline-com login.microsoftonline.com required=true", "entraid-westus-login-microsoft-com westus.login.microsoft.com required=true"]);
            assert.equal(run.outputs.gatewayHelmValues.gateway.name, "factory1");
        });

        it("refuses a bad gatewayAuth inside an Output when it resolves, before any resource", async () => {
            const resources: RegisteredResource[] = [];
            const message = await refusal(runOffline(unmaskedExample(), { ...baseArgs(), gatewayAuth: pulumi.output({ type: "AzureAdApp" }) } as LooseArgs, "gw", { resources }));
            assert.equal(message, "Invalid value for gatewayAuth.gatewayName: (missing). With gatewayAuth.type AzureAdApp the chart requires gateway.name: give the name of the gateway resource in the API Management instance.");
            assert.deepEqual(resources.filter((r) => r.type !== "apim-gateway-egress:index:SelfHostedGatewayEgress").map((r) => r.type), []);
        });

        const bad: [string, Record<string, unknown>, string, string][] = [
            ["no gatewayName", { type: "WorkloadIdentity" }, "gatewayAuth.gatewayName: (missing)", "With gatewayAuth.type WorkloadIdentity the chart requires gateway.name"],
            ["a gatewayName with a slash", { type: "AzureAdApp", gatewayName: "site/1" }, "gatewayAuth.gatewayName: \"site/1\"", "A gateway name is the name of the gateway resource"],
            ["the reserved gatewayName managed", { type: "AzureAdApp", gatewayName: "Managed" }, "gatewayAuth.gatewayName: \"Managed\"", "A gateway name is the name of the gateway resource"],
            ["a type in other casing", { type: "azureadapp", gatewayName: "gw" }, "gatewayAuth.type: \"azureadapp\"", "Allowed values are: GatewayToken, AzureAdApp, WorkloadIdentity. Did you mean \"AzureAdApp\"?"],
            ["an http authority", { type: "AzureAdApp", gatewayName: "gw", authority: "http://login.microsoftonline.com" }, "gatewayAuth.authority: \"http://login.microsoftonline.com\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with a port", { type: "AzureAdApp", gatewayName: "gw", authority: "https://login.microsoftonline.com:8443" }, "gatewayAuth.authority: \"https://login.microsoftonline.com:8443\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with user info", { type: "AzureAdApp", gatewayName: "gw", authority: "https://admin@login.microsoftonline.com" }, "gatewayAuth.authority: (withheld: it carries a credential)", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with a deeper path", { type: "AzureAdApp", gatewayName: "gw", authority: "https://login.microsoftonline.com/contoso/oauth2/v2.0" }, "gatewayAuth.authority: \"https://login.microsoftonline.com/contoso/oauth2/v2.0\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with an empty path segment", { type: "AzureAdApp", gatewayName: "gw", authority: "https://login.microsoftonline.com//" }, "gatewayAuth.authority: \"https://login.microsoftonline.com//\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with a query", { type: "AzureAdApp", gatewayName: "gw", authority: "https://login.microsoftonline.com/?x=1" }, "gatewayAuth.authority: \"https://login.microsoftonline.com/?x=1\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority with a newline inside", { type: "AzureAdApp", gatewayName: "gw", authority: "https://login.micro\nsoftonline.com" }, "gatewayAuth.authority: \"https://login.micro\\nsoftonline.com\"", "Expected the https URL of a Microsoft Entra authority"],
            ["an authority by IP address", { type: "AzureAdApp", gatewayName: "gw", authority: "https://20.190.128.1" }, "gatewayAuth.authority: \"20.190.128.1\"", "Expected a DNS name"],
            ["an authority beside GatewayToken", { authority: "https://login.microsoftonline.com" }, "gatewayAuth.authority: \"https://login.microsoftonline.com\"", "With gatewayAuth.type GatewayToken the gateway signs in with its token"],
            ["an unknown key", { type: "AzureAdApp", gatewayName: "gw", tenant: "x" }, "gatewayAuth.tenant: \"tenant\"", "Unknown key."],
        ];
        for (const [what, gatewayAuth, head, why] of bad) {
            it(`refuses ${what}, naming the field`, async () => {
                const message = await refusal(runOffline(unmaskedExample(), { ...baseArgs(), gatewayAuth }, "gw"));
                assert.ok(message.startsWith(`Invalid value for ${head}. ${why}`), message);
            });
        }

        it("opens the sign-in from a landing zone's hub, where gatewayName is not needed", async () => {
            const hub = await runOfflineHub([EXTERNAL()], {
                firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" },
                gateways: [{ name: "berlin", apim: { resourceGroupName: "rg-apim", serviceName: "fabrikam-apim" }, sourceAddresses: ["10.81.0.0/24"], gatewayAuth: { type: "WorkloadIdentity" } }],
            } as LooseArgs, "hub");
            const rules = (only(hub as unknown as OfflineRun, RCG).inputs.ruleCollections as FilterRuleCollection[]).flatMap((c) => c.rules);
            assert.deepEqual(rules.filter((r) => r.name.startsWith("entraid-")).map((r) => ("targetFqdns" in r ? r.targetFqdns : [])), [["login.microsoftonline.com"], ["northeurope.login.microsoft.com"]]);
        });
    });

    describe("a configuration backup for sites that may lose Azure (configurationBackup)", () => {
        it("sets the chart's gateway.configuration.backup, with the claim's size and class when given", async () => {
            const run = await runOffline(unmaskedExample(), { ...baseArgs(), configurationBackup: { enabled: true, size: "100Mi", storageClassName: "azurefile-csi" } }, "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration.backup, { enabled: true, persistentVolumeClaim: { size: "100Mi", storageClassName: "azurefile-csi" } });
        });

        it("keeps the chart's own claim when only enabled", async () => {
            const run = await runOffline(unmaskedExample(), { ...baseArgs(), configurationBackup: { enabled: true } }, "gw");
            assert.deepEqual(run.outputs.gatewayHelmValues.gateway.configuration.backup, { enabled: true });
        });

        it("recommends it for an Internal instance when it is off, quoting the overview", async () => {
            const run = await runOffline(fixture("az-internal-developer.json"), baseArgs(), "gw");
            assert.ok(run.outputs.notes.includes("configurationBackup is off: while contoso-dev.configuration.azure-api.net is unreachable, running gateways keep their configuration in memory, but \"Stopped self-hosted gateways won't be able to start\" (self-hosted gateway overview). For an Internal or air-gapped site, set configurationBackup.enabled to true: the chart keeps the last configuration on a persistent volume (gateway.configuration.backup)."));
            const on = await runOffline(fixture("az-internal-developer.json"), { ...baseArgs(), configurationBackup: { enabled: true } }, "gw");
            assert.deepEqual(on.outputs.notes.filter((n) => n.startsWith("configurationBackup")), []);
        });

        it("says nothing of it for an External instance", async () => {
            const run = await runOffline(EXTERNAL(), baseArgs(), "gw");
            assert.deepEqual(run.outputs.notes.filter((n) => n.startsWith("configurationBackup")), []);
        });

        const bad: [string, Record<string, unknown>, string, string][] = [
            ["a size of zero", { enabled: true, size: "0" }, "configurationBackup.size: \"0\"", "Expected a Kubernetes quantity greater than zero"],
            ["a size with a space", { enabled: true, size: "50 Mi" }, "configurationBackup.size: \"50 Mi\"", "Expected a Kubernetes quantity greater than zero"],
            ["a storage class that is no object name", { enabled: true, storageClassName: "Fast_SSD" }, "configurationBackup.storageClassName: \"Fast_SSD\"", "A Kubernetes object name is a DNS-1123 subdomain"],
            ["a size while off", { size: "1Gi" }, "configurationBackup.size: \"1Gi\"", "configurationBackup.enabled is false, so no volume is claimed"],
        ];
        for (const [what, configurationBackup, head, why] of bad) {
            it(`refuses ${what}, naming the field`, async () => {
                const message = await refusal(runOffline(unmaskedExample(), { ...baseArgs(), configurationBackup }, "gw"));
                assert.ok(message.startsWith(`Invalid value for ${head}. ${why}`), message);
            });
        }
    });

    describe("the README answers what site engineers ask", () => {
        const readme = () => fs.readFileSync(path.join(REPO, "README.md"), "utf8").replace(/\s+/g, " ");

        it("says no Azure Monitor or Log Analytics host is needed, and why", () => {
            assert.ok(readme().includes("No Azure Monitor or Log Analytics host is needed"));
            assert.ok(readme().includes("`telemetry.metrics.cloud`"));
            assert.ok(readme().includes("\"The self-hosted gateway currently doesn't send resource logs (diagnostic logs) to Azure Monitor\""));
        });

        it("lists every documented trigger of a VIP change", () => {
            for (const trigger of ["deleted and re-created", "disabled or warned", "virtual network is added or removed", "between External and Internal", "a different subnet", "a different public IP address resource", "stv1 to stv2", "availability zones", "vacated and then reinstated"]) {
                assert.ok(readme().includes(trigger), trigger);
            }
        });

        it("gives the downtime of an Internal stv1 → stv2 migration that keeps its IP", () => {
            assert.ok(readme().includes("\"Downtime for approximately 20 minutes during migration while the existing IP address is assigned to the new `stv2` deployment\""));
        });
    });
});

// Round three, in-cluster peers: a NetworkPolicy peer by namespace and pod labels, no firewall
// rule (the traffic never reaches it), no EgressFirewall entry (it governs only "traffic from a
// pod to an IP address outside the cluster", OpenShift API reference). The external-cache doc:
// "Deploying a Redis cache into the same Kubernetes cluster ... [is among] the best options".
describe("domain truth: in-cluster peers (inCluster)", () => {
    const EF = "kubernetes:k8s.ovn.org/v1:EgressFirewall";
    const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
    const inCluster = (flavor = "kubernetes"): LooseArgs => with_(baseArgs(), (a) => {
        a.cluster.flavor = flavor;
        if (flavor === "openshift") {
            a.cluster.namespaceIsDedicated = true;
        }
        a.backends = [{ name: "orders", inCluster: { namespace: "shop", podLabels: { app: "orders" } }, port: 8080 }];
        a.features = { externalCache: { enabled: true, inCluster: { namespace: "cache" }, port: 6379 } };
    });
    const ruleFor = (run: OfflineRun, flow: string) => {
        const where = (run.outputs.egressPlan.find((f) => f.id === flow) as { clusterRules: string }).clusterRules.split(", ").find((r) => r.startsWith("NetworkPolicy/"));
        return spec(only(run, NP)).egress[Number(/egress\[(\d+)\]/.exec(where ?? "")?.[1])];
    };

    it("allows an in-cluster backend by namespace and pod selector, on its port", async () => {
        const run = await runOffline(unmaskedExample(), inCluster(), "gw");
        assert.deepEqual(ruleFor(run, "backend-orders"), {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { app: "orders" } } }],
            ports: [{ protocol: "TCP", port: 8080 }],
        });
    });

    it("allows every pod of the namespace when no pod labels are given (the in-cluster cache)", async () => {
        const run = await runOffline(unmaskedExample(), inCluster(), "gw");
        assert.deepEqual(ruleFor(run, "externalcache-incluster-cache"), { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cache" } } }], ports: [{ protocol: "TCP", port: 6379 }] });
    });

    it("writes no firewall rule for in-cluster peers and says why in the plan", async () => {
        const run = await runOffline(unmaskedExample(), inCluster(), "gw");
        assert.deepEqual(rulesOf(run).map((r) => r.name), ["configuration-address"]);
        assert.deepEqual(run.outputs.egressPlan.filter((f) => f.destinationKind === "inCluster").map((f) => [f.id, f.destination, f.firewallRule]), [
            ["externalcache-incluster-cache", "every pod of namespace cache", "none: in the cluster, allowed by the cluster policy alone"],
            ["backend-orders", "pods app=orders of namespace shop", "none: in the cluster, allowed by the cluster policy alone"],
        ]);
    });

    it("lists the in-cluster rule in the change request, with the pods it allows", async () => {
        const run = await runOffline(unmaskedExample(), inCluster(), "gw");
        const row = run.outputs.changeRequest.find((r) => r.rule === "backend-orders") as { enforcer: string; destinations: string; ports: string };
        assert.deepEqual([row.enforcer, row.destinations, row.ports], ["NetworkPolicy", "pods app=orders of namespaces kubernetes.io/metadata.name=shop", "8080"]);
    });

    it("gives Cilium the same peers as toEndpoints, namespace by k8s:io.kubernetes.pod.namespace", async () => {
        const run = await runOffline(unmaskedExample(), inCluster("cilium"), "gw");
        const egress = ((run.resources.find((r) => r.type === CNP) as RegisteredResource).inputs.spec as { egress: Record<string, unknown>[] }).egress;
        assert.deepEqual(egress.filter((r) => r.toEndpoints).slice(1), [
            { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "cache" } }], toPorts: [{ ports: [{ port: "6379", protocol: "TCP" }] }] },
            { toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", app: "orders" } }], toPorts: [{ ports: [{ port: "8080", protocol: "TCP" }] }] },
        ]);
    });

    it("puts no in-cluster peer in the EgressFirewall, and its final deny blocks none of them", async () => {
        const run = await runOffline(unmaskedExample(), inCluster("openshift"), "gw");
        const ef = (run.resources.find((r) => r.type === EF) as RegisteredResource).inputs.spec as { egress: { to: Record<string, string> }[] };
        assert.deepEqual(ef.egress.map((r) => r.to), [{ cidrSelector: "172.26.0.5/32" }, { dnsName: "apimservice1.configuration.azure-api.net" }, { cidrSelector: "0.0.0.0/0" }]);
        assert.deepEqual(run.outputs.notEnforceableInCluster, []);
    });

    it("refuses on OpenShift an in-cluster peer in the gateway's namespace, declared to hold the gateway alone", async () => {
        const same = with_(inCluster("openshift"), (a) => (a.backends[0].inCluster.namespace = "apim-gateway"));
        await assert.rejects(runOffline(unmaskedExample(), same, "gw"), /^InputError: Invalid value for backends\[0\]\.inCluster\.namespace: "apim-gateway"\. cluster\.namespaceIsDedicated says this namespace holds the gateway alone/);
    });

    it("reaches in-cluster peers directly beside a proxy, a UDP backend and the cache included", async () => {
        const args = with_(inCluster(), (a) => {
            a.egressProxy = { address: "10.70.0.10", port: 3128 };
            delete a.firewall.sourceAddresses;
            a.backends.push({ name: "syslog", inCluster: { namespace: "logging" }, port: 514, protocol: "UDP" });
        });
        const run = await runOffline(unmaskedExample(), args, "gw");
        assert.deepEqual(run.outputs.egressPlan.map((f) => `${f.id} ${f.clusterRules}`), [
            "configuration-address NetworkPolicy/gw/egress[2] (via egressProxy)",
            "configuration-host NetworkPolicy/gw/egress[2] (via egressProxy)",
            "externalcache-incluster-cache NetworkPolicy/gw/egress[3]",
            "backend-orders NetworkPolicy/gw/egress[4]",
            "backend-syslog NetworkPolicy/gw/egress[5]",
        ]);
        assert.deepEqual(cidrs(spec(only(run, NP)).egress), ["10.70.0.10/32"]);
    });

    it("shows a preview with the namespace still unknown as an unknown policy, never a guessed peer", async () => {
        const specs: unknown[] = [];
        await pulumi.runtime.setMocks({
            newResource: (r) => {
                if (r.type === NP) {
                    specs.push(r.inputs.spec);
                }
                return { id: "id", state: r.inputs };
            },
            call: () => unmaskedExample(),
        }, "project", "stack", true);
        // A new program run: no writer of an earlier spec holds the policy's chain.
        resetPolicyLedger();
        const args = with_(inCluster(), (a) => (a.backends = []));
        args.backends = [{ name: "orders", inCluster: { namespace: pulumi.output(pulumi.unknown as unknown as string), podLabels: { app: "orders" } }, port: 8080 }];
        new SelfHostedGatewayEgress("gw", args);
        // The children are registered once the args settle, unknown or not: wait for it, up to 10 s.
        for (let i = 0; i < 200 && specs.length === 0; i++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await pulumi.runtime.disconnect();
        assert.equal(specs.length, 1);
        assert.equal(pulumi.isUnknown(specs[0]), true);
    });

    it("refuses an in-cluster peer given beside an address", async () => {
        const both = with_(inCluster(), (a) => (a.backends[0].address = "10.60.0.0/24"));
        await assert.rejects(runOffline(unmaskedExample(), both, "gw"), /^InputError: Invalid value for backends\[0\]\.address: "10\.60\.0\.0\/24"\. Give exactly one of backends\[0\]\.address, backends\[0\]\.fqdn, backends\[0\]\.inCluster\.$/);
        const cache = with_(inCluster(), (a) => (a.features.externalCache.host = "redis.contoso.internal"));
        await assert.rejects(runOffline(unmaskedExample(), cache, "gw"), /^InputError: Invalid value for features\.externalCache\.host: "redis\.contoso\.internal"\. Give exactly one of features\.externalCache\.host, features\.externalCache\.inCluster\.$/);
    });

    it("refuses a namespace that is not a DNS-1123 label, and a label value Kubernetes would refuse", async () => {
        await assert.rejects(runOffline(unmaskedExample(), with_(inCluster(), (a) => (a.backends[0].inCluster.namespace = "Shop_1")), "gw"), /^InputError: Invalid value for backends\[0\]\.inCluster\.namespace: "Shop_1"\. A namespace is a DNS-1123 label/);
        await assert.rejects(runOffline(unmaskedExample(), with_(inCluster(), (a) => (a.backends[0].inCluster.podLabels = { app: "orders/v2" })), "gw"), /^InputError: Invalid value for backends\[0\]\.inCluster\.podLabels\.app: "orders\/v2"\. A label value is at most 63/);
        await assert.rejects(runOffline(unmaskedExample(), with_(inCluster(), (a) => (a.features.externalCache.inCluster = { namespace: "cache", podLabels: {} })), "gw"), /^InputError: Invalid value for features\.externalCache\.inCluster\.podLabels: \{\}\. Expected a non-empty map/);
    });
});

// Round three, local telemetry (chart 1.15.1 values.yaml `observability.*`; settings reference,
// "Metrics" and "Logs"): each sink's endpoint decides the port and protocol, `address` or
// `inCluster` where it is; a sink inside the pod or node has no network flow.
describe("domain truth: local telemetry (openTelemetry, statsd, localLogs)", () => {
    const withFeatures = (features: Record<string, unknown>): LooseArgs => with_(baseArgs(), (a) => (a.features = features));
    const OTEL = { enabled: true, collectorUri: "http://otel-collector.observability:4317", inCluster: { namespace: "observability", podLabels: { "app.kubernetes.io/name": "otel-collector" } } };

    it("opens an in-cluster OpenTelemetry collector on TCP at its URI's port, and sets the chart's collector", async () => {
        const run = await runOffline(unmaskedExample(), withFeatures({ openTelemetry: OTEL }), "gw");
        assert.deepEqual(spec(only(run, NP)).egress[3], {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "otel-collector" } } }],
            ports: [{ protocol: "TCP", port: 4317 }],
        });
        assert.deepEqual(rulesOf(run).map((r) => r.name), ["configuration-address"]);
        assert.deepEqual(run.outputs.gatewayHelmValues.observability, { opentelemetry: { enabled: true, collector: { uri: "http://otel-collector.observability:4317" } } });
    });

    it("opens a StatsD server outside the cluster on UDP, in the cluster and on the firewall", async () => {
        const run = await runOffline(unmaskedExample(), withFeatures({ statsd: { enabled: true, endpoint: "udp://10.0.41.179:8125", address: "10.0.41.179" } }), "gw");
        assert.deepEqual(spec(only(run, NP)).egress[3], { to: [{ ipBlock: { cidr: "10.0.41.179/32" } }], ports: [{ protocol: "UDP", port: 8125 }] });
        const rule = rulesOf(run).find((r) => r.name === "statsd-10-0-41-179");
        assert.deepEqual(rule && "ipProtocols" in rule ? [rule.ipProtocols, rule.sourceAddresses, rule.destinationAddresses, rule.destinationPorts] : [], [["UDP"], ["10.80.0.0/24"], ["10.0.41.179/32"], ["8125"]]);
        assert.deepEqual(run.outputs.gatewayHelmValues.observability, { statsD: { enabled: true, endpoint: "udp://10.0.41.179:8125" } });
    });

    it("opens nothing for a log sink on the node's socket (localsyslog /dev/log) or on loopback (json 127.0.0.1:8888)", async () => {
        for (const logs of [{ type: "localsyslog", endpoint: "/dev/log" }, { type: "json", endpoint: "127.0.0.1:8888" }]) {
            const run = await runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, ...logs } }), "gw");
            assert.deepEqual(run.outputs.egressPlan.filter((f) => f.feature === "localLogs"), []);
            assert.equal(spec(only(run, NP)).egress.length, 3);
            assert.deepEqual(run.outputs.gatewayHelmValues.observability, { logs: { local: { type: logs.type, [logs.type]: { endpoint: logs.endpoint } } } });
        }
    });

    it("refuses a network peer for a sink inside the pod or node", async () => {
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, type: "localsyslog", endpoint: "/dev/log", address: "10.0.41.179" } }), "gw"),
            /^InputError: Invalid value for features\.localLogs\.address: "10\.0\.41\.179"\. The endpoint \/dev\/log is inside the pod or its node/);
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, type: "journal", endpoint: "syslog.logging:514", inCluster: { namespace: "logging" } } }), "gw"),
            /^InputError: Invalid value for features\.localLogs\.endpoint: "syslog\.logging:514"\. Expected a scheme\. Accepted: an absolute path, such as "\/run\/systemd\/journal\/socket"\.$/);
    });

    it("opens rfc5424 on both UDP and TCP when the endpoint names no transport, and says so", async () => {
        const bare = await runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, type: "rfc5424", endpoint: "syslog.logging:514", inCluster: { namespace: "logging" } } }), "gw");
        assert.deepEqual(spec(only(bare, NP)).egress[3].ports, [{ protocol: "UDP", port: 514 }, { protocol: "TCP", port: 514 }]);
        assert.ok(bare.outputs.notes.includes("features.localLogs (rfc5424) opens both UDP and TCP 514: no document names the transport of the gateway's rfc5424 sink. Write the endpoint as udp://… or tcp://… to open one."));
        const tcpOnly = await runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, type: "rfc5424", endpoint: "tcp://syslog.logging:6514", inCluster: { namespace: "logging" } } }), "gw");
        assert.deepEqual(spec(only(tcpOnly, NP)).egress[3].ports, [{ protocol: "TCP", port: 6514 }]);
    });

    it("tells that an in-cluster sink is opened on its pods' port, which a Service may map elsewhere", async () => {
        const run = await runOffline(unmaskedExample(), withFeatures({ openTelemetry: OTEL }), "gw");
        assert.ok(run.outputs.notes.includes("features.openTelemetry is opened on port 4317 of its pods, the port its endpoint http://otel-collector.observability:4317 names: if that is a Service whose targetPort differs, give the Service the same port and targetPort, since the cluster policy sees the pods' port."));
    });

    it("tells that the chart mounts no journal socket", async () => {
        const run = await runOffline(unmaskedExample(), withFeatures({ localLogs: { enabled: true, type: "journal", endpoint: "/run/systemd/journal/socket" } }), "gw");
        assert.ok(run.outputs.notes.some((n) => n.startsWith("features.localLogs writes to the journal socket /run/systemd/journal/socket: the chart mounts no volume for the journal")));
    });

    it("refuses an address that does not hold the endpoint's address, and a sink with neither address nor inCluster", async () => {
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ statsd: { enabled: true, endpoint: "10.0.41.179:8125", address: "10.0.42.0/24" } }), "gw"),
            /^InputError: Invalid value for features\.statsd\.address: "10\.0\.42\.0\/24"\. The endpoint's address 10\.0\.41\.179 is outside it/);
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ statsd: { enabled: true, endpoint: "udp://statsd-server:8125" } }), "gw"),
            /^InputError: Invalid value for features\.statsd\.address: \(missing\)\. Give exactly one of features\.statsd\.address, features\.statsd\.inCluster\.$/);
    });

    it("refuses a sink address broader than firewall.minimumPrefixLength, like a backend's", async () => {
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ openTelemetry: { enabled: true, collectorUri: "https://otel.contoso.example", address: "10.0.0.0/7" } }), "gw"),
            /^InputError: Invalid value for features\.openTelemetry\.address: "10\.0\.0\.0\/7"\. A \/7 network is broader than firewall\.minimumPrefixLength \(8\)/);
    });

    it("refuses an endpoint in a form the chart does not take", async () => {
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ statsd: { enabled: true, endpoint: "tcp://statsd-server:8125", inCluster: { namespace: "monitoring" } } }), "gw"),
            /^InputError: Invalid value for features\.statsd\.endpoint: "tcp:\/\/statsd-server:8125"\. The scheme tcp:\/\/ is not accepted here\. Accepted: udp:\/\/host:port, host:port/);
        await assert.rejects(runOffline(unmaskedExample(), withFeatures({ openTelemetry: { ...OTEL, collectorUri: "grpc://otel-collector:4317" } }), "gw"), /^InputError: Invalid value for features\.openTelemetry\.collectorUri/);
    });

    it("refuses a sink outside the cluster beside a proxy, and reaches an in-cluster one directly", async () => {
        const proxied = (features: Record<string, unknown>) => with_(withFeatures(features), (a) => {
            a.egressProxy = { address: "10.70.0.10", port: 3128 };
            delete a.firewall.sourceAddresses;
        });
        await assert.rejects(runOffline(unmaskedExample(), proxied({ statsd: { enabled: true, endpoint: "10.0.41.179:8125", address: "10.0.41.179" } }), "gw"),
            /^InputError: Invalid value for features\.statsd\.address: "10\.0\.41\.179\/32"\. With egressProxy the gateway reaches the outside through the proxy/);
        const run = await runOffline(unmaskedExample(), proxied({ statsd: { enabled: true, endpoint: "udp://statsd-server.monitoring:8125", inCluster: { namespace: "monitoring" } } }), "gw");
        assert.deepEqual(spec(only(run, NP)).egress[3], { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "UDP", port: 8125 }] });
    });
});

// Round three, proxy mode: the chart renders `gateway.deployment.network.proxy.bypass` as
// NO_PROXY (templates/deployment.yaml); .NET matches its entries exactly or, with a leading dot,
// by suffix (HttpClient.DefaultProxy). A TLS-inspecting proxy needs the gateway to trust its CA.
describe("domain truth: what bypasses the proxy (NO_PROXY)", () => {
    const proxied = (change: (a: LooseArgs) => void = () => undefined): LooseArgs => with_(baseArgs(), (a) => {
        a.egressProxy = { address: "10.70.0.10", port: 3128 };
        delete a.firewall.sourceAddresses;
        change(a);
    });

    it("adds each in-cluster telemetry host to the service-domain suffixes, which a suffix cannot cover", async () => {
        const run = await runOffline(unmaskedExample(), proxied((a) => (a.features = {
            openTelemetry: { enabled: true, collectorUri: "http://otel-collector:4318", inCluster: { namespace: "apim-gateway", podLabels: { app: "otel" } } },
            statsd: { enabled: true, endpoint: "udp://10.0.41.179:8125", inCluster: { namespace: "monitoring" } },
        })), "gw");
        assert.equal(run.outputs.gatewayHelmValues.gateway.deployment.network?.proxy.bypass, "localhost,127.0.0.1,.svc,.cluster.local,10.0.41.179,otel-collector");
    });

    it("tells what a TLS-inspecting proxy needs: the gateway trusting its CA, mounted by a patch the chart has no value for", async () => {
        const run = await runOffline(unmaskedExample(), proxied(), "gw");
        assert.ok(run.outputs.notes.includes("If the proxy inspects TLS (re-signs the connections it forwards), the gateway must trust the proxy's CA: set certificates.local.ca.enabled to true (self-hosted gateway settings reference, Security; the chart passes it through gateway.configuration.additional), which needs the gateway to run as root or user 1001, and mount the CA into the gateway container. The chart (1.15.1) has no value for an extra volume: add the CA's volume and volumeMount with a Helm post-renderer or a kustomize patch of its Deployment. CA certificates uploaded to API Management do not reach a self-hosted gateway, and the gateway certificate authorities come over the configuration connection itself."));
    });

    it("tells how in-cluster backends must be named for the suffixes to match", async () => {
        const run = await runOffline(unmaskedExample(), proxied((a) => (a.backends = [{ name: "orders", inCluster: { namespace: "shop" }, port: 8080 }])), "gw");
        assert.ok(run.outputs.notes.includes("In-cluster backends bypass the proxy only when the gateway's backend URLs name them as `<service>.<namespace>.svc` or `<service>.<namespace>.svc.cluster.local` (NO_PROXY matches by suffix): a bare `<service>` or `<service>.<namespace>` goes to the proxy, which cannot reach it."));
    });
});
