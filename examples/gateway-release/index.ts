// One deployment that keeps a site's self-hosted gateway and its egress in step: the component
// reads the APIM instance, writes the firewall and cluster rules, and hands the official chart the
// values those rules assume (the configuration endpoint, and in Internal mode its address as a
// host alias). When the VIP moves (a VNet change, a mode switch), the next `pulumi up` updates the
// firewall rule, the NetworkPolicy and the gateway's name resolution together.
import * as pulumi from "@pulumi/pulumi";
import { Release } from "@pulumi/kubernetes/helm/v3";
import { SelfHostedGatewayEgress } from "../../components";

const config = new pulumi.Config();
// The chart's release name is the pods' `app.kubernetes.io/instance` label, which the cluster
// policy selects them by (cluster.releaseName): keep the two the same.
const releaseName = "azure-api-management-gateway";
const namespace = "apim-gateway";

const egress = new SelfHostedGatewayEgress("factory1", {
    apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" },
    firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"] },
    cluster: { namespace, releaseName },
});

export const gateway = new Release("factory1-gateway", {
    name: releaseName,
    namespace,
    chart: "azure-api-management-gateway",
    repositoryOpts: { repo: "https://azure.github.io/api-management-self-hosted-gateway/helm-charts/" },
    // The egress's values, with what only the site knows: the gateway's name and its token.
    values: pulumi.all([egress.gatewayHelmValues, config.requireSecret("gatewayToken")]).apply(([values, key]) => ({
        ...values,
        gateway: { ...values.gateway, name: "factory1", auth: { type: "GatewayToken", key } },
    })),
}, { dependsOn: [egress] });

export const configurationAddress = egress.configurationAddress;
