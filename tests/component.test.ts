import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { OfflineRun, RegisteredResource, runOffline } from "../cli/offlineRun";
import { SelfHostedGatewayEgress, TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { settle } from "../cli/apimMocks";
import { resetPolicyLedger } from "../components/groupWriter";
import { baseArgs, fixture, forgetRefusedRegistrations, maskedExample, unmaskedExample, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function only(run: OfflineRun, type: string): RegisteredResource {
    const found = run.resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
    return found[0];
}

/** Runs the component and expects a refusal; returns the message and the types registered. */
async function refusal(document: unknown, args: unknown): Promise<{ message: string; types: string[] }> {
    const registered: RegisteredResource[] = [];
    try {
        await runOffline(document, args as never, "gw", { resources: registered });
    } catch (e) {
        forgetRefusedRegistrations();
        return { message: (e as Error).message, types: registered.map((r) => r.type) };
    }
    throw new Error("expected a refusal");
}

describe("SelfHostedGatewayEgress", () => {
    describe("with an Internal Premium instance (Azure's REST example, unmasked)", () => {
        let run: OfflineRun;
        before(async () => {
            run = await runOffline(unmaskedExample(), baseArgs(), "gw");
        });

        it("registers the component, one rule collection group and one NetworkPolicy", () => {
            assert.deepEqual(run.resources.map((r) => `${r.type} ${r.name}`), [
                `${TYPE_TOKEN} gw`,
                `${RCG} gw`,
                `${NETWORK_POLICY} gw`,
            ]);
        });

        it("reads the instance named in the args", () => {
            assert.deepEqual(run.apimReads, [{ resourceGroupName: "rg-apim", serviceName: "contoso-apim" }]);
        });

        it("opens the private VIP on TCP 443 with one network rule, and nothing else (ruleStyle ip)", () => {
            assert.deepEqual(only(run, RCG).inputs, {
                firewallPolicyName: "fwpol-hub",
                resourceGroupName: "rg-hub",
                ruleCollectionGroupName: "gw",
                priority: 300,
                ruleCollections: [{
                    ruleCollectionType: "FirewallPolicyFilterRuleCollection",
                    name: "apim-gateway-network",
                    priority: 100,
                    action: { type: "Allow" },
                    rules: [{
                        ruleType: "NetworkRule",
                        name: "configuration-address",
                        description: "configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind apimservice1.configuration.azure-api.net [https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses]",
                        ipProtocols: ["TCP"],
                        sourceAddresses: ["10.80.0.0/24"],
                        destinationAddresses: ["172.26.0.5/32"],
                        destinationPorts: ["443"],
                    }],
                }],
            });
        });

        it("isolates the gateway pods and allows DNS, replica sync and the VIP /32:443", () => {
            const gatewayPods = { podSelector: { matchLabels: { "app.kubernetes.io/component": "self-hosted-gateway", "app.kubernetes.io/instance": "azure-api-management-gateway" } } };
            const replicaPorts = [{ protocol: "UDP", port: 4290 }, { protocol: "UDP", port: 4291 }];
            assert.deepEqual(only(run, NETWORK_POLICY).inputs, {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "gw", namespace: "apim-gateway", labels: { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "apim-gateway-egress" } },
                spec: {
                    podSelector: gatewayPods.podSelector,
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        { from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8080 }, { protocol: "TCP", port: 8081 }] },
                        { from: [gatewayPods], ports: replicaPorts },
                    ],
                    egress: [
                        { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] },
                        { to: [gatewayPods], ports: replicaPorts },
                        { to: [{ ipBlock: { cidr: "172.26.0.5/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
                    ],
                },
            });
        });

        it("outputs the configuration host and the VIP read from Azure", () => {
            assert.equal(run.outputs.configurationHost, "apimservice1.configuration.azure-api.net");
            assert.equal(run.outputs.configurationAddress, "172.26.0.5");
            assert.equal(run.outputs.ruleStyle, "ip");
            assert.equal(run.outputs.networkPolicyName, "gw");
            assert.equal(run.outputs.ruleCollectionGroupName, "gw");
        });

        it("outputs the plan, each flow with the rules that carry it", () => {
            assert.deepEqual(run.outputs.egressPlan.map((f) => [f.id, f.destination, f.ports, f.firewallRule, f.clusterRules]), [
                ["configuration-address", "172.26.0.5/32", "443", "apim-gateway-network/configuration-address", "NetworkPolicy/gw/egress[2]"],
                ["configuration-host", "apimservice1.configuration.azure-api.net", "443", "not in firewall (ruleStyle ip)", "NetworkPolicy/gw/egress[2] (via configuration-address)"],
            ]);
        });
    });

    describe("rule styles", () => {
        it("adds an application rule for the configuration host with ruleStyle both, the External default", async () => {
            const run = await runOffline(fixture("rest-external-premium.json"), baseArgs(), "gw");
            const collections = only(run, RCG).inputs.ruleCollections as { name: string; rules: { name: string }[] }[];
            assert.deepEqual(collections.map((c) => [c.name, c.rules.map((r) => r.name)]), [
                ["apim-gateway-network", ["configuration-address"]],
                ["apim-gateway-application", ["configuration-host"]],
            ]);
            assert.deepEqual((collections[1].rules[0] as unknown), {
                ruleType: "ApplicationRule",
                name: "configuration-host",
                description: "configuration sync, heartbeat, metrics and events (v2 configuration API) [https://learn.microsoft.com/azure/api-management/self-hosted-gateway-overview#connectivity-to-azure]",
                protocols: [{ protocolType: "Https", port: 443 }],
                sourceAddresses: ["10.80.0.0/24"],
                targetFqdns: ["fabrikam-apim.configuration.azure-api.net"],
            });
        });

        it("explains in the notes that an FQDN rule in Internal mode needs the host's private record", async () => {
            const run = await runOffline(unmaskedExample(), with_(baseArgs(), (a) => (a.firewall.ruleStyle = "fqdn")), "gw");
            assert.deepEqual(run.outputs.notes, [
                "The application rule for apimservice1.configuration.azure-api.net makes the firewall resolve that name itself: in Internal mode the name is only in private DNS, so the firewall's DNS servers must resolve it to 172.26.0.5, from a private DNS zone named apimservice1.configuration.azure-api.net with an apex A record, or an A record for that name alone (never a zone for azure-api.net: Azure reserves it).",
                "configurationBackup is off: while apimservice1.configuration.azure-api.net is unreachable, running gateways keep their configuration in memory, but \"Stopped self-hosted gateways won't be able to start\" (self-hosted gateway overview). For an Internal or air-gapped site, set configurationBackup.enabled to true: the chart keeps the last configuration on a persistent volume (gateway.configuration.backup).",
                "The firewall policy fwpol-hub in rg-hub was not read (ResourceNotFound: no firewall policy document given for fwpol-hub in rg-hub (--firewall-policy)): its SNAT private ranges (the return path of a network rule), DNS proxy, Deny network rules that would shadow the application rules and the groups already on it are not checked.",
            ]);
        });

        it("uses the custom ConfigurationApi hostname in the application rule", async () => {
            const run = await runOffline(fixture("rest-none-custom-config-host.json"), baseArgs(), "gw");
            const app = (only(run, RCG).inputs.ruleCollections as { rules: { targetFqdns?: string[] }[] }[])[1];
            assert.deepEqual(app.rules[0].targetFqdns, ["config.tailspin.example.com"]);
        });
    });

    describe("az apim show input", () => {
        it("gives the same firewall rules as the REST body of the same instance", async () => {
            const az = fixture("az-internal-developer.json");
            const rest = {
                name: az.name, location: az.location, sku: az.sku,
                properties: { gatewayUrl: az.gatewayUrl, privateIPAddresses: az.privateIpAddresses, publicIPAddresses: az.publicIpAddresses, virtualNetworkType: az.virtualNetworkType, hostnameConfigurations: az.hostnameConfigurations },
            };
            const fromAz = await runOffline(az, baseArgs(), "gw");
            const fromRest = await runOffline(rest, baseArgs(), "gw");
            assert.deepEqual(only(fromAz, RCG).inputs, only(fromRest, RCG).inputs);
        });
    });

    describe("args given as Outputs", () => {
        it("resolves them before building the rules", async () => {
            const args = with_(baseArgs(), (a) => (a.firewall.priority = 400));
            const run = await runOffline(unmaskedExample(), { ...args, firewall: pulumi.output(args.firewall) } as never, "gw");
            assert.equal(only(run, RCG).inputs.priority, 400);
        });
    });

    describe("what it keeps in state", () => {
        /** The component's registered outputs: what `pulumi up` writes to the stack's state for it. */
        async function registeredOutputs(args: unknown): Promise<{ state: Record<string, unknown>; component: SelfHostedGatewayEgress }> {
            resetPolicyLedger();
            await pulumi.runtime.setMocks({ newResource: (r) => ({ id: `${r.name}-id`, state: r.inputs }), call: () => unmaskedExample() });
            const monitor = pulumi.runtime.getMonitor() as unknown as { registerResourceOutputs(req: { getOutputs(): { toJavaScript(): Record<string, unknown> } }, done: unknown): void };
            const state: Record<string, unknown>[] = [];
            const registerResourceOutputs = monitor.registerResourceOutputs.bind(monitor);
            monitor.registerResourceOutputs = (req, done) => {
                state.push(req.getOutputs().toJavaScript());
                registerResourceOutputs(req, done);
            };
            const component = new SelfHostedGatewayEgress("gw", args as never);
            await settle(component.networkPolicyName);
            await pulumi.runtime.disconnect();
            assert.equal(state.length, 1, "one registration of outputs");
            return { state: state[0], component };
        }

        it("records the children's names and ids, the group's priority and the addresses its rules open, and no report", async () => {
            const { state } = await registeredOutputs(baseArgs());
            assert.deepEqual(state, {
                ruleCollectionGroupId: "gw-id",
                ruleCollectionGroupName: "gw",
                priority: 300,
                networkPolicyName: "gw",
                configurationHost: "apimservice1.configuration.azure-api.net",
                configurationAddress: "172.26.0.5",
                ruleStyle: "ip",
            });
        });

        it("still offers every report as an output, read after the run", async () => {
            const { component } = await registeredOutputs(baseArgs());
            const rows = await settle(component.changeRequest);
            assert.deepEqual(rows.filter((r) => r.destinations === "172.26.0.5/32").map((r) => r.enforcer), ["Azure Firewall", "NetworkPolicy"]);
            assert.match(await settle(component.egressMatrix), /\| 172\.26\.0\.5\/32 \|/);
            assert.equal((await settle(component.egressPlan))[0].id, "configuration-address");
            assert.match(await settle(component.probeScript), /^#!\/bin\/sh/);
        });

        it("lets a test double replace a report, as it could a field", async () => {
            const { component } = await registeredOutputs(baseArgs());
            const fake = pulumi.output("fake");
            (component as unknown as Record<string, unknown>).notes = fake;
            Object.defineProperty(component, "egressMatrix", { get: () => fake });
            assert.deepEqual([component.notes, component.egressMatrix], [fake, fake]);
        });

        it("hands out one Output per report however often it is read", async () => {
            const { component } = await registeredOutputs(baseArgs());
            assert.equal(component.egressMatrix, component.egressMatrix);
            assert.deepEqual(Object.keys(component).filter((k) => ["egressPlan", "changeRequest", "egressMatrix", "notEnforceableInCluster", "notes", "gatewayHelmValues", "probeScript"].includes(k)).sort(),
                ["changeRequest", "egressMatrix", "egressPlan", "gatewayHelmValues", "notEnforceableInCluster", "notes", "probeScript"]);
        });
    });

    describe("refusals", () => {
        it("refuses bad args synchronously, before registering anything", async () => {
            const registered: string[] = [];
            await pulumi.runtime.setMocks({
                newResource: (r) => {
                    registered.push(r.type);
                    return { id: "id", state: r.inputs };
                },
                call: () => unmaskedExample(),
            });
            assert.throws(() => new SelfHostedGatewayEgress("gw", with_(baseArgs(), (a) => (a.firewall.priority = 70000)) as never),
                /^InputError: Invalid value for firewall\.priority: 70000\. A rule collection group priority is a whole number from 100 to 65000\.$/);
            await pulumi.runtime.disconnect();
            assert.deepEqual(registered, []);
        });

        it("refuses the masked example and registers no child resource", async () => {
            const { message, types } = await refusal(maskedExample(), baseArgs());
            assert.match(message, /^Invalid value for properties\.privateIPAddresses\[0\]: "172\.XX\.0\.5"\./);
            assert.deepEqual(types, [TYPE_TOKEN]);
        });

        it("refuses a Standard SKU and registers no child resource", async () => {
            const { message, types } = await refusal(with_(fixture("rest-external-premium.json"), (d) => (d.sku.name = "Standard")), baseArgs());
            assert.match(message, /^Invalid value for sku\.name: "Standard"\./);
            assert.deepEqual(types, [TYPE_TOKEN]);
        });
    });
});
