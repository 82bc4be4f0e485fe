// A DNS stub client for `verify`: one A query for one name, sent to a given server, and the
// whole answer section read back, so that only records for the asked name and its CNAME chain
// count.
//
// Why not `dns.Resolver#resolve4`: it returns addresses only. With Node 20's c-ares (1.34) it
// returns an A record held by another name as if it were the asked name's, and an empty list for
// a dangling CNAME or a CNAME loop, so a drift gate built on it passed on all three.
//
// Transport: UDP first; when the UDP answer is truncated (TC bit), the same query over TCP with
// its two-octet length prefix (RFC 1035 §4.2.2, RFC 7766). No EDNS: a plain query is what every
// server answers, and TCP carries what does not fit in 512 octets.
//
// A reply counts only if it is a response carrying the query's ID and repeating its question
// (name compared case-insensitively, type A, class IN). The UDP socket is connected, so the
// kernel drops datagrams from any other address; anything else that arrives is ignored as a
// stray or forged packet, and the try goes on until its timeout.
import { randomInt } from "crypto";
import * as dgram from "dgram";
import * as dnsPacket from "dns-packet";
import * as net from "net";

/** A DNS server: an IP literal and a port. */
export interface DnsServer {
    host: string;
    port: number;
}

export interface QueryOptions {
    /** Per-try timeout, ms (a truncated UDP answer's TCP retry gets a fresh one). */
    timeoutMs: number;
    /** Rounds over the servers; each round asks every server in order until one answers. */
    tries: number;
}

/** A name resolves when its CNAME chain ends at A records; otherwise `cause` says why not. */
export type Resolution =
    | { ok: true; addresses: string[]; cnames: string[] }
    | { ok: false; cause: string };

/** The longest CNAME chain followed: this many CNAME records from the asked name. */
export const MAX_CNAME_LINKS = 8;

const DEFAULT_DNS_PORT = 53;

/** `1.2.3.4:53`, `[fd00::53]:53`. */
export function formatServer(server: DnsServer): string {
    return net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/**
 * Reads `HOST`, `HOST:PORT`, `V6`, `[V6]` or `[V6]:PORT` — the forms `dns.getServers()` returns
 * and `--dns-server` takes. Says which part is wrong rather than guessing.
 */
export function parseServerAddress(value: string): DnsServer | { problem: "host" | "port" } {
    const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(value);
    const hostPort = /^([^:]+):([^:]*)$/.exec(value);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : hostPort ? [hostPort[1], hostPort[2]] : [value, undefined];
    if (net.isIP(host) === 0) {
        return { problem: "host" };
    }
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
        return { problem: "port" };
    }
    return { host, port: port === undefined ? DEFAULT_DNS_PORT : Number(port) };
}

/** DNS names compare case-insensitively in ASCII only (RFC 4343); a trailing dot is the root. */
export function canonicalName(name: string): string {
    return name.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/\.$/, "");
}

/** Why `name` cannot be put in a query, or undefined when it can (RFC 1035 §2.3.4 lengths). */
export function nameProblem(name: string): string | undefined {
    // The characters `presentationName` leaves as they are, so an asked name compares with
    // the names of the answer as printed.
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
        return "only letters, digits, \"-\", \"_\" and \".\" can be asked (a Unicode name in its xn-- form)";
    }
    const bad = canonicalName(name).split(".").find((l) => l.length === 0 || l.length > 63);
    if (bad !== undefined) {
        return bad.length === 0 ? "it has an empty label" : `its label "${bad.slice(0, 20)}..." is longer than 63 octets`;
    }
    return canonicalName(name).length > 253 ? "it is longer than 253 octets" : undefined;
}

/** The A and CNAME records of class IN from an answer section; the rest play no part. */
export interface AnswerRecord {
    name: string;
    type: "A" | "CNAME";
    data: string;
}

type Outcome =
    | { kind: "response"; rcode: string; records: AnswerRecord[] }
    | { kind: "timeout"; ignored?: string }
    | { kind: "network"; code: string; server: string; truncated: boolean };

/** Sorted numerically and without repeats, so output does not follow the server's order. */
function sortIpv4(addresses: Iterable<string>): string[] {
    const key = (a: string) => a.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    return [...new Set(addresses)].sort((a, b) => key(a) - key(b));
}

