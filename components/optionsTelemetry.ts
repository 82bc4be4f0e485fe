// Validation of the local telemetry features (`features.openTelemetry`, `features.statsd`,
// `features.localLogs`): each sink's endpoint as the chart takes it, the port and protocol the
// cluster rule opens (read from the endpoint), and where the sink is: outside the cluster
// (`address`), in it (`inCluster`), or inside the pod or node (loopback, a socket or file path),
// which no network policy sees. Sources beside each rule.
import * as ipaddr from "ipaddr.js";
import { LocalLogsType } from "./args";
import { InputError } from "./errors";
import { argKeys, booleanAt, enumAt, Json, objectAt, stringAt, urlOf } from "./optionsCore";
import { exactlyOne, inClusterAt } from "./optionsInCluster";
import { cidr, Destination, DestinationKind, parseIpv4, PortRange, Protocol, tcp, udp, validatePort } from "./peers";

/** One telemetry sink, resolved. */
export interface TelemetrySinkOptions {
    readonly enabled: boolean;
    /** The endpoint as given: the chart takes it verbatim. */
    readonly endpoint?: string;
    /** The endpoint's host, lower-cased; undefined for a path. */
    readonly host?: string;
    /** Where the flow goes; undefined when there is no network flow (off, or inside the pod or node). */
    readonly destination?: Destination;
    readonly ports: readonly PortRange[];
}

export interface LocalLogsOptions extends TelemetrySinkOptions {
    readonly type?: LocalLogsType;
}

export interface TelemetryOptions {
    readonly openTelemetry: TelemetrySinkOptions;
    readonly statsd: TelemetrySinkOptions;
    readonly localLogs: LocalLogsOptions;
}

const OFF: TelemetrySinkOptions = { enabled: false, ports: [] };
export const NO_TELEMETRY: TelemetryOptions = { openTelemetry: OFF, statsd: OFF, localLogs: OFF };

/** How an endpoint may be written, and the protocols each spelling opens. */
interface EndpointForm {
    /** `scheme://host[:port]` → the protocols it opens. */
    readonly schemes: Readonly<Record<string, readonly Protocol[]>>;
    /** A bare `host:port` → its protocols; absent: not accepted. */
    readonly bare?: readonly Protocol[];
    /** An absolute path (a socket or file) is accepted. */
    readonly path: boolean;
    /** Port when the URI names none (http 80, https 443). */
    readonly defaultPorts?: Readonly<Record<string, number>>;
    readonly example: string;
}

const TCP_ONLY = [Protocol.Tcp];
const UDP_ONLY = [Protocol.Udp];

// Chart values.yaml: collector `http://otel-collector:4317` (gRPC) or `:4318` (HTTP): TCP.
const OTEL: EndpointForm = { schemes: { http: TCP_ONLY, https: TCP_ONLY }, path: false, defaultPorts: { http: 80, https: 443 }, example: "http://otel-collector:4317" };
// Chart values.yaml: `udp://statsd-server:8125`; the local-metrics how-to's sample `10.0.41.179:8125`
// reaches a UDP Service port (learn.microsoft.com/azure/api-management/how-to-configure-local-metrics-logs).
const STATSD: EndpointForm = { schemes: { udp: UDP_ONLY }, bare: UDP_ONLY, path: false, example: "udp://statsd-server:8125" };
const LOG_FORMS: Readonly<Record<LocalLogsType, EndpointForm>> = {
    // "RFC 5424 is for when logs are sent to a remote collector" (chart maintainer, Azure/api-management-self-hosted-gateway
    // PR 102). No document names its transport: a bare host:port opens both; a scheme opens one.
    rfc5424: { schemes: { udp: UDP_ONLY, tcp: TCP_ONLY }, bare: [Protocol.Udp, Protocol.Tcp], path: false, example: "udp://syslog.logging:514" },
    // "Local sys log should be used when logs are sent to syslog inside container" (same PR); the
    // chart mounts the node's /dev/log socket at the endpoint (templates/deployment.yaml, hostPath type Socket).
    localsyslog: { schemes: {}, path: true, example: "/dev/log" },
    // journald's native protocol is a local AF_UNIX datagram socket, /run/systemd/journal/socket
    // (https://systemd.io/JOURNAL_NATIVE_PROTOCOL/): a path, never a network peer.
    journal: { schemes: {}, path: true, example: "/run/systemd/journal/socket" },
    // "UDP endpoint that accepts JSON data, specified as file path, IP:port, or hostname:port" (settings reference).
    json: { schemes: {}, bare: UDP_ONLY, path: true, example: "127.0.0.1:8888" },
};

// A host the pod resolves: a Service name (`otel-collector`), `<service>.<namespace>`, a full name or an IPv4 address.
const hostPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

interface Endpoint {
    readonly host?: string;
    readonly ports: readonly PortRange[];
    /** Inside the pod or node: loopback, socket, file. */
    readonly local: boolean;
}

function isLoopback(host: string): boolean {
    return host === "localhost" || (ipaddr.IPv4.isValidFourPartDecimal(host) && ipaddr.IPv4.parse(host).range() === "loopback");
}

