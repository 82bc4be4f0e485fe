// Cluster egress: Kubernetes NetworkPolicy, CiliumNetworkPolicy and the OVN-Kubernetes
// EgressFirewall, whoever wrote them. Measured with the same prefix and name rules as the
// firewall (./breadth), plus the one explicit opt-in for broad NetworkPolicy egress.
import type { PolicyResource, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { addressBreadth, Breadth, coversEveryPort, Family, parseNetwork, PrefixLimits } from "./breadth";
import {
    allowedNetworks,
    FIX_NETWORKS,
    GuardPolicy,
    GuardStackPolicy,
    isRecord,
    list,
    nameRefusal,
    PREFIX_CONFIG_SCHEMA,
    prefixLimits,
    record,
    refusal,
    show,
} from "./guard";

// `@pulumi/kubernetes` registers a CustomResource as `kubernetes:<apiVersion>:<kind>` and a
// patch (server-side apply) as `...:<kind>Patch` (apiextensions/customResource.js and
// customResourcePatch.js); a patch merges its rules into the live object, so it opens the same hole.
const NETWORK_POLICY_TYPES: ReadonlySet<string> = new Set([
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicyPatch",
]);
const CILIUM_TYPES: ReadonlySet<string> = new Set([
    "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
    "kubernetes:cilium.io/v2:CiliumNetworkPolicyPatch",
    "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy",
    "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicyPatch",
]);
export const EGRESS_FIREWALL_TYPE = "kubernetes:k8s.ovn.org/v1:EgressFirewall";
const EGRESS_FIREWALL_TYPES: ReadonlySet<string> = new Set([EGRESS_FIREWALL_TYPE, `${EGRESS_FIREWALL_TYPE}Patch`]);

/**
 * The opt-in for broad NetworkPolicy egress: the same key as the component's
 * `BROAD_EGRESS_ANNOTATION` (components/clusterPolicy.ts; a spec compares the two). Its value
 * says, in words, what narrows the flows instead.
 */
export const BROAD_EGRESS_ANNOTATION = "apim-gateway-egress/broad-egress";

/** The annotation's reason, or undefined when it is absent or blank (a reason is required). */
export function broadEgressReason(props: Record<string, unknown>): string | undefined {
    const value = record(record(props.metadata).annotations)[BROAD_EGRESS_ANNOTATION];
    return typeof value === "string" && value.trim().length > 0 ? value : undefined;
}

const FIX_OPT_IN = `${FIX_NETWORKS}, or, where something else narrows the flows by name, set the "${BROAD_EGRESS_ANNOTATION}" annotation and give the rule explicit ports`;
const FIX_UNREADABLE = "write the network as a CIDR such as \"10.40.1.0/24\"";

/** The violation of a cluster policy's network too broad (or too garbled) to allow, if it is. */
function networkRefusal(where: string, cidr: unknown, limits: PrefixLimits): string | undefined {
    const breadth = addressBreadth(cidr, limits, false);
    return breadth && refusal(where, show(cidr), breadth.phrase, allowedNetworks(limits), breadth.kind === "broad" ? FIX_NETWORKS : FIX_UNREADABLE);
}

/**
 * The rule's ports as `TCP 443, TCP 5671-5672`, or undefined when they are not explicit: no
 * ports, an entry without a port (every port of its protocol), or ranges that together cover
 * 1-65535 for a protocol.
 */
export function explicitPorts(ports: unknown): string | undefined {
    const entries = list(ports);
    if (entries.length === 0) {
        return undefined;
    }
    const ranges = new Map<string, [number, number][]>();
    const spelled: string[] = [];
    for (const entry of entries) {
        if (!isRecord(entry) || entry.port === undefined || entry.port === null) {
            return undefined;
        }
        const protocol = typeof entry.protocol === "string" ? entry.protocol.toUpperCase() : "TCP";
        if (typeof entry.port === "string" && !/^\d+$/.test(entry.port)) {
            spelled.push(`${protocol} ${entry.port}`);
            continue;
        }
        const first = Number(entry.port);
        const last = entry.endPort === undefined || entry.endPort === null ? first : Number(entry.endPort);
        if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) {
            return undefined;
        }
        ranges.set(protocol, [...(ranges.get(protocol) ?? []), [first, last]]);
        spelled.push(first === last ? `${protocol} ${first}` : `${protocol} ${first}-${last}`);
    }
    return [...ranges.values()].some(coversEveryPort) ? undefined : spelled.join(", ");
}

