// The values of the gateway's official Helm chart that this egress assumes
// (Azure/api-management-self-hosted-gateway, helm-charts/azure-api-management-gateway/values.yaml):
// the configuration endpoint, how the gateway resolves it, the forward proxy it goes through,
// and the replicas' ports. Pure. A program passes them to the chart's release, so that a VIP
// change reaches the firewall, the cluster policy and the gateway's name resolution in one
// deployment.
import { ApimFacts, VirtualNetworkType } from "./apimFacts";
import { EgressPlan } from "./egressPlan";
import { Options } from "./options";

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

/** `gateway.configuration`. */
export interface HelmConfigurationValues {
    /** The configuration endpoint, `<service>.configuration.azure-api.net` or the custom host. */
    uri: string;
}

/** `gateway`. */
export interface HelmGatewayValues {
    configuration: HelmConfigurationValues;
    deployment: HelmDeploymentValues;
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

/** The chart values this egress assumes. */
export interface GatewayHelmValues {
    gateway: HelmGatewayValues;
    service: HelmServiceValues;
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
    return {
        gateway: {
            configuration: { uri: plan.configurationHost },
            deployment: {
                ...(mapHost ? { dns: { hostAliases: [{ ip: plan.configurationAddress, hostnames: [plan.configurationHost] }] } } : {}),
                ...(proxy ? { network: { proxy: { http: proxy, https: proxy } } } : {}),
            },
        },
        service: { ports: { instance: { ...options.cluster.instancePorts } } },
    };
}
