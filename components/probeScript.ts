// The egress probe: the plan as a POSIX `sh` script that needs `sh` and `curl` alone and tries,
// from a pod, every flow a pod can test, then the canaries that must stay blocked. Pure and
// deterministic: the same plan gives the same script, byte for byte, so the Job that runs it
// (probeJob.ts) is named after its hash and rerun only when the plan changes.
//
// How a flow is tried (curl's manual, curl.se/docs/manpage.html):
// - a name on 443: `https://<name>:443/` — TCP, TLS with SNI and a verified certificate, then any
//   HTTP status proves the path; `--resolve` when the pods map the name (the chart's hostAliases)
//   or `probe.hosts` gives an address;
// - the configuration address: by the configuration host's name, `--resolve`d to the address, so
//   that TLS completes with SNI against the address the rules open;
// - any other TCP port: `telnet://<target>:<port>`, a bare TCP handshake;
// - a port range: its first and last port, which bound it: two checks, however wide;
// - a network: at the address `probe.hosts` gives for the flow, else not probed;
// - through `egressProxy`: `--proxy`, CONNECT, as the gateway connects (telnet with `--proxytunnel`);
//   each canary then also directly (`--noproxy '*'`), since the cluster policy allows the proxy alone;
// - UDP, wildcard names, service tags, in-cluster peers and the nodes' image pull: listed, not
//   probed, with the reason.
// Names are tried over IPv4 only: the rules open IPv4 alone (peers.ts refuses IPv6), and a check
// over IPv6 would prove a path they do not describe. Canaries may leave by any path.
//
// curl's exit codes (manual, "EXIT CODES") → result, read with what the path held
// (`%{num_connects}`, the CONNECT answer): 0 allowed (an HTTP status came back; for telnet, the
// connection opened); 1/8/18/80 once connected allowed (TLS held, then a reply cut short, not
// HTTP, or a close without TLS shutdown), before any connection not-probed; 6 dns-error (under
// --ipv4 also a name with no IPv4 address; 5: the proxy's name); 7 blocked (refused, no route); 28
// blocked — "dropped" before a connection, "held" after it (the handshake or the reply stalled) —
// except for telnet once connected, which curl holds open until --max-time: allowed; 52 allowed
// (the server closed after the request: the path and TLS held); 55/56 blocked (reset after
// connecting), allowed for telnet once connected; 35 tls-error (the handshake failed: a reset on
// the SNI, or no TLS there); 51/60/83/91 tls-error (a certificate no CA of the image vouches for, or
// one for another name since curl 7.62: a TLS-intercepting proxy, a CA to add), but on a canary
// allowed, since a certificate came back: something answered TLS; 53/54/58/59/66/77/82
// local-error (curl's own TLS set-up: engine, ciphers, CA file), a failure of the run, never a
// pass on a canary; through the proxy, a CONNECT answered other than 200 (`http_connect`) is
// blocked. Any other code means curl could not run the check: not-probed, counted as a failure,
// as is a missing curl (exit 2 before any check).
import * as ipaddr from "ipaddr.js";
import { EgressFlow, EgressPlan } from "./egressPlan";
import { InputError } from "./errors";
import { HelmHostAlias } from "./helmValues";
import { Canary, ProbeOptions } from "./optionsProbe";
import { DestinationKind, PortRange, Protocol } from "./peers";

export const ProbeExpect = { Allowed: "allowed", Blocked: "blocked" } as const;
export type ProbeExpect = (typeof ProbeExpect)[keyof typeof ProbeExpect];

