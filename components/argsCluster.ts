// The cluster args: the policy engine and the gateway pods' cluster-side policy. Part of args.ts,
// which re-exports it.
import type * as pulumi from "@pulumi/pulumi";

/** Which cluster policy engine renders the gateway's cluster-side rules. */
export const ClusterFlavor = {
    /** A `networking.k8s.io/v1` NetworkPolicy only: addresses, no names. */
    Kubernetes: "kubernetes",
    /** NetworkPolicy plus an OVN-Kubernetes EgressFirewall (names allowed); DNS on 5353. */
    OpenShift: "openshift",
    /** NetworkPolicy plus a CiliumNetworkPolicy with `toFQDNs` through Cilium's DNS proxy. */
    Cilium: "cilium",
} as const;
export type ClusterFlavor = (typeof ClusterFlavor)[keyof typeof ClusterFlavor];

/**
 * The cluster-side policy for the gateway pods. `enabled` and `flavor` are plain values, not
 * Inputs: they decide which resources exist, so they must be known when the program runs (the
 * rest may come from other resources).
 */
export interface Cluster {
    /**
     * Create the cluster policy. Set false to manage only the Azure Firewall.
     * @default true
     */
    enabled?: boolean;
    /** Namespace of the self-hosted gateway. */
    namespace?: pulumi.Input<string>;
    /**
     * Policy engine: `kubernetes`, `openshift` or `cilium`.
     * @default "kubernetes"
     */
    flavor?: ClusterFlavor;
    /**
     * Helm release name of the gateway; selects its pods by the chart's labels
     * (`app.kubernetes.io/component: self-hosted-gateway`, `app.kubernetes.io/instance: <release>`).
     * Ignored when `podLabels` is given.
     * @default "azure-api-management-gateway"
     */
    releaseName?: pulumi.Input<string>;
    /** Labels that select the gateway pods, replacing the chart's labels. */
    podLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Name of the cluster policy objects (NetworkPolicy, CiliumNetworkPolicy).
     * @default the component's name
     */
    policyName?: pulumi.Input<string>;
    /**
     * Namespace of the cluster DNS pods.
     * @default "kube-system"; "openshift-dns" for `openshift`
     */
    dnsNamespace?: pulumi.Input<string>;
    /**
     * Labels of the cluster DNS pods.
     * @default {"k8s-app": "kube-dns"}; {"dns.operator.openshift.io/daemonset-dns": "default"} for `openshift`
     */
    dnsPodLabels?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
    /**
     * Namespaces allowed to reach the listeners (8080/8081) besides the gateway's own, by name.
     * On `openshift` the routers' namespaces are also selected by the label
     * `policy-group.network.openshift.io/ingress: ""`, which host-network routers carry too.
     * @default ["ingress-nginx"]; [] for `openshift`
     */
    ingressNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * CIDRs allowed, on their ports, for flows that only have a name (NetworkPolicy cannot
     * match names). Empty: such flows stay blocked in the cluster and are listed in
     * `notEnforceableInCluster`. `0.0.0.0/0` leaves them to the Azure Firewall; say so explicitly.
     * @default []
     */
    allowNamedFlowsTo?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * OpenShift: end the EgressFirewall with `Deny 0.0.0.0/0`. See the README on the documented doubt.
     * @default true
     */
    denyAllOtherEgress?: pulumi.Input<boolean>;
    /**
     * OpenShift: the gateway namespace holds no other workload. An EgressFirewall governs the
     * whole namespace, so `openshift` is refused until this is true.
     * @default false
     */
    namespaceIsDedicated?: pulumi.Input<boolean>;
    /**
     * Client networks allowed to the listeners (8080/8081), as the gateway is exposed: a
     * `LoadBalancer` Service's clients and health probes, NodePort sources. `0.0.0.0/0` written
     * out opens the listeners to every client; other networks follow `firewall.minimumPrefixLength`.
     * @default [] (the gateway's namespace and the ingress namespaces only)
     */
    ingressFrom?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The UDP ports the replicas use among themselves, as set in the chart's
     * `service.ports.instance`.
     * @default { synchronization: 4290, heartbeat: 4291 }
     */
    instancePorts?: pulumi.Input<InstancePorts>;
}

/** The UDP ports between gateway replicas (the chart's `service.ports.instance`). */
export interface InstancePorts {
    /**
     * Rate-limit synchronization.
     * @default 4290
     */
    synchronization?: pulumi.Input<number>;
    /**
     * Heartbeat.
     * @default 4291
     */
    heartbeat?: pulumi.Input<number>;
}
