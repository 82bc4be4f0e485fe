// Issue "Robustness": properties of the pure pipeline (facts → options → plan → renderers) over
// random valid inputs. Each property runs with a FIXED seed; on failure fast-check reports the
// seed, the path and the shrunk counterexample, so `fc.assert(prop, { seed, path })` replays it.
import { strict as assert } from "assert";
import * as ipaddr from "ipaddr.js";
import * as fc from "fast-check";
import { normalizeApim } from "../components/apimFacts";
import { CLOUDS, CloudEndpoints } from "../components/catalog";
import { Manifest, renderClusterPolicy } from "../components/clusterPolicy";
import { buildEgressPlan, EgressFlow, Feature } from "../components/egressPlan";
import { renderFirewallRules } from "../components/firewallRules";
import { DEFAULT_MINIMUM_PREFIX_LENGTH, resolveOptions, SourceOptions } from "../components/options";

const SEED = 20261126;
const NUM_RUNS = 200;
const params = (numRuns = NUM_RUNS) => ({ seed: SEED, numRuns });

// ---------------------------------------------------------------------------------------------
// Small named arbitraries
// ---------------------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });

/** A valid IPv4 address in canonical dotted-decimal form. */
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
// VIPs: addresses a service can answer on (the normalizer refuses 0.0.0.0, loopback, multicast, ...).
const vip = ipv4.filter((a) => !["unspecified", "broadcast", "multicast", "loopback", "linkLocal", "reserved"].includes(ipaddr.IPv4.parse(a).range()));

function toInt(ip: string): number {
    return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

function toIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

function networkOf(ip: string, prefix: number): string {
    const size = 2 ** (32 - prefix);
    return `${toIp(Math.floor(toInt(ip) / size) * size)}/${prefix}`;
}

/** A CIDR with host bits clear and a prefix of at least `minPrefix` (so never 0.0.0.0/0). */
const cidr = (minPrefix = 1) => fc.tuple(ipv4, fc.integer({ min: minPrefix, max: 32 })).map(([ip, p]) => networkOf(ip, p));

/** A user-written address: a CIDR, or a bare address (taken as its /32). */
const userAddress = fc.oneof(cidr(DEFAULT_MINIMUM_PREFIX_LENGTH), ipv4);

const normalizeAddress = (a: string) => (a.includes("/") ? a : `${a}/32`);

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";

/** Characters of `alphabet`, `minLength` to `maxLength` of them; `size: "max"` reaches the limits. */
function chars(alphabet: string, minLength: number, maxLength: number, size: fc.SizeForArbitrary = "small"): fc.Arbitrary<string> {
    return fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength, size });
}

/** The names of `^F(M{0,max}L)?$`: one first character, then optionally a middle and a last one. */
function name(first: string, middle: string, last: string, maxMiddle: number, size: fc.SizeForArbitrary = "small"): fc.Arbitrary<string> {
    return fc.tuple(chars(first, 1, 1), fc.option(fc.tuple(chars(middle, 0, maxMiddle, size), chars(last, 1, 1)), { nil: undefined }))
        .map(([f, rest]) => (rest ? f + rest[0] + rest[1] : f));
}

const LOWER_DIGITS = LOWER + DIGITS;
const dnsLabel = name(LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 14);

const hostName = fc.tuple(fc.array(dnsLabel, { minLength: 1, maxLength: 3 }), chars(LOWER, 2, 6)).map(([labels, tld]) => [...labels, tld].join("."));

/** An Azure Cache for Redis host: cache names are 1-63 letters, digits and hyphens. */
const redisHost = fc.tuple(
    name(LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 61, "max"),
    fc.constantFrom("redis.cache.windows.net", "westeurope.redisenterprise.cache.azure.net"),
).map(([name, suffix]) => `${name}.${suffix}`);

const port = fc.integer({ min: 1, max: 65535 });

/**
 * Azure regions as they appear in APIM documents: the display name, the programmatic name, the
 * suffix of the region's service tags (`Storage.WestEurope`, from Microsoft's service tag files)
 * and the APIM domain of the region's cloud.
 */
const KNOWN_LOCATIONS: readonly [string, string, string, string][] = [
    ["West Europe", "westeurope", "WestEurope", "azure-api.net"],
    ["North Europe", "northeurope", "NorthEurope", "azure-api.net"],
    ["East US", "eastus", "EastUS", "azure-api.net"],
    ["West US 2", "westus2", "WestUS2", "azure-api.net"],
    ["Germany West Central", "germanywestcentral", "GermanyWestCentral", "azure-api.net"],
    ["Australia Central 2", "australiacentral2", "AustraliaCentral2", "azure-api.net"],
    ["South Africa North", "southafricanorth", "SouthAfricaNorth", "azure-api.net"],
    ["UAE North", "uaenorth", "UAENorth", "azure-api.net"],
    ["US Gov Virginia", "usgovvirginia", "USGovVirginia", "azure-api.us"],
    ["USDoD East", "usdodeast", "USDoDEast", "azure-api.us"],
    ["China East 2", "chinaeast2", "ChinaEast2", "azure-api.cn"],
    ["China North 3", "chinanorth3", "ChinaNorth3", "azure-api.cn"],
];
const location = fc.constantFrom(...KNOWN_LOCATIONS);

