// A Pulumi program for the engine tests' policy step (tests/engine/run.ts), never imported: a
// hand-written rule collection group next to nothing else, whose Allow rule opens 0.0.0.0/0.
// `pulumi preview --policy-pack policy` must stop it with the pack's mandatory
// `azure-firewall-no-open-destinations` violation. The resource goes to the azure-native test
// double, which is never asked to create it: preview only checks and diffs.
import { FirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";

const OPEN_DESTINATION = "0.0.0.0/0";

new FirewallPolicyRuleCollectionGroup("hand-written-open-egress", {
    resourceGroupName: "rg-hub",
    firewallPolicyName: "fwpol-hub",
    ruleCollectionGroupName: "hand-written-open-egress",
    priority: 900,
    ruleCollections: [
        {
            ruleCollectionType: "FirewallPolicyFilterRuleCollection",
            name: "allow-everything",
            priority: 100,
            action: { type: "Allow" },
            rules: [
                {
                    ruleType: "NetworkRule",
                    name: "gateway-to-anywhere",
                    ipProtocols: ["TCP"],
                    sourceAddresses: ["10.80.0.0/24"],
                    destinationAddresses: [OPEN_DESTINATION],
                    destinationPorts: ["443"],
                },
            ],
        },
    ],
});
