// The values of the gateway's official Helm chart that this egress assumes
// (Azure/api-management-self-hosted-gateway, helm-charts/azure-api-management-gateway/values.yaml):
// the configuration endpoint, how the gateway resolves it, the forward proxy it goes through and
// what bypasses it, the replicas' ports, how it signs in, its configuration backup, where local
// telemetry goes, and the settings the chart passes through (`gateway.configuration.additional`).
// Pure. A program passes them to the chart's release, so that a VIP change reaches the firewall,
// the cluster policy and the gateway's name resolution in one deployment.
import { ApimFacts, VirtualNetworkType } from "./apimFacts";
import { ClusterFlavor, GatewayAuthType, LocalLogsType } from "./args";
import { GatewayPorts } from "./catalog";
import { ClusterRendering } from "./clusterPolicy";
import { EgressPlan, Feature } from "./egressPlan";
import { Options } from "./options";
import { signsInAtEntra } from "./optionsGateway";
import { byCodePoint } from "./ordering";
import { DestinationKind } from "./peers";

/** `gateway.deployment.dns.hostAliases[]`: a name the gateway pods resolve to a fixed address. */
export interface HelmHostAlias {
    ip: string;
    hostnames: string[];
}

/** `gateway.deployment.dns`. */
export interface HelmDnsValues {
    hostAliases: HelmHostAlias[];
}

/** `gateway.deployment.network.proxy`: the forward proxy, as `http://<address>:<port>`. */
export interface HelmProxyValues {
    http: string;
    https: string;
    /** `NO_PROXY` (templates/deployment.yaml): what the gateway reaches directly, comma-separated. */
    bypass: string;
}

/** `gateway.deployment.network`. */
export interface HelmNetworkValues {
    proxy: HelmProxyValues;
}

/** `gateway.deployment`. */
export interface HelmDeploymentValues {
    /** Set when the configuration host is mapped to its address. */
    dns?: HelmDnsValues;
    /** Set in proxy mode. */
    network?: HelmNetworkValues;
}

/** `gateway.configuration.backup.persistentVolumeClaim`: set only where the chart's defaults do not hold. */
export interface HelmBackupClaimValues {
    size?: string;
    storageClassName?: string;
}

/** `gateway.configuration.backup`: the configuration copy's volume claim. */
export interface HelmBackupValues {
    enabled: boolean;
    persistentVolumeClaim?: HelmBackupClaimValues;
}

/** `gateway.configuration`. */
export interface HelmConfigurationValues {
    /** The configuration endpoint, `<service>.configuration.azure-api.net` or the custom host. */
    uri: string;
    /**
     * Gateway settings the chart has no value for, copied into its ConfigMap as they stand
     * (`templates/configmap.yaml`): ConfigMap data are strings, so every value is one.
     */
    additional?: { [setting: string]: string };
    backup?: HelmBackupValues;
}

/** `gateway.auth`, as far as egress depends on it (the tenant, app and secret are the release's own). */
export interface HelmAuthValues {
    type: string;
    azureAd?: HelmAzureAdValues;
}

/** `gateway.auth.azureAd`: the authority (its tenant and app are the release's own). */
export interface HelmAzureAdValues {
    authority: string;
}

/** `gateway`. */
export interface HelmGatewayValues {
    configuration: HelmConfigurationValues;
    deployment: HelmDeploymentValues;
    /** The gateway resource's name, which the chart requires with the Entra types. */
    name?: string;
    auth?: HelmAuthValues;
}

/** `service.ports.instance`: the UDP ports between replicas. */
export interface HelmInstancePortValues {
    synchronization: number;
    heartbeat: number;
}

/** `service.ports`. */
export interface HelmServicePortValues {
    instance: HelmInstancePortValues;
}

/** `service`. */
export interface HelmServiceValues {
    ports: HelmServicePortValues;
}

/** `observability.opentelemetry`. */
export interface HelmOpenTelemetryValues {
    enabled: boolean;
    collector: HelmOpenTelemetryCollectorValues;
}

/** `observability.opentelemetry.collector`. */
export interface HelmOpenTelemetryCollectorValues {
    uri: string;
}

/** `observability.statsD`. */
export interface HelmStatsdValues {
    enabled: boolean;
    endpoint: string;
}

/** `observability.logs.local.<type>`. */
export interface HelmLogEndpointValues {
    endpoint: string;
}

