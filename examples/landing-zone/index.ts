// Landing-zone example: one hub firewall policy serving six factory sites, whose self-hosted
// gateways belong to two APIM instances. The hub's rules are one GatewayEgressRuleCollectionGroup
// (one rule collection group, so one write of the policy, holding a rule collection per site);
// each site's cluster policy is a SelfHostedGatewayEgress with its firewall left to the hub.
//
// Each site's cluster is usually its own: pass its provider, e.g.
//   { providers: { kubernetes: new k8s.Provider(site, { kubeconfig: config.requireSecret(`${site}-kubeconfig`) }) } }
// The example uses the program's default Kubernetes provider to stay runnable anywhere.
import * as pulumi from "@pulumi/pulumi";
import { GatewayEgressRuleCollectionGroup, SelfHostedGatewayEgress } from "../../components";

const sites = [
    { site: "berlin", apim: "contoso-apim-eu", network: "10.81.0.0/24" },
    { site: "lyon", apim: "contoso-apim-eu", network: "10.82.0.0/24" },
    { site: "turin", apim: "contoso-apim-eu", network: "10.83.0.0/24" },
    { site: "austin", apim: "contoso-apim-us", network: "10.91.0.0/24" },
    { site: "monterrey", apim: "contoso-apim-us", network: "10.92.0.0/24" },
    { site: "toronto", apim: "contoso-apim-us", network: "10.93.0.0/24" },
];

const hub = new GatewayEgressRuleCollectionGroup("apim-gateways-hub", {
    firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", ruleCollectionGroupName: "apim-self-hosted-gateways" },
    gateways: sites.map(({ site, apim, network }) => ({
        name: site,
        apim: { resourceGroupName: "rg-apim", serviceName: apim },
        sourceAddresses: [network],
    })),
});

const clusters = sites.map(({ site, apim }) => new SelfHostedGatewayEgress(`apim-shgw-${site}`, {
    apim: { resourceGroupName: "rg-apim", serviceName: apim },
    firewall: { enabled: false },
    cluster: { namespace: "apim-gateway" },
}));

/** The hub's groups, and the writes a first deployment costs on the policy. */
export const ruleCollectionGroups = hub.ruleCollectionGroups;
export const firstDeployWrites = hub.firstDeployWrites;
/** Each instance once: its configuration endpoint and the VIP behind it. */
export const instances = hub.instances;
/** Each site: the hub group holding its collections (`<site>-network`), its NetworkPolicy and the VIP its rule opens. */
export const gateways = pulumi.all([hub.gateways, pulumi.all(clusters.map((c) => c.networkPolicyName))]).apply(([reports, policies]) =>
    sites.map(({ site }, i) => {
        const report = reports.find((r) => r.name === site);
        return { site, apim: report?.apimServiceName, ruleCollectionGroup: report?.ruleCollectionGroup, networkPolicy: policies[i], vip: report?.configurationAddress };
    }));
