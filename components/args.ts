// The component's public args: plain interfaces and `as const` enums that Pulumi's
// multi-language analyzer accepts (no unions, functions or intersections), each documented with
// its default. `options.ts` validates them into resolved options.
import type * as pulumi from "@pulumi/pulumi";
import type { ConfigurationBackup, GatewayAuth } from "./argsGateway";
import type { InCluster, LocalLogsFeature, OpenTelemetryFeature, StatsdFeature } from "./argsLocal";
import type { Probe } from "./argsProbe";

// Sign-in, configuration backup, in-cluster peers and local telemetry, and the egress probe, kept in their own files to keep this one readable.
export * from "./argsGateway";
export * from "./argsLocal";
export * from "./argsProbe";

/** How the configuration endpoint is opened on the Azure Firewall. */
export const RuleStyle = {
    /** A network rule to the VIP read from Azure, TCP 443. Needs nothing of the firewall's DNS. */
    Ip: "ip",
    /** An application rule for the configuration host (HTTPS, matched by SNI). */
    Fqdn: "fqdn",
    /** Both: exact while the VIP holds, and still open by name if the VIP changes before the next deployment. */
    Both: "both",
} as const;
export type RuleStyle = (typeof RuleStyle)[keyof typeof RuleStyle];

/** Which cluster policy engine renders the gateway's cluster-side rules. */
export const ClusterFlavor = {
    /** A `networking.k8s.io/v1` NetworkPolicy only: addresses, no names. */
    Kubernetes: "kubernetes",
    /** NetworkPolicy plus an OVN-Kubernetes EgressFirewall (names allowed); DNS on 5353. */
    OpenShift: "openshift",
    /** NetworkPolicy plus a CiliumNetworkPolicy with `toFQDNs` through Cilium's DNS proxy. */
    Cilium: "cilium",
} as const;
export type ClusterFlavor = (typeof ClusterFlavor)[keyof typeof ClusterFlavor];

/** The API Management instance to read; it is read from Azure at every deployment. */
export interface ApimService {
    /** Resource group of the API Management instance. */
    resourceGroupName: pulumi.Input<string>;
    /** Name of the API Management instance (Developer or Premium tier). */
    serviceName: pulumi.Input<string>;
}

/** An inclusive range of rule collection group priorities. */
export interface PriorityRange {
    /** First priority, at least 100. */
    start: pulumi.Input<number>;
    /** Last priority, at most 65000. */
    end: pulumi.Input<number>;
}

/**
 * An existing Azure Firewall Policy and how this program's rule collection groups are placed in
 * it. Give either `policyId`, or `policyName` with `resourceGroupName`; not both.
 */
