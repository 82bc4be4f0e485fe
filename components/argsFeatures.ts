// The feature args: the gateway's optional flows, each adding only its own documented
// destinations. Part of args.ts, which re-exports it.
import type * as pulumi from "@pulumi/pulumi";
import type { InCluster, LocalLogsFeature, OpenTelemetryFeature, StatsdFeature } from "./argsLocal";

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
