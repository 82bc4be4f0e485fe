// Helpers for unit-testing programs that use the components, with Pulumi's mock runtime as this
// package's own offline preview uses it: every registration recorded, each APIM read answered from
// a document, the provider's subscription answered as given. `import ... from "apim-gateway-egress/testing"`.
export { APIM_READ_TOKEN, CLIENT_CONFIG_TOKEN, MockAzure, MockRecord, RegisteredResource, setApimMocks, settle } from "../cli/apimMocks";
export { answerFrom, OfflineHubOutputs, OfflineOptions, OfflineOutputs, OfflineRun, runOffline, runOfflineHub } from "../cli/offlineRun";
export { resetPolicyLedger } from "../components/groupWriter";
