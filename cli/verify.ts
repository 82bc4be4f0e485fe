#!/usr/bin/env node
// `apim-gateway-egress verify`: checks the plan against DNS as the gateway will see it. The plan
// comes from the same offline run as `preview` (same files, same merge, same component), so what
// is checked is exactly what `pulumi up` would open.
//
// Why it exists: the firewall's IP rule for the configuration endpoint carries the VIP read from
// Azure, but the gateway connects to whatever its DNS answers for the configuration host. In
// Internal mode that answer comes from a private zone somebody maintains by hand; when it drifts
// from the VIP the gateway is blocked by a rule set that looks correct. Names that only appear
// as FQDN flows are resolved too, so a typo or a missing private zone shows before deployment.
//
// Exit codes (also in --help); a pipeline can tell them apart:
//   0  every name resolved, and the configuration host resolves to the VIP only
//   1  mismatch: the configuration host resolves to an address the rules do not carry; this wins
//      over 3, because retrying cannot fix it
//   2  bad input (files, options, --dns-server): one `error: ...` line on stderr
//   3  a name could not be resolved (NXDOMAIN, no A record, timeout, server failure): nothing
//      was proven wrong, but nothing was proven right either; may be transient
//   4  unexpected failure (a bug): kept apart from 1 so a crash never reads as a DNS finding
import { Command, Option } from "commander";
import { promises as dnsPromises } from "dns";
import * as net from "net";
import { InputError } from "../components/errors";
import { textTable } from "../components/report";
import { addInputOptions, errorLine, runPreview, stableJson } from "./preview";

