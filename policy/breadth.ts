// How much one value of a rule opens: addresses, host names, ports. Pure; every policy of the
// pack measures with these functions, so no spelling can slip past one check and not another.
// This file imports nothing from ../components: the pack stays self-contained.
import * as ipaddr from "ipaddr.js";

/**
 * The shortest IPv4 prefix a source or destination may have: the same default as the
 * component's `firewall.minimumPrefixLength` (a spec compares the two). A /8 is the largest block
 * one organization holds (10.0.0.0/8); anything wider spans unrelated networks.
 */
export const DEFAULT_MINIMUM_PREFIX_LENGTH = 8;

/**
 * The shortest IPv6 prefix. A /32 is a regional registry's allocation to one operator, the IPv6
 * counterpart of a /8; IPv6 networks that embed IPv4 (`::ffff:0:0/96`, `64:ff9b::/96`) are also
 * measured by the IPv4 minimum.
 */
export const DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH = 32;

export interface PrefixLimits {
    readonly ipv4: number;
    readonly ipv6: number;
}

export const DEFAULT_PREFIX_LIMITS: PrefixLimits = { ipv4: DEFAULT_MINIMUM_PREFIX_LENGTH, ipv6: DEFAULT_MINIMUM_IPV6_PREFIX_LENGTH };

export type Family = "IPv4" | "IPv6";

/** Why a value is refused: `broad` (it reads, and opens too much) or `unreadable` (fail closed). */
export interface Breadth {
    readonly kind: "broad" | "unreadable";
    /** What the value opens, e.g. `a /1 network`; reads after "received <value>". */
    readonly phrase: string;
}

/** A network or address as written, measured. */
export interface Network {
    readonly family: Family;
    readonly prefixLength: number;
}

/**
 * IPv6 networks whose last 32 bits carry an IPv4 address: IPv4-mapped (RFC 4291) and the NAT64
 * well-known prefix (RFC 6052). `::ffff:0:0/96` is every IPv4 address written as IPv6.
 */
const IPV4_EMBEDDING = ["::ffff:0:0", "64:ff9b::"].map((a) => ipaddr.IPv6.parse(a));

const BITS: Readonly<Record<Family, number>> = { IPv4: 32, IPv6: 128 };

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
    // Four decimal octets only: ipaddr.js also reads "10", "0x0a.0.0.1" or "010.0.0.0", which
    // Azure and Kubernetes do not, and which would let an odd spelling past the rule.
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
        return ipaddr.IPv4.parse(text);
    }
    if (!text.includes("%") && text.includes(":") && ipaddr.IPv6.isValid(text)) {
        return ipaddr.IPv6.parse(text);
    }
    return undefined;
}

/** `a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::/n`; undefined for anything else (trailing text included). */
export function parseNetwork(value: string): (Network & { readonly address: ipaddr.IPv4 | ipaddr.IPv6 }) | undefined {
    const match = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(value.trim());
    const address = match ? parseAddress(match[1]) : undefined;
    if (!match || !address) {
        return undefined;
    }
    const family: Family = address.kind() === "ipv4" ? "IPv4" : "IPv6";
    const prefixLength = match[2] === undefined ? BITS[family] : Number(match[2]);
    return prefixLength > BITS[family] ? undefined : { family, prefixLength, address };
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
    return address.toByteArray().reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);
}

/** The prefix length of the smallest network at least as large as `count` addresses. */
function equivalentPrefix(count: bigint, bits: number): number {
    let size = 0;
    while (1n << BigInt(size) < count) {
        size += 1;
    }
    return bits - size;
}

function embedding(address: ipaddr.IPv6): ipaddr.IPv6 | undefined {
    return IPV4_EMBEDDING.find((e) => address.match(e, 96));
}

function networkBreadth(network: Network & { readonly address: ipaddr.IPv4 | ipaddr.IPv6 }, limits: PrefixLimits): Breadth | undefined {
    const { family, prefixLength, address } = network;
    if (family === "IPv4") {
        return prefixLength < limits.ipv4 ? { kind: "broad", phrase: `a /${prefixLength} network` } : undefined;
    }
    if (prefixLength < limits.ipv6) {
        return { kind: "broad", phrase: `a /${prefixLength} IPv6 network` };
    }
    // A network that holds a whole embedding prefix holds every IPv4 address.
    const held = prefixLength <= 96 ? IPV4_EMBEDDING.find((e) => e.match(address, prefixLength)) : undefined;
    if (held && limits.ipv4 > 0) {
        return { kind: "broad", phrase: `a /${prefixLength} IPv6 network that holds ${held.toString()}/96, every IPv4 address` };
    }
    const within = prefixLength > 96 ? embedding(address as ipaddr.IPv6) : undefined;
    if (within && prefixLength - 96 < limits.ipv4) {
        const [high, low] = (address as ipaddr.IPv6).parts.slice(6);
        const mapped = new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
        const v4 = ipaddr.IPv4.networkAddressFromCIDR(`${mapped.toString()}/${prefixLength - 96}`);
        return { kind: "broad", phrase: `a /${prefixLength} IPv6 network that maps the IPv4 network ${v4.toString()}/${prefixLength - 96}` };
    }
    return undefined;
}