export interface FirewallPolicyTarget {
    /**
     * Resource ID of the firewall policy, `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/firewallPolicies/…`.
     * Its subscription is checked against the azure-native provider's at deployment.
     */
    policyId?: pulumi.Input<string>;
    /** Name of the firewall policy; needs `resourceGroupName`. The provider's subscription holds it. */
    policyName?: pulumi.Input<string>;
    /** Resource group of the firewall policy; needs `policyName`. */
    resourceGroupName?: pulumi.Input<string>;
    /**
     * Name of the rule collection group: 1-80 letters, digits, `_`, `.`, `-`, starting with a
     * letter or digit and ending with a letter, digit or `_`. When the rules need more than one
     * group, the others are named `<name>-2`, `<name>-3`, ...
     * @default the component's name
     */
    ruleCollectionGroupName?: pulumi.Input<string>;
    /**
     * Priority of the (first) rule collection group, 100-65000; lower runs first. Must differ
     * from every other group this program writes to the same policy. Further groups take the
     * lowest free priorities after it.
     * @default the lowest free multiple of 10 in `priorityRange` among this program's groups on the policy
     */
    priority?: pulumi.Input<number>;
    /**
     * Range for the automatic priorities, when `priority` is not given: the first group takes the
     * lowest free one, further groups the lowest free ones after it.
     * @default { start: 300, end: 65000 }
     */
    priorityRange?: pulumi.Input<PriorityRange>;
    /**
     * Chain the rule collection groups after the previous ones this program writes to the same
     * policy, since Azure writes one group of a policy at a time. Set false only when another
     * mechanism serializes the writes.
     * @default true
     */
    serializeWrites?: pulumi.Input<boolean>;
    /**
     * Largest size of one rule collection group, in bytes of its JSON request body. Azure
     * accepts 1 MB for policies created before July 2022 and 2 MB after; set 2097152 only for a
     * newer policy. Rules past this size go to further groups.
     * @default 1048576
     */
    maxGroupBytes?: pulumi.Input<number>;
    /**
     * Most rule collection groups this program may write to the policy. Azure allows 50 per
     * policy created before July 2022 and 60 after, counting groups written by anything else.
     * @default 50
     */
    maxRuleCollectionGroups?: pulumi.Input<number>;
    /**
     * Write network rules with FQDN destinations (Event Hubs AMQP, a cache by name) although the
     * policy, as read, has no DNS proxy (`dnsSettings.enableProxy` off, or Basic tier): a note
     * instead of the refusal. Such rules match nothing until the policy has DNS proxy.
     * @default false
     */
    allowWithoutDnsProxy?: pulumi.Input<boolean>;
    /**
     * Shortest accepted prefix length of any source or destination network: a shorter prefix is
     * refused as too broad (`0.0.0.0/1` covers half the Internet).
     * @default 8
     */
    minimumPrefixLength?: pulumi.Input<number>;
}

