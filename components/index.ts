// The library's public surface: the two components, their args, and the pure pipeline for programs
// that want the plan without resources (reports, checks, other renderers).
export { NotEnforceableFlow, SelfHostedGatewayEgress, TYPE_TOKEN } from "./selfHostedGatewayEgress";
export { GatewayEgressRuleCollectionGroup, HUB_TYPE_TOKEN, HubGatewayReport, HubInstanceReport, RuleCollectionGroupReport } from "./gatewayEgressRuleCollectionGroup";
export * from "./args";
export * from "./options";
export { normalizeApim, ApimFacts, Sku, VirtualNetworkType } from "./apimFacts";
export { buildEgressPlan, EgressFlow, EgressPlan, Feature } from "./egressPlan";
export { renderFirewallRules, defaultRuleStyle, FirewallRendering } from "./firewallRules";
export { renderClusterPolicy, ClusterRendering, Manifest } from "./clusterPolicy";
export { clusterRows, describeFlows, firewallRows, FlowReport, GroupTarget, RuleRow, rowsToCsv, rowsToMarkdown, rowsToText } from "./report";
export { InputError } from "./errors";
export * from "./helmValues";
export { Cloud, DocReference, DECLARED_BY_USER } from "./catalog";