/** `observability.logs.local`: the type, and the endpoint under the type's own key. */
export interface HelmLocalLogsValues {
    type: string;
    rfc5424?: HelmLogEndpointValues;
    localsyslog?: HelmLogEndpointValues;
    journal?: HelmLogEndpointValues;
    json?: HelmLogEndpointValues;
}

/** `observability.logs`. */
export interface HelmLogsValues {
    local: HelmLocalLogsValues;
}

/** `observability`: set only for the local telemetry features that are on. */
export interface HelmObservabilityValues {
    opentelemetry?: HelmOpenTelemetryValues;
    statsD?: HelmStatsdValues;
    logs?: HelmLogsValues;
}

/** The chart values this egress assumes. */
export interface GatewayHelmValues {
    gateway: HelmGatewayValues;
    service: HelmServiceValues;
    /** Set when a local telemetry feature is on. */
    observability?: HelmObservabilityValues;
}

/**
 * The chart values for the gateway these rules are for. `hostAliases` maps the configuration host
 * to the address the rules open (the VIP read at this deployment, or the declared override): by
 * default in Internal mode, where the name resolves only from a private record for that host (a zone
 * scoped to it, never one for azure-api.net: DocReference.InternalVnetDns) that an air-gapped site
 * often cannot reach (DESIGN.md §9).
 */
export function gatewayHelmValues(facts: ApimFacts, plan: EgressPlan, options: Options): GatewayHelmValues {
    // Through a proxy the gateway sends the name, not an address (CONNECT host:443): the proxy
    // resolves it, so the pods need no alias for it.
    const mapHost = options.hostAliases ?? (facts.virtualNetworkType === VirtualNetworkType.Internal && !options.egressProxy);
    const proxy = options.egressProxy && `http://${options.egressProxy.address}:${options.egressProxy.port}`;
    const observability = observabilityValues(options);
    const additional = additionalSettings(facts, options);
    const backup = backupValues(options);
    return {
        gateway: {
            configuration: { uri: plan.configurationHost, ...(additional ? { additional } : {}), ...(backup ? { backup } : {}) },
            deployment: {
                ...(mapHost ? { dns: { hostAliases: [{ ip: plan.configurationAddress, hostnames: [plan.configurationHost] }] } } : {}),
                ...(proxy ? { network: { proxy: { http: proxy, https: proxy, bypass: proxyBypass(options) } } } : {}),
            },
            ...authValues(facts, options),
        },
        service: { ports: { instance: { ...options.cluster.instancePorts } } },
        ...(observability ? { observability } : {}),
    };
}

/**
 * `NO_PROXY` for proxy mode: what the gateway reaches without the proxy. The gateway is a .NET
 * application, whose HttpClient reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY: an entry matches a
 * host exactly, or with a leading dot its subdomains (not the domain itself); no wildcards, no
 * CIDRs (learn.microsoft.com/dotnet/api/system.net.http.httpclient.defaultproxy). So:
 * - `localhost`, `127.0.0.1`: the pod itself;
 * - `.svc` and `.cluster.local`: every Service name written `<service>.<namespace>.svc` or in
 *   full in the default cluster domain `cluster.local` (a cluster with another domain is still
 *   covered by `.svc` in the short form). The in-cluster backends' host names live in APIM's
 *   configuration, not here: these suffixes are how they bypass the proxy (a note says so);
 * - each in-cluster telemetry sink's host as its endpoint names it (`otel-collector`), which a
 *   suffix cannot cover.
 * The Kubernetes API is not covered: in-cluster clients reach it at KUBERNETES_SERVICE_HOST, the
 * API server's ClusterIP, which no suffix matches and NO_PROXY takes no CIDR for. It matters only
 * in the chart's ingress controller mode (`ingress.controller.enabled`, templates/configmap.yaml
 * `k8s.ingress.enabled`), which these values leave off: whoever turns it on adds that ClusterIP
 * (`kubectl get svc kubernetes -n default`) to the bypass.
 */
export function proxyBypass(options: Options): string {
    const { openTelemetry, statsd, localLogs } = options.features;
    const sinkHosts = [openTelemetry, statsd, localLogs].flatMap((s) => (s.destination?.kind === DestinationKind.InCluster && s.host ? [s.host] : []));
    return [...new Set(["localhost", "127.0.0.1", ".svc", ".cluster.local", ...[...sinkHosts].sort(byCodePoint)])].join(",");
}

