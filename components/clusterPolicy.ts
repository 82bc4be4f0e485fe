// Cluster renderers: the egress plan as Kubernetes manifests for the gateway pods. Pure.
// - NetworkPolicy (every flavor): isolates ingress and egress; allows cluster DNS, the
//   replicas' UDP 4290/4291 both ways, the listeners 8080/8081, every flow with an address, and
//   in-cluster peers by namespace and pod selector (inClusterPeers.ts), with or without a proxy.
//   It cannot match names: name-only flows are blocked unless the user lists CIDRs for them.
// - EgressFirewall (openshift): ordered Allow rules by CIDR and by DNS name, optional final Deny;
//   nothing for in-cluster peers, which it does not govern.
// - CiliumNetworkPolicy (cilium): toFQDNs/toCIDR/toEndpoints rules plus the DNS rule that makes them work.
// Sources: DESIGN.md §2 (Helm chart ports, OpenShift DNS on 5353) and §5.
import { DECLARED_BY_USER, DocReference, GatewayPorts, OPENSHIFT_INGRESS_LABEL } from "./catalog";
import { EgressFlow, EgressPlan } from "./egressPlan";
import { InputError } from "./errors";
import { ClusterFlavor } from "./args";
import { ClusterOptions } from "./options";
import { ciliumEndpoint, isInCluster, networkPolicyPeer } from "./inClusterPeers";
import { ALL_IPV4, DestinationKind, PortRange, tcp, udp } from "./peers";

export interface Manifest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: Record<string, unknown>;
}

/** Why a cluster rule exists, and the document that says so. */
export interface RulePurpose {
    readonly purpose: string;
    readonly reference: string;
}

export interface ClusterRendering {
    readonly manifests: readonly Manifest[];
    /** Rule reference (`NetworkPolicy/gw/egress[2]`, `.../ingress[0]`) → why the rule exists. Every rule has one. */
    readonly purposes: Readonly<Record<string, RulePurpose>>;
    /** Flow id → where the cluster allows it, e.g. `NetworkPolicy/gw/egress[2]`. */
    readonly enforcedBy: Readonly<Record<string, readonly string[]>>;
    /** Flows no cluster rule allows: they are blocked in the cluster, with the reason. */
    readonly notEnforceable: readonly { readonly flow: string; readonly reason: string }[];
}

export const MANAGED_LABELS = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "apim-gateway-egress" } as const;

/**
 * Marks a NetworkPolicy whose egress reaches 0.0.0.0/0 because the user asked for it
 * (`cluster.allowNamedFlowsTo`), and says what still narrows those flows. The policy pack
 * (policy/) accepts such a rule only with this annotation, and on OpenShift only beside an
 * EgressFirewall that ends in `Deny 0.0.0.0/0`.
 */
export const BROAD_EGRESS_ANNOTATION = "apim-gateway-egress/broad-egress";

/** Namespace selector by the label every namespace carries since Kubernetes 1.21. */
function namespaceSelector(namespace: string) {
    return { matchLabels: { "kubernetes.io/metadata.name": namespace } };
}

function dnsPorts(flavor: ClusterFlavor): PortRange[] {
    // OpenShift's DNS pods listen on 5353 and OVN-Kubernetes applies policy after the Service
    // port 53 is rewritten to it: a rule for 53 alone blocks DNS there.
    const ports = flavor === ClusterFlavor.OpenShift ? [5353, 53] : [53];
    return ports.flatMap((p) => [udp(p), tcp(p)]);
}

const LISTENER_PORTS = [tcp(GatewayPorts.http), tcp(GatewayPorts.https)];

/** The replicas' UDP ports, as the chart's `service.ports.instance` sets them. */
function replicaPorts(options: ClusterOptions): PortRange[] {
    return [udp(options.instancePorts.synchronization), udp(options.instancePorts.heartbeat)];
}

/** The forward proxy a gateway in proxy mode reaches everything outside the cluster through. */
export interface EgressProxy {
    readonly address: string;
    readonly port: number;
}

/** Pod traffic: the image pull is the node's. */
function fromPods(flow: EgressFlow): boolean {
    return flow.fromNodes === undefined;
}

function networkPolicyPort(p: PortRange) {
    return p.endPort === undefined ? { protocol: p.protocol, port: p.port } : { protocol: p.protocol, port: p.port, endPort: p.endPort };
}

