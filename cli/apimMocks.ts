// Pulumi's mock runtime set up the way this project runs offline: every registration recorded,
// each APIM read answered from a document, the firewall policy reads from the documents given
// (none given: not found, so the components say the policy was not read), and the provider's
// client configuration answered with the subscription the user names. It imports nothing of the components but their error
// type, so the benchmark's hand-written baseline can use it without loading them.
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../components/errors";

export const APIM_READ_TOKEN = "azure-native:apimanagement:getApiManagementService";
export const CLIENT_CONFIG_TOKEN = "azure-native:authorization:getClientConfig";
export const FIREWALL_POLICY_READ_TOKEN = "azure-native:network:getFirewallPolicy";
export const RULE_COLLECTION_GROUP_READ_TOKEN = "azure-native:network:getFirewallPolicyRuleCollectionGroup";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

/** What the mocks answer in Azure's place. */
export interface MockAzure {
    /** The APIM document for a read (`{resourceGroupName, serviceName}`); throws when there is none. */
    readonly answer: (read: Record<string, unknown>) => Record<string, unknown>;
    /** The subscription the azure-native provider writes to; undefined when the caller cannot know it. */
    readonly subscriptionId?: string;
    /**
     * Firewall policy documents (`az network firewall policy show -o json`), each answering the
     * read of the policy it names; any other policy is not found, as in Azure.
     */
    readonly firewallPolicies?: readonly Record<string, unknown>[];
    /** Rule collection groups (`az network firewall policy rule-collection-group list -o json`), by name and, when they carry an ID, policy. */
    readonly ruleCollectionGroups?: readonly Record<string, unknown>[];
}

const sameName = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/** The resource group a document names: its `resourceGroup` (az) or its ID's. */
function groupOf(document: Record<string, unknown>): unknown {
    return document.resourceGroup ?? (typeof document.id === "string" ? /\/resourceGroups\/([^/]+)\//i.exec(document.id)?.[1] : undefined);
}

/** Azure's 404, as the SDK reads an invoke's error (its `details`). */
function notFound(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

/** The answer to a policy or group read from the documents given; not found otherwise, as Azure says it. */
function answerPolicyRead(azure: MockAzure, token: string, read: Record<string, unknown>): Record<string, unknown> {
    const describes = (d: Record<string, unknown>) => (groupOf(d) === undefined || sameName(groupOf(d), read.resourceGroupName));
    if (token === FIREWALL_POLICY_READ_TOKEN) {
        const policy = (azure.firewallPolicies ?? []).find((d) => sameName(d.name, read.firewallPolicyName) && describes(d));
        if (policy === undefined) {
            throw notFound(`ResourceNotFound: no firewall policy document given for ${String(read.firewallPolicyName)} in ${String(read.resourceGroupName)} (--firewall-policy)`);
        }
        return policy;
    }
    const ofPolicy = (d: Record<string, unknown>) => typeof d.id !== "string" || sameName(/\/firewallPolicies\/([^/]+)\//i.exec(d.id)?.[1], read.firewallPolicyName);
    const group = (azure.ruleCollectionGroups ?? []).find((d) => sameName(d.name, read.ruleCollectionGroupName) && ofPolicy(d) && describes(d));
    if (group === undefined) {
        throw notFound(`ResourceNotFound: no rule collection group document given for ${String(read.ruleCollectionGroupName)} of ${String(read.firewallPolicyName)} (--rule-collection-groups)`);
    }
    return group;
}

const SUBSCRIPTION_UNKNOWN = "A policy named by ID is checked against the subscription the azure-native provider writes to, which an offline run cannot know: pass --subscription (az account show --query id -o tsv) or set ARM_SUBSCRIPTION_ID.";

/** What the mocks saw: the APIM reads, and the reads they refused. */
export interface MockRecord {
    /** The APIM reads the components asked for, as `{resourceGroupName, serviceName}`. */
    readonly reads: Record<string, unknown>[];
    /**
     * Reads refused with an `InputError`. The SDK turns an invoke's error into a plain `Error`
     * with the message only, so the refusal is kept here to be reported as it was raised.
     */
    readonly refusals: InputError[];
}

/** Installs mocks that push every registration onto `resources` and answer the reads from `azure`. */
export async function setApimMocks(azure: MockAzure, resources: RegisteredResource[], project: string, stack: string): Promise<MockRecord> {
    const record: MockRecord = { reads: [], refusals: [] };
    const refusing = <T>(answer: () => T): T => {
        try {
            return answer();
        } catch (e) {
            if (e instanceof InputError) {
                record.refusals.push(e);
                // What the SDK reads of an invoke's error.
                Object.assign(e, { details: e.message });
            }
            throw e;
        }
    };
    await pulumi.runtime.setMocks(
        {
            newResource: (r) => {
                resources.push({ type: r.type, name: r.name, inputs: r.inputs });
                return { id: `${r.name}-id`, state: r.inputs };
            },
            call: (c) => refusing(() => {
                if (c.token === CLIENT_CONFIG_TOKEN) {
                    if (azure.subscriptionId === undefined) {
                        throw new InputError("--subscription", undefined, SUBSCRIPTION_UNKNOWN);
                    }
                    return { subscriptionId: azure.subscriptionId, tenantId: "", clientId: "", objectId: "" };
                }
                if (c.token === FIREWALL_POLICY_READ_TOKEN || c.token === RULE_COLLECTION_GROUP_READ_TOKEN) {
                    return answerPolicyRead(azure, c.token, c.inputs);
                }
                if (c.token !== APIM_READ_TOKEN) {
                    throw new Error(`The mocks answer ${APIM_READ_TOKEN}, ${FIREWALL_POLICY_READ_TOKEN}, ${RULE_COLLECTION_GROUP_READ_TOKEN} and ${CLIENT_CONFIG_TOKEN} only, not ${c.token}.`);
                }
                record.reads.push(c.inputs);
                return azure.answer(c.inputs);
            }),
        },
        project,
        stack,
        false,
    );
    return record;
}

// Output#promise is internal to the SDK but is how its own tests await a value; a rejected
// apply surfaces here instead of as an unhandled rejection.
export function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}