/** One line of the probe's output before it runs: what is tried, how, or why not. */
export interface ProbeCheck {
    /** The plan's flow id, or `canary-<n>` for the n-th of `probe.mustBeBlocked` (sorted), `canary-<n>-direct` for it tried around egressProxy. */
    readonly flow: string;
    readonly target: string;
    readonly port: number;
    readonly protocol: Protocol;
    readonly expect: ProbeExpect;
    /** `https` or `tcp` (telnet://); absent when the check is not probed. */
    readonly kind?: "https" | "tcp";
    /** curl's URL and its further arguments. */
    readonly curl?: readonly string[];
    /** Why it is not probed. */
    readonly notProbed?: string;
    /** Tried around egressProxy (`--noproxy '*'`): the cluster policy allows only the proxy, so this path must be blocked too. */
    readonly direct?: true;
}

export interface ProbeInput {
    /** The chart's `gateway.deployment.dns.hostAliases`: names the gateway pods resolve to fixed addresses. */
    readonly hostAliases: readonly HelmHostAlias[];
    readonly egressProxy?: { readonly address: string; readonly port: number };
    readonly probe: ProbeOptions;
}

const NOT_PROBED = {
    nodes: "the nodes' container runtime makes this connection (image pull), not a pod",
    serviceTag: "a service tag stands for Azure's address ranges, not one host a pod can try",
    wildcard: "a wildcard name has no one host to try",
    udp: "UDP has no handshake: curl cannot tell an open path from a dropped one",
    network: (id: string) => `a network, not one address: give an address inside it in probe.hosts.${id} to probe it`,
    viaProxy: "through egressProxy the proxy resolves the configuration host and connects to its address: the configuration-host check covers this path",
    inCluster: "pods of the cluster, which the gateway reaches by a Service name its APIM configuration holds: no address or name the probe can know",
} as const;

/** The ports a check tries: each single port, and the first and last port of a range. */
function probedPorts(ranges: readonly PortRange[]): { protocol: Protocol; port: number }[] {
    const ports = ranges.flatMap((r) => [r.port, ...(r.endPort === undefined ? [] : [r.endPort])].map((port) => ({ protocol: r.protocol, port })));
    return ports.filter((p, i) => ports.findIndex((q) => q.protocol === p.protocol && q.port === p.port) === i);
}

function addressOf(cidr: string): string {
    return cidr.split("/")[0];
}

function isSingleAddress(flow: EgressFlow): boolean {
    return flow.destination.kind === DestinationKind.Cidr && flow.destination.value.endsWith("/32");
}

/** Refuses `probe.hosts` entries the plan cannot use: an unknown flow, an address outside the flow's network, a flow that has no address to try. */
function checkHosts(plan: EgressPlan, input: ProbeInput): void {
    for (const [id, address] of Object.entries(input.probe.hosts)) {
        const field = `probe.hosts.${id}`;
        const flow = plan.flows.find((f) => f.id === id);
        if (!flow) {
            const ids = plan.flows.map((f) => f.id);
            // The map's field, not the key's: a key of a secret map is secret, and only values are known to the secrets' search.
            throw new InputError("probe.hosts", id, `No flow of the plan has this id; its flows are ${ids.slice(0, 12).join(", ")}${ids.length > 12 ? ", ..." : ""}.`);
        }
        const unusable = flow.fromNodes ? NOT_PROBED.nodes
            : flow.destination.kind === DestinationKind.ServiceTag ? "a service tag has no address the probe could check an entry against"
            : flow.destination.kind === DestinationKind.InCluster ? "pods of the cluster come and go with their addresses; the cluster policy selects them by labels"
            : flow.destination.value.startsWith("*.") ? NOT_PROBED.wildcard
            : flow.destination.kind === DestinationKind.Fqdn && input.egressProxy ? "through egressProxy the proxy resolves names, so an address for a named flow would not be used"
            : input.egressProxy && plan.flows.some((f) => f.resolvesTo === flow.id) ? NOT_PROBED.viaProxy
            : undefined;
        if (unusable) {
            throw new InputError(field, address, `This flow is not probed: ${unusable}.`);
        }
        if (flow.destination.kind === DestinationKind.Cidr && !ipaddr.IPv4.parse(address).match(ipaddr.IPv4.parseCIDR(flow.destination.value))) {
            throw new InputError(field, address, `The address is outside the flow's network ${flow.destination.value}: the probe must try what the rules open.`);
        }
        // A /31 or /32 has no network or broadcast address of its own (RFC 3021).
        const edges = flow.destination.kind === DestinationKind.Cidr && ipaddr.IPv4.parseCIDR(flow.destination.value)[1] <= 30
            ? [ipaddr.IPv4.networkAddressFromCIDR(flow.destination.value), ipaddr.IPv4.broadcastAddressFromCIDR(flow.destination.value)].map(String) : [];
        if (edges.includes(address)) {
            throw new InputError(field, address, `This is the network or broadcast address of ${flow.destination.value}, where no host answers: give the address of a host inside it.`);
        }
    }
}

