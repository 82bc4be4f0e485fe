// Pulumi's mock runtime set up the way this project runs offline: every registration recorded,
// each APIM read answered from a document, and the provider's client configuration answered
// with the subscription the user names. It imports nothing of the components but their error
// type, so the benchmark's hand-written baseline can use it without loading them.
import * as pulumi from "@pulumi/pulumi";
import { InputError } from "../components/errors";

export const APIM_READ_TOKEN = "azure-native:apimanagement:getApiManagementService";
export const CLIENT_CONFIG_TOKEN = "azure-native:authorization:getClientConfig";

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
                if (c.token !== APIM_READ_TOKEN) {
                    throw new Error(`The mocks answer ${APIM_READ_TOKEN} and ${CLIENT_CONFIG_TOKEN} only, not ${c.token}.`);
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