/** A region name as the args accept it (features.*.region): a real one; others are refused. */
const regionArg = fc.constantFrom(...KNOWN_LOCATIONS.map(([, r]) => r));

const mode = fc.constantFrom("None", "External", "Internal");
const LETTERS = LOWER + UPPER;
const serviceName = name(LETTERS, LETTERS + DIGITS + "-", LETTERS + DIGITS, 48, "max");
const namespace = name(LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 61, "max");
const componentName = name(LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 30, "max");
const storageAccount = chars(LOWER_DIGITS, 3, 24, "max");
const eventHubsNamespace = fc.tuple(chars(LETTERS, 1, 1), chars(LETTERS + DIGITS + "-", 4, 48, "max"), chars(LETTERS + DIGITS, 1, 1)).map((p) => p.join(""));
const backendName = name(LOWER_DIGITS, LOWER_DIGITS + "-", LOWER_DIGITS, 38, "max");
const ipGroupId = fc.tuple(fc.uuid(), name(LOWER, LOWER_DIGITS + "-", LOWER_DIGITS, 20))
    .map(([uuid, name]) => `/subscriptions/${uuid}/resourceGroups/rg-net/providers/Microsoft.Network/ipGroups/${name}`);
const labelName = name(LOWER_DIGITS, LOWER_DIGITS + "-_.", LOWER_DIGITS, 20);

interface HostnameConfiguration {
    type: string;
    hostName: string;
}

/** What the generator knows about the document it wrote: the oracle never asks the code. */
interface DocumentTruth {
    readonly shape: "rest" | "az";
    readonly name: string;
    readonly mode: string;
    readonly domain: string;
    readonly region: string;
    /** The suffix of the region's service tags. */
    readonly tag: string;
    /** The VIP the document reports for the configuration endpoint. */
    readonly vip: string;
    readonly configurationHost: string;
}

interface GeneratedDocument {
    readonly document: Record<string, unknown>;
    readonly truth: DocumentTruth;
}

const hostnameConfigurations = fc.tuple(
    fc.array(fc.record({ type: fc.constantFrom("Proxy", "Portal", "Management", "Scm", "DeveloperPortal"), hostName: hostName }), { maxLength: 3 }),
    fc.option(fc.tuple(hostName, fc.boolean()), { nil: undefined }),
).map(([others, configurationApi]) => {
    const list: HostnameConfiguration[] = [...others];
    if (configurationApi) {
        const [host, upper] = configurationApi;
        list.push({ type: "ConfigurationApi", hostName: upper ? host.toUpperCase() : host });
    }
    return list;
});

/** A valid APIM document, either the REST GET body or `az apim show -o json`. */
const apimDocument: fc.Arbitrary<GeneratedDocument> = fc.record({
    shape: fc.constantFrom("rest" as const, "az" as const),
    name: serviceName,
    location,
    sku: fc.constantFrom("Developer", "Premium"),
    mode,
    privateIps: fc.array(vip, { minLength: 1, maxLength: 2 }),
    publicIps: fc.array(vip, { minLength: 1, maxLength: 2 }),
    dropUnusedVip: fc.boolean(),
    hostnames: hostnameConfigurations,
    additionalLocations: fc.array(fc.record({ location, privateIps: fc.array(vip, { maxLength: 1 }), publicIps: fc.array(vip, { maxLength: 1 }) }), { maxLength: 2 }),
    platformVersion: fc.constantFrom("stv2", "stv2.1", undefined),
}).map((g) => {
    const internal = g.mode === "Internal";
    // The address list the mode does not use may be absent altogether.
    const privateIps = !internal && g.dropUnusedVip ? [] : g.privateIps;
    const publicIps = internal && g.dropUnusedVip ? [] : g.publicIps;
    const ipKeys = g.shape === "rest" ? ["privateIPAddresses", "publicIPAddresses"] : ["privateIpAddresses", "publicIpAddresses"];
    const body: Record<string, unknown> = {
        gatewayUrl: `https://${g.name.toLowerCase()}.${g.location[3]}`,
        virtualNetworkType: g.mode,
        [ipKeys[0]]: privateIps,
        [ipKeys[1]]: publicIps,
        hostnameConfigurations: g.hostnames,
        additionalLocations: g.additionalLocations.map((l) => ({ location: l.location[0], [ipKeys[0]]: l.privateIps, [ipKeys[1]]: l.publicIps })),
        ...(g.platformVersion ? { platformVersion: g.platformVersion } : {}),
    };
    const top = { name: g.name, location: g.location[0], sku: { name: g.sku, capacity: 1 }, type: "Microsoft.ApiManagement/service" };
    const document = g.shape === "rest" ? { ...top, properties: body } : { ...top, ...body };
    const custom = g.hostnames.find((h) => h.type === "ConfigurationApi");
    return {
        document,
        truth: {
            shape: g.shape,
            name: g.name,
            mode: g.mode,
            domain: g.location[3],
            region: g.location[1],
            tag: g.location[2],
            vip: internal ? privateIps[0] : publicIps[0],
            configurationHost: custom ? custom.hostName.toLowerCase() : `${g.name.toLowerCase()}.configuration.${g.location[3]}`,
        },
    };
});