/** The host, ports and protocols of an endpoint written in one of `form`'s spellings. */
function parseEndpoint(field: string, text: string, form: EndpointForm): Endpoint {
    const allowed = [...Object.keys(form.schemes).map((s) => `${s}://host:port`), ...(form.bare ? ["host:port"] : []), ...(form.path ? ["an absolute path"] : [])].join(", ");
    const refuse = (why: string): never => {
        throw new InputError(field, text, `${why} Accepted: ${allowed}, such as "${form.example}".`);
    };
    if (text.startsWith("/")) {
        return form.path && !/\s/.test(text) ? { ports: [], local: true } : refuse("A path is not accepted here.");
    }
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
    const protocols = scheme === undefined ? form.bare : form.schemes[scheme];
    if (!protocols) {
        return refuse(scheme === undefined ? "Expected a scheme." : `The scheme ${scheme}:// is not accepted here.`);
    }
    const url = urlOf(scheme === undefined ? `bare://${text}` : text);
    if (url === undefined) {
        return refuse("Not a readable endpoint.");
    }
    if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
        // Never echoed: it may hold a secret, which the chart's values (an output) would carry in clear.
        throw new InputError(field, "(not shown)", "Credentials, a query or a fragment do not belong in the endpoint: the gateway's settings carry them, not its egress.");
    }
    const host = url.hostname.toLowerCase();
    if (host.startsWith("[")) {
        return refuse("IPv6 is not supported here.");
    }
    if (!hostPattern.test(host) || (/^[\d.]+$/.test(host) && !ipaddr.IPv4.isValidFourPartDecimal(host))) {
        return refuse(`"${host}" is neither a host name nor an IPv4 address.`);
    }
    const port = url.port === "" ? form.defaultPorts?.[scheme ?? ""] : Number(url.port);
    if (port === undefined) {
        return refuse("The endpoint names no port.");
    }
    validatePort(field, port);
    return { host, ports: protocols.map((p) => (p === Protocol.Udp ? udp(port) : tcp(port))), local: isLoopback(host) };
}

/** Where a sink on the network is: `address` (holding the host when it is an address) or `inCluster`. */
function sinkDestination(field: string, raw: Json, host: string, minimumPrefixLength: number): Destination {
    if (exactlyOne(field, raw, ["address", "inCluster"]) === "inCluster") {
        return inClusterAt(`${field}.inCluster`, raw.inCluster) as Destination;
    }
    const network = cidr(`${field}.address`, stringAt(`${field}.address`, raw.address, true), minimumPrefixLength);
    if (/^[\d.]+$/.test(host) && !ipaddr.IPv4.parse(parseIpv4(field, host)).match(ipaddr.IPv4.parseCIDR(network.value))) {
        throw new InputError(`${field}.address`, raw.address, `The endpoint's address ${host} is outside it: the rule would open a network the gateway never sends to.`);
    }
    return network;
}

function resolveSink(field: string, raw: Json, endpointKey: string, form: EndpointForm, minimumPrefixLength: number): TelemetrySinkOptions {
    const endpoint = stringAt(`${field}.${endpointKey}`, raw[endpointKey], true);
    const parsed = parseEndpoint(`${field}.${endpointKey}`, endpoint, form);
    if (parsed.local) {
        const where = ["address", "inCluster"].find((k) => raw[k] !== undefined && raw[k] !== null);
        if (where) {
            throw new InputError(`${field}.${where}`, raw[where], `The endpoint ${endpoint} is inside the pod or its node (a loopback address, a socket or a file), where no network policy applies: leave ${field}.address and ${field}.inCluster out.`);
        }
        return { enabled: true, endpoint, host: parsed.host, ports: [] };
    }
    const host = parsed.host as string;
    return { enabled: true, endpoint, host, destination: sinkDestination(field, raw, host, minimumPrefixLength), ports: parsed.ports };
}

/** The three telemetry features of `features` (the raw section), validated. */
export function resolveTelemetry(field: string, features: Json, minimumPrefixLength: number): TelemetryOptions {
    const section = (key: string, definition: string) => {
        const raw = objectAt(`${field}.${key}`, features[key], argKeys(definition));
        return { raw, enabled: booleanAt(`${field}.${key}.enabled`, raw.enabled, false) };
    };
    const otel = section("openTelemetry", "OpenTelemetryFeature");
    const statsd = section("statsd", "StatsdFeature");
    const logs = section("localLogs", "LocalLogsFeature");
    const type = logs.enabled ? enumAt(`${field}.localLogs.type`, logs.raw.type, LocalLogsType) : undefined;
    if (logs.enabled && type === undefined) {
        throw new InputError(`${field}.localLogs.type`, undefined, `This arg is required: one of ${Object.values(LocalLogsType).join(", ")}.`);
    }
    return {
        openTelemetry: otel.enabled ? resolveSink(`${field}.openTelemetry`, otel.raw, "collectorUri", OTEL, minimumPrefixLength) : OFF,
        statsd: statsd.enabled ? resolveSink(`${field}.statsd`, statsd.raw, "endpoint", STATSD, minimumPrefixLength) : OFF,
        localLogs: type ? { ...resolveSink(`${field}.localLogs`, logs.raw, "endpoint", LOG_FORMS[type], minimumPrefixLength), type } : OFF,
    };
}

/**
 * Beside `egressProxy`, telemetry leaves the pods only for the cluster: the proxy carries HTTP
 * and HTTPS "for outbound HTTP requests to backend services" (chart values.yaml), not StatsD or
 * syslog datagrams, and a collector outside would need a path around it.
 */
export function checkTelemetryBesideProxy(field: string, telemetry: TelemetryOptions): void {
    for (const key of Object.keys(NO_TELEMETRY) as (keyof TelemetryOptions)[]) {
        if (telemetry[key].destination?.kind === DestinationKind.Cidr) {
            throw new InputError(`${field}.${key}.address`, telemetry[key].destination?.value, `With egressProxy the gateway reaches the outside through the proxy, which carries HTTP and HTTPS to backends, not telemetry: run the sink in the cluster and give ${field}.${key}.inCluster, or leave egressProxy out.`);
        }
    }
}
