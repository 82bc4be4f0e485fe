// The args of the egress probe (`probe`), re-exported by args.ts: a plain interface, as there.
// `optionsProbe.ts` validates it.
import type * as pulumi from "@pulumi/pulumi";

/**
 * The egress probe: a Job in the gateway's namespace, selected by the gateway's cluster policy as
 * the gateway pods are (not by the chart's Service), that tries every flow of the plan a pod can
 * test with curl and prints one JSON line per check (`kubectl logs job/<probeJobName>`). A new
 * Job runs whenever the plan changes. `enabled` is a plain value: it decides whether the Job exists.
 */
export interface Probe {
    /**
     * Run the probe Job. Needs `cluster.enabled`.
     * @default false
     */
    enabled?: boolean;
    /**
     * An image with `sh` and `curl`; a site's mirror of the default.
     * @default "curlimages/curl:8.11.1"
     */
    image?: pulumi.Input<string>;
    /**
     * Flow id (as in `egressPlan`) → the IPv4 address the probe connects to: for a network flow,
     * an address inside it (otherwise it is not probed); for a named flow, the address to resolve
     * the name to (`curl --resolve`), as a host alias would.
     * @default {}
     */
    hosts?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Destinations that must stay blocked, as `https://<host>[:<port>]/` or `telnet://<host>:<port>`:
     * if one answers, the site has no default-deny. None of them may lie in a flow of the plan.
     * @default ["https://1.1.1.1:443/"] (an address that answers HTTPS without DNS)
     */
    mustBeBlocked?: pulumi.Input<pulumi.Input<string>[]>;
}