/** The flow that opens a canary's address (or name), port and protocol, or "egressProxy" when it is the proxy the cluster policy allows. */
function openerOf(plan: EgressPlan, input: ProbeInput, c: Canary): string | undefined {
    const opens = (f: EgressFlow) => (f.destination.kind === DestinationKind.Cidr
        ? ipaddr.IPv4.isValidFourPartDecimal(c.host) && ipaddr.IPv4.parse(c.host).match(ipaddr.IPv4.parseCIDR(f.destination.value))
        : f.destination.kind === DestinationKind.Fqdn && (f.destination.value === c.host || (f.destination.value.startsWith("*.") && c.host.endsWith(f.destination.value.slice(1)))))
        && f.ports.some((r) => r.protocol === Protocol.Tcp && r.port <= c.port && c.port <= (r.endPort ?? r.port));
    const proxy = input.egressProxy;
    return proxy && c.host === proxy.address && c.port === proxy.port ? "egressProxy" : plan.flows.find(opens)?.id;
}

/**
 * The canary checks. One the plan opens would be allowed by design: with `probe.enabled` a canary
 * the user gave is refused; the default one, or any while the probe does not run, becomes a
 * not-probed line that says so, so that a deployment without the probe is never refused for it.
 */
function canaryChecks(plan: EgressPlan, input: ProbeInput): ProbeCheck[] {
    return input.probe.mustBeBlocked.flatMap((c, i): ProbeCheck[] => {
        const check = { flow: `canary-${i + 1}`, target: c.host, port: c.port, protocol: Protocol.Tcp, expect: ProbeExpect.Blocked };
        const opener = openerOf(plan, input, c);
        if (opener === undefined) {
            const probed = { ...check, kind: c.scheme === "https" ? "https" as const : "tcp" as const, curl: [c.url] };
            // Through the proxy a canary proves the proxy's policy; around it, the cluster's and the firewall's.
            return input.egressProxy ? [probed, { ...probed, flow: `${check.flow}-direct`, direct: true }] : [probed];
        }
        const why = opener === "egressProxy" ? "This is egressProxy, which the cluster policy allows" : `The plan opens this destination (flow ${opener})`;
        if (input.probe.enabled && c.field !== undefined) {
            throw new InputError(c.field, c.url, `${why}: a canary must be something no rule allows.`);
        }
        return [{ ...check, notProbed: `${why.charAt(0).toLowerCase()}${why.slice(1)}, so it would be allowed by design: set probe.mustBeBlocked to destinations no rule allows` }];
    });
}

