// The egress plan: from APIM facts and resolved options to one sorted list of flows, each with
// its purpose, feature, destination, ports and source. Pure and deterministic: the same facts
// and options, in any order, give the same plan. Every renderer starts from here.
import { createHash } from "crypto";
import { ApimFacts } from "./apimFacts";
import { DECLARED_BY_USER, DocReference } from "./catalog";
import { InputError } from "./errors";
import { DeclaredHost, Options } from "./options";
import { signsInAtEntra } from "./optionsGateway";
import { byCodePoint } from "./ordering";
import { Destination, DestinationKind, everyPortOf, fqdn, ipv4, networkSpan, PortRange, serviceTag, setExcess, tcp } from "./peers";
import { regionalServiceTag } from "./regions";

export const Feature = {
    Configuration: "configuration",
    Storage: "storage",
    AzureResourceManager: "azureResourceManager",
    EntraId: "entraId",
    ApplicationInsights: "applicationInsights",
    EventHubs: "eventHubs",
    ExternalCache: "externalCache",
    ImagePull: "imagePull",
    OpenTelemetry: "openTelemetry",
    Statsd: "statsd",
    LocalLogs: "localLogs",
    Backend: "backend",
} as const;
export type Feature = (typeof Feature)[keyof typeof Feature];

const FEATURE_ORDER: readonly Feature[] = Object.values(Feature);

export interface EgressFlow {
    /** Stable, unique key; also the Azure Firewall rule name: lowercase letters, digits, hyphens. */
    readonly id: string;
    readonly feature: Feature;
    /** Only the configuration flows are required; every other flow exists because a feature asked. */
    readonly required: boolean;
    readonly purpose: string;
    readonly destination: Destination;
    readonly ports: readonly PortRange[];
    /** A documentation URL, or "declared by the user". */
    readonly reference: string;
    /** The id of an address flow that this name resolves to (the configuration host → its VIP). */
    readonly resolvesTo?: string;
    /**
     * Who connects, when it is not the gateway: the nodes' networks for the image pull, which the
     * node's container runtime makes. Such a flow is the firewall's alone; pod policy has no part in it.
     */
    readonly fromNodes?: readonly string[];
}

export interface EgressPlan {
    readonly apimName: string;
    readonly configurationHost: string;
    /** The address the gateway connects to for configuration: the VIP, or the declared override. */
    readonly configurationAddress: string;
    readonly flows: readonly EgressFlow[];
}

const HTTPS = [tcp(443)];

// Flow ids are also Azure Firewall rule names: at most 80 characters.
const MAX_ID_LENGTH = 80;

/** Keeps an id within the limit; a long one keeps its start and gains a hash of the whole. */
function boundedId(id: string): string {
    return id.length <= MAX_ID_LENGTH ? id : `${id.slice(0, MAX_ID_LENGTH - 9)}-${createHash("sha256").update(id).digest("hex").slice(0, 8)}`;
}

function flow(id: string, feature: Feature, purpose: string, destination: Destination, reference: string, ports: readonly PortRange[] = HTTPS): EgressFlow {
    return { id: boundedId(id), feature, required: feature === Feature.Configuration, purpose, destination, ports, reference };
}

