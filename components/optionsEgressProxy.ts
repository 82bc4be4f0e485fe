// Validation of the explicit forward proxy (`egressProxy`), and of what cannot pass it: the
// flows of the features and backends that are neither HTTP nor HTTPS.
import { InputError } from "./errors";
import { BackendOptions, FeatureOptions, Options } from "./options";
import { EGRESS_PROXY_KEYS, objectAt } from "./optionsCore";
import { checkTelemetryBesideProxy } from "./optionsTelemetry";
import { Destination, DestinationKind, parseServiceIpv4, Protocol, validatePort } from "./peers";

export function resolveEgressProxy(raw: unknown): Options["egressProxy"] {
    if (raw === undefined || raw === null) {
        return undefined;
    }
    const p = objectAt("egressProxy", raw, EGRESS_PROXY_KEYS);
    return { address: parseServiceIpv4("egressProxy.address", p.address), port: validatePort("egressProxy.port", p.port) };
}

/**
 * An HTTP forward proxy carries HTTP, and HTTPS through CONNECT: a flow of another protocol
 * would be allowed by the firewall from the proxy, yet never leave the pods.
 */
export function checkProxiable(features: FeatureOptions, backends: readonly BackendOptions[]): void {
    // In-cluster peers do not pass the proxy: the cluster policy allows them directly.
    const outside = (d: Destination | undefined) => d !== undefined && d.kind !== DestinationKind.InCluster;
    if (features.externalCache.enabled && outside(features.externalCache.host)) {
        throw new InputError("features.externalCache.enabled", true, "With egressProxy the gateway reaches everything outside the cluster through the proxy, which carries HTTP and HTTPS, not Redis: run the cache inside the cluster (features.externalCache.inCluster), or leave egressProxy out.");
    }
    checkTelemetryBesideProxy("features", features);
    const other = backends.find((b) => outside(b.destination) && b.ports.some((p) => p.protocol !== Protocol.Tcp));
    if (other) {
        throw new InputError(`${other.field}.protocol`, other.ports[0].protocol, "With egressProxy the gateway reaches every backend through the proxy, which carries HTTP and HTTPS over TCP only: give the backend as TCP, or leave egressProxy out.");
    }
}
