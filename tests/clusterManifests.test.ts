// Every cluster manifest the component emits, checked against the real schemas the cluster
// applies (kubernetes-models for networking.k8s.io/v1 NetworkPolicy, @kubernetes-models/cilium
// for cilium.io/v2 CiliumNetworkPolicy, the OVN-Kubernetes CRD for k8s.ovn.org/v1
// EgressFirewall), then against what those schemas miss: CIDRs with host bits, ports out of
// range, inverted ranges, the EgressFirewall name and rule limit, and stray allow-alls.
// Pipeline under test: normalizeApim(doc) -> buildEgressPlan(facts, options) -> renderClusterPolicy.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv, { ValidateFunction } from "ajv";
import * as ipaddr from "ipaddr.js";
import { parseAllDocuments } from "yaml";
import { normalizeApim } from "../components/apimFacts";
import { BROAD_EGRESS_ANNOTATION, ClusterRendering, Manifest, renderClusterPolicy } from "../components/clusterPolicy";
import { buildEgressPlan, EgressPlan } from "../components/egressPlan";
import { ClusterOptions, Options, resolveOptions } from "../components/options";
import { DestinationKind } from "../components/peers";
import { richArgs } from "./helpers";

// ---- schema validators ----

// Tests compile to dist/tests/: the repository root is two levels up. The CRD is a copy of
// shared/schemas/egressfirewall-crd.yaml, so that a clone alone runs the tests.
const CRD_PATH = path.join(__dirname, "..", "..", "tests", "fixtures", "egressfirewall-crd.yaml");

interface Validatable {
    validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

// kubernetes-models and @kubernetes-models/cilium are ES modules exported for `import` only;
// TypeScript's CommonJS output would turn `import()` into `require()`, so keep a real one.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

let NetworkPolicyModel: ModelClass;
let CiliumNetworkPolicyModel: ModelClass;
let egressFirewallSchema: ValidateFunction;
let egressFirewallClosedSchema: ValidateFunction;

/** Every object schema with `properties` made closed, as the API server prunes undeclared fields (metadata excepted). */
function closeObjects(schema: unknown): unknown {
    if (Array.isArray(schema)) {
        return schema.map(closeObjects);
    }
    if (typeof schema !== "object" || schema === null) {
        return schema;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
        if (key === "properties") {
            const properties: Record<string, unknown> = {};
            for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
                properties[name] = name === "metadata" ? child : closeObjects(child);
            }
            copy[key] = properties;
        } else {
            copy[key] = closeObjects(value);
        }
    }
    if ("properties" in copy && !("additionalProperties" in copy)) {
        copy.additionalProperties = false;
    }
    return copy;
}

function loadEgressFirewallSchema(): unknown {
    const crd = parseAllDocuments(fs.readFileSync(CRD_PATH, "utf8"))
        .map((d) => d.toJS() as { kind?: string; spec?: { names?: { kind?: string }; versions?: { name: string; schema: { openAPIV3Schema: unknown } }[] } })
        .find((d) => d?.kind === "CustomResourceDefinition" && d.spec?.names?.kind === "EgressFirewall");
    assert.ok(crd, `no EgressFirewall CustomResourceDefinition in ${CRD_PATH}`);
    const v1 = crd.spec?.versions?.find((v) => v.name === "v1");
    assert.ok(v1, "the EgressFirewall CRD serves no v1");
    return v1.schema.openAPIV3Schema;
}

function newAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true });
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    return ajv;
}

function withDetails(what: string, error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    assert.fail(`${what}: ${message}`);
}

/** Throws, naming the manifest, when the cluster's schema for its kind rejects it. */
function assertSchemaValid(m: Manifest): void {
    const what = `${m.kind}/${m.metadata.name}`;
    switch (m.kind) {
        case "NetworkPolicy":
            try {
                new NetworkPolicyModel(m).validate();
            } catch (e) {
                withDetails(`${what} fails networking.k8s.io/v1 NetworkPolicy`, e);
            }
            return;
        case "CiliumNetworkPolicy":
            try {
                new CiliumNetworkPolicyModel(m).validate();
            } catch (e) {
                withDetails(`${what} fails cilium.io/v2 CiliumNetworkPolicy`, e);
            }
            return;
        case "EgressFirewall":
            assert.equal(m.apiVersion, "k8s.ovn.org/v1", `${what}: apiVersion`);
            if (!egressFirewallSchema(m)) {
                assert.fail(`${what} fails the EgressFirewall CRD: ${newAjv().errorsText(egressFirewallSchema.errors)}`);
            }
            if (!egressFirewallClosedSchema(m)) {
                assert.fail(`${what} holds fields the EgressFirewall CRD does not declare (the API server prunes them): ${newAjv().errorsText(egressFirewallClosedSchema.errors)}`);
            }
            return;
        default:
            assert.fail(`${what}: no schema known for kind ${m.kind}`);
    }
}

// ---- semantic checks the schemas miss ----

const MAX_EGRESS_FIREWALL_RULES = 8000;
const ALL_IPV4 = "0.0.0.0/0";

