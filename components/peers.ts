// Destinations and ports as value objects. Every address, name and port in the plan is built
// here, validated once, in one canonical spelling; the renderers (firewall, cluster, report)
// only translate these values, so the same flow reads the same in every target.
import * as ipaddr from "ipaddr.js";
import { InputError } from "./errors";
import { byCodePoint } from "./ordering";

export const DestinationKind = {
    /** An IPv4 network in CIDR form; a single address is a /32. */
    Cidr: "cidr",
    /** A DNS name; a leading `*.` only where the catalog documents a wildcard. */
    Fqdn: "fqdn",
    /** An Azure service tag: Azure Firewall network rules only. */
    ServiceTag: "serviceTag",
    /** Pods of the cluster by namespace and labels: cluster policy only, never a firewall or EgressFirewall rule. */
    InCluster: "inCluster",
} as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/** Pods selected by their namespace and, optionally, their labels (none: every pod of the namespace). */
export interface PodSelection {
    readonly namespace: string;
    readonly podLabels: Readonly<Record<string, string>>;
}

export interface Destination {
    readonly kind: DestinationKind;
    /** The canonical spelling: the CIDR, the name, the tag, or the pods as a reader says them. */
    readonly value: string;
    /** Set for `InCluster` alone. */
    readonly pods?: PodSelection;
}

/**
 * Every IPv4 address: never a bounded network, so accepted only where an arg asks for it by
 * name (`cluster.allowNamedFlowsTo`, `cluster.ingressFrom`), and as an EgressFirewall's final deny.
 */
export const ALL_IPV4 = "0.0.0.0/0";

export const Protocol = { Tcp: "TCP", Udp: "UDP" } as const;
export type Protocol = (typeof Protocol)[keyof typeof Protocol];

/** One port or an inclusive range; `endPort` is set only for a real range. */
export interface PortRange {
    readonly protocol: Protocol;
    readonly port: number;
    readonly endPort?: number;
}

export function tcp(port: number, endPort?: number): PortRange {
    return portRange(Protocol.Tcp, port, endPort);
}

export function udp(port: number, endPort?: number): PortRange {
    return portRange(Protocol.Udp, port, endPort);
}

function portRange(protocol: Protocol, port: number, endPort?: number): PortRange {
    return endPort === undefined || endPort === port ? { protocol, port } : { protocol, port, endPort };
}

/** `443`, or `5671-5672`: the spelling Azure Firewall uses for destination ports. */
export function formatPorts(range: PortRange): string {
    return range.endPort === undefined ? `${range.port}` : `${range.port}-${range.endPort}`;
}

export function validatePort(field: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
        throw new InputError(field, value, "A port is a whole number from 1 to 65535.");
    }
    return value;
}

export function validateProtocol(field: string, value: unknown): Protocol {
    const protocol = typeof value === "string" ? value.toUpperCase() : value;
    if (protocol !== Protocol.Tcp && protocol !== Protocol.Udp) {
        throw new InputError(field, value, "Allowed values are: TCP, UDP.");
    }
    return protocol;
}

/** A port or a range from user input, checked as NetworkPolicy and Azure Firewall need it. */
export function validatePortRange(field: string, protocol: Protocol, port: unknown, endPort: unknown): PortRange {
    const first = validatePort(`${field}.port`, port);
    if (endPort === undefined || endPort === null) {
        return portRange(protocol, first);
    }
    const last = validatePort(`${field}.endPort`, endPort);
    if (last < first) {
        throw new InputError(`${field}.endPort`, endPort, `endPort must be greater than or equal to port (${first}).`);
    }
    return portRange(protocol, first, last);
}

/**
 * A single IPv4 address in dotted-decimal form, e.g. a VIP read from Azure. A hint names only an
 * address this field would take (`accepts`, the caller's own check).
 */
export function parseIpv4(field: string, value: unknown, accepts: (address: string) => boolean = () => true): string {
    if (typeof value !== "string") {
        throw new InputError(field, value, "Expected an IPv4 address such as \"10.0.0.5\".");
    }
    const text = value.trim();
    if (ipaddr.IPv6.isValid(text)) {
        throw new InputError(field, value, "IPv6 is not supported here: expected an IPv4 address such as \"10.0.0.5\".");
    }
    if (text.includes("/")) {
        const address = text.split("/")[0];
        const hint = ipaddr.IPv4.isValidFourPartDecimal(address) && accepts(ipaddr.IPv4.parse(address).toString()) ? `Did you mean "${ipaddr.IPv4.parse(address).toString()}"?` : undefined;
        throw new InputError(field, value, "Expected a single IPv4 address, not a network.", hint);
    }
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
        throw new InputError(field, value, "Expected an IPv4 address of four decimal octets 0-255, such as \"10.0.0.5\" (masked addresses like \"172.XX.0.5\" are not addresses).");
    }
    return ipaddr.IPv4.parse(text).toString();
}

