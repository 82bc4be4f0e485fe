// Helpers for unit-testing programs that use the components, with Pulumi's mock runtime as this
// package's own offline preview uses it: every registration recorded, each APIM read answered from
// a document, the firewall policy reads from the documents given (`firewallPolicies`,
// `ruleCollectionGroups`; none: not found), the provider's subscription answered as given.
// `import ... from "apim-gateway-egress/testing"`.
export { APIM_READ_TOKEN, CLIENT_CONFIG_TOKEN, FIREWALL_POLICY_READ_TOKEN, MockAzure, MockRecord, RegisteredResource, RULE_COLLECTION_GROUP_READ_TOKEN, setApimMocks, settle } from "../cli/apimMocks";
export { answerFrom, OfflineHubOutputs, OfflineOptions, OfflineOutputs, OfflineRun, runOffline, runOfflineHub } from "../cli/offlineRun";
export { resetPolicyLedger } from "../components/groupWriter";