/** A broad ipBlock the annotation made acceptable. */
export interface AcceptedPeer {
    readonly where: string;
    readonly cidr: unknown;
    readonly phrase: string;
    readonly family: Family;
    readonly ports: string;
}

export interface NetworkPolicyReading {
    readonly violations: readonly string[];
    readonly accepted: readonly AcceptedPeer[];
    readonly reason?: string;
}

export function readNetworkPolicy(props: Record<string, unknown>, limits: PrefixLimits): NetworkPolicyReading {
    const reason = broadEgressReason(props);
    const violations: string[] = [];
    const accepted: AcceptedPeer[] = [];
    list(record(props.spec).egress).forEach((rule, e) => {
        if (!isRecord(rule)) {
            return;
        }
        // "If this field is empty or missing, this rule matches all destinations (traffic not
        // restricted by destination)."
        // https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/
        const to = list(rule.to);
        if (to.length === 0) {
            violations.push(refusal(`spec.egress[${e}].to`, "none", "every destination", `named peers: pods, namespaces, or ${allowedNetworks(limits)}`, "name the peers"));
            return;
        }
        const ports = explicitPorts(rule.ports);
        to.forEach((peer, p) => {
            if (!isRecord(peer) || peer.ipBlock === undefined) {
                return;
            }
            // `except` is no way out: it carves holes in a broad allow, which still allows every
            // address nobody thought to list.
            const cidr = record(peer.ipBlock).cidr;
            const where = `spec.egress[${e}].to[${p}].ipBlock.cidr`;
            const breadth: Breadth | undefined = addressBreadth(cidr, limits, false);
            if (breadth === undefined) {
                return;
            }
            if (breadth.kind === "unreadable") {
                violations.push(refusal(where, show(cidr), breadth.phrase, allowedNetworks(limits), FIX_UNREADABLE));
            } else if (reason === undefined) {
                violations.push(refusal(where, show(cidr), breadth.phrase, allowedNetworks(limits), FIX_OPT_IN));
            } else if (ports === undefined) {
                violations.push(refusal(where, show(cidr), `${breadth.phrase} on every port`, `under the "${BROAD_EGRESS_ANNOTATION}" annotation, a broad network on explicit ports only`, `list the ports the flow uses in spec.egress[${e}].ports`));
            } else {
                accepted.push({ where, cidr, phrase: breadth.phrase, family: parseNetwork(String(cidr))?.family ?? "IPv4", ports });
            }
        });
    });
    return { violations, accepted, reason };
}

// Cilium entities outside the cluster (https://docs.cilium.io/en/stable/security/policy/language/#entities-based).
const OUTSIDE_ENTITIES: Readonly<Record<string, string>> = {
    "world": "every address outside the cluster",
    "world-ipv4": "every IPv4 address outside the cluster",
    "world-ipv6": "every IPv6 address outside the cluster",
    "all": "every address, in the cluster or not",
};

const FIX_OUTSIDE = "name the networks with toCIDR or the hosts with toFQDNs";

/**
 * The phrase of a selector label that selects what an outside entity does, if it is one. Each
 * entity is the endpoint selector of its reserved label (cilium/cilium pkg/policy/api/entity.go,
 * EntitySelectorMapping: world is `reserved:world`), so `toEndpoints` that selects
 * `reserved:world` reaches what `toEntities: [world]` does. A key without a source defaults to
 * `any:`, which matches the label of every source, the reserved one too
 * (https://docs.cilium.io/en/stable/gettingstarted/terminology/, "Label Source"): read alike.
 */
function outsideLabel(key: string): string | undefined {
    const match = /^(?:(reserved|any):)?([^:]+)$/.exec(key.trim().toLowerCase());
    return match ? OUTSIDE_ENTITIES[match[2]] : undefined;
}