/**
 * The chart's `observability.*` values for the local telemetry features that are on (chart
 * 1.15.1 values.yaml, rendered by templates/configmap.yaml into `observability.opentelemetry.*`,
 * `telemetry.metrics.local.statsd.*` and `telemetry.logs.local.*`). Settings left out keep the
 * chart's defaults (StatsD sampling 1 and tag format dogStatsD, no histogram buckets).
 */
export function observabilityValues(options: Options): HelmObservabilityValues | undefined {
    const { openTelemetry, statsd, localLogs } = options.features;
    const values: HelmObservabilityValues = {
        ...(openTelemetry.enabled ? { opentelemetry: { enabled: true, collector: { uri: openTelemetry.endpoint as string } } } : {}),
        ...(statsd.enabled ? { statsD: { enabled: true, endpoint: statsd.endpoint as string } } : {}),
        ...(localLogs.type ? { logs: { local: { type: localLogs.type, [localLogs.type]: { endpoint: localLogs.endpoint as string } } } } : {}),
    };
    return Object.keys(values).length > 0 ? values : undefined;
}

/** What the cluster administrator must know for the local telemetry features to work. */
export function telemetryNotes(options: Options): string[] {
    const { openTelemetry, statsd, localLogs: logs } = options.features;
    // NetworkPolicy and Cilium match the pods' port, after the Service translates its own (NetworkPolicyPort:
    // "a numerical or named port on a pod"): the endpoint names the Service's.
    const inCluster = [["openTelemetry", openTelemetry], ["statsd", statsd], ["localLogs", logs]] as const;
    return [
        ...inCluster.filter(([, s]) => s.destination?.kind === DestinationKind.InCluster).map(([key, s]) => `features.${key} is opened on port ${s.ports[0].port} of its pods, the port its endpoint ${s.endpoint} names: if that is a Service whose targetPort differs, give the Service the same port and targetPort, since the cluster policy sees the pods' port.`),
        // The chart mounts a volume for localsyslog (/dev/log, hostPath Socket) and for nothing else (templates/deployment.yaml).
        ...(logs.type === LocalLogsType.Journal ? [`features.localLogs writes to the journal socket ${logs.endpoint}: the chart mounts no volume for the journal (it mounts the node's /dev/log for localsyslog only), so the gateway's deployment needs a hostPath volume for that socket.`] : []),
        ...(logs.type === LocalLogsType.Rfc5424 && logs.ports.length > 1 ? [`features.localLogs (rfc5424) opens both UDP and TCP ${logs.ports[0].port}: no document names the transport of the gateway's rfc5424 sink. Write the endpoint as udp://… or tcp://… to open one.`] : []),
    ];
}

/**
 * `gateway.configuration.additional`: the settings the gateway needs that the chart sets nowhere.
 * - The replicas' ports: `service.ports.instance.*` only sets the containerPort and the headless
 *   Service (`templates/deployment.yaml`); the gateway listens where `policy.rate-limit.sync.port`
 *   (default 4290) and `neighborhood.heartbeat.port` (4291) say (DocReference.GatewaySettings,
 *   "Cross-instance discovery and synchronization"). Other ports go to both, or nobody listens
 *   where the NetworkPolicy opens.
 * - A sovereign cloud's `config.service.auth.tokenAudience` and, with Application Insights,
 *   `logs.applicationinsights.endpoint` (DocReference.GatewaySovereignClouds); the public cloud's are the defaults.
 */
function additionalSettings(facts: ApimFacts, options: Options): HelmConfigurationValues["additional"] {
    const { synchronization, heartbeat } = options.cluster.instancePorts;
    const sovereign = facts.cloud.gatewaySettings;
    const settings: Record<string, string> = {
        ...(synchronization !== GatewayPorts.rateLimitSync || heartbeat !== GatewayPorts.heartbeat
            ? { "policy.rate-limit.sync.port": String(synchronization), "neighborhood.heartbeat.port": String(heartbeat) } : {}),
        ...(sovereign ? { "config.service.auth.tokenAudience": sovereign.tokenAudience } : {}),
        ...(sovereign && options.features.applicationInsights.enabled ? { "logs.applicationinsights.endpoint": sovereign.applicationInsightsEndpoint } : {}),
    };
    return Object.keys(settings).length > 0 ? settings : undefined;
}