/** The rule of a flow's rule reference, without the note on how the flow reaches it. */
export function ruleOf(where: string): string {
    return where.replace(/ \(.*\)$/, "");
}

/** Service tags are Azure Firewall vocabulary: no cluster policy can name them. */
function hasClusterMeaning(flow: EgressFlow): boolean {
    return flow.destination.kind !== DestinationKind.ServiceTag;
}

function metadata(name: string, options: ClusterOptions, annotations?: Record<string, string>) {
    return { name, namespace: options.namespace, labels: { ...MANAGED_LABELS }, ...(annotations ? { annotations } : {}) };
}

/** Why named flows may go to every address: who narrows them instead. */
function broadEgressReason(options: ClusterOptions): string {
    const enforcer = options.flavor === ClusterFlavor.OpenShift && options.denyAllOtherEgress ? "the namespace's EgressFirewall (k8s.ovn.org/v1 default), which allows only their names"
        : options.flavor === ClusterFlavor.Cilium ? "nothing in the cluster: Cilium adds policies up, so the Azure Firewall alone narrows them"
        : "the Azure Firewall";
    return `cluster.allowNamedFlowsTo asks for 0.0.0.0/0: each named flow on its own ports, narrowed by ${enforcer}`;
}

interface Rendered {
    readonly manifest: Manifest;
    /** [flow id, rule reference] for each flow the manifest allows. */
    readonly enforcedBy: [string, string][];
    /** The purposes of the rules no flow of the plan stands behind (DNS, replicas, listeners, the final deny). */
    readonly fixed: [string, RulePurpose][];
}

const DNS_PURPOSE: RulePurpose = { purpose: "cluster DNS: the gateway resolves the configuration host and every named destination", reference: DocReference.HelmChart };
const REPLICAS_PURPOSE: RulePurpose = { purpose: "rate-limit synchronization and heartbeat between gateway replicas (the chart's service.ports.instance)", reference: DocReference.HelmChart };
const PROXY_PURPOSE: RulePurpose = { purpose: "every flow outside the cluster, through the forward proxy (egressProxy)", reference: DECLARED_BY_USER };
const LISTENERS_PURPOSE: RulePurpose = { purpose: "the gateway's listeners (8080 http, 8081 https) for API clients", reference: DocReference.HelmChart };