/** Who connects through the firewall, and how the configuration endpoint is opened. */
export interface GatewaySources {
    /** Source networks of the gateway hosts (IPv4 addresses or CIDRs). At least one source, here or in `sourceIpGroupIds`. */
    sourceAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Resource IDs of IP Groups holding the gateway hosts' addresses. */
    sourceIpGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * How the configuration endpoint is opened: `ip`, `fqdn` or `both`.
     * @default `ip` when the instance is Internal (the firewall usually cannot resolve the
     * configuration host's private record), `both` otherwise
     */
    ruleStyle?: pulumi.Input<RuleStyle>;
    /**
     * The IPv4 address the configuration host resolves to from the gateway, when it is not the
     * APIM VIP: a custom `ConfigurationApi` hostname published through Application Gateway (the
     * "Internet connectivity" option of the self-hosted gateway overview) answers on the
     * Application Gateway's address. `ip` and `both` open this address instead of the VIP.
     * @default the VIP read from Azure
     */
    configurationAddress?: pulumi.Input<string>;
}

/**
 * The existing Azure Firewall Policy that receives one rule collection group, the gateway's
 * sources and rule style. Set `enabled: false` when a `GatewayEgressRuleCollectionGroup` writes
 * the gateway's firewall rules; then only `enabled` is read.
 */
export interface Firewall extends FirewallPolicyTarget, GatewaySources {
    /**
     * Write the gateway's rule collection group. A plain value: it decides whether the group exists.
     * @default true
     */
    enabled?: boolean;
}

/**
 * The cluster-side policy for the gateway pods. `enabled` and `flavor` are plain values, not
 * Inputs: they decide which resources exist, so they must be known when the program runs (the
 * rest may come from other resources).
 */
export interface Cluster {
    /**
     * Create the cluster policy. Set false to manage only the Azure Firewall.
     * @default true
     */
    enabled?: boolean;
    /** Namespace of the self-hosted gateway. */
    namespace?: pulumi.Input<string>;
    /**
     * Policy engine: `kubernetes`, `openshift` or `cilium`.
     * @default "kubernetes"
     */
    flavor?: ClusterFlavor;
    /**
     * Helm release name of the gateway; selects its pods by the chart's labels
     * (`app.kubernetes.io/component: self-hosted-gateway`, `app.kubernetes.io/instance: <release>`).
     * Ignored when `podLabels` is given.
     * @default "azure-api-management-gateway"
     */
    releaseName?: pulumi.Input<string>;
    /** Labels that select the gateway pods, replacing the chart's labels. */
    podLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Name of the cluster policy objects (NetworkPolicy, CiliumNetworkPolicy).
     * @default the component's name
     */
    policyName?: pulumi.Input<string>;
    /**
     * Namespace of the cluster DNS pods.
     * @default "kube-system"; "openshift-dns" for `openshift`
     */
    dnsNamespace?: pulumi.Input<string>;
    /**
     * Labels of the cluster DNS pods.
     * @default {"k8s-app": "kube-dns"}; {"dns.operator.openshift.io/daemonset-dns": "default"} for `openshift`
     */
    dnsPodLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Namespaces allowed to reach the listeners (8080/8081) besides the gateway's own, by name.
     * On `openshift` the routers' namespaces are also selected by the label
     * `policy-group.network.openshift.io/ingress: ""`, which host-network routers carry too.
     * @default ["ingress-nginx"]; [] for `openshift`
     */
    ingressNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * CIDRs allowed, on their ports, for flows that only have a name (NetworkPolicy cannot
     * match names). Empty: such flows stay blocked in the cluster and are listed in
     * `notEnforceableInCluster`. `0.0.0.0/0` leaves them to the Azure Firewall; say so explicitly.
     * @default []
     */
    allowNamedFlowsTo?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * OpenShift: end the EgressFirewall with `Deny 0.0.0.0/0`. See the README on the documented doubt.
     * @default true
     */
    denyAllOtherEgress?: pulumi.Input<boolean>;
    /**
     * OpenShift: the gateway namespace holds no other workload. An EgressFirewall governs the
     * whole namespace, so `openshift` is refused until this is true.
     * @default false
     */
    namespaceIsDedicated?: pulumi.Input<boolean>;
    /**
     * Client networks allowed to the listeners (8080/8081), as the gateway is exposed: a
     * `LoadBalancer` Service's clients and health probes, NodePort sources. `0.0.0.0/0` written
     * out opens the listeners to every client; other networks follow `firewall.minimumPrefixLength`.
     * @default [] (the gateway's namespace and the ingress namespaces only)
     */
    ingressFrom?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The UDP ports the replicas use among themselves, as set in the chart's
     * `service.ports.instance`.
     * @default { synchronization: 4290, heartbeat: 4291 }
     */
    instancePorts?: pulumi.Input<InstancePorts>;
}

/** The UDP ports between gateway replicas (the chart's `service.ports.instance`). */
export interface InstancePorts {
    /**
     * Rate-limit synchronization.
     * @default 4290
     */
    synchronization?: pulumi.Input<number>;
    /**
     * Heartbeat.
     * @default 4291
     */
    heartbeat?: pulumi.Input<number>;
}

/** Azure Storage for API inspector traces and quota policies. Name accounts, or use the service tag. */
export interface StorageFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** Storage account names, as shown on the portal's "Network connectivity status" page. */
    accountNames?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Open the `Storage.<primary region>` service tag instead of named accounts (broader).
     * @default false
     */
    useServiceTag?: pulumi.Input<boolean>;
}

/** A feature switched on or off. */
export interface ToggleFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
}

/** A feature whose endpoints carry an Azure region. */
export interface RegionalFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /**
     * Region in host names such as `<region>.login.microsoft.com`.
     * @default the APIM instance's primary region
     */
    region?: pulumi.Input<string>;
}

/** The Event Hubs logger. */
export interface EventHubsFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** Event Hubs namespace names (`<namespace>.servicebus.windows.net`). */
    namespaces?: pulumi.Input<pulumi.Input<string>[]>;
}

/** An external Redis-compatible cache. Give exactly one of `host` and `inCluster`. */
export interface ExternalCacheFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** Host name or IPv4 address of the cache. */
    host?: pulumi.Input<string>;
    /**
     * The cache's pods, when it runs in the cluster: "Deploying a Redis cache into the same
     * Kubernetes cluster or in a separate cluster nearby are the best options"
     * (learn.microsoft.com/azure/api-management/api-management-howto-cache-external). Opened by
     * the cluster policy alone, and allowed beside `egressProxy`, which it does not pass.
     */
    inCluster?: pulumi.Input<InCluster>;
    /**
     * TCP port of the cache.
     * @default 6380 (TLS)
     */
    port?: pulumi.Input<number>;
}