/**
 * `gateway.name` and `gateway.auth` for the Entra types (values.yaml, `templates/configmap.yaml`):
 * the chart refuses them without `gateway.name`, and passes `gateway.auth.azureAd.authority` only
 * for `AzureAdApp`, where it is set to the host the sign-in rule opens; the gateway's own default
 * is the public cloud's (DocReference.GatewaySettings). For `WorkloadIdentity` the chart has no
 * authority: the workload identity webhook gives the pod its own (a note says so).
 */
function authValues(facts: ApimFacts, options: Options): Pick<HelmGatewayValues, "name" | "auth"> {
    const auth = options.gatewayAuth;
    if (!signsInAtEntra(auth.type)) {
        return {};
    }
    const authority = auth.authority?.url ?? `https://${facts.cloud.loginHost}`;
    return { name: auth.gatewayName, auth: { type: auth.type, ...(auth.type === GatewayAuthType.AzureAdApp ? { azureAd: { authority } } : {}) } };
}

/** `gateway.configuration.backup` (values.yaml): the chart's volume claim, its size and class when given. */
function backupValues(options: Options): HelmBackupValues | undefined {
    const backup = options.configurationBackup;
    if (!backup?.enabled) {
        return undefined;
    }
    const claim = { ...(backup.size ? { size: backup.size } : {}), ...(backup.storageClassName ? { storageClassName: backup.storageClassName } : {}) };
    return { enabled: true, ...(Object.keys(claim).length > 0 ? { persistentVolumeClaim: claim } : {}) };
}

/**
 * What the chart's values leave to the administrator: a configuration backup for a site that may
 * lose Azure, who sets the sign-in host under workload identity, and a required sign-in that the
 * cluster policy blocks.
 */
export function chartNotes(facts: ApimFacts, plan: EgressPlan, cluster: ClusterRendering, options: Options): string[] {
    const notes: string[] = [];
    // Overview, "Connectivity to Azure" (DocReference.GatewayConnectivity): without a backup,
    // "Stopped self-hosted gateways won't be able to start" while the endpoint is unreachable.
    if (options.configurationBackup && !options.configurationBackup.enabled && facts.virtualNetworkType === VirtualNetworkType.Internal) {
        notes.push(`configurationBackup is off: while ${plan.configurationHost} is unreachable, running gateways keep their configuration in memory, but "Stopped self-hosted gateways won't be able to start" (self-hosted gateway overview). For an Internal or air-gapped site, set configurationBackup.enabled to true: the chart keeps the last configuration on a persistent volume (gateway.configuration.backup).`);
    }
    const auth = options.gatewayAuth;
    const signIn = plan.flows.filter((f) => f.required && f.feature === Feature.EntraId);
    if (auth.type === GatewayAuthType.WorkloadIdentity && signIn.length > 0) {
        // The webhook injects AZURE_AUTHORITY_HOST with AZURE_CLIENT_ID, AZURE_TENANT_ID and
        // AZURE_FEDERATED_TOKEN_FILE (https://azure.github.io/azure-workload-identity/docs/installation/mutating-admission-webhook.html).
        notes.push(`With gatewayAuth.type WorkloadIdentity the chart sets no authority: the Azure Workload Identity webhook gives the pod its sign-in host (AZURE_AUTHORITY_HOST, from the webhook's cloud). The rules open ${auth.authority?.host ?? facts.cloud.loginHost}: the two must agree.`);
    }
    for (const flow of signIn) {
        const blocked = cluster.notEnforceable.find((n) => n.flow === flow.id);
        if (blocked) {
            // The EgressFirewall allows by name, but the NetworkPolicy beside it applies too and
            // matches addresses only. Entra's sign-in addresses are published as the service tag
            // AzureActiveDirectory (https://learn.microsoft.com/azure/virtual-network/service-tags-overview).
            const openShift = options.cluster.flavor === ClusterFlavor.OpenShift;
            const where = openShift
                ? `the EgressFirewall allows ${flow.destination.value} by dnsName, but the NetworkPolicy, which applies as well, matches addresses only and blocks it`
                : `the cluster policy blocks it (${blocked.reason})`;
            const fix = `List the AzureActiveDirectory service tag's prefixes (Azure IP Ranges and Service Tags download, or az network list-service-tags) in cluster.allowNamedFlowsTo${openShift ? "" : ", or use cluster.flavor cilium, which allows it by name"}.`;
            notes.push(`${flow.id} is required by gatewayAuth.type ${auth.type}: without it the gateway gets no configuration, yet ${where}. ${fix}`);
        }
    }
    return notes;
}