export const ExitCode = { Ok: 0, Mismatch: 1, BadInput: 2, Unresolvable: 3, Failure: 4 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

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

export const EXIT_CODES_HELP = `
Exit codes:
  0  all names resolved; the configuration host resolves to the VIP only
  1  mismatch: the configuration host resolves to an address other than the VIP
     (takes precedence over 3)
  2  bad input: one "error: ..." line on stderr
  3  a name is unresolvable (NXDOMAIN, no A record, timeout, server failure)
  4  unexpected failure (a bug)
`;

export interface VerifyRequest {
    apimFile: string;
    optionsFile?: string;
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
    resolved: string[];
    status: Status;
    /** Why the status: the DNS error, or what differs. Empty for match and resolved. */
    detail: string;
}

export interface VerifyResult {
    code: ExitCode;
    /** For stdout. */
    output: string;
    /** The one line for stderr, set only for bad input and unexpected failures. */
    error?: string;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_TRIES = 2;

/** Validates `--dns-server` into the form `Resolver#setServers` takes. */
export function parseDnsServer(value: string): string {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
    const hostPort = /^([^:]+):(\d+)$/.exec(value);
    const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : hostPort ? [hostPort[1], hostPort[2]] : [value, undefined];
    if (net.isIP(host) === 0) {
        // The resolver cannot look up its own server, so a host name here would be a silent loop.
        throw new InputError("--dns-server", value, "Expected HOST:PORT with HOST an IP address, such as \"10.0.0.4:53\" or \"[fd00::53]:53\".");
    }
    if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
        throw new InputError("--dns-server", value, "Expected a port between 1 and 65535.");
    }
    const portSuffix = port === undefined ? "" : `:${Number(port)}`;
    return net.isIPv6(host) ? (port === undefined ? host : `[${host}]${portSuffix}`) : `${host}${portSuffix}`;
}

type Lookup = { ok: true; addresses: string[] } | { ok: false; code: string };

// Sorted so the output is byte-identical whatever order the server answers in (round robin).
function sortIpv4(addresses: readonly string[]): string[] {
    const key = (a: string) => a.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    return [...new Set(addresses)].sort((a, b) => key(a) - key(b));
}

async function lookup(resolver: dnsPromises.Resolver, name: string): Promise<Lookup> {
    try {
        return { ok: true, addresses: sortIpv4(await resolver.resolve4(name)) };
    } catch (e) {
        return { ok: false, code: (e as NodeJS.ErrnoException).code ?? "error" };
    }
}

const DNS_ERRORS: Record<string, string> = {
    ENOTFOUND: "no such name (NXDOMAIN)",
    ENODATA: "the name has no A record",
    ETIMEOUT: "no answer before the timeout",
    ESERVFAIL: "the server failed (SERVFAIL)",
    EREFUSED: "the server refused the query",
    ECONNREFUSED: "nothing answers at the DNS server address",
};

function describeDnsError(code: string): string {
    return DNS_ERRORS[code] ? `${code}: ${DNS_ERRORS[code]}` : code;
}

function normalizeName(name: string): string {
    return name.toLowerCase().replace(/\.$/, "");
}

/*
 * The match rule for the configuration host: match iff the set of A records equals {VIP}.
 * "Contains the VIP" is too weak: a client picks any of the answers, so one extra address makes
 * a share of connections hit an address no rule opens — intermittent config-sync failures, the
 * worst kind to diagnose. A configuration endpoint has one VIP per instance, so a legitimate
 * answer has exactly one address; if that ever changes, this check should learn the VIP list
 * from the plan rather than be loosened. CNAME chains are followed by the resolver: only the
 * final A records count.
 */
function configurationRow(flow: string, name: string, vip: string, result: Lookup): VerifyRow {
    if (!result.ok) {
        return { flow, name, expected: [vip], resolved: [], status: Status.Unresolvable, detail: describeDnsError(result.code) };
    }
    const others = result.addresses.filter((a) => a !== vip);
    if (others.length === 0) {
        return { flow, name, expected: [vip], resolved: result.addresses, status: Status.Match, detail: "" };
    }
    const detail = result.addresses.includes(vip)
        ? `${name} resolves to ${result.addresses.join(", ")}, but the rules open only ${vip}: connections to ${others.join(", ")} will be blocked`
        : `${name} resolves to ${result.addresses.join(", ")}, but the rules carry ${vip}: either the DNS record is stale or the VIP changed since the APIM document was read`;
    return { flow, name, expected: [vip], resolved: result.addresses, status: Status.Mismatch, detail };
}

function namedFlowRow(flow: string, name: string, result: Lookup): VerifyRow {
    return result.ok
        ? { flow, name, expected: [], resolved: result.addresses, status: Status.Resolved, detail: "" }
        : { flow, name, expected: [], resolved: [], status: Status.Unresolvable, detail: describeDnsError(result.code) };
}

function exitCodeOf(rows: readonly VerifyRow[]): ExitCode {
    return rows.some((r) => r.status === Status.Mismatch) ? ExitCode.Mismatch
        : rows.some((r) => r.status === Status.Unresolvable) ? ExitCode.Unresolvable
        : ExitCode.Ok;
}

function renderTable(rows: readonly VerifyRow[], servers: string, host: string, vip: string, code: ExitCode): string {
    const findings = rows.filter((r) => r.detail !== "").map((r) => `- ${r.status} (${r.flow}): ${r.status === Status.Unresolvable ? `${r.name}: ` : ""}${r.detail}`);
    const verdict = code === ExitCode.Ok ? "ok" : code === ExitCode.Mismatch ? "mismatch" : "unresolvable";
    return [
        `DNS check against ${servers}: ${host} must resolve to ${vip} only; other names must resolve`,
        textTable(
            ["flow", "name", "expected", "resolved", "status"],
            rows.map((r) => [r.flow, r.name, r.expected.join(", ") || "-", r.resolved.join(", ") || "-", r.status]),
        ).trimEnd(),
        ...(findings.length > 0 ? ["", ...findings] : []),
        "",
        `result: ${verdict} (exit ${code})`,
        "",
    ].join("\n");
}

/** Builds the plan as `preview` does, resolves its names, and compares. Never throws. */
export async function verify(request: VerifyRequest): Promise<VerifyResult> {
    try {
        const server = request.dnsServer === undefined ? undefined : parseDnsServer(request.dnsServer);
        const { run } = await runPreview(request);
        const resolver = new dnsPromises.Resolver({ timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS, tries: request.tries ?? DEFAULT_TRIES });
        if (server !== undefined) {
            resolver.setServers([server]);
        }
        const servers = server ?? `the system resolver (${resolver.getServers().join(", ") || "no servers"})`;

        const host = normalizeName(run.outputs.configurationHost);
        const vip = run.outputs.configurationAddress;
        const namedFlows = run.outputs.egressPlan.filter((f) => f.destinationKind === "fqdn");
        // One query per name, however many flows share it.
        const lookups = new Map<string, Promise<Lookup>>();
        const resolve = (name: string) => {
            const known = lookups.get(name) ?? lookup(resolver, name);
            lookups.set(name, known);
            return known;
        };

        const hostFlow = namedFlows.find((f) => normalizeName(f.destination) === host)?.id ?? "configuration";
        const hostLookup = resolve(host);
        const others = namedFlows.filter((f) => normalizeName(f.destination) !== host);
        const otherRows = others.map(async (f): Promise<VerifyRow> => {
            const name = normalizeName(f.destination);
            return name.startsWith("*.")
                ? { flow: f.id, name, expected: [], resolved: [], status: Status.Wildcard, detail: "" }
                : namedFlowRow(f.id, name, await resolve(name));
        });
        const rows: VerifyRow[] = [configurationRow(hostFlow, host, vip, await hostLookup), ...(await Promise.all(otherRows))];

        const code = exitCodeOf(rows);
        const output = request.format === VerifyFormat.Json
            ? stableJson({ code, dnsServers: server === undefined ? resolver.getServers() : [server], configurationHost: host, configurationAddress: vip, rows })
            : renderTable(rows, servers, host, vip, code);
        return { code, output };
    } catch (e) {
        return { code: e instanceof InputError ? ExitCode.BadInput : ExitCode.Failure, output: "", error: errorLine(e) };
    }
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command()
        .name("verify")
        .description("Resolve the plan's names through DNS and check that the configuration host resolves to the VIP the rules carry.");
    addInputOptions(program)
        .option("--dns-server <host:port>", "DNS server to ask (HOST an IP address); default: the system resolver")
        .addOption(new Option("--format <format>", "output format").choices(Object.values(VerifyFormat)).default(VerifyFormat.Table))
        .addHelpText("after", EXIT_CODES_HELP)
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s.split("\n")[0] + "\n") });
    try {
        program.parse(argv, { from: "user" });
    } catch (e) {
        return (e as { exitCode?: number }).exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
    }
    const opts = program.opts<{ apim: string; options?: string; dnsServer?: string; format: VerifyFormat }>();
    const result = await verify({ apimFile: opts.apim, optionsFile: opts.options, dnsServer: opts.dnsServer, format: opts.format });
    process.stdout.write(result.output);
    if (result.error !== undefined) {
        process.stderr.write(`${result.error}\n`);
    }
    return result.code;
}

if (require.main === module) {
    // A rejected apply also rejects the registrations that wait on it; the first error has
    // already been reported, so the echoes are dropped rather than printed as stack traces.
    process.on("unhandledRejection", () => undefined);
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