function renderNetworkPolicy(plan: EgressPlan, options: ClusterOptions, proxy: EgressProxy | undefined): Rendered {
    const self = { podSelector: { matchLabels: options.podLabels } };
    const replicas = replicaPorts(options);
    const egress: Record<string, unknown>[] = [
        { to: [{ namespaceSelector: namespaceSelector(options.dnsNamespace), podSelector: { matchLabels: options.dnsPodLabels } }], ports: dnsPorts(options.flavor).map(networkPolicyPort) },
        { to: [self], ports: replicas.map(networkPolicyPort) },
    ];
    const enforcedBy: [string, string][] = [];
    const ref = (i: number) => `NetworkPolicy/${options.policyName}/egress[${i}]`;
    const prefix = `NetworkPolicy/${options.policyName}`;
    const fixed: [string, RulePurpose][] = [[ref(0), DNS_PURPOSE], [ref(1), REPLICAS_PURPOSE]];
    let broad = false;
    if (proxy) {
        // Everything outside the cluster goes through the proxy: it is the only destination there.
        plan.flows.filter((f) => fromPods(f) && !isInCluster(f)).forEach((f) => enforcedBy.push([f.id, `${ref(egress.length)} (via egressProxy)`]));
        fixed.push([ref(egress.length), PROXY_PURPOSE]);
        egress.push({ to: [{ ipBlock: { cidr: `${proxy.address}/32` } }], ports: [networkPolicyPort(tcp(proxy.port))] });
    } else {
        for (const flow of plan.flows.filter((f) => fromPods(f) && f.destination.kind === DestinationKind.Cidr)) {
            enforcedBy.push([flow.id, ref(egress.length)]);
            egress.push({ to: [{ ipBlock: { cidr: flow.destination.value } }], ports: flow.ports.map(networkPolicyPort) });
        }
        // One rule per flow that has nothing but a name, so that no rule opens one flow's ports
        // for another. A name that resolves to an address flow (the configuration host to its
        // VIP) already travels on that flow's rule: the opt-in must not widen it.
        const named = options.allowNamedFlowsTo.length === 0 ? [] : plan.flows.filter((f) => fromPods(f) && f.destination.kind === DestinationKind.Fqdn && f.resolvesTo === undefined);
        for (const flow of named) {
            enforcedBy.push([flow.id, `${ref(egress.length)} (cluster.allowNamedFlowsTo)`]);
            egress.push({ to: options.allowNamedFlowsTo.map((c) => ({ ipBlock: { cidr: c } })), ports: flow.ports.map(networkPolicyPort) });
        }
        broad = named.length > 0 && options.allowNamedFlowsTo.includes(ALL_IPV4);
    }
    // In-cluster peers are reached directly, proxy or not: the proxy bypass covers them (helmValues.ts).
    for (const flow of plan.flows.filter((f) => fromPods(f) && isInCluster(f))) {
        enforcedBy.push([flow.id, ref(egress.length)]);
        egress.push({ to: [networkPolicyPeer(flow.destination)], ports: flow.ports.map(networkPolicyPort) });
    }
    // The listeners take API clients from the gateway's namespace, the ingress namespaces (by
    // name, and on OpenShift by the routers' namespace label), and the networks the gateway is
    // exposed to (a LoadBalancer Service's clients and probes, NodePort sources).
    const listenerPeers = [
        { podSelector: {} },
        ...options.ingressNamespaces.map((n) => ({ namespaceSelector: namespaceSelector(n) })),
        ...(options.flavor === ClusterFlavor.OpenShift ? [{ namespaceSelector: { matchLabels: { ...OPENSHIFT_INGRESS_LABEL } } }] : []),
        ...options.ingressFrom.map((cidr) => ({ ipBlock: { cidr } })),
    ];
    const ingress = [
        { from: listenerPeers, ports: LISTENER_PORTS.map(networkPolicyPort) },
        { from: [self], ports: replicas.map(networkPolicyPort) },
    ];
    fixed.push([`${prefix}/ingress[0]`, LISTENERS_PURPOSE], [`${prefix}/ingress[1]`, REPLICAS_PURPOSE]);
    return {
        manifest: {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: metadata(options.policyName, options, broad ? { [BROAD_EGRESS_ANNOTATION]: broadEgressReason(options) } : undefined),
            spec: { podSelector: { matchLabels: options.podLabels }, policyTypes: ["Ingress", "Egress"], ingress, egress },
        },
        enforcedBy,
        fixed,
    };
}

/** EgressFirewall ports name single ports: a range becomes one entry per port. */
function egressFirewallPorts(ports: readonly PortRange[]) {
    return ports.flatMap((p) => {
        const last = p.endPort ?? p.port;
        return Array.from({ length: last - p.port + 1 }, (_, i) => ({ protocol: p.protocol, port: p.port + i }));
    });
}

/** OVN-Kubernetes accepts at most 8000 rules in one EgressFirewall (DESIGN.md §5). */
export const EGRESS_FIREWALL_MAX_RULES = 8000;

// A wide range in an EgressFirewall would explode into one entry per port.
const MAX_EGRESS_FIREWALL_PORTS = 64;

