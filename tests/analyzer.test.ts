// The component as the other Pulumi languages see it. `pulumi package add` starts this package
// through PulumiPlugin.yaml; the Node.js language host requires the package (package.json's
// `main`), collects the exported ComponentResources and serves them with the SDK's
// ComponentProvider, whose GetSchema runs Pulumi's analyzer on the TypeScript sources. This spec
// runs that same code offline, no Pulumi CLI needed, and pins the schema the SDKs are generated
// from. The analyzer builds a TypeScript program over the project and the SDK declarations it
// imports (azure-native's alone are about 20 MB), so the `before` hook takes several seconds.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";
import Ajv from "ajv";
import { parse as parseYaml } from "yaml";
import { schemaText, SCHEMA_FILES, toJsonSchema } from "../scripts/optionsSchema";
import { ClusterFlavor, RuleStyle } from "../components/args";
import { HUB_TYPE_TOKEN } from "../components/gatewayEgressRuleCollectionGroup";
import { resetPolicyLedger } from "../components/groupWriter";
import { TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { CLIENT_CONFIG_TOKEN, settle } from "../cli/apimMocks";
import { unmaskedExample } from "./helpers";

const repoRoot = path.join(__dirname, "..", "..");

interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    plain?: boolean;
    optional?: boolean;
    description?: string;
}

interface SchemaType {
    type: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name: string; value: string | number; description?: string }[];
}

interface SchemaResource {
    isComponent?: boolean;
    description?: string;
    inputProperties: Record<string, SchemaProperty>;
    requiredInputs: string[];
    properties: Record<string, SchemaProperty>;
    required: string[];
}

interface PackageSchema {
    name: string;
    version: string;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaType>;
    dependencies: unknown[];
}

const ref = (typeName: string) => `#/types/apim-gateway-egress:index:${typeName}`;

