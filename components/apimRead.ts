// The APIM read of a SelfHostedGatewayEgress, one per instance and provider in a program run: a
// landing zone of a thousand sites on three instances reads three times, as a hand-written
// program would, instead of a thousand. Only reads that are provably the same invoke share one:
// plain names (an Output name may be secret or unknown, and is read on its own), the same
// provider resource or both the default one (`getProvider` is how the SDK picks the invoke's
// provider from its parent, runtime/invoke.js), and this copy of azure-native (its version is the
// invoke's). A run is its resource monitor: the Automation API and the mock runtime make a new one
// for each program, so a later program never sees an earlier one's document.
import * as pulumi from "@pulumi/pulumi";
import { getApiManagementServiceOutput, GetApiManagementServiceResult } from "@pulumi/azure-native/apimanagement";

const TOKEN = "azure-native:apimanagement:getApiManagementService";

type Reads = Map<pulumi.ProviderResource | undefined, Map<string, pulumi.Output<GetApiManagementServiceResult>>>;
const READS = new WeakMap<object, Reads>();

/** The instance's document, read through `parent`'s provider; shared with the same read earlier in this run. */
export function readApim(resourceGroupName: pulumi.Input<string>, serviceName: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<GetApiManagementServiceResult> {
    const monitor = pulumi.runtime.getMonitor();
    if (typeof resourceGroupName !== "string" || typeof serviceName !== "string" || monitor === undefined) {
        return getApiManagementServiceOutput({ resourceGroupName, serviceName }, { parent });
    }
    const reads = READS.get(monitor) ?? new Map();
    READS.set(monitor, reads);
    const provider = parent.getProvider(TOKEN);
    const ofProvider = reads.get(provider) ?? new Map<string, pulumi.Output<GetApiManagementServiceResult>>();
    reads.set(provider, ofProvider);
    // Names are compared as given: two spellings of one instance are two reads, never one wrong one.
    const key = JSON.stringify([resourceGroupName, serviceName]);
    let read = ofProvider.get(key);
    if (read === undefined) {
        read = getApiManagementServiceOutput({ resourceGroupName, serviceName }, { parent });
        ofProvider.set(key, read);
    }
    return read;
}