function renderEgressFirewall(plan: EgressPlan, options: ClusterOptions, proxy: EgressProxy | undefined, skipped: { flow: string; reason: string }[]): Rendered {
    const egress: Record<string, unknown>[] = [];
    const enforcedBy: [string, string][] = [];
    const fixed: [string, RulePurpose][] = [];
    if (proxy) {
        plan.flows.filter((f) => fromPods(f) && !isInCluster(f)).forEach((f) => enforcedBy.push([f.id, "EgressFirewall/default/egress[0] (via egressProxy)"]));
        fixed.push(["EgressFirewall/default/egress[0]", PROXY_PURPOSE]);
        egress.push({ type: "Allow", to: { cidrSelector: `${proxy.address}/32` }, ports: egressFirewallPorts([tcp(proxy.port)]) });
    }
    for (const flow of proxy ? [] : plan.flows.filter((f) => fromPods(f) && hasClusterMeaning(f) && !isInCluster(f))) {
        const reason = flow.ports.reduce((n, p) => n + (p.endPort ?? p.port) - p.port + 1, 0) > MAX_EGRESS_FIREWALL_PORTS ? `more than ${MAX_EGRESS_FIREWALL_PORTS} ports` : undefined;
        if (reason) {
            skipped.push({ flow: flow.id, reason: `EgressFirewall: ${reason}` });
            continue;
        }
        const to = flow.destination.kind === DestinationKind.Cidr ? { cidrSelector: flow.destination.value } : { dnsName: flow.destination.value };
        enforcedBy.push([flow.id, `EgressFirewall/default/egress[${egress.length}]`]);
        egress.push({ type: "Allow", to, ports: egressFirewallPorts(flow.ports) });
    }
    if (options.denyAllOtherEgress) {
        fixed.push([`EgressFirewall/default/egress[${egress.length}]`, { purpose: "deny every other destination outside the cluster (cluster.denyAllOtherEgress)", reference: DocReference.EgressFirewall }]);
        egress.push({ type: "Deny", to: { cidrSelector: ALL_IPV4 } });
    }
    if (egress.length > EGRESS_FIREWALL_MAX_RULES) {
        throw new InputError("cluster.flavor", options.flavor, `The EgressFirewall would hold ${egress.length} rules; OVN-Kubernetes accepts at most ${EGRESS_FIREWALL_MAX_RULES}: split the backends across namespaces.`);
    }
    return {
        manifest: {
            apiVersion: "k8s.ovn.org/v1",
            kind: "EgressFirewall",
            // One per namespace, and it must be named "default".
            metadata: metadata("default", options),
            spec: { egress },
        },
        enforcedBy,
        fixed,
    };
}

function ciliumPorts(ports: readonly PortRange[]) {
    return [{ ports: ports.map((p) => (p.endPort === undefined ? { port: `${p.port}`, protocol: p.protocol } : { port: `${p.port}`, endPort: p.endPort, protocol: p.protocol })) }];
}

function renderCilium(plan: EgressPlan, options: ClusterOptions, proxy: EgressProxy | undefined): Rendered {
    // toFQDNs only learns addresses from lookups that pass Cilium's DNS proxy: the DNS rule is
    // what makes the name rules work. It proxies every lookup ("*") because the gateway also
    // resolves in-cluster names (its instance-discovery Service).
    const egress: Record<string, unknown>[] = [{
        toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": options.dnsNamespace, ...options.dnsPodLabels } }],
        toPorts: [{ ports: dnsPorts(options.flavor).map((p) => ({ port: `${p.port}`, protocol: p.protocol })), rules: { dns: [{ matchPattern: "*" }] } }],
    }];
    const enforcedBy: [string, string][] = [];
    const fixed: [string, RulePurpose][] = [[`CiliumNetworkPolicy/${options.policyName}/egress[0]`, DNS_PURPOSE]];
    if (proxy) {
        const ref = `CiliumNetworkPolicy/${options.policyName}/egress[${egress.length}]`;
        plan.flows.filter((f) => fromPods(f) && !isInCluster(f)).forEach((f) => enforcedBy.push([f.id, `${ref} (via egressProxy)`]));
        fixed.push([ref, PROXY_PURPOSE]);
        egress.push({ toCIDR: [`${proxy.address}/32`], toPorts: ciliumPorts([tcp(proxy.port)]) });
    }
    for (const flow of plan.flows.filter((f) => fromPods(f) && hasClusterMeaning(f) && (!proxy || isInCluster(f)))) {
        const to = flow.destination.kind === DestinationKind.Cidr ? { toCIDR: [flow.destination.value] }
            : isInCluster(flow) ? { toEndpoints: [ciliumEndpoint(flow.destination)] }
            // Pod traffic never goes to a wildcard: the catalog's only one is the registry's, which the nodes reach.
            : { toFQDNs: [{ matchName: flow.destination.value }] };
        enforcedBy.push([flow.id, `CiliumNetworkPolicy/${options.policyName}/egress[${egress.length}]`]);
        egress.push({ ...to, toPorts: ciliumPorts(flow.ports) });
    }
    return {
        manifest: {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            metadata: metadata(options.policyName, options),
            spec: { endpointSelector: { matchLabels: options.podLabels }, egress },
        },
        enforcedBy,
        fixed,
    };
}

const SERVICE_TAG = "an Azure service tag has no meaning in the cluster";
const NAME_ONLY = "a NetworkPolicy matches addresses, not names: list CIDRs for it in cluster.allowNamedFlowsTo to allow it";

