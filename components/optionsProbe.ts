// Resolved options of the egress probe (`probe` arg): whether the component runs it, the image,
// the addresses it tries for flows that have none of their own, and the canaries that must stay
// blocked. What can be checked without the plan is checked here; what needs the plan (a flow id
// in `probe.hosts`, a canary the plan opens) is checked by the renderer (probeScript.ts).
import * as ipaddr from "ipaddr.js";
import { InputError } from "./errors";
import { byCodePoint } from "./ordering";
import { ClusterOptions } from "./options";
import { argKeys, booleanAt, listAt, objectAt, stringAt } from "./optionsCore";
import { fqdn, parseIpv4, validatePort } from "./peers";

/** A destination the probe expects to find blocked. */
export interface Canary {
    /** As given, normalized: `https://host:port/` or `telnet://host:port`. */
    readonly url: string;
    readonly scheme: "https" | "telnet";
    readonly host: string;
    readonly port: number;
    /** The arg it came from (`probe.mustBeBlocked[2]`, as given, before sorting); absent for the default canary. */
    readonly field?: string;
}

export interface ProbeOptions {
    readonly enabled: boolean;
    readonly image: string;
    /** Flow id → the IPv4 address the probe connects to for that flow. */
    readonly hosts: Readonly<Record<string, string>>;
    readonly mustBeBlocked: readonly Canary[];
}

/**
 * curl's own image (github.com/curl/curl-container): Alpine with busybox `sh` and curl, running
 * as a non-root user. Pinned so that a deployment is reproducible; a site with a registry
 * mirror sets `probe.image` to its copy.
 */
export const DEFAULT_PROBE_IMAGE = "curlimages/curl:8.11.1";

/**
 * Cloudflare's public resolver answers HTTPS on its address with a certificate issued for that
 * address: it needs no DNS (so a site without public name resolution cannot hide an open path
 * behind a lookup failure), and only a real end-to-end connection reads as `allowed`. A plan that
 * opens it (a backend at that address and port) leaves it not probed, with a line saying so.
 */
const DEFAULT_CANARIES: readonly Canary[] = [{ url: "https://1.1.1.1:443/", scheme: "https", host: "1.1.1.1", port: 443 }];

// Flow ids are lowercase letters, digits and hyphens, at most 80 (egressPlan.ts).
const FLOW_ID = /^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$/;
// Where a canary never meets the firewall: the pod itself, nowhere, several hosts, or the cluster
// (ipaddr.js range names; RFC 6890 for the special-purpose blocks; `.svc` and `.cluster.local`
// are the cluster's DNS, kubernetes.io/docs/concepts/services-networking/dns-pod-service/).
const PROVES_NOTHING_RANGES = new Set(["unspecified", "loopback", "multicast", "broadcast"]);
const PROVES_NOTHING_NAME = /^(localhost|.*\.localhost|.*\.svc|.*\.cluster\.local)$/;
// A canary is a statement about the site, not a scan: a few are enough.
const MAX_CANARIES = 10;
// The chart's Service and instance-discovery Service select pods by these three labels
// (templates/_helpers.tpl, "selectorLabels"), and every gateway pod carries them.
const CHART_SERVICE_SELECTOR_KEYS = ["app.kubernetes.io/component", "app.kubernetes.io/instance", "app.kubernetes.io/name"] as const;

// An image reference: [registry[:port]/]path[:tag][@sha256:digest], the characters of the
// distribution spec (github.com/distribution/reference, reference.go), nothing a shell or YAML would read.
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;

