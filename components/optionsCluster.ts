// Validation of the cluster side (`cluster`): the gateway's namespace and pods, the flavor's
// defaults, the DNS pods, the listeners' clients and the replicas' ports; and the Kubernetes
// names and label maps every section of the args checks alike.
import { ClusterFlavor } from "./args";
import { GatewayPorts } from "./catalog";
import { InputError } from "./errors";
import { ClusterOptions } from "./options";
import { booleanAt, CLUSTER_KEYS, enumAt, INSTANCE_PORT_KEYS, Json, listAt, networkListAt, objectAt, stringAt } from "./optionsCore";
import { byCodePoint } from "./ordering";
import { validatePort } from "./peers";

export const DEFAULT_RELEASE_NAME = "azure-api-management-gateway";

// Kubernetes names (DNS-1123): https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dns1123Subdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Label keys and values: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// Helm release names: a DNS-1123 subdomain of at most 53 characters (helm/pkg/chartutil, ValidateReleaseName).
const helmReleaseName = /^(?=.{1,53}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateNamespace(field: string, value: string): string {
    if (!dns1123Label.test(value)) {
        throw new InputError(field, value, "A namespace is a DNS-1123 label: at most 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.");
    }
    return value;
}

export function validateObjectName(field: string, value: string): string {
    if (!dns1123Subdomain.test(value)) {
        throw new InputError(field, value, "A Kubernetes object name is a DNS-1123 subdomain: lowercase letters, digits, hyphens and dots, at most 253.");
    }
    return value;
}

export function validateLabels(field: string, value: unknown, fallback: Record<string, string>): Record<string, string> {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0) {
        throw new InputError(field, value, "Expected a non-empty map of label keys to values.");
    }
    const labels: Record<string, string> = {};
    for (const [key, v] of Object.entries(value as Json).sort(([a], [b]) => byCodePoint(a, b))) {
        const slash = key.indexOf("/");
        const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : [undefined, key];
        if ((prefix !== undefined && !dns1123Subdomain.test(prefix)) || !labelName.test(name)) {
            throw new InputError(field, key, "A label key is an optional DNS subdomain prefix and \"/\", then at most 63 letters, digits, \"-\", \"_\" and \".\".");
        }
        if (typeof v !== "string" || (v !== "" && !labelName.test(v))) {
            throw new InputError(`${field}.${key}`, v, "A label value is at most 63 letters, digits, \"-\", \"_\" and \".\", starting and ending with a letter or digit.");
        }
        labels[key] = v;
    }
    return labels;
}

const FLAVOR_DEFAULTS: Record<ClusterFlavor, { dnsNamespace: string; dnsPodLabels: Record<string, string>; ingressNamespaces: string[] }> = {
    kubernetes: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    cilium: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    // OpenShift's DNS operator labels its pods so; its routers are selected by a namespace label
    // (OPENSHIFT_INGRESS_LABEL), not by the name of their namespace.
    openshift: { dnsNamespace: "openshift-dns", dnsPodLabels: { "dns.operator.openshift.io/daemonset-dns": "default" }, ingressNamespaces: [] },
};