const RCODE_CAUSES: Record<string, string> = {
    SERVFAIL: "SERVFAIL: the server failed to resolve the name",
    REFUSED: "REFUSED: the server refused the query",
    FORMERR: "FORMERR: the server could not read the query",
    NOTIMP: "NOTIMP: the server does not implement the query",
};

/**
 * Reads a response the way a stub resolver must (RFC 1034 §3.6.2, §4.3.2; RFC 2181 §10.1): the
 * asked name's A records are the answer; a CNAME at the asked name replaces it with the target,
 * and so on down the chain. Records at any other owner are not an answer to this question.
 *
 * A name holding a CNAME and other data, or two CNAMEs, is an ambiguous answer: different
 * resolvers would pick different addresses, so nothing is proven and the name is unresolvable.
 * Pure: exported for its spec.
 */
export function interpretAnswer(asked: string, rcode: string, records: readonly AnswerRecord[]): Resolution {
    if (rcode !== "NOERROR" && rcode !== "NXDOMAIN") {
        return { ok: false, cause: RCODE_CAUSES[rcode] ?? `${rcode}: the server answered with an error` };
    }
    const owners = new Map<string, { a: string[]; cnames: string[] }>();
    for (const r of records) {
        const owner = canonicalName(r.name);
        const entry = owners.get(owner) ?? { a: [], cnames: [] };
        owners.set(owner, entry);
        if (r.type === "A") {
            entry.a.push(r.data);
        } else if (!entry.cnames.includes(canonicalName(r.data))) {
            entry.cnames.push(canonicalName(r.data));
        }
    }

    const chain = [canonicalName(asked)];
    const arrow = (names: readonly string[]) => names.join(" → ");
    for (;;) {
        const current = chain[chain.length - 1];
        const here = owners.get(current) ?? { a: [], cnames: [] };
        if (here.cnames.length > 1) {
            return { ok: false, cause: `${current} has ${here.cnames.length} CNAME records (${[...here.cnames].sort().join(", ")}): an ambiguous answer` };
        }
        if (here.cnames.length === 1 && here.a.length > 0) {
            return { ok: false, cause: `${current} has both a CNAME record and A records: an ambiguous answer` };
        }
        if (here.cnames.length === 0) {
            break;
        }
        const target = here.cnames[0];
        if (chain.includes(target)) {
            return { ok: false, cause: `CNAME loop ${arrow([...chain, target])}` };
        }
        if (chain.length > MAX_CNAME_LINKS) {
            return { ok: false, cause: `CNAME chain ${arrow(chain)} → ... is longer than ${MAX_CNAME_LINKS} links (not followed further)` };
        }
        chain.push(target);
    }

    const end = chain[chain.length - 1];
    if (rcode === "NXDOMAIN") {
        // RFC 6604: the RCODE speaks for the last name of the chain.
        return { ok: false, cause: chain.length === 1 ? "NXDOMAIN: no such name" : `NXDOMAIN: CNAME chain ${arrow(chain)} ends at a name that does not exist` };
    }
    const addresses = owners.get(end)?.a ?? [];
    if (addresses.length > 0) {
        return { ok: true, addresses: sortIpv4(addresses), cnames: chain.slice(1) };
    }
    const foreign = [...owners].filter(([owner, e]) => e.a.length > 0 && !chain.includes(owner)).map(([owner]) => owner).sort();
    if (chain.length === 1) {
        return {
            ok: false,
            cause: foreign.length > 0 ? `the answer holds A records for ${foreign.join(", ")}, not for the asked name` : "NODATA: the name has no A record",
        };
    }
    return {
        ok: false,
        cause: `CNAME chain ${arrow(chain)} ends without an A record${foreign.length > 0 ? `; the answer's A records are for ${foreign.join(", ")}, outside the chain` : ""}`,
    };
}

function questionOf(name: string): dnsPacket.Question {
    return { type: "A", class: "IN", name: canonicalName(name) };
}

/** Undefined when `packet` answers `query`; else why it is not an answer to it. */
function mismatch(packet: dnsPacket.DecodedPacket, query: { id: number; name: string }): string | undefined {
    const q = packet.questions ?? [];
    if (packet.type !== "response") {
        return "it is not a response";
    }
    if (packet.id !== query.id) {
        return "its ID is not the query's";
    }
    if (q.length !== 1 || canonicalName(q[0].name) !== canonicalName(query.name) || q[0].type !== "A" || (q[0].class ?? "IN") !== "IN") {
        return "its question is not the query's";
    }
    return undefined;
}