describe("multi-language schema (Pulumi's analyzer, as `pulumi package add` runs it)", () => {
    let manifest: { runtime: unknown };
    let componentNames: string[];
    let schema: PackageSchema;
    let component: SchemaResource;
    let hub: SchemaResource;
    let provider: ComponentProvider;
    const type = (name: string): SchemaType => {
        const t = schema.types[`apim-gateway-egress:index:${name}`];
        assert.ok(t, `type ${name} is missing from the schema; it has ${Object.keys(schema.types).join(", ")}`);
        return t;
    };

    before(async function () {
        this.timeout(60000);
        manifest = parseYaml(fs.readFileSync(path.join(repoRoot, "PulumiPlugin.yaml"), "utf8"));
        const packageJson = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { name: string };
        // What @pulumi/pulumi/cmd/run-plugin does with the plugin directory.
        const entry: unknown = require(repoRoot); // eslint-disable-line @typescript-eslint/no-require-imports
        const components = getPulumiComponents(entry);
        componentNames = components.map((c) => c.name);
        const providerName = packageJson.name.replace(/^@[^/]+\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
        provider = new ComponentProvider({ name: providerName, dirname: repoRoot, components });
        schema = JSON.parse(await provider.getSchema()) as PackageSchema;
        component = schema.resources[TYPE_TOKEN];
        hub = schema.resources[HUB_TYPE_TOKEN];
    });

    it("PulumiPlugin.yaml declares the Node.js runtime", () => {
        const runtime = manifest.runtime;
        assert.equal(typeof runtime === "object" && runtime !== null ? (runtime as { name?: unknown }).name : runtime, "nodejs");
    });

    it("the host finds exactly the two components in the package's entry module", () => {
        assert.deepEqual([...componentNames].sort(), ["GatewayEgressRuleCollectionGroup", "SelfHostedGatewayEgress"]);
    });

    it("serves the components under their fixed type tokens, named after the npm package", () => {
        assert.equal(schema.name, "apim-gateway-egress");
        assert.deepEqual(Object.keys(schema.resources).sort(), [HUB_TYPE_TOKEN, TYPE_TOKEN]);
        assert.equal(TYPE_TOKEN, "apim-gateway-egress:index:SelfHostedGatewayEgress");
        assert.equal(HUB_TYPE_TOKEN, "apim-gateway-egress:index:GatewayEgressRuleCollectionGroup");
        assert.equal(component.isComponent, true);
        assert.equal(hub.isComponent, true);
        assert.match(component.description ?? "", /self-hosted\s+gateway/);
        assert.match(hub.description ?? "", /many self-hosted gateways on one Firewall Policy/);
    });

    it("names the object types as nouns, so generated SDKs add their own suffix once (no FirewallArgsArgs)", () => {
        const names = Object.keys(schema.types).map((t) => t.split(":")[2]);
        assert.deepEqual(names.filter((n) => /Args$/.test(n)), []);
        assert.deepEqual([...names].sort(), [
            "ApimService", "ApplicationInsightsFeature", "Backend", "Cluster", "ClusterFlavor", "ConfigurationBackup", "EgressProxy",
            "EventHubsFeature", "ExternalCacheFeature", "Features", "Firewall", "FirewallPolicyTarget", "FlowReport", "GatewayAuth",
            "GatewayAuthType", "GatewayHelmValues", "HelmAuthValues", "HelmAzureAdValues", "HelmBackupClaimValues", "HelmBackupValues",
            "HelmConfigurationValues", "HelmDeploymentValues", "HelmDnsValues", "HelmGatewayValues", "HelmHostAlias", "HelmInstancePortValues",
            "HelmLocalLogsValues", "HelmLogEndpointValues", "HelmLogsValues", "HelmNetworkValues", "HelmObservabilityValues",
            "HelmOpenTelemetryCollectorValues", "HelmOpenTelemetryValues", "HelmProxyValues", "HelmServicePortValues", "HelmServiceValues",
            "HelmStatsdValues", "HubGateway", "HubGatewayReport", "HubInstanceReport", "ImagePullFeature", "InCluster", "InstancePorts",
            "LocalLogsFeature", "LocalLogsType", "NotEnforceableFlow", "OpenTelemetryFeature", "PriorityRange", "Probe", "RegionalFeature",
            "RuleCollectionGroupReport", "RuleRow", "RuleStyle", "StatsdFeature", "StorageFeature", "ToggleFeature",
        ]);
    });

    it("SelfHostedGatewayEgress inputs: apim required, firewall and cluster Inputs that may come from other resources", () => {
        const inputs = component.inputProperties;
        assert.deepEqual(Object.keys(inputs).sort(), ["apim", "backends", "cluster", "configurationBackup", "egressProxy", "features", "firewall", "gatewayAuth", "gatewayMajorVersion", "hostAliases", "probe"]);
        assert.equal(inputs.probe.$ref, ref("Probe"));
        assert.equal(type("Probe").properties?.enabled.plain, true);
        assert.equal(inputs.egressProxy.$ref, ref("EgressProxy"));
        assert.deepEqual(type("EgressProxy").required, ["address", "port"]);
        assert.deepEqual(component.requiredInputs, ["apim"]);
        assert.equal(inputs.apim.$ref, ref("ApimService"));
        assert.equal(inputs.firewall.$ref, ref("Firewall"));
        assert.equal(inputs.features.$ref, ref("Features"));
        assert.equal(inputs.cluster.$ref, ref("Cluster"));
        for (const name of ["apim", "firewall", "cluster", "features"]) {
            assert.equal(inputs[name].plain, undefined, name);
        }
        assert.deepEqual(inputs.backends, { type: "array", items: { $ref: ref("Backend") }, optional: true, description: inputs.backends.description });
        assert.equal(inputs.gatewayMajorVersion.type, "number");
    });

    it("SelfHostedGatewayEgress outputs: every stack output; the firewall's and the cluster's optional", () => {
        const outputs = component.properties;
        assert.deepEqual(Object.keys(outputs).sort(), [
            "changeRequest", "configurationAddress", "configurationHost", "egressMatrix", "egressPlan", "gatewayHelmValues", "networkPolicyName", "notEnforceableInCluster",
            "notes", "priority", "probeJobName", "probeScript", "ruleCollectionGroupId", "ruleCollectionGroupName", "ruleStyle",
        ]);
        assert.deepEqual([...component.required].sort(), ["changeRequest", "configurationAddress", "configurationHost", "egressMatrix", "egressPlan", "gatewayHelmValues", "notEnforceableInCluster", "notes", "probeScript"]);
        assert.equal(outputs.gatewayHelmValues.$ref, ref("GatewayHelmValues"));
        assert.deepEqual(type("HelmDeploymentValues").properties?.dns.$ref, ref("HelmDnsValues"));
        assert.deepEqual(outputs.changeRequest.items, { $ref: ref("RuleRow") });
        for (const name of ["ruleCollectionGroupId", "ruleCollectionGroupName", "networkPolicyName", "configurationHost", "configurationAddress", "ruleStyle", "egressMatrix", "probeScript", "probeJobName"]) {
            assert.equal(outputs[name].type, "string", name);
        }
        assert.equal(outputs.priority.type, "number");
        assert.deepEqual(outputs.egressPlan.items, { $ref: ref("FlowReport") });
        assert.deepEqual(outputs.notEnforceableInCluster.items, { $ref: ref("NotEnforceableFlow") });
        assert.deepEqual(outputs.notes.items, { type: "string" });
        const flowReport = type("FlowReport");
        assert.deepEqual(flowReport.required, ["clusterRules", "destination", "destinationKind", "feature", "firewallRule", "id", "ports", "protocol", "purpose", "reference", "required"]);
        assert.equal(flowReport.properties?.required.type, "boolean");
        assert.deepEqual(type("NotEnforceableFlow").required, ["flow", "reason"]);
    });

    it("GatewayEgressRuleCollectionGroup inputs and outputs: the policy, the gateways, the groups written", () => {
        assert.deepEqual(Object.keys(hub.inputProperties).sort(), ["firewall", "gateways"]);
        assert.deepEqual([...hub.requiredInputs].sort(), ["firewall", "gateways"]);
        assert.equal(hub.inputProperties.firewall.$ref, ref("FirewallPolicyTarget"));
        assert.deepEqual(hub.inputProperties.gateways.items, { $ref: ref("HubGateway") });
        // Small on purpose: a landing zone's state holds them at every deployment; the change
        // request of every gateway comes from `preview --hub`.
        assert.deepEqual(Object.keys(hub.properties).sort(), ["firstDeployWrites", "gateways", "instances", "notes", "ruleCollectionGroupIds", "ruleCollectionGroups"]);
        assert.deepEqual([...hub.required].sort(), Object.keys(hub.properties).sort());
        assert.deepEqual(hub.properties.ruleCollectionGroups.items, { $ref: ref("RuleCollectionGroupReport") });
        assert.deepEqual(hub.properties.gateways.items, { $ref: ref("HubGatewayReport") });
        assert.deepEqual(hub.properties.instances.items, { $ref: ref("HubInstanceReport") });
        assert.deepEqual(Object.keys(type("HubGatewayReport").properties ?? {}).sort(), ["apimServiceName", "configurationAddress", "name", "ruleCollectionGroup", "ruleStyle"]);
        assert.equal(hub.properties.firstDeployWrites.type, "number");
        const gateway = type("HubGateway");
        assert.deepEqual(Object.keys(gateway.properties ?? {}).sort(), ["apim", "backends", "configurationAddress", "features", "gatewayAuth", "name", "ruleStyle", "sourceAddresses", "sourceIpGroupIds"]);
        assert.deepEqual([...(gateway.required ?? [])].sort(), ["apim", "name"]);
    });

    it("nested args: the firewall policy target, shared by both components, with limits and sources", () => {
        const target = type("FirewallPolicyTarget");
        const targetKeys = [
            "allowWithoutDnsProxy", "maxGroupBytes", "maxRuleCollectionGroups", "minimumPrefixLength", "policyId", "policyName", "priority", "priorityRange",
            "resourceGroupName", "ruleCollectionGroupName", "serializeWrites",
        ];
        assert.deepEqual(Object.keys(target.properties ?? {}).sort(), targetKeys);
        const firewall = type("Firewall");
        assert.equal(firewall.type, "object");
        assert.deepEqual(Object.keys(firewall.properties ?? {}).sort(), [...targetKeys, "configurationAddress", "enabled", "ruleStyle", "sourceAddresses", "sourceIpGroupIds"].sort());
        assert.deepEqual(firewall.required, []);
        const p = firewall.properties ?? {};
        assert.deepEqual({ type: p.enabled.type, plain: p.enabled.plain }, { type: "boolean", plain: true });
        assert.equal(p.ruleStyle.$ref, ref("RuleStyle"));
        assert.equal(p.priorityRange.$ref, ref("PriorityRange"));
        assert.deepEqual(p.sourceAddresses.items, { type: "string" });
        assert.equal(p.priority.type, "number");
        assert.equal(p.serializeWrites.type, "boolean");
        assert.deepEqual(type("PriorityRange").required, ["end", "start"]);
        assert.deepEqual(type("ApimService").required, ["resourceGroupName", "serviceName"]);
        assert.deepEqual(type("Backend").required, ["name", "port"]);
        assert.deepEqual(Object.keys(type("Features").properties ?? {}).sort(), [
            "applicationInsights", "azureResourceManager", "entraId", "eventHubs", "externalCache", "imagePull", "localLogs", "openTelemetry", "statsd", "storage",
        ]);
    });

    it("nested args: the cluster, with plain enabled and flavor and label maps", () => {
        const cluster = type("Cluster");
        const p = cluster.properties ?? {};
        assert.deepEqual(cluster.required, []);
        assert.deepEqual({ type: p.enabled.type, plain: p.enabled.plain }, { type: "boolean", plain: true });
        assert.deepEqual({ $ref: p.flavor.$ref, plain: p.flavor.plain }, { $ref: ref("ClusterFlavor"), plain: true });
        assert.equal(p.namespace.plain, undefined);
        assert.deepEqual(p.podLabels.additionalProperties, { type: "string" });
        assert.deepEqual(p.dnsPodLabels.additionalProperties, { type: "string" });
        assert.deepEqual(p.allowNamedFlowsTo.items, { type: "string" });
    });

    it("enums: RuleStyle and ClusterFlavor with the runtime values and their docs", () => {
        for (const [name, runtime] of [["RuleStyle", RuleStyle], ["ClusterFlavor", ClusterFlavor]] as const) {
            const t = type(name);
            assert.equal(t.type, "string");
            assert.deepEqual(t.enum?.map((e) => [e.name, e.value]), Object.entries(runtime), name);
            assert.ok(t.enum?.every((e) => (e.description ?? "").length > 0), `${name} members lost their JSDoc`);
        }
    });

    it("the JSDoc of the args and outputs becomes the descriptions", () => {
        for (const resource of [component, hub]) {
            for (const [name, p] of [...Object.entries(resource.inputProperties), ...Object.entries(resource.properties)]) {
                assert.ok((p.description ?? "").trim().length > 0, `${name} has no description`);
            }
        }
        assert.equal(component.inputProperties.firewall.description, "The existing Azure Firewall Policy that receives the rule collection group. Optional only with `enabled: false`.");
        assert.match(type("Firewall").properties?.policyName.description ?? "", /^Name of the firewall policy/);
    });

    it("every reference resolves to a type of the package, and nothing depends on other packages' types", () => {
        const refs: string[] = [];
        const walk = (value: unknown): void => {
            if (Array.isArray(value)) {
                value.forEach(walk);
            } else if (typeof value === "object" && value !== null) {
                for (const [key, v] of Object.entries(value)) {
                    if (key === "$ref" && typeof v === "string") {
                        refs.push(v);
                    }
                    walk(v);
                }
            }
        };
        walk(schema.resources);
        walk(schema.types);
        assert.ok(refs.length > 10);
        for (const r of refs) {
            assert.ok(r.startsWith("#/types/") && schema.types[r.slice("#/types/".length)], `dangling reference ${r}`);
        }
        assert.deepEqual(schema.dependencies, []);
    });

    // What the Node.js plugin host does for a Python, Go, C#, Java or YAML program: the engine's
    // inputs are deserialized by the SDK's own `deserializeInputs`, which wraps every top-level
    // input that depends on a resource in an Output, and handed to `ComponentProvider.construct`.
    describe("construct, as the plugin host runs it for other languages", () => {
        const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
        const registered: { type: string; name: string; inputs: Record<string, unknown>; dependsOn?: string[] }[] = [];
        const policyId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub";
        // A deserializeInputs of the SDK, not in its typings: inputs as the engine sent them, and the URNs each depends on.
        const { deserializeInputs } = require("@pulumi/pulumi/provider/server") as { // eslint-disable-line @typescript-eslint/no-require-imports
            deserializeInputs(struct: { toJavaScript(): unknown }, dependencies: Map<string, { getUrnsList(): string[] }>): Promise<Record<string, unknown>>;
        };
        const fromEngine = (inputs: Record<string, unknown>, dependsOn: Record<string, string>) =>
            deserializeInputs({ toJavaScript: () => inputs }, new Map(Object.entries(dependsOn).map(([k, urn]) => [k, { getUrnsList: () => [urn] }])));
        const dependencies = new Map<string, Promise<string[]>>();
        let outputs: Record<string, unknown>[];

        before(async function () {
            this.timeout(60000);
            await pulumi.runtime.setMocks({
                newResource: (r) => {
                    registered.push({ type: r.type, name: r.name, inputs: r.inputs });
                    return { id: `${r.name}-id`, state: r.inputs };
                },
                call: (c) => (c.token === CLIENT_CONFIG_TOKEN ? { subscriptionId: "11111111-2222-3333-4444-555555555555" } : unmaskedExample()),
            }, "yaml-consumer", "dev", false);
            resetPolicyLedger();
            const record: pulumi.ResourceTransformation = (t) => {
                if (t.type === RCG) {
                    dependencies.set(t.name, Promise.all(([] as unknown[]).concat(t.opts.dependsOn ?? []).map((d) => (pulumi.Output.isInstance(d) ? settle(d) : Promise.resolve(d))))
                        .then((deps) => deps.flat().map((d) => (d as { __name: string }).__name)));
                }
                return undefined;
            };
            const namespaceUrn = "urn:pulumi:dev::yaml-consumer::kubernetes:core/v1:Namespace::gateway";
            const policyUrn = "urn:pulumi:dev::yaml-consumer::azure-native:network:FirewallPolicy::hub";
            const site = await provider.construct("site", TYPE_TOKEN, await fromEngine({
                apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" },
                firewall: { policyId, sourceAddresses: ["10.80.0.0/24"] },
                cluster: { namespace: "apim-gateway-x7f3", flavor: "openshift", namespaceIsDedicated: true },
            }, { firewall: policyUrn, cluster: namespaceUrn }), { transformations: [record] });
            const hubResult = await provider.construct("hub", HUB_TYPE_TOKEN, await fromEngine({
                firewall: { policyId },
                gateways: [{ name: "berlin", apim: { resourceGroupName: "rg-apim", serviceName: "apimservice1" }, sourceAddresses: ["10.81.0.0/24"] }],
            }, { firewall: policyUrn, gateways: policyUrn }), { transformations: [record] });
            outputs = await Promise.all([site, hubResult].map(async (r) => Object.fromEntries(await Promise.all(Object.entries(r.state).map(async ([k, v]) => [k, pulumi.Output.isInstance(v) ? await settle(v) : v])))));
        });

        it("receives firewall, cluster and gateways as Outputs, as the plugin host hands them over", async () => {
            const inputs = await fromEngine({ cluster: { namespace: "x" } }, { cluster: "urn:pulumi:dev::p::kubernetes:core/v1:Namespace::ns" });
            assert.equal(pulumi.Output.isInstance(inputs.cluster), true);
        });

        it("registers the site's rule collection group, NetworkPolicy and EgressFirewall, in the namespace from the Output", () => {
            const site = registered.filter((r) => r.name === "site" && r.type !== TYPE_TOKEN);
            assert.deepEqual(site.map((r) => r.type).sort(), [RCG, "kubernetes:k8s.ovn.org/v1:EgressFirewall", "kubernetes:networking.k8s.io/v1:NetworkPolicy"]);
            assert.equal((site.find((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")?.inputs.metadata as { namespace: string }).namespace, "apim-gateway-x7f3");
        });

        it("registers the hub's one group, chained after the site's on the same policy, with distinct priorities", async () => {
            const groups = registered.filter((r) => r.type === RCG);
            assert.deepEqual(groups.map((g) => [g.name, g.inputs.firewallPolicyName, g.inputs.priority]), [["site", "fwpol-hub", 300], ["hub", "fwpol-hub", 310]]);
            assert.deepEqual(await dependencies.get("hub"), ["site"]);
            assert.deepEqual(await dependencies.get("site"), []);
        });

        it("returns every output of the schema in the construct result", () => {
            assert.deepEqual(Object.keys(outputs[0]).sort(), Object.keys(component.properties).sort());
            assert.deepEqual(Object.keys(outputs[1]).sort(), Object.keys(hub.properties).sort());
            assert.equal(outputs[0].ruleCollectionGroupName, "site");
            assert.equal(outputs[1].firstDeployWrites, 1);
        });
    });

    // The options and hub files' JSON Schemas come from this same schema (scripts/optionsSchema.ts).
    describe("the options files' JSON Schemas (schema/*.schema.json)", () => {
        const ajv = new Ajv({ strict: false, allErrors: true });
        const committed = (file: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, file), "utf8")) as Record<string, unknown>;

        for (const { token, file, title, rootRequired } of Object.values(SCHEMA_FILES)) {
            it(`${file} is what npm run build generates from args.ts`, () => {
                assert.equal(schemaText(committed(file)), schemaText(toJsonSchema(schema, token, title, rootRequired)), `${file} is stale: run npm run build`);
            });
        }

        it("validates examples/options.yaml, and the example names its schema for editors", () => {
            const text = fs.readFileSync(path.join(repoRoot, "examples", "options.yaml"), "utf8");
            assert.ok(text.startsWith("# yaml-language-server: $schema=../schema/options.schema.json\n"));
            const validate = ajv.compile(committed(SCHEMA_FILES.options.file));
            assert.equal(validate(parseYaml(text)), true, JSON.stringify(validate.errors));
        });

        it("rejects an unknown key, at any depth", () => {
            const validate = ajv.compile(committed(SCHEMA_FILES.options.file));
            const example = parseYaml(fs.readFileSync(path.join(repoRoot, "examples", "options.yaml"), "utf8")) as Record<string, Record<string, unknown>>;
            assert.equal(validate({ ...example, firewall: { ...example.firewall, priorty: 300 } }), false);
            assert.deepEqual(validate.errors?.map((e) => [e.instancePath, e.params]), [["/firewall", { additionalProperty: "priorty" }]]);
        });

        it("validates the landing-zone example's hub file", () => {
            const validate = ajv.compile(committed(SCHEMA_FILES.hub.file));
            assert.equal(validate(parseYaml(fs.readFileSync(path.join(repoRoot, "examples", "landing-zone", "hub.yaml"), "utf8"))), true, JSON.stringify(validate.errors));
        });
    });
});