/**
 * `first-last`, as Azure Firewall writes address ranges (documented for IP Groups:
 * https://learn.microsoft.com/azure/firewall/ip-groups#sample-format). Measured by the number of
 * addresses, so `0.0.0.1-255.255.255.255` is as wide as a /0 whatever its first address.
 */
function rangeBreadth(value: string, limits: PrefixLimits): Breadth | undefined | "not a range" {
    const ends = value.split("-");
    if (ends.length !== 2) {
        return "not a range";
    }
    const [first, last] = ends.map((e) => parseAddress(e.trim()));
    if (!first || !last || first.kind() !== last.kind()) {
        return "not a range";
    }
    const count = toBigInt(last) - toBigInt(first) + 1n;
    if (count < 1n) {
        return { kind: "unreadable", phrase: "a range whose last address comes before its first" };
    }
    let family: Family = first.kind() === "ipv4" ? "IPv4" : "IPv6";
    const inside = family === "IPv6" ? embedding(first as ipaddr.IPv6) : undefined;
    if (inside && embedding(last as ipaddr.IPv6) === inside) {
        family = "IPv4";
    }
    const prefix = equivalentPrefix(count, BITS[family]);
    const minimum = family === "IPv4" ? limits.ipv4 : limits.ipv6;
    return prefix < minimum ? { kind: "broad", phrase: `a range of ${count} addresses, as wide as a /${prefix}${family === "IPv6" ? " IPv6 network" : ""}` } : undefined;
}

/**
 * Service tags that stand for "any host": `Internet` is every public address
 * (https://learn.microsoft.com/azure/virtual-network/service-tags-overview#available-service-tags);
 * `AzureCloud` and `AzureCloud.<region>` are every public address of Azure, every tenant's VMs
 * included, so anyone can rent a destination inside them. `Any` is no documented tag; Azure
 * Firewall uses it for the IP protocol and the portal shows it as the label of `*`: written as an
 * address it reads as "anywhere". Matched case-insensitively (the classic spelling was `INTERNET`).
 */
function tagBreadth(tag: string): Breadth | undefined {
    const lower = tag.toLowerCase();
    if (lower === "internet") {
        return { kind: "broad", phrase: "the Internet service tag, every public address" };
    }
    if (lower === "azurecloud") {
        return { kind: "broad", phrase: "the AzureCloud service tag, every public address of Azure, any tenant's" };
    }
    if (lower.startsWith("azurecloud.")) {
        return { kind: "broad", phrase: `the ${tag} service tag, every public address of Azure in the region, any tenant's` };
    }
    if (lower === "any") {
        return { kind: "broad", phrase: "not an address or service tag Azure Firewall documents; it reads as any address" };
    }
    return undefined;
}

// Service tag names: letters and digits, optionally one dot and a region or qualifier
// (`Storage.WestEurope`, `AzureFrontDoor.FirstParty`).
const SERVICE_TAG = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9-]+)?$/;

/**
 * The one prefix rule: why an address value opens more than `limits` allow, else undefined.
 * Reads `*`, addresses, CIDRs, ranges and, when `serviceTags` (Azure Firewall fields), service
 * tags; anything else is refused as unreadable rather than let through.
 */
export function addressBreadth(value: unknown, limits: PrefixLimits, serviceTags: boolean): Breadth | undefined {
    const unreadable: Breadth = {
        kind: "unreadable",
        phrase: serviceTags ? "not an address, network, range or service tag this pack can read" : "not a network this pack can read",
    };
    if (typeof value !== "string") {
        return unreadable;
    }
    const text = value.trim();
    if (text === "*") {
        // Every address of both families: a /0 of each.
        return limits.ipv4 > 0 || limits.ipv6 > 0 ? { kind: "broad", phrase: "any address" } : undefined;
    }
    const network = parseNetwork(text);
    if (network) {
        return networkBreadth(network, limits);
    }
    if (serviceTags) {
        const range = rangeBreadth(text, limits);
        if (range !== "not a range") {
            return range;
        }
        if (SERVICE_TAG.test(text)) {
            return tagBreadth(text);
        }
    }
    return unreadable;
}

/**
 * Why a host-name pattern matches too many names, else undefined. A pattern is broad when fewer
 * than two labels follow its right-most wildcard label: `*`, `*.com`, `*.*`, `foo.*`, `*com`.
 * `*.contoso.com` and `*.*.contoso.com` pass. A wildcard over a two-label public suffix
 * (`*.co.uk`) passes too: telling those from registered domains needs the Public Suffix List.
 */
