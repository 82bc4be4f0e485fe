// Composition example: one hub firewall policy serving six factory sites, whose self-hosted
// gateways belong to two APIM instances. Each site is one component; on the shared policy their
// rule collection groups are chained (Azure writes one group of a policy at a time) and get
// distinct priorities from the default range, in the order below.
import * as pulumi from "@pulumi/pulumi";
import { SelfHostedGatewayEgress } from "../../components/selfHostedGatewayEgress";

const hubPolicy = { policyName: "fwpol-hub", resourceGroupName: "rg-hub" };

const sites = [
    { site: "berlin", apim: "contoso-apim-eu", network: "10.81.0.0/24" },
    { site: "lyon", apim: "contoso-apim-eu", network: "10.82.0.0/24" },
    { site: "turin", apim: "contoso-apim-eu", network: "10.83.0.0/24" },
    { site: "austin", apim: "contoso-apim-us", network: "10.91.0.0/24" },
    { site: "monterrey", apim: "contoso-apim-us", network: "10.92.0.0/24" },
    { site: "toronto", apim: "contoso-apim-us", network: "10.93.0.0/24" },
];

export const gateways = sites.map(({ site, apim, network }) => {
    const egress = new SelfHostedGatewayEgress(`apim-shgw-${site}`, {
        apim: { resourceGroupName: "rg-apim", serviceName: apim },
        firewall: { ...hubPolicy, sourceAddresses: [network] },
        cluster: { namespace: "apim-gateway" },
    });
    return pulumi.all([egress.ruleCollectionGroupName, egress.priority, egress.configurationAddress])
        .apply(([ruleCollectionGroup, priority, vip]) => ({ site, apim, ruleCollectionGroup, priority, vip }));
});