// Ranges no service answers on: a VIP in one of them is a placeholder or a corrupt document.
// Names as ipaddr.js classifies them (RFC 6890 special-purpose registry).
const NOT_A_SERVICE_ADDRESS = new Set(["unspecified", "broadcast", "multicast", "loopback", "linkLocal", "reserved"]);

/** An IPv4 address that a service can listen on, e.g. a VIP read from Azure. */
export function parseServiceIpv4(field: string, value: unknown): string {
    const rangeOf = (a: string) => ipaddr.IPv4.parse(a).range();
    const address = parseIpv4(field, value, (a) => !NOT_A_SERVICE_ADDRESS.has(rangeOf(a)));
    const range = rangeOf(address);
    if (NOT_A_SERVICE_ADDRESS.has(range)) {
        throw new InputError(field, value, `The address is in the ${range} range, where no service answers: expected the instance's real VIP.`);
    }
    return address;
}

/** A single IPv4 address as a /32 destination. */
export function ipv4(field: string, value: unknown): Destination {
    return { kind: DestinationKind.Cidr, value: `${parseIpv4(field, value)}/32` };
}

/**
 * An IPv4 network in CIDR form; a bare address is taken as its /32. Host bits must be zero, so
 * that what the user wrote is what the rule allows. Breadth (`minimumPrefixLength`) is checked
 * first, so that the host-bits hint names a network this field accepts: the one breadth rule for
 * every source and destination a user names (`0.0.0.0/1` and `128.0.0.0/1` are refused like `0.0.0.0/0`).
 */
export function cidr(field: string, value: unknown, minimumPrefixLength = 0): Destination {
    if (typeof value !== "string" || !value.includes("/")) {
        return ipv4(field, value);
    }
    const parts = value.trim().split("/");
    if (parts.length !== 2) {
        throw new InputError(field, value, "Expected one IPv4 network such as \"10.0.0.0/24\": an address, one \"/\" and a prefix length.");
    }
    const [address, prefix] = parts;
    let base: string;
    try {
        base = parseIpv4(field, address);
    } catch (e) {
        // Name the network as written, not the address part of it.
        throw e instanceof InputError ? new InputError(field, value, e.expectation, e.hint) : e;
    }
    if (!/^\d{1,2}$/.test(prefix) || Number(prefix) > 32) {
        throw new InputError(field, value, "The prefix length of an IPv4 CIDR is a whole number from 0 to 32.");
    }
    const length = Number(prefix);
    if (length < minimumPrefixLength) {
        throw new InputError(field, value, `A /${length} network is broader than firewall.minimumPrefixLength (${minimumPrefixLength}): it holds ${(2 ** (32 - length)).toLocaleString("en-US")} addresses. Name the networks the flow needs.`);
    }
    const network = ipaddr.IPv4.networkAddressFromCIDR(`${base}/${length}`).toString();
    if (network !== base) {
        throw new InputError(field, value, "Host bits are set.", `Did you mean "${network}/${length}"?`);
    }
    return { kind: DestinationKind.Cidr, value: `${network}/${length}` };
}

/** The prefix length of a CIDR destination. */
export function prefixLength(destination: Destination): number {
    return Number(destination.value.split("/")[1]);
}

/** An address, a CIDR or a range `a-b` as [first, last]; undefined for anything else (a service tag). */
export function span(text: string): [number, number] | undefined {
    const t = text.trim();
    const toNumber = (a: string) => (ipaddr.IPv4.isValidFourPartDecimal(a) ? ipaddr.IPv4.parse(a).toByteArray().reduce((n, b) => n * 256 + b, 0) : undefined);
    if (t.includes("-")) {
        const [a, b] = t.split("-").map(toNumber);
        return a !== undefined && b !== undefined ? [a, b] : undefined;
    }
    const [address, prefix] = t.split("/");
    const base = toNumber(address);
    if (base === undefined || (prefix !== undefined && !/^\d{1,2}$/.test(prefix)) || Number(prefix ?? 32) > 32) {
        return undefined;
    }
    const size = 2 ** (32 - Number(prefix ?? 32));
    const first = base - (base % size);
    return [first, first + size - 1];
}