/** A backend as the args declare it. */
interface Backend {
    name: string;
    address?: string;
    fqdn?: string;
    inCluster?: { namespace: string; podLabels?: Record<string, string> };
    port: number;
    endPort?: number;
    protocol?: string;
}

const backend: fc.Arbitrary<Backend> = fc.record({
    name: backendName,
    target: fc.oneof(
        userAddress.map((address) => ({ address })),
        hostName.map((fqdn) => ({ fqdn })),
        fc.record({ namespace, podLabels: fc.option(fc.dictionary(labelName, labelName, { minKeys: 1, maxKeys: 2 }).map((d) => ({ ...d })), { nil: undefined }) })
            .map((c) => ({ inCluster: Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as Backend["inCluster"] })),
    ),
    port,
    // Mostly narrow ranges (as real backends use), sometimes any width up to 65535.
    width: fc.option(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 80 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 65534 }) }), { nil: undefined }),
    protocol: fc.constantFrom(undefined, "TCP", "UDP", "tcp"),
}).map((b) => {
    const range = b.width === undefined ? { port: b.port } : { port: Math.min(b.port, 65535 - b.width), endPort: Math.min(b.port, 65535 - b.width) + b.width };
    return { name: b.name, ...b.target, ...range, ...(b.protocol ? { protocol: b.protocol } : {}) };
});

const FEATURES = ["storage", "azureResourceManager", "entraId", "applicationInsights", "eventHubs", "externalCache", "imagePull"] as const;
type FeatureKey = (typeof FEATURES)[number];

/** Every feature with the settings it needs, each randomly on or off. */
const features = fc.record({
    storage: fc.record({ enabled: fc.boolean(), accountNames: fc.uniqueArray(storageAccount, { maxLength: 3 }), useServiceTag: fc.boolean() })
        .map((s) => ({ ...s, useServiceTag: s.useServiceTag || s.accountNames.length === 0 })),
    azureResourceManager: fc.record({ enabled: fc.boolean() }),
    entraId: fc.record({ enabled: fc.boolean(), region: fc.option(regionArg, { nil: undefined }) }),
    // The connection-string endpoints depend on the document's cloud: example-based specs cover them.
    applicationInsights: fc.record({ enabled: fc.boolean() }),
    eventHubs: fc.record({ enabled: fc.boolean(), namespaces: fc.uniqueArray(eventHubsNamespace, { minLength: 1, maxLength: 3, selector: (n) => n.toLowerCase() }) }),
    externalCache: fc.record({ enabled: fc.boolean(), host: fc.oneof(ipv4, hostName, redisHost), port: fc.option(port, { nil: undefined }) }),
    imagePull: fc.record({ enabled: fc.boolean(), nodeAddresses: fc.uniqueArray(cidr(DEFAULT_MINIMUM_PREFIX_LENGTH), { minLength: 1, maxLength: 2 }) }),
});