/** Why a value is not an IPv4 CIDR with its host bits zero, or undefined when it is one. */
function cidrProblem(value: unknown): string | undefined {
    if (typeof value !== "string") {
        return `${JSON.stringify(value)} is not a string`;
    }
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(value);
    if (!match || !ipaddr.IPv4.isValidFourPartDecimal(match[1]) || Number(match[2]) > 32) {
        return `"${value}" is not an IPv4 CIDR`;
    }
    const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
    return network === match[1] ? undefined : `"${value}" has host bits set (network ${network}/${match[2]})`;
}

function portProblem(port: unknown, endPort: unknown): string | undefined {
    const valid = (p: unknown) => typeof p === "number" && Number.isInteger(p) && p >= 1 && p <= 65535;
    if (!valid(port)) {
        return `port ${JSON.stringify(port)} is not 1-65535`;
    }
    if (endPort === undefined) {
        return undefined;
    }
    if (!valid(endPort)) {
        return `endPort ${JSON.stringify(endPort)} is not 1-65535`;
    }
    return (endPort as number) < (port as number) ? `endPort ${String(endPort)} < port ${String(port)}` : undefined;
}

interface NpPeer {
    podSelector?: { matchLabels?: Record<string, string> };
    namespaceSelector?: { matchLabels?: Record<string, string> };
    ipBlock?: { cidr: string; except?: string[] };
}
interface NpPort {
    protocol: string;
    port: number;
    endPort?: number;
}
interface NpRule {
    to?: NpPeer[];
    from?: NpPeer[];
    ports?: NpPort[];
}
interface NpSpec {
    podSelector: { matchLabels?: Record<string, string> };
    policyTypes: string[];
    ingress: NpRule[];
    egress: NpRule[];
}
interface EfRule {
    type: string;
    to: { cidrSelector?: string; dnsName?: string };
    ports?: { protocol: string; port: number }[];
}
interface EfSpec {
    egress: EfRule[];
}
interface CnpPortRule {
    ports?: { port: string; endPort?: number; protocol: string }[];
    rules?: { dns?: { matchName?: string; matchPattern?: string }[] };
}
interface CnpRule {
    toCIDR?: string[];
    toCIDRSet?: { cidr: string }[];
    toFQDNs?: { matchName?: string; matchPattern?: string }[];
    toEndpoints?: { matchLabels?: Record<string, string> }[];
    toPorts?: CnpPortRule[];
}
interface CnpSpec {
    endpointSelector: { matchLabels?: Record<string, string> };
    egress: CnpRule[];
}

function specOf<T>(m: Manifest): T {
    return m.spec as unknown as T;
}

/** Problems the schemas do not see, one line each; empty when the manifest is sound. */
function semanticProblems(m: Manifest, cluster: ClusterOptions): string[] {
    const problems: string[] = [];
    const what = `${m.kind}/${m.metadata.name}`;
    const allowAllAsked = cluster.allowNamedFlowsTo.includes(ALL_IPV4);
    const cidr = (at: string, value: unknown, allows: boolean) => {
        const problem = cidrProblem(value);
        if (problem) {
            problems.push(`${what} ${at}: ${problem}`);
        }
        if (allows && value === ALL_IPV4 && !allowAllAsked) {
            problems.push(`${what} ${at}: allows ${ALL_IPV4} although cluster.allowNamedFlowsTo does not ask for it`);
        }
    };
    const port = (at: string, p: unknown, endPort: unknown) => {
        const problem = portProblem(p, endPort);
        if (problem) {
            problems.push(`${what} ${at}: ${problem}`);
        }
    };
    switch (m.kind) {
        case "NetworkPolicy": {
            const spec = specOf<NpSpec>(m);
            for (const [direction, rules] of [["egress", spec.egress ?? []], ["ingress", spec.ingress ?? []]] as const) {
                rules.forEach((rule, i) => {
                    [...(rule.to ?? []), ...(rule.from ?? [])].forEach((peer, j) => {
                        if (peer.ipBlock) {
                            cidr(`${direction}[${i}] peer[${j}].ipBlock.cidr`, peer.ipBlock.cidr, true);
                            (peer.ipBlock.except ?? []).forEach((e, k) => cidr(`${direction}[${i}] peer[${j}].ipBlock.except[${k}]`, e, false));
                        }
                    });
                    (rule.ports ?? []).forEach((p, j) => port(`${direction}[${i}].ports[${j}]`, p.port, p.endPort));
                });
            }
            break;
        }
        case "EgressFirewall": {
            const spec = specOf<EfSpec>(m);
            if (m.metadata.name !== "default") {
                problems.push(`${what}: an EgressFirewall must be named "default"`);
            }
            if (spec.egress.length > MAX_EGRESS_FIREWALL_RULES) {
                problems.push(`${what}: ${spec.egress.length} rules, more than the ${MAX_EGRESS_FIREWALL_RULES} an EgressFirewall may hold`);
            }
            spec.egress.forEach((rule, i) => {
                if (rule.to.cidrSelector !== undefined) {
                    cidr(`egress[${i}].to.cidrSelector`, rule.to.cidrSelector, rule.type === "Allow");
                }
                (rule.ports ?? []).forEach((p, j) => port(`egress[${i}].ports[${j}]`, p.port, undefined));
            });
            break;
        }
        case "CiliumNetworkPolicy": {
            const spec = specOf<CnpSpec>(m);
            spec.egress.forEach((rule, i) => {
                (rule.toCIDR ?? []).forEach((c, j) => cidr(`egress[${i}].toCIDR[${j}]`, c, true));
                (rule.toCIDRSet ?? []).forEach((c, j) => cidr(`egress[${i}].toCIDRSet[${j}].cidr`, c.cidr, true));
                (rule.toPorts ?? []).forEach((tp, j) =>
                    (tp.ports ?? []).forEach((p, k) => {
                        const at = `egress[${i}].toPorts[${j}].ports[${k}]`;
                        if (!/^\d+$/.test(p.port)) {
                            problems.push(`${what} ${at}: port ${JSON.stringify(p.port)} is not a port number`);
                        } else {
                            port(at, Number(p.port), p.endPort);
                        }
                    }),
                );
            });
            break;
        }
        default:
            problems.push(`${what}: unexpected kind ${m.kind}`);
    }
    return problems;
}