/** Renders the cluster manifests for the chosen flavor. Pure. */
export function renderClusterPolicy(plan: EgressPlan, options: ClusterOptions, proxy?: EgressProxy): ClusterRendering {
    if (!options.enabled) {
        return { manifests: [], purposes: {}, enforcedBy: {}, notEnforceable: [] };
    }
    const skipped: { flow: string; reason: string }[] = [];
    const networkPolicy = renderNetworkPolicy(plan, options, proxy);
    const extra = options.flavor === ClusterFlavor.OpenShift ? renderEgressFirewall(plan, options, proxy, skipped)
        : options.flavor === ClusterFlavor.Cilium ? renderCilium(plan, options, proxy)
        : undefined;
    const rendered = extra ? [networkPolicy, extra] : [networkPolicy];
    const enforcedBy: Record<string, string[]> = {};
    for (const [flow, where] of rendered.flatMap((r) => r.enforcedBy)) {
        (enforcedBy[flow] ??= []).push(where);
    }
    // A name that resolves to an address flow travels on that flow's rules: in the cluster the
    // connection is to the address, whatever name the gateway looked up.
    for (const flow of plan.flows) {
        const via = flow.resolvesTo === undefined ? undefined : enforcedBy[flow.resolvesTo];
        if (via) {
            // Only rules the name does not reach already (through a proxy, every flow has the same one).
            const own = new Set((enforcedBy[flow.id] ?? []).map(ruleOf));
            enforcedBy[flow.id] = [...(enforcedBy[flow.id] ?? []), ...via.filter((where) => !own.has(ruleOf(where))).map((where) => `${where} (via ${flow.resolvesTo})`)];
        }
    }
    const inNetworkPolicy = new Set(networkPolicy.enforcedBy.map(([flow]) => flow));
    const inExtra = new Set(extra?.enforcedBy.map(([flow]) => flow));
    // Cilium adds up every policy that selects a pod; OVN-Kubernetes applies the NetworkPolicy
    // and the EgressFirewall one after the other, so a flow must pass both.
    const allowedDirectly = (flow: EgressFlow) =>
        options.flavor === ClusterFlavor.Cilium ? inNetworkPolicy.has(flow.id) || inExtra.has(flow.id)
        // The EgressFirewall's final deny is for destinations outside the cluster only.
        : options.flavor === ClusterFlavor.OpenShift ? inNetworkPolicy.has(flow.id) && (isInCluster(flow) || inExtra.has(flow.id) || !options.denyAllOtherEgress)
        : inNetworkPolicy.has(flow.id);
    const allowed = (flow: EgressFlow) => allowedDirectly(flow) || (flow.resolvesTo !== undefined && plan.flows.some((f) => f.id === flow.resolvesTo && allowedDirectly(f)));
    const notEnforceable = plan.flows
        .filter((f) => fromPods(f) && !allowed(f))
        .map((f) => ({
            flow: f.id,
            reason: [
                ...(inNetworkPolicy.has(f.id) ? [] : [hasClusterMeaning(f) ? NAME_ONLY : SERVICE_TAG]),
                ...skipped.filter((s) => s.flow === f.id).map((s) => s.reason),
            ].join("; "),
        }));
    // A rule stands for the flows it carries: their purposes, their documents, each once.
    const parts = new Map<string, { purposes: Set<string>; references: Set<string> }>();
    const add = (ref: string, p: RulePurpose) => {
        const known = parts.get(ref) ?? { purposes: new Set<string>(), references: new Set<string>() };
        known.purposes.add(p.purpose);
        known.references.add(p.reference);
        parts.set(ref, known);
    };
    rendered.flatMap((r) => r.fixed).forEach(([ref, p]) => add(ref, p));
    for (const [flowId, where] of rendered.flatMap((r) => r.enforcedBy)) {
        add(ruleOf(where), plan.flows.find((f) => f.id === flowId) as EgressFlow);
    }
    const purposes: Record<string, RulePurpose> = Object.fromEntries([...parts].map(([ref, p]) => [ref, { purpose: [...p.purposes].join("; "), reference: [...p.references].join(" ") }]));
    return { manifests: rendered.map((r) => r.manifest), purposes, enforcedBy, notEnforceable };
}
