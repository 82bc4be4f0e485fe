// Runs the real SelfHostedGatewayEgress under Pulumi's mock runtime, with the APIM read answered
// from a document on disk. The offline preview and the tests share it: there is no second code
// path, only a different answer to `getApiManagementService`.
import * as pulumi from "@pulumi/pulumi";
import { assertApimDocument } from "../components/apimFacts";
import { InputError } from "../components/errors";
import { byCodePoint } from "../components/ordering";
import { FlowReport } from "../components/report";
import { resetPolicyLedger, SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { SelfHostedGatewayEgressArgs } from "../components/args";
import { RegisteredResource, setApimMocks, settle } from "./apimMocks";

export { APIM_READ_TOKEN, RegisteredResource } from "./apimMocks";

export interface OfflineOutputs {
    ruleCollectionGroupName?: string;
    networkPolicyName?: string;
    configurationHost: string;
    configurationAddress: string;
    ruleStyle?: string;
    egressPlan: FlowReport[];
    egressMatrix: string;
    notEnforceableInCluster: { flow: string; reason: string }[];
    notes: string[];
}

export interface OfflineRun {
    /** Every registered resource, the component included, sorted by type then name. */
    resources: RegisteredResource[];
    outputs: OfflineOutputs;
    /** The APIM reads the component asked for, as `{resourceGroupName, serviceName}`. */
    apimReads: Record<string, unknown>[];
}

/**
 * Builds the component named `name` from `args` under mocks that answer the APIM read with
 * `apimDocument`, waits for every registration, and returns what was registered.
 * Throws the first error (an `InputError` for bad input); `resources`, when given, still holds
 * what was registered before it.
 */
export async function runOffline(apimDocument: unknown, args: SelfHostedGatewayEgressArgs, name: string, resources: RegisteredResource[] = []): Promise<OfflineRun> {
    // The mock can only answer an invoke with an object: anything else is refused here, with the
    // component's own words, rather than mangled by the RPC layer.
    assertApimDocument(apimDocument);
    const apimReads = await setApimMocks(() => apimDocument, resources, "apim-gateway-egress", "offline");
    resetPolicyLedger();
    const component = new SelfHostedGatewayEgress(name, args);
    const [ruleCollectionGroupName, networkPolicyName, configurationHost, configurationAddress, ruleStyle, egressPlan, egressMatrix, notEnforceableInCluster, notes] = await Promise.all([
        settle(component.ruleCollectionGroupName),
        settle(component.networkPolicyName),
        settle(component.configurationHost),
        settle(component.configurationAddress),
        settle(component.ruleStyle),
        settle(component.egressPlan),
        settle(component.egressMatrix),
        settle(component.notEnforceableInCluster),
        settle(component.notes),
        settle(component.ruleCollectionGroupId),
    ]).catch((e: unknown) => {
        // The SDK prefixes the message of an error met while serializing a resource's inputs
        // ("error serializing property ..."): rebuild it so the refusal reads as the component wrote it.
        throw e instanceof InputError ? new InputError(e.field, e.value, e.expectation) : e;
    });
    await pulumi.runtime.disconnect();
    resources.sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.name, b.name));
    return {
        resources,
        outputs: { ruleCollectionGroupName, networkPolicyName, configurationHost, configurationAddress, ruleStyle, egressPlan, egressMatrix, notEnforceableInCluster, notes },
        apimReads,
    };
}
