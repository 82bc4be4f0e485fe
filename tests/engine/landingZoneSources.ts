// A Pulumi program for the engine tests' landing-zone-preview step (tests/engine/run.ts), never
// imported: a hub of three sites and a second writer on the same policy, whose priority is
// allocated after the hub's. With config `fromIpGroup: true`, the site lyon takes its sources from
// an IP Group created in the same program, unknown in the preview that first creates it: the
// preview must show no group deleted or replaced and no priority moved.
import * as pulumi from "@pulumi/pulumi";
import { IpGroup } from "@pulumi/azure-native/network";
import { GatewayEgressRuleCollectionGroup, SelfHostedGatewayEgress } from "../../components";

const POLICY = { policyName: "fwpol-hub", resourceGroupName: "rg-hub" };
const fromIpGroup = new pulumi.Config().getBoolean("fromIpGroup") ?? false;
const sites = [
    { site: "berlin", apim: "contoso-apim-eu", network: "10.81.0.0/24" },
    { site: "lyon", apim: "contoso-apim-eu", network: "10.82.0.0/24" },
    { site: "austin", apim: "contoso-apim-us", network: "10.91.0.0/24" },
];

const lyonHosts = fromIpGroup ? new IpGroup("lyon-hosts", { resourceGroupName: "rg-hub", ipAddresses: ["10.82.0.0/24"] }) : undefined;

const hub = new GatewayEgressRuleCollectionGroup("apim-gateways-hub", {
    firewall: { ...POLICY, ruleCollectionGroupName: "apim-self-hosted-gateways" },
    gateways: sites.map(({ site, apim, network }) => ({
        name: site,
        apim: { resourceGroupName: "rg-apim", serviceName: apim },
        ...(lyonHosts && site === "lyon" ? { sourceIpGroupIds: [lyonHosts.id] } : { sourceAddresses: [network] }),
    })),
});

const edge = new SelfHostedGatewayEgress("edge", {
    apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim-eu" },
    firewall: { ...POLICY, sourceAddresses: ["10.70.0.0/24"] },
    cluster: { namespace: "apim-gateway" },
});

export const ruleCollectionGroups = hub.ruleCollectionGroups;
export const edgePriority = edge.priority;
