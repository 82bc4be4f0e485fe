// The documented endpoint catalog: every destination the v2 self-hosted gateway may need, per
// Azure cloud, with the page that says so. Nothing outside this file (or declared by the user)
// ever becomes a destination; the least-privilege property tests hold the plan to it.

/** Where each fact comes from. Each flow in the plan carries one of these, or `DECLARED_BY_USER`. */
export const DocReference = {
    /** "Connectivity to Azure": configuration endpoint, Storage, ARM, Entra, Application Insights. */
    GatewayConnectivity: "https://learn.microsoft.com/azure/api-management/self-hosted-gateway-overview#connectivity-to-azure",
    /** Settings reference: `config.service.endpoint`, Entra authentication, telemetry. */
    GatewaySettings: "https://learn.microsoft.com/azure/api-management/self-hosted-gateway-settings-reference",
    /** VIPs: which address a client sees, and when it changes. */
    IpAddresses: "https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses",
    /** Application Insights outgoing endpoints: global telemetry and live-metrics hosts; regional ones from the connection string. */
    ApplicationInsights: "https://learn.microsoft.com/azure/azure-monitor/fundamentals/azure-monitor-network-access",
    /** Event Hubs ports: HTTPS 443 and AMQP 5671-5672 for the APIM logger (9093 is Kafka clients'). */
    EventHubs: "https://learn.microsoft.com/azure/event-hubs/event-hubs-faq#what-ports-do-i-need-to-open-on-the-firewall-",
    /** APIM's Event Hubs logger. */
    EventHubsLogger: "https://learn.microsoft.com/azure/api-management/api-management-howto-log-event-hubs",
    /** External Redis-compatible cache for the self-hosted gateway. */
    ExternalCache: "https://learn.microsoft.com/azure/api-management/api-management-howto-cache-external",
    /** Microsoft Artifact Registry client firewall rules. */
    ContainerRegistry: "https://github.com/microsoft/containerregistry/blob/main/docs/client-firewall-rules.md",
    /** Azure Firewall limits: rule collection groups per policy (50/60), group size (1/2 MB), by policy creation date (July 2022). */
    FirewallLimits: "https://learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits#azure-firewall-limits",
    /** "A configuration update can take three to five minutes on average, and parallel updates aren't supported." */
    FirewallKnownIssues: "https://learn.microsoft.com/azure/firewall/firewall-known-issues",
    /** OVN-Kubernetes EgressFirewall: ordered rules, first match wins, one per namespace named "default". */
    EgressFirewall: "https://docs.openshift.com/container-platform/latest/networking/ovn_kubernetes_network_provider/configuring-egress-firewall-ovn.html",
    /** The settings reference's "Sovereign clouds" table: `config.service.auth.tokenAudience`, `logs.applicationinsights.endpoint`. */
    GatewaySovereignClouds: "https://learn.microsoft.com/azure/api-management/self-hosted-gateway-settings-reference#sovereign-clouds",
    /**
     * Internal VNet DNS: "If you use Azure Private DNS, create a zone that's scoped to the specific
     * service FQDN, not the apex public domain" and "Do not create a Private DNS zone or forward
     * lookup zone for `azure-api.net`" (Azure refuses it, too: MicrosoftDocs/azure-docs issue 102958).
     */
    InternalVnetDns: "https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet#dns-configuration",
    /** Helm chart `azure-api-management-gateway`: ports 8080/8081, UDP 4290/4291 between replicas. */
    HelmChart: "https://github.com/Azure/api-management-self-hosted-gateway",
} as const;

export const DECLARED_BY_USER = "declared by the user";

export const Cloud = {
    Public: "AzureCloud",
    UsGovernment: "AzureUSGovernment",
    China: "AzureChinaCloud",
} as const;
export type Cloud = (typeof Cloud)[keyof typeof Cloud];

/** The host names one Azure cloud uses for the endpoints of the catalog. */
export interface CloudEndpoints {
    readonly cloud: Cloud;
    /** Domain of APIM endpoints: `<service>.<apimDomain>`, `<service>.configuration.<apimDomain>`. */
    readonly apimDomain: string;
    /** False where no document states the `.configuration.` host pattern for this cloud. */
    readonly configurationHostDocumented: boolean;
    readonly storageSuffix: string;
    readonly resourceManagerHost: string;
    readonly loginHost: string;
    /** `<region>.login.microsoft.com` is documented for the public cloud only. */
    readonly regionalLoginDomain?: string;
    readonly applicationInsights: {
        /** The global telemetry and live-metrics hosts the page lists for this cloud. */
        readonly globalHosts: readonly string[];
        /** Domains the connection string's stamped ingestion and live hosts end in. */
        readonly ingestionDomain: string;
        readonly liveDomain: string;
        /** False where the hosts follow from the cloud's domain but no document lists them. */
        readonly documented: boolean;
    };
    readonly serviceBusSuffix: string;
    readonly imageRegistryHosts: readonly string[];
    readonly reference: string;
    /**
     * What the settings reference's "Sovereign clouds" table says a gateway of this cloud must set
     * (DocReference.GatewaySovereignClouds); absent for the public cloud, whose values are the defaults.
     */
    readonly gatewaySettings?: {
        /** `config.service.auth.tokenAudience`. */
        readonly tokenAudience: string;
        /** `logs.applicationinsights.endpoint`; its host is among `applicationInsights.globalHosts`. */
        readonly applicationInsightsEndpoint: string;
    };
}