/**
 * A name from an answer, as it may be printed: every octet outside letters, digits and `-_.*`
 * becomes a `\DDD` escape (RFC 1035 §5.1 presentation format). A server's names end up in the
 * report; a newline or `##vso[` in them must not become a second line or a pipeline command.
 */
export function presentationName(name: string): string {
    return name.replace(/[^A-Za-z0-9._*-]/g, (c) => [...Buffer.from(c, "utf8")].map((octet) => `\\${String(octet).padStart(3, "0")}`).join(""));
}

function recordsOf(packet: dnsPacket.DecodedPacket): AnswerRecord[] {
    const records: AnswerRecord[] = [];
    for (const r of packet.answers ?? []) {
        if ((r.type === "A" || r.type === "CNAME") && (r.class ?? "IN") === "IN" && typeof r.data === "string") {
            records.push({ name: presentationName(r.name), type: r.type, data: r.type === "CNAME" ? presentationName(r.data) : r.data });
        }
    }
    return records;
}

/** The RCODE from the header's low four bits (dns-packet decodes it, its types do not say so). */
function rcodeOf(packet: dnsPacket.DecodedPacket): string {
    return (packet as dnsPacket.DecodedPacket & { rcode?: string }).rcode ?? "NOERROR";
}

function errnoOf(e: unknown): string {
    return (e as NodeJS.ErrnoException).code ?? "error";
}

/** How a query ends: once, with an outcome or a bug. */
interface Ending {
    /** The first call settles the query, stops its timer and releases its socket; later calls do nothing. */
    finish(outcome: Outcome | Promise<Outcome>, error?: unknown): void;
    /** Wraps an event handler: a throw inside it ends the query as a bug instead of an uncaught exception. */
    guard<A extends unknown[]>(handler: (...args: A) => void): (...args: A) => void;
}

function oneEnding(resolve: (o: Outcome | Promise<Outcome>) => void, reject: (e: unknown) => void, release: () => void, timeoutMs: number, timedOut: () => Outcome): Ending {
    let done = false;
    const finish = (outcome: Outcome | Promise<Outcome>, error?: unknown) => {
        if (done) {
            return;
        }
        done = true;
        clearTimeout(timer);
        release();
        if (error !== undefined) {
            reject(error);
        } else {
            resolve(outcome);
        }
    };
    const guard = <A extends unknown[]>(handler: (...args: A) => void) => (...args: A) => {
        try {
            handler(...args);
        } catch (e) {
            finish(timedOut(), e);
        }
    };
    const timer = setTimeout(guard(() => finish(timedOut())), timeoutMs);
    return { finish, guard };
}

/** A recursive A query for `name` under a fresh random ID (the ID is what a reply must echo). */
function newQuery(name: string) {
    const id = randomInt(0, 65536);
    return { id, query: { type: "query" as const, id, flags: dnsPacket.RECURSION_DESIRED, questions: [questionOf(name)] } };
}

/** What an accepted reply says: its response code and its records. */
function responseOf(packet: dnsPacket.DecodedPacket): Outcome {
    return { kind: "response", rcode: rcodeOf(packet), records: recordsOf(packet) };
}

/**
 * One try against one server: UDP, then TCP if the answer is truncated. Network failures are
 * outcomes; only a bug rejects (and so reaches exit 4).
 */
function queryOnce(name: string, server: DnsServer, timeoutMs: number): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
        const { id, query } = newQuery(name);
        const socket = dgram.createSocket(net.isIPv6(server.host) ? "udp6" : "udp4");
        let ignored: string | undefined;
        const release = () => {
            try {
                socket.close();
            } catch {
                // Already closed by a failed bind: nothing to release.
            }
        };
        const { finish, guard } = oneEnding(resolve, reject, release, timeoutMs, () => ({ kind: "timeout", ignored }));
        socket.on("error", guard((e: Error) => finish({ kind: "network", code: errnoOf(e), server: formatServer(server), truncated: false })));
        socket.on("message", guard((message: Buffer) => {
            let packet: dnsPacket.DecodedPacket;
            try {
                packet = dnsPacket.decode(message);
            } catch {
                ignored = "a reply could not be decoded";
                return;
            }
            const why = mismatch(packet, { id, name });
            if (why !== undefined) {
                ignored = `a reply was not an answer to the query: ${why}`;
                return;
            }
            finish(packet.flag_tc
                ? queryTcp(name, server, timeoutMs)
                : responseOf(packet));
        }));
        socket.connect(server.port, server.host, guard(() => {
            socket.send(dnsPacket.encode(query), guard((e: Error | null) => {
                if (e) {
                    finish({ kind: "network", code: errnoOf(e), server: formatServer(server), truncated: false });
                }
            }));
        }));
    });
}