/** The optional flows of the gateway; each adds only its own documented destinations. */
export interface Features {
    storage?: pulumi.Input<StorageFeature>;
    /** Azure Resource Manager, for Microsoft Entra authentication with RBAC checks. */
    azureResourceManager?: pulumi.Input<ToggleFeature>;
    /** Microsoft Entra ID, for Entra authentication of the configuration connection and Entra-related policies. */
    entraId?: pulumi.Input<RegionalFeature>;
    /** Application Insights telemetry. */
    applicationInsights?: pulumi.Input<ApplicationInsightsFeature>;
    eventHubs?: pulumi.Input<EventHubsFeature>;
    externalCache?: pulumi.Input<ExternalCacheFeature>;
    /** Pulling the gateway image from Microsoft's registry, by the nodes (off for sites that mirror it). */
    imagePull?: pulumi.Input<ImagePullFeature>;
    /** Metrics and traces to an OpenTelemetry collector (the chart's `observability.opentelemetry`). */
    openTelemetry?: pulumi.Input<OpenTelemetryFeature>;
    /** Metrics to a StatsD server (the chart's `observability.statsD`). */
    statsd?: pulumi.Input<StatsdFeature>;
    /** Gateway logs to a local sink (the chart's `observability.logs.local`). */
    localLogs?: pulumi.Input<LocalLogsFeature>;
}

/**
 * Application Insights telemetry. Its regional hosts are stamped (`westeurope-5.in.applicationinsights.azure.com`):
 * copy them from the resource's connection string, never its instrumentation key.
 */
export interface ApplicationInsightsFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** `IngestionEndpoint` of the connection string, e.g. `https://westeurope-5.in.applicationinsights.azure.com/`. */
    ingestionEndpoint?: pulumi.Input<string>;
    /** `LiveEndpoint` of the connection string, e.g. `https://westeurope.livediagnostics.monitor.azure.com/`. */
    liveEndpoint?: pulumi.Input<string>;
}

/**
 * Pulling the gateway image from Microsoft Artifact Registry. The node's container runtime pulls
 * it, not the gateway pod: the firewall rules come from the nodes, and pod policy has no part in it.
 */
