// Entry point the Pulumi engine runs (`pulumi preview --policy-pack policy`). Constructing the
// pack starts the analyzer's gRPC server and reads ./package.json for the pack version, so
// nothing but the engine may import this file: tests import ./policies instead.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("apim-gateway-egress-guard", {
    description: "Keeps the egress of an APIM self-hosted gateway least-privilege: no broad sources, destinations, ports or protocols in Azure Firewall allow rules, no broad egress in NetworkPolicy, CiliumNetworkPolicy or EgressFirewall (broad NetworkPolicy egress only under an explicit, reported opt-in), valid firewall priorities.",
    policies: [...policies],
});