function canaryAt(field: string, value: unknown): Canary {
    const text = stringAt(field, value, true);
    const match = /^(https|telnet):\/\/([^/:]+)(?::(\d{1,5}))?\/?$/.exec(text);
    if (!match) {
        throw new InputError(field, value, "Expected \"https://<host>[:<port>]/\" or \"telnet://<host>:<port>\", host a DNS name or an IPv4 address, no path.");
    }
    const scheme = match[1] as Canary["scheme"];
    if (scheme === "telnet" && match[3] === undefined) {
        throw new InputError(field, value, "A telnet:// canary names its port: \"telnet://<host>:<port>\".");
    }
    const port = validatePort(field, match[3] === undefined ? 443 : Number(match[3]));
    const host = /^[\d.]+$/.test(match[2]) ? parseIpv4(field, match[2]) : fqdn(field, match[2]).value;
    if (ipaddr.IPv4.isValidFourPartDecimal(host) ? PROVES_NOTHING_RANGES.has(ipaddr.IPv4.parse(host).range()) : PROVES_NOTHING_NAME.test(host)) {
        throw new InputError(field, value, "A canary must lie beyond the pod: a loopback, unspecified, multicast or broadcast address, or a name of the cluster or of the pod itself (localhost, .svc, .cluster.local), never crosses the firewall, so its being blocked proves nothing.");
    }
    return { url: scheme === "https" ? `https://${host}:${port}/` : `telnet://${host}:${port}`, scheme, host, port, field };
}

function hostsAt(field: string, value: unknown): Record<string, string> {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new InputError(field, value, "Expected a map of flow ids to IPv4 addresses.");
    }
    const raw = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(raw).sort(byCodePoint).map((id) => {
        if (!FLOW_ID.test(id)) {
            throw new InputError(`${field}.${id}`, id, "Expected a flow id of the plan (as in egressPlan): lowercase letters, digits and hyphens.");
        }
        return [id, parseIpv4(`${field}.${id}`, raw[id])];
    }));
}

/** Validates `probe` against the resolved cluster options. */
export function resolveProbe(raw: unknown, cluster: ClusterOptions): ProbeOptions {
    // Read at the call: options.ts imports this module, so its exports are not there yet at load.
    const p = objectAt("probe", raw, argKeys("Probe"));
    const enabled = booleanAt("probe.enabled", p.enabled, false);
    const image = stringAt("probe.image", p.image) ?? DEFAULT_PROBE_IMAGE;
    if (!IMAGE.test(image)) {
        throw new InputError("probe.image", image, "Expected an image reference such as \"registry.example.com/mirror/curlimages/curl:8.11.1\": lowercase repository, optional tag and digest.");
    }
    if (p.mustBeBlocked !== undefined && p.mustBeBlocked !== null && Array.isArray(p.mustBeBlocked) && p.mustBeBlocked.length === 0) {
        throw new InputError("probe.mustBeBlocked", p.mustBeBlocked, "A probe without a canary cannot tell a default-deny from an open network: name at least one destination that must stay blocked.");
    }
    // Sorted as every list of the plan is, so that reordering them leaves the script (and the Job) as it was.
    const mustBeBlocked = p.mustBeBlocked === undefined || p.mustBeBlocked === null ? DEFAULT_CANARIES
        : listAt("probe.mustBeBlocked", p.mustBeBlocked, canaryAt, MAX_CANARIES, (c) => c.url).sort((a, b) => byCodePoint(a.scheme, b.scheme) || byCodePoint(a.host, b.host) || a.port - b.port);
    if (enabled && !cluster.enabled) {
        throw new InputError("probe.enabled", true, "The probe runs as a Job in the gateway's namespace, selected by its cluster policy: it needs cluster.enabled.");
    }
    if (enabled && CHART_SERVICE_SELECTOR_KEYS.every((k) => k in cluster.podLabels)) {
        // The probe pod carries cluster.podLabels, so that the policy selects it as it selects the
        // gateway pods; with all three, the chart's Services would select it too and send API
        // traffic and replica heartbeats to a pod that does not listen (and the chart's
        // Deployment, whose selector is the same, would adopt it).
        throw new InputError("cluster.podLabels", cluster.podLabels, `With probe.enabled the probe pod carries these labels, and with all of ${CHART_SERVICE_SELECTOR_KEYS.join(", ")} the chart's Service would send it the gateway's traffic: select the gateway pods by fewer of them (the default is component and instance).`);
    }
    return { enabled, image, hosts: hostsAt("probe.hosts", p.hosts), mustBeBlocked };
}