export interface ImagePullFeature {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** Networks of the cluster's nodes (IPv4 addresses or CIDRs): the sources of the registry rules. */
    nodeAddresses?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A backend the gateway proxies to. Give exactly one of `address`, `fqdn` and `inCluster`. */
export interface Backend {
    /** A short name for the flow: lowercase letters, digits and hyphens, at most 40. */
    name: pulumi.Input<string>;
    /** IPv4 address or CIDR of the backend. */
    address?: pulumi.Input<string>;
    /** DNS name of the backend. */
    fqdn?: pulumi.Input<string>;
    /**
     * The backend's pods, when it runs in the cluster: opened by the cluster policy alone, and
     * beside `egressProxy` reached directly (the proxy bypass covers `.svc` and `.cluster.local`).
     */
    inCluster?: pulumi.Input<InCluster>;
    /** Port, 1-65535. */
    port: pulumi.Input<number>;
    /** Last port of a range, at least `port`. */
    endPort?: pulumi.Input<number>;
    /**
     * `TCP` or `UDP`.
     * @default "TCP"
     */
    protocol?: pulumi.Input<string>;
}

/** The args of `SelfHostedGatewayEgress`. */
export interface SelfHostedGatewayEgressArgs {
    /** The API Management instance; its addresses are read from Azure at every deployment. */
    apim: pulumi.Input<ApimService>;
    /** The existing Azure Firewall Policy that receives the rule collection group. Optional only with `enabled: false`. */
    firewall?: pulumi.Input<Firewall>;
    /** The cluster-side policy for the gateway pods. */
    cluster?: pulumi.Input<Cluster>;
    /** Optional flows; all off by default. */
    features?: pulumi.Input<Features>;
    /** Backends the gateway proxies to, declared by the user. */
    backends?: pulumi.Input<pulumi.Input<Backend>[]>;
    /**
     * Major version of the gateway image; only 2 is supported.
     * @default 2
     */
    gatewayMajorVersion?: pulumi.Input<number>;
    /**
     * An explicit forward proxy the gateway reaches everything outside the cluster through (a
     * DMZ proxy). The cluster policy then allows the pods to the proxy alone, the firewall rules
     * take the proxy as their source, and `gatewayHelmValues` carries it. With a proxy, leave
     * `firewall.sourceAddresses` and `firewall.sourceIpGroupIds` out. The proxy carries HTTP and
     * HTTPS only: an external cache and UDP backends outside the cluster are refused beside
     * it, and Event Hubs is opened on 443 alone. In-cluster peers (`inCluster`) are reached
     * directly: the cluster policy allows them, and `gatewayHelmValues` sets the chart's
     * `gateway.deployment.network.proxy.bypass` (`NO_PROXY`) to `localhost`, `127.0.0.1`, `.svc`,
     * `.cluster.local` (the default cluster domain) and each in-cluster telemetry host.
     */
    egressProxy?: pulumi.Input<EgressProxy>;
    /**
     * Map the configuration host to its address in `gatewayHelmValues`
     * (`gateway.deployment.dns.hostAliases`), so the gateway resolves it without a private DNS record.
     * @default true when the instance is Internal and no egressProxy resolves names for the gateway
     */
    hostAliases?: pulumi.Input<boolean>;
    /**
     * How the gateway authenticates to the configuration endpoint (the chart's `gateway.auth.type`).
     * The Entra types add the sign-in to Microsoft Entra ID as a required flow.
     * @default { type: "GatewayToken" }
     */
    gatewayAuth?: pulumi.Input<GatewayAuth>;
    /**
     * A copy of the last configuration on a persistent volume (the chart's `gateway.configuration.backup`),
     * so a stopped gateway can start while the configuration endpoint is unreachable.
     * @default { enabled: false }
     */
    configurationBackup?: pulumi.Input<ConfigurationBackup>;
    /** The egress probe Job; off by default. */
    probe?: pulumi.Input<Probe>;
}

/** A forward proxy, as `http://<address>:<port>`. */
export interface EgressProxy {
    /** IPv4 address of the proxy. */
    address: pulumi.Input<string>;
    /** TCP port of the proxy. */
    port: pulumi.Input<number>;
}

/** One self-hosted gateway whose firewall rules a `GatewayEgressRuleCollectionGroup` writes. */
export interface HubGateway extends GatewaySources {
    /**
     * Name of the gateway (a site): 1-60 letters, digits, `_`, `.`, `-`, starting with a letter
     * or digit and ending with a letter, digit or `_`. Its rule collections are named after it.
     */
    name: pulumi.Input<string>;
    /** The API Management instance the gateway belongs to; each distinct instance is read once. */
    apim: pulumi.Input<ApimService>;
    /** Optional flows of this gateway; all off by default. */
    features?: pulumi.Input<Features>;
    /** Backends this gateway proxies to, declared by the user. */
    backends?: pulumi.Input<pulumi.Input<Backend>[]>;
    /**
     * How the gateway authenticates: the Entra types add the sign-in at the authority as a
     * required flow. `gatewayName` is optional here: the hub renders no chart values.
     * @default { type: "GatewayToken" }
     */
    gatewayAuth?: pulumi.Input<GatewayAuth>;
}

/** The args of `GatewayEgressRuleCollectionGroup`. */
export interface GatewayEgressRuleCollectionGroupArgs {
    /** The existing Azure Firewall Policy, and how its rule collection groups are named and placed. */
    firewall: pulumi.Input<FirewallPolicyTarget>;
    /** The gateways whose rules the groups hold, one rule collection per gateway and rule type. */
    gateways: pulumi.Input<pulumi.Input<HubGateway>[]>;
}