/** The same query over TCP, after a truncated UDP answer. */
function queryTcp(name: string, server: DnsServer, timeoutMs: number): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
        const { id, query } = newQuery(name);
        const failed = (code: string): Outcome => ({ kind: "network", code, server: formatServer(server), truncated: true });
        const socket = net.createConnection({ host: server.host, port: server.port });
        let received = Buffer.alloc(0);
        const { finish, guard } = oneEnding(resolve, reject, () => socket.destroy(), timeoutMs, () => failed("ETIMEOUT"));
        socket.on("error", guard((e: Error) => finish(failed(errnoOf(e)))));
        socket.on("close", guard(() => finish(failed("ECONNRESET"))));
        socket.on("connect", guard(() => socket.write(dnsPacket.streamEncode(query))));
        socket.on("data", guard((chunk: Buffer) => {
            received = Buffer.concat([received, chunk]);
            if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) {
                return;
            }
            let packet: dnsPacket.DecodedPacket;
            try {
                packet = dnsPacket.decode(received.subarray(2, 2 + received.readUInt16BE(0)));
            } catch {
                finish(failed("EBADRESP"));
                return;
            }
            // On a connection nothing else can arrive: a reply to another question is a broken server.
            finish(mismatch(packet, { id, name }) === undefined
                ? responseOf(packet)
                : failed("EBADRESP"));
        }));
    });
}

const NETWORK_CAUSES: Record<string, string> = {
    ECONNREFUSED: "nothing answers at",
    ECONNRESET: "the connection was closed before a whole answer by",
    ETIMEOUT: "no TCP answer before the timeout from",
    EBADRESP: "the answer is not a valid reply to the query, from",
};

function describeFailure(outcome: Exclude<Outcome, { kind: "response" }>, servers: readonly DnsServer[], options: QueryOptions): string {
    if (outcome.kind === "network") {
        const what = `${outcome.code}: ${NETWORK_CAUSES[outcome.code] ?? "the query could not be sent to"} ${outcome.server}`;
        return outcome.truncated ? `the UDP answer was truncated and TCP failed: ${what}` : what;
    }
    const tries = `${options.tries} ${options.tries === 1 ? "try" : "tries"}`;
    return `timeout: no answer from ${servers.map(formatServer).join(", ")} within ${options.timeoutMs} ms (${tries})${outcome.ignored ? `; ignored: ${outcome.ignored}` : ""}`;
}

/**
 * Resolves `name` to IPv4 addresses, following its CNAME chain within the one answer (a stub
 * resolver does not chase a chain with more queries: the recursive server does). Servers are
 * asked in order, `tries` rounds; a NOERROR or NXDOMAIN answer ends the search, any other answer
 * moves on to the next server. Never rejects on DNS or network failure.
 */
export async function resolveA(name: string, servers: readonly DnsServer[], options: QueryOptions): Promise<Resolution> {
    const problem = nameProblem(name);
    if (problem !== undefined) {
        return { ok: false, cause: `the name cannot be asked: ${problem}` };
    }
    if (servers.length === 0) {
        return { ok: false, cause: "no DNS server to ask: the system resolver lists none" };
    }
    // The most telling failure is kept: an answer over a network error over a timeout.
    let last: Outcome = { kind: "timeout" };
    const rank = (o: Outcome) => (o.kind === "response" ? 2 : o.kind === "network" ? 1 : 0);
    for (let round = 0; round < Math.max(1, options.tries); round++) {
        for (const server of servers) {
            const outcome = await queryOnce(name, server, options.timeoutMs);
            if (outcome.kind === "response" && (outcome.rcode === "NOERROR" || outcome.rcode === "NXDOMAIN")) {
                return interpretAnswer(name, outcome.rcode, outcome.records);
            }
            if (rank(outcome) >= rank(last)) {
                last = outcome;
            }
        }
    }
    return last.kind === "response" ? interpretAnswer(name, last.rcode, last.records) : { ok: false, cause: describeFailure(last, servers, options) };
}