// ---- the instance and the options ----

const VIP = "10.40.1.5";
const CONFIGURATION_HOST = "contoso-apim.configuration.azure-api.net";

/** An Internal-mode Premium instance as the REST GET returns it, with real addresses. */
function apimDocument(): Record<string, unknown> {
    return {
        id: "/subscriptions/6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a5b/resourceGroups/rg-apim/providers/Microsoft.ApiManagement/service/contoso-apim",
        name: "contoso-apim",
        type: "Microsoft.ApiManagement/service",
        location: "West Europe",
        sku: { name: "Premium", capacity: 1 },
        properties: {
            provisioningState: "Succeeded",
            gatewayUrl: "https://contoso-apim.azure-api.net",
            gatewayRegionalUrl: "https://contoso-apim-westeurope-01.regional.azure-api.net",
            managementApiUrl: "https://contoso-apim.management.azure-api.net",
            hostnameConfigurations: [{ type: "Proxy", hostName: "contoso-apim.azure-api.net", certificateSource: "BuiltIn" }],
            publicIPAddresses: ["20.61.12.34"],
            privateIPAddresses: [VIP],
            virtualNetworkType: "Internal",
            platformVersion: "stv2",
        },
    };
}

function minimalArgs(flavor: string, cluster: Record<string, unknown> = {}): Record<string, unknown> {
    const args = richArgs(flavor, cluster);
    delete args.features;
    delete args.backends;
    return args;
}

/** The rich options plus in-cluster peers (a backend, the cache) and local telemetry in and outside the cluster. */
function inClusterArgs(flavor: string, cluster: Record<string, unknown> = {}, proxied = false): Record<string, unknown> {
    const args = richArgs(flavor, cluster) as { features: Record<string, unknown>; backends: Record<string, unknown>[]; firewall: Record<string, unknown> } & Record<string, unknown>;
    args.features.externalCache = { enabled: true, inCluster: { namespace: "cache", podLabels: { "app.kubernetes.io/name": "redis" } }, port: 6379 };
    args.features.openTelemetry = { enabled: true, collectorUri: "http://otel-collector.observability:4317", inCluster: { namespace: "observability" } };
    args.features.statsd = { enabled: true, endpoint: "udp://statsd.monitoring:8125", inCluster: { namespace: "monitoring", podLabels: { app: "statsd" } } };
    args.features.localLogs = { enabled: true, type: "rfc5424", endpoint: "10.70.0.20:514", address: "10.70.0.20" };
    args.backends.push({ name: "catalog", inCluster: { namespace: "shop", podLabels: { app: "catalog", tier: "api" } }, port: 8080, endPort: 8081 });
    if (proxied) {
        // Beside a proxy only in-cluster peers and TCP flows outside the cluster are accepted.
        delete args.features.localLogs;
        args.backends = args.backends.filter((b) => b.protocol !== "UDP");
        args.egressProxy = { address: "10.70.0.10", port: 3128 };
        delete args.firewall.sourceAddresses;
    }
    return args;
}

interface Rendered {
    readonly options: Options;
    readonly plan: EgressPlan;
    readonly rendering: ClusterRendering;
}

function render(args: Record<string, unknown>): Rendered {
    const options = resolveOptions("apim-egress", args);
    const plan = buildEgressPlan(normalizeApim(apimDocument()), options);
    return { options, plan, rendering: renderClusterPolicy(plan, options.cluster, options.egressProxy) };
}

function only(r: Rendered, kind: string): Manifest {
    const found = r.rendering.manifests.filter((m) => m.kind === kind);
    assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
    return found[0];
}

const GATEWAY_POD_LABELS = { "app.kubernetes.io/component": "self-hosted-gateway", "app.kubernetes.io/instance": "azure-api-management-gateway" };

