// Pulumi's mock runtime set up the way this project runs offline: every registration recorded,
// and the APIM read answered from a document. It imports nothing but @pulumi/pulumi, so the
// benchmark's hand-written baseline can use it without loading the component.
import * as pulumi from "@pulumi/pulumi";

export const APIM_READ_TOKEN = "azure-native:apimanagement:getApiManagementService";

export interface RegisteredResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

/**
 * Installs mocks that push every registration onto `resources` and answer each APIM read
 * (`{resourceGroupName, serviceName}`) with `answer(read)`. Resolves to the list of reads made.
 */
export async function setApimMocks(
    answer: (read: Record<string, unknown>) => Record<string, unknown>,
    resources: RegisteredResource[],
    project: string,
    stack: string,
): Promise<Record<string, unknown>[]> {
    const reads: Record<string, unknown>[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (r) => {
                resources.push({ type: r.type, name: r.name, inputs: r.inputs });
                return { id: `${r.name}-id`, state: r.inputs };
            },
            call: (c) => {
                if (c.token !== APIM_READ_TOKEN) {
                    throw new Error(`The mocks answer ${APIM_READ_TOKEN} only, not ${c.token}.`);
                }
                reads.push(c.inputs);
                return answer(c.inputs);
            },
        },
        project,
        stack,
        false,
    );
    return reads;
}

// Output#promise is internal to the SDK but is how its own tests await a value; a rejected
// apply surfaces here instead of as an unhandled rejection.
export function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as { promise(): Promise<T> }).promise();
}