/**
 * Whether a selector's expression can select an endpoint that carries its key with the empty
 * value reserved labels have: `In` and `Exists` (failing closed on In's values), and `NotIn` of
 * values without "" (Kubernetes label selectors: NotIn matches a value outside the set);
 * `DoesNotExist` never.
 */
function selectsKey(operator: unknown, values: unknown): boolean {
    const op = typeof operator === "string" ? operator.trim().toLowerCase() : "";
    return op === "in" || op === "exists" || (op === "notin" && !list(values).includes(""));
}

/** The label keys a selector can select endpoints by, with where each is: every matchLabels key, and matchExpressions keys that select (above). */
function selectedLabels(selector: Record<string, unknown>, where: string): [string, string][] {
    return [
        ...Object.keys(record(selector.matchLabels)).map((key): [string, string] => [`${where}.matchLabels`, key]),
        ...list(selector.matchExpressions).flatMap((expression, j): [string, string][] => {
            const { key, operator, values } = record(expression);
            return typeof key === "string" && selectsKey(operator, values) ? [[`${where}.matchExpressions[${j}].key`, key]] : [];
        }),
    ];
}

// A Cilium egress rule without any of these allows its ports to every destination ("to any
// layer 3 destination", https://docs.cilium.io/en/stable/security/policy/language/#layer-4-examples).
const CILIUM_DESTINATIONS = ["toEndpoints", "toCIDR", "toCIDRSet", "toEntities", "toServices", "toFQDNs", "toGroups", "toNodes"] as const;

function readCiliumRule(rule: Record<string, unknown>, base: string, limits: PrefixLimits, violations: string[]): void {
    list(rule.egress).forEach((egress, e) => {
        if (!isRecord(egress)) {
            return;
        }
        const where = `${base}.egress[${e}]`;
        if (CILIUM_DESTINATIONS.every((field) => list(egress[field]).length === 0)) {
            violations.push(refusal(where, "no destination selector", "every destination", "toEndpoints, toServices, in-cluster toEntities, toCIDR or toCIDRSet networks, toFQDNs names", "name the destinations"));
        }
        const networks: [string, unknown][] = [
            ...list(egress.toCIDR).map((cidr, i): [string, unknown] => [`${where}.toCIDR[${i}]`, cidr]),
            // A CIDR group reference names its networks elsewhere: only inline CIDRs are measured.
            ...list(egress.toCIDRSet).flatMap((set, i): [string, unknown][] => (isRecord(set) && set.cidr !== undefined ? [[`${where}.toCIDRSet[${i}].cidr`, set.cidr]] : [])),
        ];
        for (const [at, cidr] of networks) {
            const violation = networkRefusal(at, cidr, limits);
            if (violation) {
                violations.push(violation);
            }
        }
        list(egress.toEntities).forEach((entity, i) => {
            const phrase = typeof entity === "string" ? OUTSIDE_ENTITIES[entity.trim().toLowerCase()] : undefined;
            if (phrase) {
                violations.push(refusal(`${where}.toEntities[${i}]`, show(entity), phrase, "entities inside the cluster, such as cluster, host, remote-node or kube-apiserver", FIX_OUTSIDE));
            }
        });
        list(egress.toEndpoints).forEach((selector, i) => {
            for (const [at, key] of selectedLabels(record(selector), `${where}.toEndpoints[${i}]`)) {
                const phrase = outsideLabel(key);
                if (phrase) {
                    violations.push(refusal(at, show(key), phrase, "endpoints by their own labels, or entities inside the cluster", FIX_OUTSIDE));
                }
            }
        });
        list(egress.toFQDNs).forEach((selector, i) => {
            for (const field of ["matchPattern", "matchName"]) {
                const value = record(selector)[field];
                const violation = value === undefined ? undefined : nameRefusal(`${where}.toFQDNs[${i}].${field}`, value);
                if (violation) {
                    violations.push(violation);
                }
            }
        });
        // toPorts[].rules.dns (the DNS proxy's `matchPattern: "*"`) says which lookups Cilium
        // inspects, not where traffic may go: it is not a destination.
    });
}