function portsOf(rule: { ports?: NpPort[] }): string[] {
    return (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}`).sort();
}

const isSelf = (peer: NpPeer) => peer.namespaceSelector === undefined && peer.ipBlock === undefined
    && JSON.stringify(peer.podSelector?.matchLabels) === JSON.stringify(GATEWAY_POD_LABELS);

// ---- the specs ----

describe("cluster manifests against real schemas", () => {
    before(async () => {
        assert.ok(fs.existsSync(CRD_PATH), `the EgressFirewall CRD is missing at ${CRD_PATH}`);
        NetworkPolicyModel = (await importEsm("kubernetes-models/networking.k8s.io/v1/NetworkPolicy")).NetworkPolicy as ModelClass;
        CiliumNetworkPolicyModel = (await importEsm("@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy")).CiliumNetworkPolicy as ModelClass;
        assert.equal(typeof NetworkPolicyModel, "function");
        assert.equal(typeof CiliumNetworkPolicyModel, "function");
        const schema = loadEgressFirewallSchema();
        egressFirewallSchema = newAjv().compile(schema as object);
        egressFirewallClosedSchema = newAjv().compile(closeObjects(schema) as object);
    });

    describe("the validators themselves", () => {
        it("the NetworkPolicy schema rejects an endPort given as a string", () => {
            const np = structuredClone(only(render(richArgs("kubernetes")), "NetworkPolicy")) as Manifest;
            const rule = specOf<NpSpec>(np).egress.find((r) => r.ports?.some((p) => p.endPort !== undefined));
            assert.ok(rule?.ports, "the rich options render a port range");
            (rule.ports[0] as unknown as Record<string, unknown>).endPort = "8450";
            assert.throws(() => assertSchemaValid(np), /endPort/);
        });

        it("the CiliumNetworkPolicy schema rejects a numeric port and a wildcard matchName", () => {
            const cnp = structuredClone(only(render(richArgs("cilium")), "CiliumNetworkPolicy")) as Manifest;
            const numeric = structuredClone(cnp) as Manifest;
            (specOf<CnpSpec>(numeric).egress[1].toPorts?.[0].ports?.[0] as unknown as Record<string, unknown>).port = 443;
            assert.throws(() => assertSchemaValid(numeric), /port/);
            const wildcard = structuredClone(cnp) as Manifest;
            specOf<CnpSpec>(wildcard).egress[1] = { toFQDNs: [{ matchName: "*.data.mcr.microsoft.com" }] };
            assert.throws(() => assertSchemaValid(wildcard), /matchName/);
        });

        it("the EgressFirewall CRD rejects a wildcard dnsName, two targets in one rule, and a lowercase protocol", () => {
            const ef = only(render(richArgs("openshift")), "EgressFirewall");
            const mutate = (change: (rules: EfRule[]) => void) => {
                const copy = structuredClone(ef) as Manifest;
                change(specOf<EfSpec>(copy).egress);
                return copy;
            };
            assert.throws(() => assertSchemaValid(mutate((r) => { r[0].to = { dnsName: "*.data.mcr.microsoft.com" }; })), /dnsName/);
            assert.throws(() => assertSchemaValid(mutate((r) => { r[0].to = { cidrSelector: `${VIP}/32`, dnsName: CONFIGURATION_HOST }; })), /to/);
            assert.throws(() => assertSchemaValid(mutate((r) => { r[0].ports = [{ protocol: "tcp", port: 443 }]; })), /protocol/);
        });

        it("the EgressFirewall check refuses fields the CRD would prune", () => {
            const ef = structuredClone(only(render(richArgs("openshift")), "EgressFirewall")) as Manifest;
            (specOf<EfSpec>(ef).egress[0] as unknown as Record<string, unknown>).action = "Allow";
            assert.throws(() => assertSchemaValid(ef), /prunes/);
        });

        it("the semantic check flags host bits, port 0, an inverted range, a wrong name, too many rules and a stray 0.0.0.0/0", () => {
            const cluster = render(richArgs("openshift")).options.cluster;
            const np = structuredClone(only(render(richArgs("openshift")), "NetworkPolicy")) as Manifest;
            const npSpec = specOf<NpSpec>(np);
            npSpec.egress.push({ to: [{ ipBlock: { cidr: "10.60.0.1/24" } }], ports: [{ protocol: "TCP", port: 0 }] });
            npSpec.egress.push({ to: [{ ipBlock: { cidr: ALL_IPV4 } }], ports: [{ protocol: "TCP", port: 9000, endPort: 8999 }] });
            const npProblems = semanticProblems(np, cluster).join("\n");
            assert.match(npProblems, /host bits/);
            assert.match(npProblems, /port 0 is not 1-65535/);
            assert.match(npProblems, /endPort 8999 < port 9000/);
            assert.match(npProblems, /allows 0\.0\.0\.0\/0/);

            const ef = structuredClone(only(render(richArgs("openshift")), "EgressFirewall")) as Manifest;
            (ef.metadata as { name: string }).name = "gateway";
            const rules = specOf<EfSpec>(ef).egress;
            while (rules.length <= MAX_EGRESS_FIREWALL_RULES) {
                rules.unshift({ type: "Allow", to: { cidrSelector: `${VIP}/32` }, ports: [{ protocol: "TCP", port: 443 }] });
            }
            const efProblems = semanticProblems(ef, cluster).join("\n");
            assert.match(efProblems, /must be named "default"/);
            assert.match(efProblems, /more than the 8000/);
        });
    });

    const variants: { name: string; args: Record<string, unknown> }[] = [
        { name: "kubernetes, every feature", args: richArgs("kubernetes") },
        { name: "kubernetes, no optional flow", args: minimalArgs("kubernetes") },
        { name: "kubernetes, named flows to Azure ranges, custom pod labels and ingress namespaces", args: richArgs("kubernetes", { allowNamedFlowsTo: ["13.64.0.0/11", "20.33.0.0/16"], podLabels: { app: "apim-gateway" }, ingressNamespaces: ["ingress-nginx", "monitoring"] }) },
        { name: "kubernetes, named flows left to the Azure Firewall (0.0.0.0/0)", args: richArgs("kubernetes", { allowNamedFlowsTo: [ALL_IPV4] }) },
        { name: "openshift, every feature", args: richArgs("openshift") },
        { name: "openshift, no optional flow", args: minimalArgs("openshift") },
        { name: "openshift, no final deny", args: richArgs("openshift", { denyAllOtherEgress: false }) },
        { name: "openshift, named flows left to the Azure Firewall (0.0.0.0/0)", args: richArgs("openshift", { allowNamedFlowsTo: [ALL_IPV4] }) },
        { name: "cilium, every feature", args: richArgs("cilium") },
        { name: "cilium, no optional flow", args: minimalArgs("cilium") },
        { name: "cilium, custom DNS pods", args: richArgs("cilium", { dnsNamespace: "dns-system", dnsPodLabels: { "app.kubernetes.io/name": "coredns" } }) },
        { name: "kubernetes, in-cluster peers and local telemetry", args: inClusterArgs("kubernetes") },
        { name: "openshift, in-cluster peers and local telemetry", args: inClusterArgs("openshift") },
        { name: "cilium, in-cluster peers and local telemetry", args: inClusterArgs("cilium") },
        { name: "kubernetes, in-cluster peers beside a proxy", args: inClusterArgs("kubernetes", {}, true) },
        { name: "openshift, in-cluster peers beside a proxy", args: inClusterArgs("openshift", {}, true) },
        { name: "cilium, in-cluster peers beside a proxy", args: inClusterArgs("cilium", {}, true) },
    ];

    describe("every emitted manifest passes its cluster schema", () => {
        for (const variant of variants) {
            it(variant.name, () => {
                const { rendering } = render(variant.args);
                assert.ok(rendering.manifests.length > 0, "no manifest rendered");
                rendering.manifests.forEach(assertSchemaValid);
            });
        }
    });

    describe("every emitted manifest passes the semantic checks", () => {
        for (const variant of variants) {
            it(variant.name, () => {
                const { options, rendering } = render(variant.args);
                assert.deepEqual(rendering.manifests.flatMap((m) => semanticProblems(m, options.cluster)), []);
            });
        }
    });

    describe("flavor kubernetes", () => {
        const rendered = () => render(richArgs("kubernetes"));

        it("emits a NetworkPolicy only", () => {
            assert.deepEqual(rendered().rendering.manifests.map((m) => `${m.apiVersion} ${m.kind}`), ["networking.k8s.io/v1 NetworkPolicy"]);
        });

        it("selects the gateway pods by the chart's labels and isolates ingress and egress", () => {
            const spec = specOf<NpSpec>(only(rendered(), "NetworkPolicy"));
            assert.deepEqual(spec.podSelector, { matchLabels: GATEWAY_POD_LABELS });
            assert.deepEqual([...spec.policyTypes].sort(), ["Egress", "Ingress"]);
        });

        it("allows DNS on UDP and TCP 53 to kube-dns in kube-system", () => {
            const spec = specOf<NpSpec>(only(rendered(), "NetworkPolicy"));
            const dns = spec.egress.filter((r) => r.to?.some((p) => p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "kube-system" && p.podSelector?.matchLabels?.["k8s-app"] === "kube-dns"));
            assert.equal(dns.length, 1);
            assert.deepEqual(portsOf(dns[0]), ["TCP/53", "UDP/53"]);
        });

        it("allows the configuration VIP as <VIP>/32 on TCP 443", () => {
            const spec = specOf<NpSpec>(only(rendered(), "NetworkPolicy"));
            const vip = spec.egress.filter((r) => r.to?.some((p) => p.ipBlock?.cidr === `${VIP}/32`));
            assert.equal(vip.length, 1);
            assert.deepEqual(portsOf(vip[0]), ["TCP/443"]);
        });

        it("keeps a backend's port range as port and endPort", () => {
            const spec = specOf<NpSpec>(only(rendered(), "NetworkPolicy"));
            const orders = spec.egress.find((r) => r.to?.some((p) => p.ipBlock?.cidr === "10.60.0.0/24"));
            assert.deepEqual(orders?.ports, [{ protocol: "TCP", port: 8443, endPort: 8450 }]);
        });

        it("allows no address it was not given: every ipBlock is a flow's CIDR", () => {
            const { plan, rendering } = rendered();
            const flowCidrs = plan.flows.filter((f) => f.destination.kind === DestinationKind.Cidr).map((f) => f.destination.value).sort();
            const ipBlocks = specOf<NpSpec>(rendering.manifests[0]).egress.flatMap((r) => r.to ?? []).flatMap((p) => (p.ipBlock ? [p.ipBlock.cidr] : [])).sort();
            assert.deepEqual(ipBlocks, flowCidrs);
        });

        it("lists every name-only pod flow as not enforceable when allowNamedFlowsTo is empty", () => {
            const { plan, rendering } = rendered();
            const named = plan.flows.filter((f) => f.destination.kind === DestinationKind.Fqdn && f.resolvesTo === undefined && !f.fromNodes).map((f) => f.id).sort();
            assert.ok(named.length > 0);
            assert.deepEqual(rendering.notEnforceable.map((n) => n.flow).sort(), named);
        });

        it("lets the configuration host travel on its VIP's ipBlock rule", () => {
            const { rendering } = rendered();
            assert.equal(rendering.notEnforceable.some((n) => n.flow === "configuration-host"), false);
            const vipRule = specOf<NpSpec>(rendering.manifests[0]).egress.findIndex((r) => r.to?.some((p) => p.ipBlock?.cidr === `${VIP}/32`));
            assert.ok((rendering.enforcedBy["configuration-host"] ?? []).some((w) => w.startsWith(`NetworkPolicy/apim-egress/egress[${vipRule}]`)));
        });

        it("opens each named flow on its own ports, in a rule of its own, to allowNamedFlowsTo 0.0.0.0/0 when asked", () => {
            const { plan, rendering } = render(richArgs("kubernetes", { allowNamedFlowsTo: [ALL_IPV4] }));
            const spec = specOf<NpSpec>(rendering.manifests[0]);
            const open = spec.egress.filter((r) => r.to?.some((p) => p.ipBlock?.cidr === ALL_IPV4));
            const named = plan.flows.filter((f) => f.destination.kind === DestinationKind.Fqdn && !f.fromNodes);
            assert.deepEqual(open.map(portsOf), named.map((f) => f.ports.map((p) => `${p.protocol}/${p.port}${p.endPort ? `-${p.endPort}` : ""}`)));
            assert.ok(open.some((r) => portsOf(r).join() === "TCP/5671-5672"), "the Event Hubs AMQP flow keeps its ports, apart from HTTPS");
        });

        it("marks a NetworkPolicy that opens 0.0.0.0/0 with the broad-egress annotation naming who narrows it", () => {
            const { rendering } = render(richArgs("kubernetes", { allowNamedFlowsTo: [ALL_IPV4] }));
            assert.deepEqual(rendering.manifests[0].metadata.annotations, {
                [BROAD_EGRESS_ANNOTATION]: "cluster.allowNamedFlowsTo asks for 0.0.0.0/0: each named flow on its own ports, narrowed by the Azure Firewall",
            });
        });

        it("puts no annotation on a NetworkPolicy that names its destinations", () => {
            assert.equal(rendered().rendering.manifests[0].metadata.annotations, undefined);
        });
    });

    describe("flavor openshift", () => {
        const rendered = () => render(richArgs("openshift"));
        const networkPolicy = () => specOf<NpSpec>(only(rendered(), "NetworkPolicy"));
        const egressFirewall = () => only(rendered(), "EgressFirewall");

        it("emits a NetworkPolicy and an EgressFirewall", () => {
            assert.deepEqual(rendered().rendering.manifests.map((m) => `${m.apiVersion} ${m.kind}`), ["networking.k8s.io/v1 NetworkPolicy", "k8s.ovn.org/v1 EgressFirewall"]);
        });

        it("refuses a namespace not declared dedicated to the gateway", () => {
            assert.throws(() => render(richArgs("openshift", { namespaceIsDedicated: false })), /cluster\.namespaceIsDedicated/);
        });

        it("NetworkPolicy egress allows DNS on UDP 5353 to namespace openshift-dns", () => {
            const dns = networkPolicy().egress.filter((r) => r.to?.some((p) => p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "openshift-dns"));
            assert.equal(dns.length, 1);
            assert.ok(portsOf(dns[0]).includes("UDP/5353"), `DNS ports: ${portsOf(dns[0]).join(", ")}`);
        });

        it("NetworkPolicy egress allows UDP 4290 and 4291 to the gateway's own pods", () => {
            const replicas = networkPolicy().egress.filter((r) => r.to?.length === 1 && isSelf(r.to[0]));
            assert.equal(replicas.length, 1);
            assert.deepEqual(portsOf(replicas[0]), ["UDP/4290", "UDP/4291"]);
        });

        it("NetworkPolicy ingress allows UDP 4290 and 4291 from the gateway's own pods", () => {
            const replicas = networkPolicy().ingress.filter((r) => r.from?.length === 1 && isSelf(r.from[0]));
            assert.equal(replicas.length, 1);
            assert.deepEqual(portsOf(replicas[0]), ["UDP/4290", "UDP/4291"]);
        });

        it("NetworkPolicy ingress opens the listeners TCP 8080 and 8081 to the routers by their namespace label, host-network routers included", () => {
            const listeners = networkPolicy().ingress.filter((r) => portsOf(r).includes("TCP/8080"));
            assert.equal(listeners.length, 1);
            assert.deepEqual(portsOf(listeners[0]), ["TCP/8080", "TCP/8081"]);
            assert.deepEqual(listeners[0].from, [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "policy-group.network.openshift.io/ingress": "" } } }]);
        });

        it("the EgressFirewall is named default and lives in the gateway namespace", () => {
            const ef = egressFirewall();
            assert.equal(ef.metadata.name, "default");
            assert.equal(ef.metadata.namespace, "apim-gateway");
        });

        it("the EgressFirewall allows cidrSelector <VIP>/32 on TCP 443", () => {
            const rules = specOf<EfSpec>(egressFirewall()).egress.filter((r) => r.to.cidrSelector === `${VIP}/32`);
            assert.deepEqual(rules, [{ type: "Allow", to: { cidrSelector: `${VIP}/32` }, ports: [{ protocol: "TCP", port: 443 }] }]);
        });

        it("the EgressFirewall allows the configuration host by dnsName on TCP 443", () => {
            const rules = specOf<EfSpec>(egressFirewall()).egress.filter((r) => r.to.dnsName === CONFIGURATION_HOST);
            assert.deepEqual(rules, [{ type: "Allow", to: { dnsName: CONFIGURATION_HOST }, ports: [{ protocol: "TCP", port: 443 }] }]);
        });

        it("the EgressFirewall ends with its only Deny, to 0.0.0.0/0", () => {
            const rules = specOf<EfSpec>(egressFirewall()).egress;
            assert.deepEqual(rules[rules.length - 1], { type: "Deny", to: { cidrSelector: ALL_IPV4 } });
            assert.equal(rules.filter((r) => r.type === "Deny").length, 1);
        });

        it("the EgressFirewall has no Deny when denyAllOtherEgress is false", () => {
            const rules = specOf<EfSpec>(only(render(richArgs("openshift", { denyAllOtherEgress: false })), "EgressFirewall")).egress;
            assert.ok(rules.length > 0);
            assert.deepEqual(rules.filter((r) => r.type !== "Allow"), []);
        });

        it("the EgressFirewall spells a narrow range as one entry per port", () => {
            const rules = specOf<EfSpec>(egressFirewall()).egress.filter((r) => r.to.cidrSelector === "10.60.0.0/24");
            assert.equal(rules.length, 1);
            assert.deepEqual(rules[0].ports?.map((p) => p.port), [8443, 8444, 8445, 8446, 8447, 8448, 8449, 8450]);
        });

        it("the EgressFirewall leaves out a wide range and reports it not enforceable", () => {
            const { rendering } = rendered();
            assert.equal(specOf<EfSpec>(only(rendered(), "EgressFirewall")).egress.filter((r) => r.to.cidrSelector === "192.168.10.0/24").length, 0);
            assert.match(rendering.notEnforceable.find((n) => n.flow === "backend-legacy-erp")?.reason ?? "", /EgressFirewall: more than 64 ports/);
        });

        it("the EgressFirewall leaves the image pull out: the nodes pull, not the namespace's pods", () => {
            const { plan, rendering } = rendered();
            const registry = plan.flows.filter((f) => f.fromNodes).map((f) => f.destination.value);
            assert.deepEqual(registry, ["mcr.microsoft.com", "*.data.mcr.microsoft.com"]);
            assert.deepEqual(specOf<EfSpec>(only(rendered(), "EgressFirewall")).egress.filter((r) => registry.includes(r.to.dnsName ?? "")), []);
            assert.equal(rendering.notEnforceable.some((n) => n.flow.startsWith("imagepull")), false);
        });

        it("stays within 8000 EgressFirewall rules at the largest lists the options accept, and still passes the CRD", () => {
            const args = richArgs("openshift");
            const features = args.features as Record<string, Record<string, unknown>>;
            const ids = Array.from({ length: 1000 }, (_, i) => String(i).padStart(4, "0"));
            features.storage.accountNames = ids.map((id) => `st${id}`);
            features.eventHubs.namespaces = ids.map((id) => `ehns-${id}`);
            args.backends = ids.map((id, i) => ({ name: `b${id}`, address: `10.${100 + Math.floor(i / 256)}.${i % 256}.1`, port: 443 }));
            const { options, rendering } = render(args);
            const ef = only({ options, rendering } as Rendered, "EgressFirewall");
            const count = specOf<EfSpec>(ef).egress.length;
            assert.ok(count > 4000, `the largest options should render thousands of rules, got ${count}`);
            assert.ok(count <= MAX_EGRESS_FIREWALL_RULES, `EgressFirewall/default holds ${count} rules; OVN-Kubernetes accepts at most ${MAX_EGRESS_FIREWALL_RULES}`);
            assertSchemaValid(ef);
            assert.deepEqual(semanticProblems(ef, options.cluster), []);
        });
    });

    describe("flavor cilium", () => {
        const rendered = () => render(richArgs("cilium"));
        const cilium = () => specOf<CnpSpec>(only(rendered(), "CiliumNetworkPolicy"));

        it("emits a NetworkPolicy and a CiliumNetworkPolicy", () => {
            assert.deepEqual(rendered().rendering.manifests.map((m) => `${m.apiVersion} ${m.kind}`), ["networking.k8s.io/v1 NetworkPolicy", "cilium.io/v2 CiliumNetworkPolicy"]);
        });

        it("selects the gateway pods by the chart's labels", () => {
            assert.deepEqual(cilium().endpointSelector, { matchLabels: GATEWAY_POD_LABELS });
        });

        it("has a DNS rule with rules.dns on UDP and TCP 53 to kube-dns in kube-system", () => {
            const dns = cilium().egress.filter((r) => r.toPorts?.some((tp) => tp.rules?.dns !== undefined));
            assert.equal(dns.length, 1);
            assert.deepEqual(dns[0].toEndpoints, [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s-app": "kube-dns" } }]);
            const ports = (dns[0].toPorts ?? []).flatMap((tp) => tp.ports ?? []).map((p) => `${p.protocol}/${p.port}`).sort();
            assert.deepEqual(ports, ["TCP/53", "UDP/53"]);
            assert.ok((dns[0].toPorts?.[0].rules?.dns ?? []).length > 0);
        });

        it("has a toFQDNs matchName for every exact-name flow", () => {
            const { plan } = rendered();
            const names = plan.flows.filter((f) => f.destination.kind === DestinationKind.Fqdn && !f.fromNodes).map((f) => f.destination.value);
            assert.ok(names.includes(CONFIGURATION_HOST));
            const matchNames = new Set(cilium().egress.flatMap((r) => r.toFQDNs ?? []).flatMap((s) => (s.matchName ? [s.matchName] : [])));
            assert.deepEqual(names.filter((n) => !matchNames.has(n)), []);
        });

        it("has no toFQDNs for the registry hosts: the nodes pull, not the gateway pods", () => {
            const fqdns = cilium().egress.flatMap((r) => r.toFQDNs ?? []).map((s) => s.matchName ?? s.matchPattern);
            assert.deepEqual(fqdns.filter((n) => /mcr/.test(n ?? "")), []);
        });

        it("allows the configuration host by name on TCP 443", () => {
            const rule = cilium().egress.find((r) => r.toFQDNs?.some((s) => s.matchName === CONFIGURATION_HOST));
            assert.deepEqual(rule?.toPorts, [{ ports: [{ port: "443", protocol: "TCP" }] }]);
        });

        it("allows the configuration VIP by toCIDR <VIP>/32 on TCP 443", () => {
            const rule = cilium().egress.find((r) => r.toCIDR?.includes(`${VIP}/32`));
            assert.deepEqual(rule?.toPorts, [{ ports: [{ port: "443", protocol: "TCP" }] }]);
        });

        it("keeps a backend's port range as port and endPort", () => {
            const rule = cilium().egress.find((r) => r.toCIDR?.includes("10.60.0.0/24"));
            assert.deepEqual(rule?.toPorts, [{ ports: [{ port: "8443", endPort: 8450, protocol: "TCP" }] }]);
        });

        it("leaves every flow with a cluster meaning enforceable", () => {
            assert.deepEqual(rendered().rendering.notEnforceable, []);
        });
    });
    describe("in-cluster peers and local telemetry", () => {
        const inClusterFlows = (r: Rendered) => r.plan.flows.filter((f) => f.destination.kind === DestinationKind.InCluster);

        it("gives every in-cluster flow one NetworkPolicy rule: its namespace by name, its pods by label, its own ports", () => {
            for (const proxied of [false, true]) {
                const r = render(inClusterArgs("kubernetes", {}, proxied));
                const egress = specOf<NpSpec>(only(r, "NetworkPolicy")).egress;
                const ruleOf = (flow: string) => egress[Number(/egress\[(\d+)\]/.exec(r.rendering.enforcedBy[flow][0])?.[1])];
                assert.deepEqual(inClusterFlows(r).map((f) => [f.id, ruleOf(f.id)]), [
                    ["externalcache-incluster-cache", { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "cache" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "redis" } } }], ports: [{ protocol: "TCP", port: 6379 }] }],
                    ["opentelemetry-otel-collector-observability", { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "observability" } } }], ports: [{ protocol: "TCP", port: 4317 }] }],
                    ["statsd-statsd-monitoring", { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { app: "statsd" } } }], ports: [{ protocol: "UDP", port: 8125 }] }],
                    ["backend-catalog", { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } }, podSelector: { matchLabels: { app: "catalog", tier: "api" } } }], ports: [{ protocol: "TCP", port: 8080, endPort: 8081 }] }],
                ], proxied ? "beside a proxy" : "without a proxy");
            }
        });

        it("gives the EgressFirewall no rule for an in-cluster flow, and keeps them enforceable under its final deny", () => {
            const r = render(inClusterArgs("openshift"));
            const ef = specOf<EfSpec>(only(r, "EgressFirewall"));
            assert.deepEqual(inClusterFlows(r).map((f) => r.rendering.enforcedBy[f.id].filter((where) => where.startsWith("EgressFirewall"))), [[], [], [], []]);
            assert.equal(ef.egress[ef.egress.length - 1].type, "Deny");
            assert.deepEqual(r.rendering.notEnforceable.filter((n) => inClusterFlows(r).some((f) => f.id === n.flow)), []);
        });

        it("gives Cilium a toEndpoints rule per in-cluster flow, beside a proxy too", () => {
            for (const proxied of [false, true]) {
                const endpoints = specOf<CnpSpec>(only(render(inClusterArgs("cilium", {}, proxied)), "CiliumNetworkPolicy")).egress.filter((e) => e.toEndpoints && !e.toPorts?.some((tp) => tp.rules?.dns));
                assert.deepEqual(endpoints.map((e) => e.toEndpoints), [
                    [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "cache", "app.kubernetes.io/name": "redis" } }],
                    [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "observability" } }],
                    [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "monitoring", app: "statsd" } }],
                    [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "shop", app: "catalog", tier: "api" } }],
                ]);
            }
        });

        it("opens a telemetry sink outside the cluster by ipBlock, on its endpoint's protocols", () => {
            const r = render(inClusterArgs("kubernetes"));
            const rule = specOf<NpSpec>(only(r, "NetworkPolicy")).egress.find((e) => e.to?.some((p) => p.ipBlock?.cidr === "10.70.0.20/32"));
            assert.deepEqual(rule?.ports, [{ protocol: "UDP", port: 514 }, { protocol: "TCP", port: 514 }]);
        });
    });
});