const cluster = fc.record({
    enabled: fc.boolean(),
    flavor: fc.constantFrom("kubernetes", "openshift", "cilium"),
    namespace,
    // A plain object: the args come from JSON or TypeScript literals.
    podLabels: fc.option(fc.dictionary(labelName, labelName, { minKeys: 1, maxKeys: 3 }).map((d) => ({ ...d })), { nil: undefined }),
    ingressNamespaces: fc.option(fc.uniqueArray(namespace, { maxLength: 3 }), { nil: undefined }),
    allowNamedFlowsTo: fc.uniqueArray(cidr(DEFAULT_MINIMUM_PREFIX_LENGTH), { maxLength: 3 }),
    denyAllOtherEgress: fc.boolean(),
    policyName: fc.option(componentName, { nil: undefined }),
}).map((c) => {
    // Cilium allows named flows by name; allowNamedFlowsTo is refused there.
    const all: Record<string, unknown> = { ...c, namespaceIsDedicated: c.flavor === "openshift" ? true : undefined, allowNamedFlowsTo: c.flavor === "cilium" ? [] : c.allowNamedFlowsTo };
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Args = any;

interface Generated {
    readonly apim: GeneratedDocument;
    readonly componentName: string;
    readonly args: Args;
}

/** Valid args around a valid document. */
const generated: fc.Arbitrary<Generated> = fc.record({
    apim: apimDocument,
    componentName,
    sources: fc.uniqueArray(userAddress, { maxLength: 4, selector: normalizeAddress }),
    ipGroups: fc.uniqueArray(ipGroupId, { maxLength: 2 }),
    ruleStyle: fc.constantFrom(undefined, "ip", "fqdn", "both"),
    ruleCollectionGroupName: fc.option(name(LETTERS + DIGITS, LETTERS + DIGITS + "_.-", LETTERS + DIGITS + "_", 78, "max"), { nil: undefined }),
    cluster,
    features,
    backends: fc.uniqueArray(backend, { maxLength: 5, selector: (b) => b.name }),
}).map((g) => {
    // At least one source, else the args are (rightly) refused.
    const sourceAddresses = g.sources.length === 0 && g.ipGroups.length === 0 ? ["10.80.0.0/24"] : g.sources;
    const firewall: Record<string, unknown> = { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses };
    if (g.ipGroups.length > 0) firewall.sourceIpGroupIds = g.ipGroups;
    if (g.ruleStyle) firewall.ruleStyle = g.ruleStyle;
    if (g.ruleCollectionGroupName) firewall.ruleCollectionGroupName = g.ruleCollectionGroupName;
    return {
        apim: g.apim,
        componentName: g.componentName,
        // OpenShift's gateway namespace is declared to hold the gateway alone: no in-cluster peer there.
        args: { apim: { resourceGroupName: "rg-apim", serviceName: g.apim.truth.name }, firewall, cluster: g.cluster, features: g.features, backends: g.backends.filter((b) => b.inCluster?.namespace !== g.cluster.namespace) },
    };
});

// ---------------------------------------------------------------------------------------------
// The pipeline and the oracle
// ---------------------------------------------------------------------------------------------

function pipeline(document: unknown, componentName: string, args: Args) {
    const facts = normalizeApim(document);
    const options = resolveOptions(componentName, args);
    const plan = buildEgressPlan(facts, options);
    return {
        plan,
        firewall: renderFirewallRules(plan, facts.virtualNetworkType, options.firewall as SourceOptions),
        cluster: renderClusterPolicy(plan, options.cluster),
    };
}

const run = (g: Generated) => pipeline(g.apim.document, g.componentName, g.args);

function cloudOf(domain: string): CloudEndpoints {
    return CLOUDS.find((c) => c.apimDomain === domain) as CloudEndpoints;
}

/**
 * What each feature may open, from the documented catalog (catalog.ts) for the cloud of the
 * document, the VIP and host the generator wrote, and what the user declared. Disabled features
 * have no entry: nothing of theirs may appear.
 */
function allowedByFeature(g: Generated): Map<string, Set<string>> {
    const { truth } = g.apim;
    const cloud = cloudOf(truth.domain);
    const f = g.args.features;
    const allowed = new Map<string, Set<string>>();
    allowed.set(Feature.Configuration, new Set([`${truth.vip}/32`, truth.configurationHost]));
    if (f.storage.enabled) {
        allowed.set(Feature.Storage, new Set([
            ...(f.storage.useServiceTag ? [`Storage.${truth.tag}`] : []),
            ...f.storage.accountNames.flatMap((a: string) => [`${a}.blob.${cloud.storageSuffix}`, `${a}.table.${cloud.storageSuffix}`]),
        ]));
    }
    if (f.azureResourceManager.enabled) {
        allowed.set(Feature.AzureResourceManager, new Set([cloud.resourceManagerHost]));
    }
    if (f.entraId.enabled) {
        allowed.set(Feature.EntraId, new Set([cloud.loginHost, ...(cloud.regionalLoginDomain ? [`${f.entraId.region ?? truth.region}.${cloud.regionalLoginDomain}`] : [])]));
    }
    if (f.applicationInsights.enabled) {
        allowed.set(Feature.ApplicationInsights, new Set(cloud.applicationInsights.globalHosts));
    }
    if (f.eventHubs.enabled) {
        allowed.set(Feature.EventHubs, new Set(f.eventHubs.namespaces.map((n: string) => `${n.toLowerCase()}.${cloud.serviceBusSuffix}`)));
    }
    if (f.externalCache.enabled) {
        const host: string = f.externalCache.host;
        allowed.set(Feature.ExternalCache, new Set([/^[\d.]+$/.test(host) ? `${host}/32` : host]));
    }
    if (f.imagePull.enabled) {
        allowed.set(Feature.ImagePull, new Set(cloud.imageRegistryHosts));
    }
    if (g.args.backends.length > 0) {
        allowed.set(Feature.Backend, new Set(g.args.backends.map((b: Backend) => (b.address ? normalizeAddress(b.address) : b.fqdn ?? inClusterValue(b.inCluster as NonNullable<Backend["inCluster"]>)))));
    }
    return allowed;
}

/** How the plan spells pods of the cluster: their labels in code-point order, and the namespace. */
function inClusterValue(c: NonNullable<Backend["inCluster"]>): string {
    const labels = Object.entries(c.podLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(",");
    return `${labels ? `pods ${labels}` : "every pod"} of namespace ${c.namespace}`;
}

/** The namespaces the cluster policy may select: the DNS pods' (by flavor default) and the declared in-cluster peers'. */
function allowedNamespaces(g: Generated): Set<string> {
    return new Set(["kube-system", "openshift-dns", ...g.args.backends.flatMap((b: Backend) => (b.inCluster ? [b.inCluster.namespace] : []))]);
}

/** The catalog's own wildcards (documented as such): the only names that may start with `*.`. */
const DOCUMENTED_WILDCARDS = new Set(CLOUDS.flatMap((c) => c.imageRegistryHosts.filter((h) => h.startsWith("*."))));

function assertNotBroad(destination: string, where: string): void {
    assert.notEqual(destination, "0.0.0.0/0", `${where}: 0.0.0.0/0`);
    assert.ok(destination !== "*" && (!destination.includes("*") || DOCUMENTED_WILDCARDS.has(destination)), `${where}: wildcard ${destination}`);
}

/** Every destination of every firewall rule, with where it sits. */
function firewallDestinations(firewall: ReturnType<typeof run>["firewall"]): { where: string; value: string }[] {
    return firewall.ruleCollections.flatMap((c) => c.rules.flatMap((r) => {
        const values = r.ruleType === "NetworkRule" ? [...(r.destinationAddresses ?? []), ...(r.destinationFqdns ?? [])] : [...r.targetFqdns];
        return values.map((value) => ({ where: `${c.name}/${r.name}`, value }));
    }));
}

interface Peer {
    readonly where: string;
    /** An external destination (CIDR or name), or undefined for an in-cluster peer. */
    readonly value?: string;
    /** The namespace an in-cluster peer selects by name; undefined for the gateway's own pods. */
    readonly namespace?: string;
}

/**
 * Every egress peer of every manifest. In-cluster peers (pod and namespace selectors, Cilium
 * endpoints) carry no value but must select something specific. The EgressFirewall's final Deny
 * is returned separately.
 */
function clusterPeers(manifests: readonly Manifest[], podLabels: Record<string, string> | undefined): { peers: Peer[]; finalDeny: unknown[] } {
    const peers: Peer[] = [];
    const finalDeny: unknown[] = [];
    for (const m of manifests) {
        const spec = m.spec as Record<string, unknown>;
        const egress = (spec.egress ?? []) as Record<string, unknown>[];
        egress.forEach((rule, i) => {
            const where = `${m.kind}/${m.metadata.name}/egress[${i}]`;
            if (m.kind === "NetworkPolicy") {
                const to = rule.to as Record<string, unknown>[] | undefined;
                assert.ok(Array.isArray(to) && to.length > 0, `${where}: no "to" allows every destination`);
                assert.ok(Array.isArray(rule.ports) && (rule.ports as unknown[]).length > 0, `${where}: no "ports" allows every port`);
                for (const peer of to) {
                    const ipBlock = peer.ipBlock as { cidr: string } | undefined;
                    if (ipBlock) {
                        peers.push({ where, value: ipBlock.cidr });
                    } else {
                        // Labelled pods, or a namespace by its name: never every namespace, never an unlabelled selector alone.
                        const pod = peer.podSelector as { matchLabels?: Record<string, string> } | undefined;
                        const ns = (peer.namespaceSelector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
                        assert.ok(ns === undefined || (Object.keys(ns).length === 1 && ns["kubernetes.io/metadata.name"] !== undefined), `${where}: a namespace selector must name one namespace`);
                        assert.ok((pod && Object.keys(pod.matchLabels ?? {}).length > 0) || ns !== undefined, `${where}: an in-cluster peer must select labelled pods or a named namespace`);
                        peers.push({ where, namespace: ns?.["kubernetes.io/metadata.name"] });
                    }
                }
            } else if (m.kind === "EgressFirewall") {
                const to = rule.to as { cidrSelector?: string; dnsName?: string };
                if (rule.type === "Deny") {
                    assert.equal(i, egress.length - 1, `${where}: a Deny before the end`);
                    finalDeny.push(rule);
                    return;
                }
                assert.equal(rule.type, "Allow", where);
                assert.ok(Array.isArray(rule.ports) && (rule.ports as unknown[]).length > 0, `${where}: an Allow without ports allows every port`);
                const keys = Object.keys(to);
                assert.equal(keys.length, 1, `${where}: "to" holds exactly one selector`);
                peers.push({ where, value: to.cidrSelector ?? to.dnsName });
            } else if (m.kind === "CiliumNetworkPolicy") {
                const keys = Object.keys(rule).filter((k) => k.startsWith("to") && k !== "toPorts");
                assert.equal(keys.length, 1, `${where}: one peer kind per rule, got ${keys.join(", ")}`);
                assert.ok(Array.isArray(rule.toPorts) && (rule.toPorts as unknown[]).length > 0, `${where}: no toPorts`);
                if (rule.toEndpoints) {
                    for (const e of rule.toEndpoints as { matchLabels: Record<string, string> }[]) {
                        const ns = e.matchLabels["k8s:io.kubernetes.pod.namespace"];
                        assert.ok(ns !== undefined, `${where}: toEndpoints must name the namespace`);
                        peers.push({ where, namespace: ns });
                    }
                }
                for (const c of (rule.toCIDR ?? []) as string[]) {
                    peers.push({ where, value: c });
                }
                for (const q of (rule.toFQDNs ?? []) as { matchName?: string; matchPattern?: string }[]) {
                    peers.push({ where, value: q.matchName ?? q.matchPattern });
                }
            } else {
                assert.fail(`unexpected manifest kind ${m.kind}`);
            }
        });
        if (m.kind === "NetworkPolicy") {
            for (const rule of (spec.ingress ?? []) as { from: Record<string, unknown>[] }[]) {
                assert.ok(rule.from.every((p) => !p.ipBlock), `${m.kind}: ingress from an ipBlock`);
            }
            assert.deepEqual((spec.podSelector as { matchLabels: unknown }).matchLabels, podLabels ?? (spec.podSelector as { matchLabels: unknown }).matchLabels);
        }
    }
    return { peers, finalDeny };
}

// ---------------------------------------------------------------------------------------------
// Names and ports
// ---------------------------------------------------------------------------------------------

const AZURE_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function assertPort(value: unknown, where: string): number {
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    assert.ok(typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535, `${where}: port ${JSON.stringify(value)}`);
    return n as number;
}

function assertRange(p: { port: unknown; endPort?: unknown }, where: string): void {
    const first = assertPort(p.port, where);
    if (p.endPort !== undefined) {
        assert.ok(assertPort(p.endPort, where) >= first, `${where}: endPort ${p.endPort} < port ${first}`);
    }
}

function assertLabels(labels: Record<string, string>, where: string): void {
    for (const [key, value] of Object.entries(labels)) {
        const [prefix, name] = key.includes("/") ? key.split("/", 2) : [undefined, key];
        assert.ok(prefix === undefined || DNS1123_SUBDOMAIN.test(prefix), `${where}: label key prefix ${key}`);
        assert.ok(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(name), `${where}: label key ${key}`);
        assert.ok(LABEL_VALUE.test(value), `${where}: label value ${value}`);
    }
}

// ---------------------------------------------------------------------------------------------
// Permutations
// ---------------------------------------------------------------------------------------------

type Shuffle = <T>(items: readonly T[]) => T[];

/** A Fisher-Yates shuffle driven by mulberry32 from `seed`: one seed, one order for every list. */
function seededShuffle(seed: number): Shuffle {
    let state = seed >>> 0;
    const next = () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return <T>(items: readonly T[]): T[] => {
        const out = [...items];
        for (let i = out.length - 1; i > 0; i--) {
            const j = Math.floor(next() * (i + 1));
            [out[i], out[j]] = [out[j], out[i]];
        }
        return out;
    };
}

/** The same document and args with every input list (and label map) in another order. */
function permuted(g: Generated, shuffle: Shuffle): Generated {
    const document = structuredClone(g.apim.document) as Record<string, Args>;
    const body = g.apim.truth.shape === "rest" ? document.properties : document;
    body.hostnameConfigurations = shuffle(body.hostnameConfigurations);
    body.additionalLocations = shuffle(body.additionalLocations);
    const args = structuredClone(g.args);
    args.firewall.sourceAddresses = shuffle(args.firewall.sourceAddresses);
    if (args.firewall.sourceIpGroupIds) args.firewall.sourceIpGroupIds = shuffle(args.firewall.sourceIpGroupIds);
    args.features.storage.accountNames = shuffle(args.features.storage.accountNames);
    args.features.eventHubs.namespaces = shuffle(args.features.eventHubs.namespaces);
    args.backends = shuffle(args.backends);
    args.cluster.allowNamedFlowsTo = shuffle(args.cluster.allowNamedFlowsTo);
    if (args.cluster.ingressNamespaces) args.cluster.ingressNamespaces = shuffle(args.cluster.ingressNamespaces);
    if (args.cluster.podLabels) args.cluster.podLabels = Object.fromEntries(shuffle(Object.entries(args.cluster.podLabels)));
    return { apim: { document, truth: g.apim.truth }, componentName: g.componentName, args };
}

const withFeature = (g: Generated, key: FeatureKey, enabled: boolean): Args => {
    const args = structuredClone(g.args);
    args.features[key].enabled = enabled;
    return args;
};

const byId = (flows: readonly EgressFlow[]) => new Map(flows.map((f) => [f.id, f]));

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe("properties (fast-check, seed " + SEED + ")", () => {
    it("every generated input is valid (the generators are sound)", () => {
        fc.assert(fc.property(generated, (g) => {
            run(g);
        }), params());
    });

    describe("least privilege", () => {
        it("every flow's destination is in the catalog of an enabled feature, or declared by the user", () => {
            fc.assert(fc.property(generated, (g) => {
                const allowed = allowedByFeature(g);
                for (const flow of run(g).plan.flows) {
                    const mine = allowed.get(flow.feature);
                    assert.ok(mine, `${flow.id}: feature ${flow.feature} is not enabled`);
                    assert.ok(mine.has(flow.destination.value), `${flow.id}: ${flow.destination.value} is not among ${[...mine].join(", ")}`);
                    assertNotBroad(flow.destination.value, flow.id);
                }
            }), params());
        });

        it("every firewall rule opens only allowed destinations, from the user's sources only", () => {
            fc.assert(fc.property(generated, (g) => {
                const allowed = new Set([...allowedByFeature(g).values()].flatMap((s) => [...s]));
                const { firewall } = run(g);
                // The gateway hosts, and for the image pull the nodes, which pull it.
                const sources = new Set<string>([...g.args.firewall.sourceAddresses, ...(g.args.features.imagePull.enabled ? g.args.features.imagePull.nodeAddresses : [])].map(normalizeAddress));
                const groups = new Set<string>(g.args.firewall.sourceIpGroupIds ?? []);
                for (const { where, value } of firewallDestinations(firewall)) {
                    assertNotBroad(value, where);
                    assert.ok(allowed.has(value), `${where}: ${value} is neither in the catalog of an enabled feature nor declared`);
                }
                for (const c of firewall.ruleCollections) {
                    assert.equal(c.action.type, "Allow");
                    for (const r of c.rules) {
                        const ruleSources = [...(r.sourceAddresses ?? []), ...(r.sourceIpGroups ?? [])];
                        assert.ok(ruleSources.length > 0, `${c.name}/${r.name}: a rule without a source matches any host`);
                        (r.sourceAddresses ?? []).forEach((s) => assert.ok(sources.has(s), `${c.name}/${r.name}: source ${s} was not given`));
                        (r.sourceIpGroups ?? []).forEach((s) => assert.ok(groups.has(s), `${c.name}/${r.name}: IP Group ${s} was not given`));
                    }
                }
            }), params());
        });

        it("every cluster manifest allows only allowed destinations (plus allowNamedFlowsTo), never 0.0.0.0/0 but the final Deny", () => {
            fc.assert(fc.property(generated, (g) => {
                const allowed = new Set([...allowedByFeature(g).values()].flatMap((s) => [...s]));
                g.args.cluster.allowNamedFlowsTo.forEach((c: string) => allowed.add(c));
                const { cluster } = run(g);
                if (!g.args.cluster.enabled) {
                    assert.deepEqual(cluster.manifests, []);
                    return;
                }
                const { peers, finalDeny } = clusterPeers(cluster.manifests, g.args.cluster.podLabels);
                for (const { where, value } of peers.filter((p) => p.value !== undefined)) {
                    assertNotBroad(value as string, where);
                    assert.ok(allowed.has(value as string), `${where}: ${value} is neither in the catalog of an enabled feature nor declared`);
                }
                const namespaces = allowedNamespaces(g);
                for (const { where, namespace: ns } of peers.filter((p) => p.namespace !== undefined)) {
                    assert.ok(namespaces.has(ns as string), `${where}: namespace ${ns} is neither the DNS pods' nor a declared in-cluster peer's`);
                }
                const expectDeny = g.args.cluster.flavor === "openshift" && g.args.cluster.denyAllOtherEgress;
                assert.deepEqual(finalDeny, expectDeny ? [{ type: "Deny", to: { cidrSelector: "0.0.0.0/0" } }] : []);
            }), params());
        });

        it("never widens a user's CIDR: every CIDR allowed is one the user wrote, at its prefix, or the VIP /32", () => {
            fc.assert(fc.property(generated, (g) => {
                const { firewall, cluster } = run(g);
                const declared = new Set<string>([
                    `${g.apim.truth.vip}/32`,
                    ...g.args.backends.filter((b: Backend) => b.address).map((b: Backend) => normalizeAddress(b.address as string)),
                    ...(g.args.features.externalCache.enabled && /^[\d.]+$/.test(g.args.features.externalCache.host) ? [`${g.args.features.externalCache.host}/32`] : []),
                    ...g.args.cluster.allowNamedFlowsTo,
                ]);
                const cidrs = [
                    ...firewallDestinations(firewall),
                    ...(g.args.cluster.enabled ? clusterPeers(cluster.manifests, g.args.cluster.podLabels).peers : []),
                ].filter((d) => d.value !== undefined && /^[\d.]+\/\d+$/.test(d.value));
                for (const { where, value } of cidrs) {
                    const [address, prefix] = (value as string).split("/");
                    const wider = [...declared].find((d) => d.split("/")[0] === address && Number(d.split("/")[1]) > Number(prefix));
                    assert.ok(declared.has(value as string), `${where}: ${value} was not declared${wider ? ` (the user allowed ${wider})` : ""}`);
                }
            }), params());
        });
    });

    describe("determinism", () => {
        it("permuting every input list gives deep-equal, byte-identical plan, firewall and cluster renderings", () => {
            fc.assert(fc.property(generated, fc.noBias(fc.integer()), (g, shuffleSeed) => {
                const shuffle = seededShuffle(shuffleSeed);
                const expected = run(g);
                const actual = run(permuted(g, shuffle));
                assert.deepStrictEqual(actual.plan, expected.plan);
                assert.deepStrictEqual(actual.firewall, expected.firewall);
                assert.deepStrictEqual(actual.cluster, expected.cluster);
                assert.equal(JSON.stringify(actual), JSON.stringify(expected));
            }), params());
        });
    });

    describe("names and ports", () => {
        it("rule and collection names obey Azure's rules, object names Kubernetes'; ports are 1-65535 with endPort ≥ port", () => {
            fc.assert(fc.property(generated, (g) => {
                const { plan, firewall, cluster } = run(g);
                const ids = plan.flows.map((f) => f.id);
                assert.equal(new Set(ids).size, ids.length, "flow ids are unique");
                for (const f of plan.flows) {
                    f.ports.forEach((p) => assertRange(p, `flow ${f.id}`));
                }
                for (const c of firewall.ruleCollections) {
                    assert.match(c.name, AZURE_NAME, `collection name ${c.name}`);
                    assert.ok(c.priority >= 100 && c.priority <= 65000, `collection priority ${c.priority}`);
                    const names = c.rules.map((r) => r.name);
                    assert.equal(new Set(names).size, names.length, `${c.name}: rule names are unique`);
                    for (const r of c.rules) {
                        assert.ok(AZURE_NAME.test(r.name), `rule name of ${r.name.length} characters breaks Azure's rules: ${r.name}`);
                        if (r.ruleType === "NetworkRule") {
                            for (const p of r.destinationPorts) {
                                const [first, last] = p.split("-");
                                assertRange({ port: first, endPort: last }, `${c.name}/${r.name}`);
                            }
                        } else {
                            r.protocols.forEach((p) => assertPort(p.port, `${c.name}/${r.name}`));
                        }
                    }
                }
                for (const m of cluster.manifests) {
                    const where = `${m.kind}/${m.metadata.name}`;
                    assert.match(m.metadata.name, DNS1123_SUBDOMAIN, where);
                    assert.match(m.metadata.namespace, DNS1123_LABEL, where);
                    assertLabels(m.metadata.labels, where);
                    const spec = m.spec as Args;
                    if (m.kind === "NetworkPolicy") {
                        assertLabels(spec.podSelector.matchLabels, where);
                        for (const rule of [...spec.egress, ...spec.ingress]) {
                            rule.ports.forEach((p: { port: number; endPort?: number }) => assertRange(p, where));
                        }
                    } else if (m.kind === "EgressFirewall") {
                        assert.equal(m.metadata.name, "default", "an EgressFirewall must be named default");
                        for (const rule of spec.egress) {
                            (rule.ports ?? []).forEach((p: { port: number }) => assertPort(p.port, where));
                        }
                    } else {
                        for (const rule of spec.egress) {
                            for (const tp of rule.toPorts) {
                                tp.ports.forEach((p: { port: string; endPort?: number }) => assertRange(p, where));
                            }
                        }
                    }
                }
            }), params());
        });
    });

    describe("features", () => {
        it("enabling a feature only adds flows of that feature; disabling it removes exactly those", () => {
            fc.assert(fc.property(generated, fc.constantFrom(...FEATURES), (g, key) => {
                const off = byId(pipeline(g.apim.document, g.componentName, withFeature(g, key, false)).plan.flows);
                const on = byId(pipeline(g.apim.document, g.componentName, withFeature(g, key, true)).plan.flows);
                for (const [id, flow] of off) {
                    assert.deepStrictEqual(on.get(id), flow, `enabling ${key} changed or removed ${id}`);
                    assert.notEqual(flow.feature, key, `${id} of ${key} exists while ${key} is off`);
                }
                const added = [...on.values()].filter((f) => !off.has(f.id));
                assert.ok(added.length > 0, `enabling ${key} added nothing`);
                assert.deepEqual(added.filter((f) => f.feature !== key).map((f) => f.id), [], `enabling ${key} added flows of other features`);
                assert.deepEqual(added.map((f) => f.id).sort(), [...on.values()].filter((f) => f.feature === key).map((f) => f.id).sort());
            }), params());
        });

        it("enabling a feature only adds firewall rules; it never changes an existing one", () => {
            fc.assert(fc.property(generated, fc.constantFrom(...FEATURES), (g, key) => {
                const rules = (args: Args) => new Map(pipeline(g.apim.document, g.componentName, args).firewall.ruleCollections
                    .flatMap((c) => c.rules.map((r) => [`${c.name}/${r.name}`, r] as const)));
                const off = rules(withFeature(g, key, false));
                const on = rules(withFeature(g, key, true));
                for (const [name, rule] of off) {
                    assert.deepStrictEqual(on.get(name), rule, `enabling ${key} changed or removed ${name}`);
                }
            }), params());
        });

        it("removing a backend removes exactly its own flow", () => {
            fc.assert(fc.property(generated.filter((g) => g.args.backends.length > 0), fc.nat(), (g, pick) => {
                const i = pick % g.args.backends.length;
                const args = structuredClone(g.args);
                const [removed] = args.backends.splice(i, 1);
                const all = byId(run(g).plan.flows);
                const fewer = byId(pipeline(g.apim.document, g.componentName, args).plan.flows);
                assert.deepEqual([...all.keys()].filter((id) => !fewer.has(id)), [`backend-${removed.name}`]);
                for (const [id, flow] of fewer) {
                    assert.deepStrictEqual(all.get(id), flow);
                }
            }), params(100));
        });
    });
});
