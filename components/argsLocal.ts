// The args of in-cluster peers and local telemetry (`backends[i].inCluster`,
// `features.externalCache.inCluster`, `features.openTelemetry`, `features.statsd`,
// `features.localLogs`), re-exported by args.ts: plain interfaces and `as const` enums, as there.
import type * as pulumi from "@pulumi/pulumi";

/**
 * Pods inside the cluster, by namespace and labels. The cluster policy opens them by selector
 * (a NetworkPolicy `namespaceSelector` on `kubernetes.io/metadata.name` with a `podSelector`,
 * Cilium `toEndpoints`) on the flow's ports; no Azure Firewall rule, since that traffic never
 * reaches it, and no EgressFirewall entry, which governs only "traffic from a pod to an IP
 * address outside the cluster" (OpenShift API reference, EgressFirewall k8s.ovn.org/v1).
 * The ports are the pods' own: a NetworkPolicy port is "a numerical or named port on a pod"
 * (NetworkPolicyPort, Kubernetes API reference), seen after a Service translates its port to the
 * `targetPort`; give a Service the same port and targetPort, or the pods' port here.
 */
export interface InCluster {
    /** Namespace of the pods (a DNS-1123 label). */
    namespace: pulumi.Input<string>;
    /**
     * Labels that select the pods in `namespace`.
     * @default every pod of `namespace`
     */
    podLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/**
 * Where a local telemetry sink listens. Give exactly one of `address` and `inCluster` for a sink
 * on the network; neither for one inside the pod (a loopback host, a socket or file path).
 * - `address`: outside the cluster. The cluster policy allows it by `ipBlock` and the Azure
 *   Firewall gets a network rule on the endpoint's port and protocol, as for a backend by
 *   address: a collector in another network is reached through the firewall. Judged by
 *   `firewall.minimumPrefixLength` like every network a user names. Refused beside
 *   `egressProxy`, whose proxy carries HTTP and HTTPS to the outside, not telemetry.
 * - `inCluster`: the cluster policy alone, by selector; no firewall rule, no EgressFirewall
 *   entry; beside `egressProxy` the endpoint's host joins the proxy bypass (`NO_PROXY`).
 */
export interface TelemetrySink {
    /** @default false */
    enabled?: pulumi.Input<boolean>;
    /** IPv4 address or CIDR of the sink, outside the cluster; must hold the endpoint's host when that is an address. */
    address?: pulumi.Input<string>;
    /** The sink's pods, inside the cluster. */
    inCluster?: pulumi.Input<InCluster>;
}

/** An OpenTelemetry collector for the gateway's metrics and traces. */
export interface OpenTelemetryFeature extends TelemetrySink {
    /**
     * The collector's URI, `http://otel-collector:4317` (gRPC) or `http://otel-collector:4318`
     * (HTTP), as the chart's `observability.opentelemetry.collector.uri` takes it; opened on TCP
     * at its port (80 or 443 when it names none). Required when enabled.
     */
    collectorUri?: pulumi.Input<string>;
}

/** A StatsD server for the gateway's metrics. */
export interface StatsdFeature extends TelemetrySink {
    /**
     * The server, `udp://statsd-server:8125` as the chart's `observability.statsD.endpoint`
     * takes it, or `host:port` as the settings reference's sample does; opened on UDP at its port.
     * Required when enabled.
     */
    endpoint?: pulumi.Input<string>;
}

/** How the gateway writes local logs (`telemetry.logs.local`, settings reference). */
export const LocalLogsType = {
    /** RFC 5424 syslog "sent to a remote collector" (the chart's maintainers, chart PR 102): `host:port`, `udp://` or `tcp://`. */
    Rfc5424: "rfc5424",
    /** Syslog "inside the container": the node's `/dev/log` socket, which the chart mounts (templates/deployment.yaml). No network flow. */
    LocalSyslog: "localsyslog",
    /** The systemd journal's socket on the node: a path, no network flow; the chart mounts nothing for it. */
    Journal: "journal",
    /** JSON over UDP, "file path, IP:port, or hostname:port" (settings reference). */
    Json: "json",
} as const;
export type LocalLogsType = (typeof LocalLogsType)[keyof typeof LocalLogsType];

/** A local log sink. */
export interface LocalLogsFeature extends TelemetrySink {
    /** `rfc5424`, `localsyslog`, `journal` or `json`. Required when enabled. */
    type?: pulumi.Input<LocalLogsType>;
    /**
     * Where the logs go, as the chart's `observability.logs.local.<type>.endpoint` takes it: a
     * socket path for `localsyslog` and `journal` (e.g. `/dev/log`), a path or `host:port` for
     * `json` (UDP), `host:port` for `rfc5424`, or `udp://host:port` / `tcp://host:port` to name
     * its transport. The settings reference names no transport for `rfc5424`: without a scheme
     * both UDP and TCP are opened on the port. Required when enabled.
     */
    endpoint?: pulumi.Input<string>;
}
