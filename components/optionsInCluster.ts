// Validation of in-cluster peers (`backends[i].inCluster`, `features.externalCache.inCluster`,
// a telemetry sink's `inCluster`): a namespace and pod labels, checked as every other namespace
// and label map of the args, into the plan's in-cluster destination (peers.ts).
import { InputError } from "./errors";
import { Json, keysOf, objectAt, OPTIONS_SCHEMA, validateLabels, validateNamespace, stringAt } from "./options";
import { Destination, inCluster } from "./peers";

/** The pods of `inCluster`, or undefined when it is absent. */
export function inClusterAt(field: string, value: unknown): Destination | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    const raw = objectAt(field, value, keysOf(OPTIONS_SCHEMA, "InCluster"));
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
