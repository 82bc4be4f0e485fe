// Validation of the backends the user declares (`backends`, `gateways[i].backends`): each by
// address, name or in-cluster pods, with its ports and protocol; names unique, networks bounded.
import { InputError } from "./errors";
import { BackendOptions } from "./options";
import { BACKEND_KEYS, listAt, objectAt, patternAt, stringAt } from "./optionsCore";
import { exactlyOne, inClusterAt } from "./optionsInCluster";
import { byCodePoint } from "./ordering";
import { boundedNetworkSet, cidr, Destination, DestinationKind, fqdn, Protocol, validatePortRange, validateProtocol } from "./peers";

const backendNamePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

function resolveBackend(field: string, raw: unknown, minimumPrefixLength: number): BackendOptions {
    const b = objectAt(field, raw, BACKEND_KEYS);
    if (raw === undefined || raw === null) {
        throw new InputError(field, raw, "Expected a backend object with name, address or fqdn, and port.");
    }
    const name = patternAt(`${field}.name`, b.name, backendNamePattern, "A backend name has 1-40 lowercase letters, digits and hyphens.");
    const given = exactlyOne(field, b, ["address", "fqdn", "inCluster"]);
    const protocol: Protocol = b.protocol === undefined || b.protocol === null ? Protocol.Tcp : validateProtocol(`${field}.protocol`, b.protocol);
    return {
        field,
        name,
        destination: given === "address" ? cidr(`${field}.address`, stringAt(`${field}.address`, b.address, true), minimumPrefixLength)
            : given === "fqdn" ? fqdn(`${field}.fqdn`, stringAt(`${field}.fqdn`, b.fqdn, true))
            : inClusterAt(`${field}.inCluster`, b.inCluster) as Destination,
        ports: [validatePortRange(field, protocol, b.port, b.endPort)],
    };
}

export function resolveBackends(field: string, raw: unknown, minimumPrefixLength: number): BackendOptions[] {
    const backends = listAt(field, raw, (f, v) => resolveBackend(f, v, minimumPrefixLength));
    const names = new Set<string>();
    backends.forEach((b, i) => {
        if (names.has(b.name)) {
            throw new InputError(`${field}[${i}].name`, b.name, "Backend names must be unique.");
        }
        names.add(b.name);
    });
    const networks = backends.flatMap((b) => (b.destination.kind === DestinationKind.Cidr ? [b.destination.value] : []));
    boundedNetworkSet(field, networks, raw, minimumPrefixLength);
    return [...backends].sort((a, b) => byCodePoint(a.name, b.name));
}