/** The first and last address of a validated IPv4 CIDR, as numbers. */
export function networkSpan(network: string): [number, number] {
    return span(network) as [number, number];
}

/** How many addresses IPv4 CIDRs hold together, overlaps and duplicates counted once. */
export function addressCount(networks: readonly string[]): number {
    let count = 0;
    let reached = -1;
    for (const [first, last] of networks.map(networkSpan).sort((a, b) => a[0] - b[0])) {
        if (last > reached) {
            count += last - Math.max(first, reached + 1) + 1;
            reached = last;
        }
    }
    return count;
}

/**
 * The breadth rule over sets: the networks of one field, each accepted alone, may not together
 * hold more addresses than one network of `minimumPrefixLength` does. Two /8s hold as many as a
 * /7, 256 /8s every IPv4 address: refused like the single network they add up to. `value` is the
 * field's list as written.
 */
export function boundedNetworkSet(field: string, networks: readonly string[], value: unknown, minimumPrefixLength: number): void {
    const excess = setExcess(networks, minimumPrefixLength);
    if (excess) {
        throw new InputError(field, value, `Together these ${networks.length} networks ${excess}. Name the networks the flow needs.`);
    }
}

/** How networks together exceed one network of `minimumPrefixLength`, as a refusal says it; undefined: they do not. */
export function setExcess(networks: readonly string[], minimumPrefixLength: number): string | undefined {
    const count = addressCount(networks);
    const limit = 2 ** (32 - minimumPrefixLength);
    const asWide = 32 - Math.ceil(Math.log2(count));
    return count > limit
        ? `hold ${count.toLocaleString("en-US")} addresses, as many as a /${asWide} network: more than one network of firewall.minimumPrefixLength (${minimumPrefixLength}) holds (${limit.toLocaleString("en-US")})`
        : undefined;
}

/**
 * The protocol whose every port (1-65535) the ranges cover together, if one is: the port rule
 * the policy pack applies to a rule's ports (policy/breadth.ts, coversEveryPort), here over
 * every flow to one destination.
 */
export function everyPortOf(ranges: readonly PortRange[]): Protocol | undefined {
    return [Protocol.Tcp, Protocol.Udp].find((protocol) => {
        let reached = 0;
        for (const r of ranges.filter((p) => p.protocol === protocol).sort((a, b) => a.port - b.port)) {
            if (r.port > reached + 1) {
                return false;
            }
            reached = Math.max(reached, r.endPort ?? r.port);
        }
        return reached >= 65535;
    });
}

// RFC 1123 host names: labels of letters, digits and inner hyphens, at most 63 characters each
// and 253 in all; at least two labels, since a single label cannot name an Internet endpoint.
const labelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isValidHostName(name: string): boolean {
    const labels = name.split(".");
    return name.length <= 253 && labels.length >= 2 && labels.every((label) => labelPattern.test(label))
        && !/^\d+$/.test(labels[labels.length - 1]);
}

/**
 * A DNS name, lower-cased, without a trailing dot. `allowWildcard` admits one leading `*.`, used
 * only for catalog entries that the documentation itself gives as wildcards.
 */
export function fqdn(field: string, value: unknown, allowWildcard = false): Destination {
    if (typeof value !== "string") {
        throw new InputError(field, value, "Expected a DNS name such as \"contoso.azure-api.net\".");
    }
    const name = value.trim().toLowerCase().replace(/\.$/, "");
    const wildcard = name.startsWith("*.");
    if (wildcard && !allowWildcard) {
        throw new InputError(field, value, "Wildcard names are not allowed here: name the host exactly.");
    }
    if (!isValidHostName(wildcard ? name.slice(2) : name)) {
        throw new InputError(field, value, "Expected a DNS name of letters, digits, hyphens and dots, such as \"contoso.azure-api.net\".");
    }
    return { kind: DestinationKind.Fqdn, value: name };
}

export function serviceTag(value: string): Destination {
    return { kind: DestinationKind.ServiceTag, value };
}

/** Pods of the cluster, already validated (namespace and labels), labels in code-point order. */
export function inCluster(pods: PodSelection): Destination {
    // Sorted here, not by the object: JavaScript puts integer-like keys ("6") before the others.
    const labels = Object.entries(pods.podLabels).sort(([a], [b]) => byCodePoint(a, b)).map(([k, v]) => `${k}=${v}`).join(",");
    return { kind: DestinationKind.InCluster, value: `${labels ? `pods ${labels}` : "every pod"} of namespace ${pods.namespace}`, pods };
}
