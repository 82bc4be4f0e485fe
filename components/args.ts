// The component's public args: plain interfaces and `as const` enums that Pulumi's
// multi-language analyzer accepts (no unions, functions or intersections), each documented with
// its default. `options.ts` validates them into resolved options.
import type * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "./argsCluster";
import type { Features } from "./argsFeatures";
import type { Firewall, FirewallPolicyTarget, GatewaySources } from "./argsFirewall";
import type { ConfigurationBackup, GatewayAuth } from "./argsGateway";
import type { InCluster } from "./argsLocal";
import type { Probe } from "./argsProbe";

// The firewall, the cluster, the features, sign-in and configuration backup, in-cluster peers and
// local telemetry, and the egress probe, kept in their own files to keep this one readable.
export * from "./argsCluster";
export * from "./argsFeatures";
export * from "./argsFirewall";
export * from "./argsGateway";
export * from "./argsLocal";
export * from "./argsProbe";

/** The API Management instance to read; it is read from Azure at every deployment. */
export interface ApimService {
    /** Resource group of the API Management instance. */
    resourceGroupName: pulumi.Input<string>;
    /** Name of the API Management instance (Developer or Premium tier). */
    serviceName: pulumi.Input<string>;
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
