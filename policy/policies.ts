// The CrossGuard policies of the `apim-gateway-egress-guard` pack. They look at every resource of
// the stack, not only what SelfHostedGatewayEgress registers: a hand-written rule collection group
// or NetworkPolicy next to the component can undo its least-privilege egress just as well.
// policy/README.md documents each policy, the config and the broad-egress opt-in.
import { firewallFqdnNetworkRulesNeedDnsProxy, firewallNoOpenDestinations, firewallPriorityRange } from "./firewallPolicies";
import { broadEgressBackedByEgressFirewall, networkPolicyNoOpenEgress, networkPolicyBroadEgressOptIn } from "./clusterPolicies";
import { GuardPolicy, GuardStackPolicy } from "./guard";

export { DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH, DEFAULT_MINIMUM_PREFIX_LENGTH } from "./breadth";
export { BROAD_EGRESS_ANNOTATION, broadEgressBackedByEgressFirewall, networkPolicyNoOpenEgress, networkPolicyBroadEgressOptIn } from "./clusterPolicies";
export { firewallFqdnNetworkRulesNeedDnsProxy, firewallNoOpenDestinations, firewallPriorityRange, PRIORITY_RANGE } from "./firewallPolicies";
export { GuardPolicy, GuardStackPolicy, PREFIX_CONFIG_SCHEMA } from "./guard";

/** Every resource policy of the pack, mandatory ones first. */
export const resourcePolicies: readonly GuardPolicy[] = [
    firewallNoOpenDestinations,
    networkPolicyNoOpenEgress,
    firewallPriorityRange,
    networkPolicyBroadEgressOptIn,
    firewallFqdnNetworkRulesNeedDnsProxy,
];

/** Every stack policy of the pack. */
export const stackPolicies: readonly GuardStackPolicy[] = [broadEgressBackedByEgressFirewall];

/** Every policy of the pack. */
export const policies: readonly (GuardPolicy | GuardStackPolicy)[] = [...resourcePolicies, ...stackPolicies];
