// Validation of in-cluster peers (`backends[i].inCluster`, `features.externalCache.inCluster`,
// a telemetry sink's `inCluster`): a namespace and pod labels, checked as every other namespace
// and label map of the args, into the plan's in-cluster destination (peers.ts).
import { ClusterFlavor } from "./args";
import { InputError } from "./errors";
import { ClusterOptions } from "./options";
import { validateLabels, validateNamespace } from "./optionsCluster";
import { argKeys, Json, objectAt, stringAt } from "./optionsCore";
import { Destination, inCluster } from "./peers";

/** The pods of `inCluster`, or undefined when it is absent. */
export function inClusterAt(field: string, value: unknown): Destination | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    const raw = objectAt(field, value, argKeys("InCluster"));
    const namespace = validateNamespace(`${field}.namespace`, stringAt(`${field}.namespace`, raw.namespace, true));
    return inCluster({ namespace, podLabels: validateLabels(`${field}.podLabels`, raw.podLabels, {}) });
}

/**
 * Exactly one of the given ways to name a peer (`address`, `fqdn`, `inCluster`, ...), each
 * present or absent in `given`; refuses none and more than one with the same message.
 */
export function exactlyOne(field: string, given: Json, keys: readonly string[]): string {
    const present = keys.filter((k) => given[k] !== undefined && given[k] !== null);
    if (present.length !== 1) {
        const at = present[0] ?? keys[0];
        throw new InputError(`${field}.${at}`, present.length === 0 ? undefined : given[at], `Give exactly one of ${keys.map((k) => `${field}.${k}`).join(", ")}.`);
    }
    return present[0];
}

/**
 * On OpenShift the gateway's namespace is declared to hold the gateway alone
 * (`cluster.namespaceIsDedicated`, since an EgressFirewall governs every pod of it): an in-cluster
 * peer there would be a second workload, under the gateway's EgressFirewall.
 */
export function checkPeersBesideDedicatedNamespace(cluster: ClusterOptions, peers: readonly { field: string; destination?: Destination }[]): void {
    if (!cluster.enabled || cluster.flavor !== ClusterFlavor.OpenShift) {
        return;
    }
    const inside = peers.find((p) => p.destination?.pods?.namespace === cluster.namespace);
    if (inside) {
        throw new InputError(`${inside.field}.inCluster.namespace`, cluster.namespace, "cluster.namespaceIsDedicated says this namespace holds the gateway alone, and its EgressFirewall governs every pod in it: run the peer in a namespace of its own.");
    }
}