export function readCiliumNetworkPolicy(props: Record<string, unknown>, limits: PrefixLimits): string[] {
    const violations: string[] = [];
    if (isRecord(props.spec)) {
        readCiliumRule(props.spec, "spec", limits, violations);
    }
    list(props.specs).forEach((rule, r) => {
        if (isRecord(rule)) {
            readCiliumRule(rule, `specs[${r}]`, limits, violations);
        }
    });
    return violations;
}

function isDeny(rule: Record<string, unknown>): boolean {
    return typeof rule.type === "string" && rule.type.trim().toLowerCase() === "deny";
}

export function readEgressFirewall(props: Record<string, unknown>, limits: PrefixLimits): string[] {
    const violations: string[] = [];
    list(record(props.spec).egress).forEach((rule, e) => {
        // OVN-Kubernetes knows Allow and Deny; anything but Deny is read as Allow (fail closed).
        if (!isRecord(rule) || isDeny(rule)) {
            return;
        }
        const to = record(rule.to);
        const network = to.cidrSelector === undefined ? undefined : networkRefusal(`spec.egress[${e}].to.cidrSelector`, to.cidrSelector, limits);
        const name = to.dnsName === undefined ? undefined : nameRefusal(`spec.egress[${e}].to.dnsName`, to.dnsName);
        violations.push(...[network, name].filter((v): v is string => v !== undefined));
    });
    return violations;
}

export const networkPolicyNoOpenEgress: GuardPolicy = {
    name: "network-policy-no-open-egress",
    description: `NetworkPolicy, CiliumNetworkPolicy and EgressFirewall egress must name its destinations: no network shorter than the minimum prefix (default /8), no rule without destinations, no Cilium world/all entity, no wildcard over a top-level domain. A NetworkPolicy may reach a broad network only under the "${BROAD_EGRESS_ANNOTATION}" annotation and on explicit ports.`,
    enforcementLevel: "mandatory",
    configSchema: PREFIX_CONFIG_SCHEMA,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const violations = NETWORK_POLICY_TYPES.has(args.type) ? readNetworkPolicy(args.props, prefixLimits(args)).violations
            : CILIUM_TYPES.has(args.type) ? readCiliumNetworkPolicy(args.props, prefixLimits(args))
            : EGRESS_FIREWALL_TYPES.has(args.type) ? readEgressFirewall(args.props, prefixLimits(args))
            : [];
        violations.forEach((message) => reportViolation(message));
    },
};

export const networkPolicyBroadEgressOptIn: GuardPolicy = {
    name: "network-policy-broad-egress-opt-in",
    description: `Lists every broad NetworkPolicy egress accepted under the "${BROAD_EGRESS_ANNOTATION}" annotation, with the reason it gives, so that the opt-in stays visible: the NetworkPolicy itself does not narrow those flows.`,
    enforcementLevel: "advisory",
    configSchema: PREFIX_CONFIG_SCHEMA,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (!NETWORK_POLICY_TYPES.has(args.type)) {
            return;
        }
        const { accepted, reason } = readNetworkPolicy(args.props, prefixLimits(args));
        for (const peer of accepted) {
            reportViolation(`${peer.where}: accepted ${show(peer.cidr)} (${peer.phrase}) on ${peer.ports} under the "${BROAD_EGRESS_ANNOTATION}" annotation: ${show(reason)}; this NetworkPolicy does not narrow it, so what the annotation names must.`);
        }
    },
};

function metadataOf(resource: PolicyResource): { name: string; namespace: string } {
    const metadata = record(resource.props.metadata);
    return {
        name: typeof metadata.name === "string" ? metadata.name : resource.name,
        // No namespace: the provider's default namespace, the same for every such object of the stack.
        namespace: typeof metadata.namespace === "string" ? metadata.namespace : "",
    };
}

function showNamespace(namespace: string): string {
    return namespace === "" ? "the provider's default namespace" : `namespace "${namespace}"`;
}

/** Families whose every address the trailing Deny rules of an EgressFirewall refuse. */
function deniedAtTheEnd(egressFirewall: PolicyResource): Set<Family> {
    const rules = list(record(egressFirewall.props.spec).egress);
    const denied = new Set<Family>();
    for (let i = rules.length - 1; i >= 0; i--) {
        const rule = rules[i];
        if (!isRecord(rule) || !isDeny(rule)) {
            break;
        }
        const cidr = record(rule.to).cidrSelector;
        const network = typeof cidr === "string" ? parseNetwork(cidr) : undefined;
        if (network?.prefixLength === 0) {
            denied.add(network.family);
        }
    }
    return denied;
}

