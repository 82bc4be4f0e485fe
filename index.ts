// The stack program: every component arg from Pulumi config (declared with types, descriptions
// and defaults in Pulumi.yaml), one SelfHostedGatewayEgress, and its outputs as stack outputs.
import * as pulumi from "@pulumi/pulumi";
// Through the package's entry module, as a consumer imports it: Pulumi's schema analyzer finds
// the components the plugin host serves by following the imports of this file.
import { Backend, ClusterFlavor, RuleStyle, SelfHostedGatewayEgress, SelfHostedGatewayEgressArgs } from "./components";

/** Empty strings in config mean "not set": Pulumi.yaml needs a default for optional keys. */
function optional(value: string | undefined): string | undefined {
    return value === undefined || value === "" ? undefined : value;
}

/** Maps the stack's config to the component args. Exported for testing. */
export function argsFromConfig(config: pulumi.Config): SelfHostedGatewayEgressArgs {
    const storageAccountNames = config.getObject<string[]>("storageAccountNames") ?? [];
    const eventHubsNamespaces = config.getObject<string[]>("eventHubsNamespaces") ?? [];
    const externalCacheHost = optional(config.get("externalCacheHost"));
    return {
        apim: { resourceGroupName: config.require("apimResourceGroup"), serviceName: config.require("apimServiceName") },
        firewall: {
            policyId: optional(config.get("firewallPolicyId")),
            policyName: optional(config.get("firewallPolicyName")),
            resourceGroupName: optional(config.get("firewallResourceGroup")),
            ruleCollectionGroupName: optional(config.get("ruleCollectionGroupName")),
            priority: config.getNumber("ruleCollectionGroupPriority"),
            sourceAddresses: config.getObject<string[]>("sourceAddresses"),
            sourceIpGroupIds: config.getObject<string[]>("sourceIpGroupIds"),
            ruleStyle: optional(config.get("ruleStyle")) as RuleStyle | undefined,
            configurationAddress: optional(config.get("configurationAddress")),
        },
        cluster: {
            enabled: config.getBoolean("clusterEnabled"),
            flavor: optional(config.get("clusterFlavor")) as ClusterFlavor | undefined,
            namespace: optional(config.get("gatewayNamespace")),
            releaseName: optional(config.get("gatewayReleaseName")),
            namespaceIsDedicated: config.getBoolean("namespaceIsDedicated"),
            allowNamedFlowsTo: config.getObject<string[]>("allowNamedFlowsTo"),
            ingressFrom: config.getObject<string[]>("ingressFrom"),
        },
        features: {
            storage: { enabled: storageAccountNames.length > 0 || config.getBoolean("useStorageServiceTag") === true, accountNames: storageAccountNames, useServiceTag: config.getBoolean("useStorageServiceTag") },
            azureResourceManager: { enabled: config.getBoolean("enableResourceManager") },
            entraId: { enabled: config.getBoolean("enableEntraId") },
            applicationInsights: {
                enabled: config.getBoolean("enableApplicationInsights"),
                ingestionEndpoint: optional(config.get("applicationInsightsIngestionEndpoint")),
                liveEndpoint: optional(config.get("applicationInsightsLiveEndpoint")),
            },
            eventHubs: { enabled: eventHubsNamespaces.length > 0, namespaces: eventHubsNamespaces },
            externalCache: { enabled: externalCacheHost !== undefined, host: externalCacheHost, port: config.getNumber("externalCachePort") },
            imagePull: { enabled: (config.getObject<string[]>("imagePullNodeAddresses") ?? []).length > 0, nodeAddresses: config.getObject<string[]>("imagePullNodeAddresses") },
        },
        backends: config.getObject<Backend[]>("backends"),
        egressProxy: optional(config.get("egressProxyAddress")) === undefined ? undefined : { address: config.require("egressProxyAddress"), port: config.requireNumber("egressProxyPort") },
    };
}

const egress = new SelfHostedGatewayEgress("apim-gateway-egress", argsFromConfig(new pulumi.Config()));

export const ruleCollectionGroupId = egress.ruleCollectionGroupId;
export const ruleCollectionGroupName = egress.ruleCollectionGroupName;
export const priority = egress.priority;
export const networkPolicyName = egress.networkPolicyName;
export const configurationHost = egress.configurationHost;
export const configurationAddress = egress.configurationAddress;
export const ruleStyle = egress.ruleStyle;
export const egressPlan = egress.egressPlan;
export const egressMatrix = egress.egressMatrix;
export const notEnforceableInCluster = egress.notEnforceableInCluster;
export const notes = egress.notes;
export const gatewayHelmValues = egress.gatewayHelmValues;