export function resolveCluster(componentName: string, raw: unknown, minimumPrefixLength: number): ClusterOptions {
    const c = objectAt("cluster", raw, CLUSTER_KEYS);
    const enabled = booleanAt("cluster.enabled", c.enabled, true);
    const flavor = enumAt("cluster.flavor", c.flavor, ClusterFlavor, ClusterFlavor.Kubernetes);
    const defaults = FLAVOR_DEFAULTS[flavor];
    const releaseName = stringAt("cluster.releaseName", c.releaseName) ?? DEFAULT_RELEASE_NAME;
    if (!helmReleaseName.test(releaseName)) {
        throw new InputError("cluster.releaseName", releaseName, "A Helm release name is at most 53 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit.");
    }
    const namespace = stringAt("cluster.namespace", c.namespace, enabled);
    const options: ClusterOptions = {
        enabled,
        namespace: namespace === undefined ? "" : validateNamespace("cluster.namespace", namespace),
        flavor,
        podLabels: validateLabels("cluster.podLabels", c.podLabels, {
            "app.kubernetes.io/component": "self-hosted-gateway",
            "app.kubernetes.io/instance": releaseName,
        }),
        policyName: validateObjectName("cluster.policyName", stringAt("cluster.policyName", c.policyName) ?? componentName),
        dnsNamespace: validateNamespace("cluster.dnsNamespace", stringAt("cluster.dnsNamespace", c.dnsNamespace) ?? defaults.dnsNamespace),
        dnsPodLabels: validateLabels("cluster.dnsPodLabels", c.dnsPodLabels, defaults.dnsPodLabels),
        ingressNamespaces: [...(c.ingressNamespaces === undefined ? defaults.ingressNamespaces : listAt("cluster.ingressNamespaces", c.ingressNamespaces, (f, v) => validateNamespace(f, stringAt(f, v, true))))].sort(byCodePoint),
        // 0.0.0.0/0 written out is the documented opt-in; anything else follows the breadth rule.
        allowNamedFlowsTo: networkListAt("cluster.allowNamedFlowsTo", c.allowNamedFlowsTo, minimumPrefixLength, true).sort(byCodePoint),
        denyAllOtherEgress: booleanAt("cluster.denyAllOtherEgress", c.denyAllOtherEgress, true),
        namespaceIsDedicated: booleanAt("cluster.namespaceIsDedicated", c.namespaceIsDedicated, false),
        // 0.0.0.0/0 written out opens the listeners to every client, as a public gateway is.
        ingressFrom: networkListAt("cluster.ingressFrom", c.ingressFrom, minimumPrefixLength, true).sort(byCodePoint),
        instancePorts: resolveInstancePorts(c.instancePorts),
    };
    if (flavor === ClusterFlavor.Cilium && options.allowNamedFlowsTo.length > 0) {
        // Cilium adds up the policies that select a pod: the CiliumNetworkPolicy already allows
        // each named flow by name (toFQDNs), so a CIDR rule for it could only widen it.
        throw new InputError("cluster.allowNamedFlowsTo", c.allowNamedFlowsTo, "Cilium allows named flows by name (toFQDNs) and adds policies up: CIDRs here would only widen them. Leave cluster.allowNamedFlowsTo empty with cluster.flavor cilium.");
    }
    if (enabled && flavor === ClusterFlavor.OpenShift && !options.namespaceIsDedicated) {
        throw new InputError("cluster.namespaceIsDedicated", c.namespaceIsDedicated, `An EgressFirewall governs every pod of namespace "${options.namespace}", not only the gateway: set cluster.namespaceIsDedicated to true once the namespace holds the gateway alone.`);
    }
    return options;
}

function resolveInstancePorts(raw: unknown): ClusterOptions["instancePorts"] {
    const p = objectAt("cluster.instancePorts", raw, INSTANCE_PORT_KEYS);
    const ports = {
        synchronization: p.synchronization === undefined || p.synchronization === null ? GatewayPorts.rateLimitSync : validatePort("cluster.instancePorts.synchronization", p.synchronization),
        heartbeat: p.heartbeat === undefined || p.heartbeat === null ? GatewayPorts.heartbeat : validatePort("cluster.instancePorts.heartbeat", p.heartbeat),
    };
    if (ports.synchronization === ports.heartbeat) {
        throw new InputError("cluster.instancePorts.heartbeat", ports.heartbeat, "The replicas' synchronization and heartbeat use two different UDP ports.");
    }
    return ports;
}

export const DISABLED_CLUSTER: ClusterOptions = {
    enabled: false,
    namespace: "",
    flavor: ClusterFlavor.Kubernetes,
    podLabels: {},
    policyName: "",
    dnsNamespace: "",
    dnsPodLabels: {},
    ingressNamespaces: [],
    allowNamedFlowsTo: [],
    denyAllOtherEgress: false,
    namespaceIsDedicated: false,
    ingressFrom: [],
    instancePorts: { synchronization: GatewayPorts.rateLimitSync, heartbeat: GatewayPorts.heartbeat },
};