export function nameBreadth(value: unknown): Breadth | undefined {
    if (typeof value !== "string") {
        return { kind: "unreadable", phrase: "not a host name this pack can read" };
    }
    const labels = value.trim().toLowerCase().replace(/\.$/, "").split(".");
    let last = -1;
    labels.forEach((label, i) => {
        if (label.includes("*")) {
            last = i;
        }
    });
    if (last < 0) {
        return undefined;
    }
    const named = labels.slice(last + 1).filter((l) => l.length > 0);
    if (named.length >= 2) {
        return undefined;
    }
    return { kind: "broad", phrase: named.length === 0 ? "matches every host name" : `matches every host name under "${named.join(".")}"` };
}

/** The host of an Azure Firewall target URL (`www.contoso.com/path/*`, scheme optional). */
export function urlHost(value: unknown): unknown {
    return typeof value === "string" ? value.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0].replace(/:\d+$/, "") : value;
}

export const PORT_SPACE = { first: 1, last: 65535 } as const;

/** Inclusive port intervals; true when together they cover 1-65535. */
export function coversEveryPort(intervals: readonly (readonly [number, number])[]): boolean {
    let reached = PORT_SPACE.first - 1;
    for (const [first, last] of [...intervals].sort((a, b) => a[0] - b[0])) {
        if (first > reached + 1) {
            return false;
        }
        reached = Math.max(reached, last);
    }
    return reached >= PORT_SPACE.last;
}

/** `443`, `5671-5672` or `*` as Azure Firewall writes destination ports; undefined if unreadable. */
export function parsePortRange(value: unknown): [number, number] | undefined {
    const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : undefined;
    if (text === "*") {
        return [0, PORT_SPACE.last];
    }
    const match = text === undefined ? null : /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(text);
    if (!match) {
        return undefined;
    }
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    return first > last || last > PORT_SPACE.last ? undefined : [first, last];
}

interface Interval {
    readonly family: Family;
    readonly first: bigint;
    readonly last: bigint;
}

const EMBEDDING_SIZE = 1n << 32n;

/** An IPv6 interval inside an IPv4-embedding prefix is the IPv4 interval it maps: the same hosts. */
function asIpv4(interval: Interval): Interval {
    if (interval.family === "IPv6") {
        for (const base of IPV4_EMBEDDING.map(toBigInt)) {
            if (base <= interval.first && interval.last < base + EMBEDDING_SIZE) {
                return { family: "IPv4", first: interval.first - base, last: interval.last - base };
            }
        }
    }
    return interval;
}

/** The addresses a network or range holds, as one interval of its family; undefined if it is neither. */
function addressInterval(value: unknown): Interval | undefined {
    if (typeof value !== "string") {
        return undefined;
    }
    const network = parseNetwork(value);
    if (network) {
        const size = 1n << BigInt(BITS[network.family] - network.prefixLength);
        const first = toBigInt(network.address) / size * size;
        return asIpv4({ family: network.family, first, last: first + size - 1n });
    }
    const ends = value.split("-").map((e) => parseAddress(e.trim()));
    if (ends.length !== 2 || !ends[0] || !ends[1] || ends[0].kind() !== ends[1].kind()) {
        return undefined;
    }
    return asIpv4({ family: ends[0].kind() === "ipv4" ? "IPv4" : "IPv6", first: toBigInt(ends[0]), last: toBigInt(ends[1]) });
}

/** How many addresses intervals hold together, overlaps counted once. */
function unionSize(intervals: readonly Interval[]): bigint {
    let count = 0n;
    let reached = -1n;
    for (const { first, last } of [...intervals].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))) {
        if (last > reached) {
            count += last - (first > reached ? first : reached + 1n) + 1n;
            reached = last;
        }
    }
    return count;
}

/**
 * The one breadth rule over sets: why the networks and ranges of one field, each narrow enough
 * alone, together hold more addresses than one network of the shortest accepted prefix, else
 * undefined. Values refused alone (or unreadable, or service tags) are left to `addressBreadth`.
 * IPv6 is measured by its own minimum, but IPv4 written as IPv6 (::ffff:0:0/96, 64:ff9b::/96) is
 * counted with IPv4: a /104 there is a /8.
 */
export function setBreadth(values: readonly unknown[], limits: PrefixLimits): Breadth | undefined {
    const narrow = values.filter((v) => addressBreadth(v, limits, true) === undefined);
    for (const family of ["IPv4", "IPv6"] as const) {
        const intervals = narrow.map(addressInterval).filter((i): i is Interval => i?.family === family);
        const count = unionSize(intervals);
        const minimum = family === "IPv4" ? limits.ipv4 : limits.ipv6;
        if (intervals.length > 1 && count > 1n << BigInt(BITS[family] - minimum)) {
            return { kind: "broad", phrase: `${intervals.length} ${family} networks that together hold ${count} addresses, as many as a /${equivalentPrefix(count, BITS[family])}${family === "IPv6" ? " IPv6 network" : ""}` };
        }
    }
    return undefined;
}

/** True when the network or range `outer` holds every address of `inner` (IPv4 and IPv6 spellings alike). */
export function holds(outer: unknown, inner: unknown): boolean {
    const o = addressInterval(outer);
    const i = addressInterval(inner);
    return o !== undefined && i !== undefined && o.family === i.family && o.first <= i.first && i.last <= o.last;
}