const ALL_OF: Readonly<Record<Family, string>> = { IPv4: "0.0.0.0/0", IPv6: "::/0" };

/**
 * OVN-Kubernetes applies a NetworkPolicy and the namespace's EgressFirewall one after the other,
 * so on OpenShift the EgressFirewall is what narrows a NetworkPolicy's broad egress by name. A
 * stack is taken as OVN-Kubernetes when it registers any EgressFirewall, or when the annotation's
 * own reason names the EgressFirewall (a claim this policy then holds it to). There, every
 * NetworkPolicy with accepted broad egress needs the EgressFirewall named `default` in its
 * namespace (OVN-Kubernetes ignores any other name), and that EgressFirewall must end in
 * `Deny 0.0.0.0/0` (and `Deny ::/0` when IPv6 networks were accepted). Anywhere else only the
 * advisory above reports the opt-in: the Azure Firewall narrows those flows.
 */
export const broadEgressBackedByEgressFirewall: GuardStackPolicy = {
    name: "broad-egress-backed-by-egress-firewall",
    description: `On OVN-Kubernetes (OpenShift) stacks, a NetworkPolicy whose broad egress the "${BROAD_EGRESS_ANNOTATION}" annotation accepts must be narrowed by its namespace's EgressFirewall "default", which ends in Deny 0.0.0.0/0.`,
    enforcementLevel: "mandatory",
    configSchema: PREFIX_CONFIG_SCHEMA,
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        const limits = prefixLimits(args);
        const egressFirewalls = args.resources.filter((r) => EGRESS_FIREWALL_TYPES.has(r.type));
        for (const resource of args.resources.filter((r) => NETWORK_POLICY_TYPES.has(r.type))) {
            const { accepted, reason } = readNetworkPolicy(resource.props, limits);
            const claimed = reason !== undefined && /egressfirewall/i.test(reason);
            if (accepted.length === 0 || (egressFirewalls.length === 0 && !claimed)) {
                continue;
            }
            const { name, namespace } = metadataOf(resource);
            const subject = `NetworkPolicy "${namespace === "" ? name : `${namespace}/${name}`}"`;
            const why = egressFirewalls.length > 0 ? "an OVN-Kubernetes stack (it registers EgressFirewall resources)" : "an OVN-Kubernetes stack (the annotation names the EgressFirewall)";
            const families = [...new Set(accepted.map((a) => a.family))].sort();
            const allowed = `broad egress that the EgressFirewall "default" of the same namespace narrows, ending in ${families.map((f) => `Deny ${ALL_OF[f]}`).join(" and ")}`;
            const fix = "end that EgressFirewall with the Deny (the component: cluster.flavor \"openshift\" with cluster.denyAllOtherEgress: true), or list the flows' CIDRs instead of 0.0.0.0/0 in cluster.allowNamedFlowsTo";
            const backing = egressFirewalls.find((r) => metadataOf(r).name === "default" && metadataOf(r).namespace === namespace);
            if (backing === undefined) {
                reportViolation(`${subject}: received the "${BROAD_EGRESS_ANNOTATION}" annotation on ${why}, and no EgressFirewall "default" in ${showNamespace(namespace)}; allowed: ${allowed}; fix: ${fix}.`, resource.urn);
                continue;
            }
            const denied = deniedAtTheEnd(backing);
            const missing = families.filter((f) => !denied.has(f));
            if (missing.length > 0) {
                const rules = list(record(backing.props.spec).egress);
                const last = rules.length === 0 ? "no rules" : `last rule ${show(rules[rules.length - 1])}`;
                reportViolation(`${subject}: received the "${BROAD_EGRESS_ANNOTATION}" annotation on ${why}, and EgressFirewall "default" in ${showNamespace(namespace)} has ${last}, no final ${missing.map((f) => `Deny ${ALL_OF[f]}`).join(" or ")}; allowed: ${allowed}; fix: ${fix}.`, resource.urn);
            }
        }
    },
};
