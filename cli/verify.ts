// `apim-gateway-egress verify`: checks the plan against DNS as the gateway will see it. The plan
// comes from the same offline run as `preview` (same files, same component), so what is checked
// is exactly what `pulumi up` would open.
//
// Why it exists: the firewall's IP rule for the configuration endpoint carries the VIP read from
// Azure, but the gateway connects to whatever its DNS answers for the configuration host. In
// Internal mode that answer comes from a private zone somebody maintains by hand; when it drifts
// from the VIP the gateway is blocked by a rule set that looks correct. Names that only appear
// as FQDN flows are resolved too, so a typo or a missing private zone shows before deployment.
//
// Exit codes (exitCodes.ts, also in --help); a pipeline can tell them apart:
//   0  every name resolved, and the configuration host resolves to the address the rules open
//      only: the declared `firewall.configurationAddress` when set, else the VIP
//   1  mismatch: the configuration host resolves to an address the rules do not carry; this wins
//      over 3, because retrying cannot fix it
//   2  bad input (files, options, --dns-server): one `error: ...` line on stderr
//   3  a name could not be resolved (NXDOMAIN, no A record, a CNAME chain that ends without one,
//      loops or runs past 8 links, an answer whose A records are another name's, timeout, server
//      failure): nothing was proven wrong, but nothing was proven right either; may be transient
//   4  unexpected failure (a bug): kept apart from 1 so a crash never reads as a DNS finding
import * as dns from "dns";
import { InputError } from "../components/errors";
import { AddressSource, ConfigurationTarget, configurationTarget, textTable } from "../components/report";
import { hanging } from "../components/textWrap";
import { canonicalName, DnsServer, formatServer, MAX_CNAME_LINKS, parseServerAddress, Resolution, resolveA } from "./dnsQuery";
import { ExitCode } from "./exitCodes";
import { PreviewRequest, runPreview, stableJson } from "./preview";

export const VerifyFormat = { Table: "table", Json: "json" } as const;
export type VerifyFormat = (typeof VerifyFormat)[keyof typeof VerifyFormat];

export const Status = {
    Match: "match",
    Mismatch: "mismatch",
    Resolved: "resolved",
    Unresolvable: "unresolvable",
    Wildcard: "wildcard: not resolvable",
} as const;
export type Status = (typeof Status)[keyof typeof Status];

export interface VerifyRequest extends Omit<PreviewRequest, "format" | "hubFile"> {
    /** `HOST:PORT` (HOST an IP literal, IPv6 in brackets); undefined uses the system resolver. */
    dnsServer?: string;
    format: VerifyFormat;
    /** Per-try timeout of one query, ms. */
    timeoutMs?: number;
    tries?: number;
}

export interface VerifyRow {
    flow: string;
    name: string;
    /** Addresses the rules carry for this name; empty when the rules carry the name itself. */
    expected: string[];
    /** The CNAME targets followed from `name` to the A records, in order; empty when `name` holds them. */
    cnames: string[];
    /** The A records at the end of the chain: only records for `name` or its chain count. */
    resolved: string[];
    status: Status;
    /** Why the status: why the name did not resolve, or what differs. Empty for match and resolved. */
    detail: string;
}