const publicCloud: CloudEndpoints = {
    cloud: Cloud.Public,
    apimDomain: "azure-api.net",
    configurationHostDocumented: true,
    storageSuffix: "core.windows.net",
    resourceManagerHost: "management.azure.com",
    loginHost: "login.microsoftonline.com",
    regionalLoginDomain: "login.microsoft.com",
    // Azure Monitor network access, "Application Insights ingestion" (DocReference.ApplicationInsights).
    applicationInsights: {
        globalHosts: [
            "dc.applicationinsights.azure.com", "dc.applicationinsights.microsoft.com", "dc.services.visualstudio.com",
            "live.applicationinsights.azure.com", "rt.applicationinsights.microsoft.com", "rt.services.visualstudio.com",
        ],
        ingestionDomain: "in.applicationinsights.azure.com",
        liveDomain: "livediagnostics.monitor.azure.com",
        documented: true,
    },
    serviceBusSuffix: "servicebus.windows.net",
    imageRegistryHosts: ["mcr.microsoft.com", "*.data.mcr.microsoft.com"],
    reference: DocReference.GatewayConnectivity,
};

// Sovereign clouds: https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
// and https://learn.microsoft.com/azure/china/resources-developer-guide. The `.configuration.`
// host in these clouds follows from the APIM domain, but no document states it: unconfirmed.
const usGovernmentCloud: CloudEndpoints = {
    cloud: Cloud.UsGovernment,
    apimDomain: "azure-api.us",
    configurationHostDocumented: false,
    storageSuffix: "core.usgovcloudapi.net",
    resourceManagerHost: "management.usgovcloudapi.net",
    loginHost: "login.microsoftonline.us",
    // The page says Azure Government uses `.us` where the public cloud uses `.com`; it lists no
    // table of its own, so only the telemetry host that follows is opened without a connection string.
    applicationInsights: {
        globalHosts: ["dc.applicationinsights.us"],
        ingestionDomain: "in.applicationinsights.azure.us",
        liveDomain: "livediagnostics.monitor.azure.us",
        documented: false,
    },
    serviceBusSuffix: "servicebus.usgovcloudapi.net",
    imageRegistryHosts: ["mcr.microsoft.com", "*.data.mcr.microsoft.com"],
    reference: "https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure",
    gatewaySettings: { tokenAudience: "https://azure-api.us/configuration", applicationInsightsEndpoint: "https://dc.applicationinsights.us/v2/track" },
};

const chinaCloud: CloudEndpoints = {
    cloud: Cloud.China,
    apimDomain: "azure-api.cn",
    configurationHostDocumented: false,
    storageSuffix: "core.chinacloudapi.cn",
    resourceManagerHost: "management.chinacloudapi.cn",
    loginHost: "login.chinacloudapi.cn",
    // The China page of Azure Monitor network access (docs.azure.cn).
    applicationInsights: {
        globalHosts: [
            "dc.applicationinsights.azure.cn", "dc.applicationinsights.microsoft.com", "dc.services.visualstudio.com",
            "live.applicationinsights.azure.cn", "rt.applicationinsights.microsoft.com", "rt.services.visualstudio.com",
        ],
        ingestionDomain: "in.applicationinsights.azure.cn",
        liveDomain: "livediagnostics.monitor.azure.cn",
        documented: true,
    },
    serviceBusSuffix: "servicebus.chinacloudapi.cn",
    imageRegistryHosts: ["mcr.azure.cn", "*.data.mcr.azure.cn"],
    reference: "https://learn.microsoft.com/azure/china/resources-developer-guide",
    gatewaySettings: { tokenAudience: "https://azure-api.cn/configuration", applicationInsightsEndpoint: "https://dc.applicationinsights.azure.cn/v2/track" },
};

export const CLOUDS: readonly CloudEndpoints[] = [publicCloud, usGovernmentCloud, chinaCloud];

/** The cloud whose APIM domain ends `host`, e.g. `contoso.azure-api.us` → US Government. */
export function cloudOfHost(host: string): CloudEndpoints | undefined {
    return CLOUDS.find((c) => host === c.apimDomain || host.endsWith(`.${c.apimDomain}`));
}

/**
 * Where a private copy of the configuration host's record belongs (DocReference.InternalVnetDns):
 * a zone scoped to that one host, never the shared `azure-api.net`, which Azure refuses as a
 * private zone and the internal-VNet page forbids.
 */
export function configurationHostDnsAdvice(host: string): string {
    return `a private DNS zone named ${host} with an apex A record, or an A record for that name alone (never a zone for azure-api.net: Azure reserves it)`;
}

/**
 * Ports used inside the cluster by the Helm chart's gateway pods (values.yaml: `service.ports`);
 * the instance ports are configurable there, and here (`cluster.instancePorts`).
 */
export const GatewayPorts = {
    http: 8080,
    https: 8081,
    /** Rate-limit synchronization between replicas (`service.ports.instance.synchronization`). */
    rateLimitSync: 4290,
    /** Heartbeat between replicas (`service.ports.instance.heartbeat`). */
    heartbeat: 4291,
} as const;

/**
 * OpenShift labels the namespaces of its ingress routers so, host-network routers included: the
 * documented way to let router traffic in through a NetworkPolicy.
 * https://docs.openshift.com/container-platform/latest/networking/network_policy/multitenant-network-policy.html
 */
export const OPENSHIFT_INGRESS_LABEL = { "policy-group.network.openshift.io/ingress": "" } as const;

/** The v1 configuration API (`<service>.management.azure-api.net`) retired on 2023-10-01. */
export const SUPPORTED_GATEWAY_MAJOR_VERSION = 2;