/** A DNS-label-safe fragment of a host name, for flow ids. */
function slug(text: string): string {
    return text.toLowerCase().replace(/^\*\./, "wildcard.").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

function configurationFlows(facts: ApimFacts, override: string | undefined): EgressFlow[] {
    const purpose = "configuration sync, heartbeat, metrics and events (v2 configuration API)";
    // The configuration endpoint answers on the primary location's VIP (DocReference.IpAddresses),
    // unless a custom host is published through Application Gateway (the overview's "Internet
    // connectivity" option), whose address the user declares.
    const address = override === undefined
        ? flow("configuration-address", Feature.Configuration, `${purpose}: the VIP behind ${facts.configurationHost}`, ipv4("configurationAddress", facts.configurationAddress), DocReference.IpAddresses)
        : flow("configuration-address", Feature.Configuration, `${purpose}: the address ${facts.configurationHost} resolves to from the gateway`, ipv4("configurationAddress", override), DECLARED_BY_USER);
    return [
        address,
        { ...flow("configuration-host", Feature.Configuration, purpose, fqdn("configurationHost", facts.configurationHost), facts.configurationHostIsCustom ? DocReference.GatewaySettings : facts.cloud.reference), resolvesTo: "configuration-address" },
    ];
}

/** A host from a connection string, held to the domain its cloud documents for it. */
function endpointHost(declared: DeclaredHost, domain: string): string {
    if (!declared.host.endsWith(`.${domain}`)) {
        throw new InputError(declared.field, declared.host, `Expected a host in ${domain}, as the connection string of an Application Insights resource in this instance's cloud gives it.`);
    }
    return declared.host;
}

function featureFlows(facts: ApimFacts, options: Options): EgressFlow[] {
    const { features } = options;
    const cloud = facts.cloud;
    const region = facts.primary.region;
    const flows: EgressFlow[] = [];
    const named = (feature: Feature, purpose: string, host: string, reference: string, ports: readonly PortRange[] = HTTPS, id = `${feature.toLowerCase()}-${slug(host)}`) =>
        flows.push(flow(id, feature, purpose, fqdn(feature, host, true), reference, ports));

    if (features.storage.enabled) {
        const purpose = "API inspector traces and quota policies (Azure Storage)";
        if (features.storage.useServiceTag) {
            const tag = regionalServiceTag("Storage", cloud.cloud, region, "location", facts.primary.location, "features.storage.useServiceTag opens the Storage service tag of the instance's primary region.");
            flows.push(flow(`storage-tag-${region}`, Feature.Storage, purpose, serviceTag(tag), DocReference.GatewayConnectivity));
        }
        for (const account of features.storage.accountNames) {
            for (const service of ["blob", "table"]) {
                named(Feature.Storage, purpose, `${account}.${service}.${cloud.storageSuffix}`, DocReference.GatewayConnectivity, HTTPS, `storage-${account}-${service}`);
            }
        }
    }
    if (features.azureResourceManager.enabled) {
        named(Feature.AzureResourceManager, "Microsoft Entra authentication with RBAC checks (Azure Resource Manager)", cloud.resourceManagerHost, DocReference.GatewayConnectivity);
    }
    const regionalLogin = cloud.regionalLoginDomain && `${features.entraId.region ?? region}.${cloud.regionalLoginDomain}`;
    const signIn = gatewaySignIn(facts, options, regionalLogin);
    flows.push(...signIn);
    if (features.entraId.enabled) {
        const purpose = "Microsoft Entra authentication of the configuration connection and Entra-related policies";
        // The gateway's own sign-in already opens its hosts, as required flows: one rule for each.
        const signInHosts = new Set(signIn.map((f) => f.destination.value));
        [cloud.loginHost, ...(regionalLogin ? [regionalLogin] : [])].filter((host) => !signInHosts.has(host))
            .forEach((host) => named(Feature.EntraId, purpose, host, DocReference.GatewayConnectivity));
    }
    const insights = features.applicationInsights;
    if (insights.enabled) {
        // The global hosts the page lists, and the stamped regional hosts of the resource's
        // connection string; a region guessed from the APIM instance would never match them.
        for (const host of cloud.applicationInsights.globalHosts) {
            named(Feature.ApplicationInsights, "Application Insights telemetry and live metrics (global endpoint)", host, DocReference.ApplicationInsights);
        }
        if (insights.ingestion) {
            named(Feature.ApplicationInsights, "Application Insights telemetry (the connection string's IngestionEndpoint)", endpointHost(insights.ingestion, cloud.applicationInsights.ingestionDomain), DECLARED_BY_USER);
        }
        if (insights.live) {
            named(Feature.ApplicationInsights, "Application Insights live metrics (the connection string's LiveEndpoint)", endpointHost(insights.live, cloud.applicationInsights.liveDomain), DECLARED_BY_USER);
        }
    }
    if (features.eventHubs.enabled) {
        for (const namespace of features.eventHubs.namespaces) {
            const host = `${namespace}.${cloud.serviceBusSuffix}`;
            // HTTPS and AMQP: what the APIM logger speaks. 9093 is for Kafka clients, which it is not.
            named(Feature.EventHubs, "Event Hubs logger over HTTPS", host, DocReference.EventHubs, HTTPS, `eventhubs-${namespace}-https`);
            // AMQP over TCP cannot pass a forward proxy, only AMQP over WebSockets on 443 can
            // (https://learn.microsoft.com/dotnet/api/azure.messaging.eventhubs.eventhubconnectionoptions.proxy):
            // through egressProxy, a 5671-5672 rule would open a path nothing takes.
            if (!options.egressProxy) {
                named(Feature.EventHubs, "Event Hubs logger over AMQP", host, DocReference.EventHubs, [tcp(5671, 5672)], `eventhubs-${namespace}-amqp`);
            }
        }
    }
    const cache = features.externalCache;
    if (cache.enabled && cache.host) {
        // In the cluster, as the external-cache doc recommends (DocReference.ExternalCache), or outside it.
        const where = cache.host.pods ? `incluster-${cache.host.pods.namespace}` : slug(cache.host.value);
        flows.push(flow(`externalcache-${where}`, Feature.ExternalCache, "external Redis-compatible cache", cache.host, DECLARED_BY_USER, [tcp(cache.port)]));
    }
    const sinks = [
        [Feature.OpenTelemetry, "metrics and traces to the OpenTelemetry collector", features.openTelemetry],
        [Feature.Statsd, "metrics to the StatsD server", features.statsd],
        [Feature.LocalLogs, `gateway logs (${features.localLogs.type ?? ""}) to the local log sink`, features.localLogs],
    ] as const;
    for (const [feature, purpose, sink] of sinks) {
        // A sink inside the pod or node (loopback, socket, file) has no destination: no flow.
        if (sink.enabled && sink.destination) {
            flows.push(flow(`${feature.toLowerCase()}-${slug(sink.host ?? "")}`, feature, `${purpose} ${sink.endpoint}`, sink.destination, DECLARED_BY_USER, sink.ports));
        }
    }
    if (features.imagePull.enabled) {
        for (const host of cloud.imageRegistryHosts) {
            flows.push({ ...flow(`${Feature.ImagePull.toLowerCase()}-${slug(host)}`, Feature.ImagePull, "pulling the gateway image (Microsoft Artifact Registry), by the nodes' container runtime", fqdn(Feature.ImagePull, host, true), DocReference.ContainerRegistry), fromNodes: features.imagePull.nodeAddresses });
        }
    }
    return flows;
}

/**
 * The gateway's sign-in at Microsoft Entra ID when `gatewayAuth` is an Entra type: required, since
 * without it the gateway gets no configuration. The host is the authority's: the custom one, or the
 * login host of the instance's cloud (`config.service.auth.azureAd.authority`, default
 * `https://login.microsoftonline.com`, DocReference.GatewaySettings). With the cloud's own
 * authority the regional host goes with it: "Required endpoints are `<region>.login.microsoft.com`
 * and `login.microsoftonline.com`", "when you use Microsoft Entra authentication" (overview,
 * DocReference.GatewayConnectivity); a custom authority names its host alone.
 */
function gatewaySignIn(facts: ApimFacts, options: Options, regionalLogin: string | undefined): EgressFlow[] {
    const auth = options.gatewayAuth;
    if (!signsInAtEntra(auth.type)) {
        return [];
    }
    const purpose = `the gateway's sign-in to Microsoft Entra ID for the configuration endpoint (gatewayAuth.type ${auth.type})`;
    const hosts = auth.authority ? [auth.authority.host] : [facts.cloud.loginHost, ...(regionalLogin ? [regionalLogin] : [])];
    const reference = auth.authority ? DECLARED_BY_USER : DocReference.GatewayConnectivity;
    return hosts.map((host) => ({ ...flow(`${Feature.EntraId.toLowerCase()}-${slug(host)}`, Feature.EntraId, purpose, fqdn(Feature.EntraId, host), reference), required: true }));
}

function backendFlows(options: Options): EgressFlow[] {
    return options.backends.map((b) => flow(`backend-${b.name}`, Feature.Backend, `backend "${b.name}" proxied by the gateway`, b.destination, DECLARED_BY_USER, b.ports));
}

const KIND_ORDER: readonly string[] = [DestinationKind.Cidr, DestinationKind.Fqdn, DestinationKind.ServiceTag, DestinationKind.InCluster];

function compareFlows(a: EgressFlow, b: EgressFlow): number {
    return FEATURE_ORDER.indexOf(a.feature) - FEATURE_ORDER.indexOf(b.feature)
        || KIND_ORDER.indexOf(a.destination.kind) - KIND_ORDER.indexOf(b.destination.kind)
        || byCodePoint(a.id, b.id);
}

/**
 * The port rule over sets: no destination is reached on every port of a protocol, whether one
 * backend's range covers 1-65535 or several flows to it (backends to one network or to a network
 * inside it, the cache, the VIP) add up to it. The policy pack refuses every port the same way.
 */
function checkPortsPerDestination(flows: readonly EgressFlow[], options: Options): void {
    // Each flow's addresses once; a name is reached by flows to the same name.
    const spans = flows.map((f) => (f.destination.kind === DestinationKind.Cidr ? networkSpan(f.destination.value) : undefined));
    const reaches = (outer: number, inner: number) => {
        const [o, i] = [spans[outer], spans[inner]];
        return o && i ? o[0] <= i[0] && i[1] <= o[1] : flows[outer].destination.kind === flows[inner].destination.kind && flows[outer].destination.value === flows[inner].destination.value;
    };
    for (const [t, target] of flows.entries()) {
        const reaching = flows.filter((_, f) => reaches(f, t));
        const protocol = everyPortOf(reaching.flatMap((f) => f.ports));
        if (protocol === undefined) {
            continue;
        }
        const backends = options.backends.filter((b) => reaching.some((f) => f.id === `backend-${b.name}`));
        const what = `${target.destination.value} on every ${protocol} port (1-65535)`;
        if (reaching.length === 1 && backends.length === 1) {
            throw new InputError(`${backends[0].field}.endPort`, backends[0].ports[0].endPort, `The backend reaches ${what}: name the ports it uses.`);
        }
        const list = backends[0].field.replace(/\[\d+\]$/, "");
        throw new InputError(list, backends.map((b) => b.name), `Together the flows ${reaching.map((f) => f.id).join(", ")} reach ${what}: name the ports each backend uses.`);
    }
}

/**
 * The breadth rule over the destinations: every network the firewall and cluster rules open by
 * address (the configuration address, backends, the cache, telemetry sinks) together holds no more
 * than one network of `firewall.minimumPrefixLength`, as the policy pack measures one rule
 * collection's destinations (policy/breadth.ts, setBreadth). Names, tags and pods are not counted.
 * The first network that tips the sum is named; the configuration address, a /32 and first, never does.
 */
function checkDestinationsTogether(flows: readonly EgressFlow[], options: Options): void {
    const byAddress = flows.filter((f) => f.destination.kind === DestinationKind.Cidr);
    const features = options.featuresField;
    for (const [i, tip] of byAddress.entries()) {
        const networks = byAddress.slice(0, i + 1).map((f) => f.destination.value);
        const excess = setExcess(networks, options.minimumPrefixLength);
        if (excess) {
            const backend = options.backends.find((b) => tip.id === `backend-${b.name}`);
            const field = backend ? `${backend.field}.address` : tip.feature === Feature.ExternalCache ? `${features}.externalCache.host` : `${features}.${tip.feature}.address`;
            throw new InputError(field, tip.destination.value, `Together the destinations the rules open by address (${networks.join(", ")}) ${excess}. Name the networks the flows need.`);
        }
    }
}

/** Builds the sorted egress plan. Pure: no I/O, no Pulumi. Throws `InputError` on a destination reached on every port, or destinations broader together than one network. */
export function buildEgressPlan(facts: ApimFacts, options: Options): EgressPlan {
    const flows = [...configurationFlows(facts, options.configurationAddress), ...featureFlows(facts, options), ...backendFlows(options)].sort(compareFlows);
    checkPortsPerDestination(flows, options);
    checkDestinationsTogether(flows, options);
    return {
        apimName: facts.name,
        configurationHost: facts.configurationHost,
        configurationAddress: options.configurationAddress ?? facts.configurationAddress,
        flows,
    };
}