/** The checks of one flow, one per port it tries. */
function flowChecks(flow: EgressFlow, plan: EgressPlan, input: ProbeInput): ProbeCheck[] {
    const proxied = input.egressProxy !== undefined;
    const namedBy = plan.flows.find((f) => f.resolvesTo === flow.id && f.destination.kind === DestinationKind.Fqdn);
    // Own keys only: a flow id is never an Object.prototype member, but the map is the user's.
    const given = Object.hasOwn(input.probe.hosts, flow.id) ? input.probe.hosts[flow.id] : undefined;
    const alias = (name: string) => given ?? input.hostAliases.find((a) => a.hostnames.includes(name))?.ip;
    const why = flow.fromNodes ? NOT_PROBED.nodes
        : flow.destination.kind === DestinationKind.ServiceTag ? NOT_PROBED.serviceTag
        : flow.destination.kind === DestinationKind.InCluster ? NOT_PROBED.inCluster
        : flow.destination.value.startsWith("*.") ? NOT_PROBED.wildcard
        : namedBy && proxied ? NOT_PROBED.viaProxy
        : flow.destination.kind === DestinationKind.Cidr && !isSingleAddress(flow) && given === undefined ? NOT_PROBED.network(flow.id)
        : undefined;
    const target = flow.destination.kind === DestinationKind.Cidr ? given ?? (isSingleAddress(flow) ? addressOf(flow.destination.value) : flow.destination.value) : flow.destination.value;
    return probedPorts(flow.ports).map(({ protocol, port }): ProbeCheck => {
        const check = { flow: flow.id, target, port, protocol, expect: ProbeExpect.Allowed };
        const notProbed = why ?? (protocol === Protocol.Udp ? NOT_PROBED.udp : undefined);
        if (notProbed) {
            return { ...check, notProbed };
        }
        // The name the TLS handshake carries, and the address it is sent to when the pods do not look it up.
        const name = flow.destination.kind === DestinationKind.Fqdn ? flow.destination.value : namedBy?.destination.value;
        const address = flow.destination.kind === DestinationKind.Fqdn ? (proxied ? undefined : alias(flow.destination.value)) : target;
        if (port === 443 && name !== undefined) {
            return { ...check, kind: "https", curl: [`https://${name}:${port}/`, "--ipv4", ...(address === undefined ? [] : ["--resolve", `${name}:${port}:${address}`])] };
        }
        return { ...check, kind: "tcp", curl: [`telnet://${address ?? target}:${port}`, ...(proxied ? [] : ["--ipv4"])] };
    });
}

/** Every line the probe prints before its summary, in the plan's order, the canaries last. Throws `InputError` for `probe` args the plan refuses. */
export function probeChecks(plan: EgressPlan, input: ProbeInput): ProbeCheck[] {
    checkHosts(plan, input);
    const canaries = canaryChecks(plan, input);
    return [...plan.flows.flatMap((f) => flowChecks(f, plan, input)), ...canaries];
}