/** A verdict: codes 0, 1 and 3 are results; bad input and failures are thrown, for main.ts to map. */
export interface VerifyResult {
    code: ExitCode;
    /** For stdout. */
    output: string;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_TRIES = 2;
/**
 * Queries sent at once. A plan with hundreds of backends would otherwise fire hundreds of
 * datagrams in one burst: forwarders cap concurrent queries (dnsmasq: 150 by default) and socket
 * buffers overflow, and a dropped query reads as a timeout — a false exit 3.
 */
export const MAX_QUERIES_IN_FLIGHT = 16;

/** Runs at most `limit` of the given tasks at a time, in the order they are submitted. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async <T>(task: () => Promise<T>): Promise<T> => {
        if (running < limit) {
            running++;
        } else {
            // The finishing task hands its slot over: `running` stays as it is.
            await new Promise<void>((resolve) => waiting.push(resolve));
        }
        try {
            return await task();
        } finally {
            const next = waiting.shift();
            if (next === undefined) {
                running--;
            } else {
                next();
            }
        }
    };
}

/** Validates `--dns-server`: `HOST[:PORT]` with HOST an IP literal (IPv6 in brackets), port 53 by default. */
function parseDnsServer(value: string): DnsServer {
    const server = parseServerAddress(value);
    if ("problem" in server) {
        // The stub cannot look up its own server, so a host name here would be a silent loop.
        throw new InputError("--dns-server", value, server.problem === "host"
            ? "Expected HOST:PORT with HOST an IP address, such as \"10.0.0.4:53\" or \"[fd00::53]:53\"."
            : "Expected a port between 1 and 65535.");
    }
    return server;
}

/** The system resolver's servers, as Node reads them (`/etc/resolv.conf` on Linux). */
function systemServers(): DnsServer[] {
    return dns.getServers().map(parseServerAddress).filter((s): s is DnsServer => !("problem" in s));
}

/*
 * The match rule for the configuration host: match iff the set of A records equals {address the
 * rules open}: the declared `firewall.configurationAddress` when set (a host published through
 * Application Gateway resolves to the gateway's address, and every rule and `hostAliases` carry
 * that), else the VIP. Comparing with the VIP then would pass a name that resolves to an address
 * no rule opens, and fail the one the rules were written for.
 * "Contains the VIP" is too weak: a client picks any of the answers, so one extra address makes
 * a share of connections hit an address no rule opens — intermittent config-sync failures, the
 * worst kind to diagnose. A configuration endpoint has one VIP per instance (and one declared
 * address), so a legitimate answer has exactly one address; if that ever changes, this check
 * should learn the address list from the plan rather than be loosened.
 *
 * Only records for the asked name count, following its CNAME chain (at most MAX_CNAME_LINKS
 * links) within the one answer; see `interpretAnswer` in dnsQuery.ts. A name whose resolution
 * ends without an A record — NXDOMAIN, NODATA, a dangling CNAME, a CNAME loop, an over-long or
 * ambiguous chain — is unresolvable, never a match: no address was proven.
 *
 * An answer whose only A records belong to another name is unresolvable too, not a mismatch: no
 * record says the asked name maps to that address. Resolvers disagree on such answers (glibc
 * skips records whose owner is not the name it follows; c-ares 1.34, behind `resolve4`, takes
 * them), so what the gateway would connect to is unknown. Exit 3 says exactly that: nothing
 * proven either way; the cause names the foreign owner so the zone can be fixed.
 */
function configurationRow(flow: string, name: string, target: ConfigurationTarget, result: Resolution): VerifyRow {
    const expected = [target.address];
    if (!result.ok) {
        return { flow, name, cnames: [], expected, resolved: [], status: Status.Unresolvable, detail: result.cause };
    }
    const { addresses, cnames } = result;
    const others = addresses.filter((a) => a !== target.address);
    if (others.length === 0) {
        return { flow, name, cnames, expected, resolved: addresses, status: Status.Match, detail: "" };
    }
    const subject = cnames.length === 0 ? name : `${name} (CNAME chain ${[name, ...cnames].join(" → ")})`;
    const opened = `${target.address} (${target.source})`;
    const cause = target.source === AddressSource.Vip
        ? "either the DNS record is stale or the VIP changed since the APIM document was read"
        : "either the DNS record or firewall.configurationAddress is wrong";
    const detail = addresses.includes(target.address)
        ? `${subject} resolves to ${addresses.join(", ")}, but the rules open only ${opened}: connections to ${others.join(", ")} will be blocked`
        : `${subject} resolves to ${addresses.join(", ")}, but the rules carry ${opened}: ${cause}`;
    return { flow, name, cnames, expected, resolved: addresses, status: Status.Mismatch, detail };
}

function namedFlowRow(flow: string, name: string, result: Resolution): VerifyRow {
    return result.ok
        ? { flow, name, cnames: result.cnames, expected: [], resolved: result.addresses, status: Status.Resolved, detail: "" }
        : { flow, name, cnames: [], expected: [], resolved: [], status: Status.Unresolvable, detail: result.cause };
}

function verdictOf(rows: readonly VerifyRow[]): ExitCode {
    return rows.some((r) => r.status === Status.Mismatch) ? ExitCode.Mismatch
        : rows.some((r) => r.status === Status.Unresolvable) ? ExitCode.Unresolvable
        : ExitCode.Ok;
}

// At most 120 columns, as every text format: long cells and findings wrap, nothing is cut. A
// pipeline reads `--format json`, whose rows are whole.
function renderTable(rows: readonly VerifyRow[], servers: string, host: string, target: ConfigurationTarget, code: ExitCode): string {
    const findings = rows.filter((r) => r.detail !== "").flatMap((r) => hanging(`- ${r.status} (${r.flow}): ${r.status === Status.Unresolvable ? `${r.name}: ` : ""}${r.detail}`, "  "));
    const verdict = code === ExitCode.Ok ? "ok" : code === ExitCode.Mismatch ? "mismatch" : "unresolvable";
    return [
        ...hanging(`DNS check against ${servers}: ${host} must resolve to ${target.address} (${target.source}) only; other names must resolve`, "  "),
        textTable(
            ["flow", "name", "via CNAME", "expected", "resolved", "status"],
            rows.map((r) => [r.flow, r.name, r.cnames.join(" → ") || "-", r.expected.join(", ") || "-", r.resolved.join(", ") || "-", r.status]),
        ).trimEnd(),
        ...(findings.length > 0 ? ["", ...findings] : []),
        "",
        `result: ${verdict} (exit ${code})`,
        "",
    ].join("\n");
}

/**
 * Builds the plan as `preview` does, resolves its names, and compares. Throws bad input and
 * failures as `preview` does (main.ts maps both); the whole output comes back as one string, so
 * the caller writes it before the exit code is set.
 */
export async function verify(request: VerifyRequest): Promise<VerifyResult> {
    const given = request.dnsServer === undefined ? undefined : parseDnsServer(request.dnsServer);
    const result = await runPreview(request);
    if (result.kind !== "gateway") {
        throw new InputError("--hub", undefined, "verify checks the names one gateway resolves: give its --apim and --options.");
    }
    const { run } = result;
    const servers = given === undefined ? systemServers() : [given];
    const serversText = given === undefined
        ? `the system resolver (${servers.map(formatServer).join(", ") || "no servers"})`
        : formatServer(given);
    const options = { timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS, tries: request.tries ?? DEFAULT_TRIES };

    const host = canonicalName(run.outputs.configurationHost);
    const target = configurationTarget(run.outputs.egressPlan, run.outputs.configurationAddress);
    const namedFlows = run.outputs.egressPlan.filter((f) => f.destinationKind === "fqdn");
    // One query per name, however many flows share it; a bounded number in flight.
    const lookups = new Map<string, Promise<Resolution>>();
    const inFlight = limiter(MAX_QUERIES_IN_FLIGHT);
    const resolve = (name: string) => {
        const known = lookups.get(name) ?? inFlight(() => resolveA(name, servers, options));
        lookups.set(name, known);
        return known;
    };

    const hostFlow = namedFlows.find((f) => canonicalName(f.destination) === host)?.id ?? "configuration";
    const hostLookup = resolve(host);
    const others = namedFlows.filter((f) => canonicalName(f.destination) !== host);
    const otherRows = others.map(async (f): Promise<VerifyRow> => {
        const name = canonicalName(f.destination);
        return name.startsWith("*.")
            ? { flow: f.id, name, cnames: [], expected: [], resolved: [], status: Status.Wildcard, detail: "" }
            : namedFlowRow(f.id, name, await resolve(name));
    });
    const rows: VerifyRow[] = [configurationRow(hostFlow, host, target, await hostLookup), ...(await Promise.all(otherRows))];

    const code = verdictOf(rows);
    const output = request.format === VerifyFormat.Json
        ? stableJson({ code, dnsServers: servers.map(formatServer), maxCnameLinks: MAX_CNAME_LINKS, configurationHost: host, configurationAddress: target.address, configurationAddressSource: target.source, apimVip: run.outputs.configurationAddress, rows })
        : renderTable(rows, serversText, host, target, code);
    return { code, output };
}