/** A word for `sh`: single-quoted, a quote inside closed, escaped and reopened. Internal. Exported for testing. */
export function shQuote(text: string): string {
    return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The JSON line's members known before the check runs, escaped now so the script never escapes at run time. */
function lineHead(c: ProbeCheck): string {
    return `{"flow":${JSON.stringify(c.flow)},"target":${JSON.stringify(c.target)},"port":${c.port},"protocol":${JSON.stringify(c.protocol)},"expect":${JSON.stringify(c.expect)}`;
}

function jsonText(text: string): string {
    return JSON.stringify(text).slice(1, -1);
}

// The part of the script that is the same for every plan. Every value the checks put into a
// line at run time is a number curl wrote (checked to be digits) or a fixed word: nothing
// needs escaping once the script runs.
const PRELUDE = String.raw`set -u
timeout=${"$"}{PROBE_TIMEOUT:-5}
case $timeout in
[1-9]|[1-9][0-9]) ;;
*) timeout=0 ;;
esac
if [ "$timeout" -lt 1 ] || [ "$timeout" -gt 60 ]; then
    echo '{"summary":"error","detail":"PROBE_TIMEOUT must be a whole number of seconds from 1 to 60, without leading zeros"}'
    exit 2
fi
if ! command -v curl >/dev/null 2>&1; then
    echo '{"summary":"error","detail":"curl is not on PATH: the probe needs sh and curl"}'
    exit 2
fi
passed=0
failed=0
skipped=0

# line HEAD RESULT DETAIL VERDICT [REMOTE-IP]: prints one check's line, with the address curl
# connected to when there is one, and counts its verdict (pass, fail, skip).
line() {
    at=
    if [ -n "${"$"}{5:-}" ]; then
        at=",\"remoteIp\":\"$5\""
    fi
    printf '%s,"result":"%s","detail":"%s"%s}\n' "$1" "$2" "$3" "$at"
    case $4 in
    pass) passed=$((passed + 1)) ;;
    fail) failed=$((failed + 1)) ;;
    *) skipped=$((skipped + 1)) ;;
    esac
}

# check HEAD EXPECT KIND URL [CURL-ARGUMENT...]: one curl, bounded by --max-time, its exit code
# and its counters read as a result. The proxy is the plan's alone: none from the environment,
# and no exception from NO_PROXY (--noproxy, curl 7.53.0 and later).
check() {
    head=$1
    expect=$2
    kind=$3
    shift 3
    if [ -n "$proxy" ]; then
        if [ "$kind" = tcp ]; then
            set -- "$@" --proxytunnel
        fi
        set -- "$@" --proxy "$proxy" --noproxy ''
    else
        set -- "$@" --noproxy '*'
    fi
    out=$(curl -q --silent --output /dev/null --max-time "$timeout" --write-out '%{http_code} %{num_connects} %{http_connect} %{remote_ip}' "$@" </dev/null 2>/dev/null)
    rc=$?
    http=${"$"}{out%% *}
    rest=${"$"}{out#* }
    connects=${"$"}{rest%% *}
    rest=${"$"}{rest#* }
    tunnel=${"$"}{rest%% *}
    ip=${"$"}{rest#* }
    case "$http:$connects:$tunnel" in
    *[!0-9:]*|:*|*::*|*:) http=000 connects=0 tunnel=000 ip= ;;
    esac
    # The address that answered: curl leaves it empty, or not, when no connection opened.
    case $connects:$ip in
    0:*|*[!0-9a-fA-F.:]*) ip= ;;
    esac
    opened=no
    if [ "$kind" = tcp ] && [ "$connects" != 0 ]; then
        opened=yes
    fi
    result=blocked
    case $rc in
    2|3|4|27|43|48)
        result=not-probed detail="curl could not run this check (exit $rc, see EXIT CODES in its manual)" ;;
    5)
        result=dns-error detail="the proxy's name did not resolve (curl exit 5)" ;;
    53|54|58|59|66|77|82)
        result=local-error detail="curl could not set up TLS in this image: its TLS engine, ciphers, CA file or CRL (curl exit $rc)" ;;
    *)
        if [ -n "$proxy" ] && [ "$connects" = 0 ]; then
            detail="no connection to egressProxy (curl exit $rc)"
        elif [ -n "$proxy" ] && [ "$tunnel" != 200 ]; then
            detail="egressProxy answered CONNECT with HTTP $tunnel: 403 is its policy, 502 to 504 a name it could not resolve or reach, 000 no answer (curl exit $rc)"
        else
            case $rc in
            0)
                result=allowed detail="HTTP $http over verified TLS"
                if [ "$kind" = tcp ]; then
                    detail="TCP connection established"
                fi ;;
            1|8|18|80)
                if [ "$connects" = 0 ]; then
                    result=not-probed detail="curl could not run this check (exit $rc, see EXIT CODES in its manual)"
                elif [ "$kind" = tcp ]; then
                    result=allowed detail="TCP connection established (curl exit $rc)"
                else
                    result=allowed detail="TLS completed, then the reply was cut short or not HTTP (curl exit $rc)"
                fi ;;
            6)
                result=dns-error detail="the name did not resolve, or has no IPv4 address (curl exit 6)" ;;
            7)
                detail="refused, or no route to the destination (curl exit 7)" ;;
            28|52|55|56)
                if [ "$opened" = yes ]; then
                    result=allowed detail="TCP connection established (curl exit $rc: telnet holds it until the time-out)"
                elif [ "$rc" = 28 ] && [ "$connects" != 0 ]; then
                    detail="connected, then no TLS answer or reply within $timeout s: held on the way, or a server that stalls (curl exit 28)"
                elif [ "$rc" = 28 ]; then
                    detail="no answer within $timeout s: dropped on the way (curl exit 28)"
                elif [ "$rc" = 52 ]; then
                    result=allowed detail="TLS completed, then the server closed without an HTTP reply (curl exit 52)"
                else
                    detail="reset after the connection opened (curl exit $rc)"
                fi ;;
            35)
                result=tls-error detail="the TLS handshake failed: a reset on the name (a firewall denying it), or no TLS there (curl exit 35)" ;;
            51|60|83|91)
                if [ "$expect" = blocked ]; then
                    result=allowed detail="something answered TLS, with a certificate no CA of this image vouches for: an intercepting proxy or the destination itself (curl exit $rc)"
                else
                    result=tls-error detail="no CA of this image vouches for the certificate, or it is not for this name: a TLS-intercepting proxy, a CA to add, or a wrong address (curl exit $rc)"
                fi ;;
            *)
                result=not-probed detail="curl could not run this check (exit $rc, see EXIT CODES in its manual)" ;;
            esac
        fi ;;
    esac
    verdict=pass
    if [ "$result" = not-probed ] || [ "$result" = local-error ]; then
        verdict=fail
    elif [ "$expect" = allowed ] && [ "$result" != allowed ]; then
        verdict=fail
    elif [ "$expect" = blocked ] && [ "$result" = allowed ]; then
        verdict=fail
    fi
    line "$head" "$result" "$detail" "$verdict" "$ip"
}
`;

// Only in a script that calls it: shellcheck reads an uncalled function as unreachable code.
const DIRECT = String.raw`# direct HEAD EXPECT KIND URL [CURL-ARGUMENT...]: check, around egressProxy.
direct() {
    via=$proxy
    proxy=
    check "$@"
    proxy=$via
}
`;

const EPILOGUE = String.raw`verdict=pass
if [ "$failed" != 0 ]; then
    verdict=fail
fi
printf '{"summary":"%s","passed":%d,"failed":%d,"notProbed":%d}\n' "$verdict" "$passed" "$failed" "$skipped"
if [ "$failed" != 0 ]; then
    exit 1
fi
exit 0
`;

/** The script of `checks`, for the instance `apimName`. */
export function renderChecks(apimName: string, checks: readonly ProbeCheck[], egressProxy: ProbeInput["egressProxy"]): string {
    const header = [
        "#!/bin/sh",
        `# Egress probe of the self-hosted gateway of API Management instance ${apimName.replace(/[^A-Za-z0-9-]/g, "?")}, written by`,
        "# apim-gateway-egress from its egress plan. Needs sh and curl alone, writes to stdout alone:",
        "# one JSON line per check, then a summary line. Exit 0 when every probed result is as",
        "# expected, 1 otherwise, 2 when PROBE_TIMEOUT (seconds per check, 1-60, default 5) is not valid",
        "# or curl is missing.",
        `proxy=${shQuote(egressProxy ? `http://${egressProxy.address}:${egressProxy.port}` : "")}`,
    ];
    const lines = checks.map((c) => (c.notProbed !== undefined
        ? `line ${shQuote(lineHead(c))} not-probed ${shQuote(jsonText(c.notProbed))} skip`
        : `${c.direct ? "direct" : "check"} ${shQuote(lineHead(c))} ${c.expect} ${c.kind} ${(c.curl ?? []).map(shQuote).join(" ")}`));
    return [...header, PRELUDE, ...(checks.some((c) => c.direct) ? [DIRECT] : []), ...lines, EPILOGUE].join("\n");
}
