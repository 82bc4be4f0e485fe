// Resolved options: the args of `args.ts` validated, defaulted and normalized into what the plan
// and renderers consume. One validator; every refusal is an `InputError` naming the arg path and
// the value.
import { distance } from "fastest-levenshtein";
import { ClusterFlavor, RuleStyle } from "./args";
import { SUPPORTED_GATEWAY_MAJOR_VERSION } from "./catalog";
import { InputError } from "./errors";
import { cidr, Destination, fqdn, Protocol, validatePort, validatePortRange, validateProtocol, PortRange } from "./peers";

export interface FirewallPolicyRef {
    readonly subscriptionId?: string;
    readonly resourceGroupName: string;
    readonly policyName: string;
}

export interface Backend {
    readonly name: string;
    readonly destination: Destination;
    readonly ports: readonly PortRange[];
}

export interface Features {
    readonly storage: { readonly enabled: boolean; readonly accountNames: readonly string[]; readonly useServiceTag: boolean };
    readonly azureResourceManager: { readonly enabled: boolean };
    readonly entraId: { readonly enabled: boolean; readonly region?: string };
    readonly applicationInsights: { readonly enabled: boolean; readonly region?: string };
    readonly eventHubs: { readonly enabled: boolean; readonly namespaces: readonly string[] };
    readonly externalCache: { readonly enabled: boolean; readonly host?: Destination; readonly port: number };
    readonly imagePull: { readonly enabled: boolean };
}

export interface ClusterOptions {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly flavor: ClusterFlavor;
    readonly podLabels: Readonly<Record<string, string>>;
    readonly policyName: string;
    readonly dnsNamespace: string;
    readonly dnsPodLabels: Readonly<Record<string, string>>;
    readonly ingressNamespaces: readonly string[];
    readonly allowNamedFlowsTo: readonly string[];
    readonly denyAllOtherEgress: boolean;
    readonly namespaceIsDedicated: boolean;
    readonly wildcardDnsNames: boolean;
}

export interface FirewallOptions {
    readonly policy: FirewallPolicyRef;
    readonly ruleCollectionGroupName: string;
    /** Undefined: allocated from `priorityRange` by the policy ledger. */
    readonly priority?: number;
    readonly priorityRange: { readonly start: number; readonly end: number };
    readonly serializeWrites: boolean;
    readonly sourceAddresses: readonly string[];
    readonly sourceIpGroupIds: readonly string[];
    /** Undefined: the default for the instance's VNet mode. */
    readonly ruleStyle?: RuleStyle;
}

export interface Options {
    readonly apim: { readonly resourceGroupName: string; readonly serviceName: string };
    readonly firewall: FirewallOptions;
    readonly cluster: ClusterOptions;
    readonly features: Features;
    readonly backends: readonly Backend[];
}


export const DEFAULT_PRIORITY_RANGE = { start: 300, end: 65000 } as const;
export const DEFAULT_RELEASE_NAME = "azure-api-management-gateway";
export const DEFAULT_CACHE_PORT = 6380;

// ---- validation ----

type Json = Record<string, unknown>;

const TOP_KEYS = ["apim", "firewall", "cluster", "features", "backends", "gatewayMajorVersion"];
const APIM_KEYS = ["resourceGroupName", "serviceName"];
const FIREWALL_KEYS = ["policyId", "policyName", "resourceGroupName", "ruleCollectionGroupName", "priority", "priorityRange", "serializeWrites", "sourceAddresses", "sourceIpGroupIds", "ruleStyle"];
const CLUSTER_KEYS = ["enabled", "namespace", "flavor", "releaseName", "podLabels", "policyName", "dnsNamespace", "dnsPodLabels", "ingressNamespaces", "allowNamedFlowsTo", "denyAllOtherEgress", "namespaceIsDedicated", "wildcardDnsNames"];
const FEATURE_KEYS: Record<keyof Features, string[]> = {
    storage: ["enabled", "accountNames", "useServiceTag"],
    azureResourceManager: ["enabled"],
    entraId: ["enabled", "region"],
    applicationInsights: ["enabled", "region"],
    eventHubs: ["enabled", "namespaces"],
    externalCache: ["enabled", "host", "port"],
    imagePull: ["enabled"],
};
const BACKEND_KEYS = ["name", "address", "fqdn", "port", "endPort", "protocol"];

/** Refuses keys the args do not know, suggesting the nearest known one. Internal. Exported for testing. */
export function checkKeys(field: string, value: Json, allowed: readonly string[]): void {
    for (const key of Object.keys(value)) {
        if (allowed.includes(key)) {
            continue;
        }
        const path = field ? `${field}.${key}` : key;
        if (/token|secret|password|key$/i.test(key)) {
            throw new InputError(path, "(not shown)", "Secrets are not accepted: the gateway token belongs to the gateway's own deployment, not to its egress rules.");
        }
        const nearest = [...allowed].sort((a, b) => distance(key, a) - distance(key, b))[0];
        const hint = nearest !== undefined && distance(key.toLowerCase(), nearest.toLowerCase()) <= Math.max(2, nearest.length / 3) ? ` Did you mean "${nearest}"?` : "";
        throw new InputError(path, key, `Unknown key.${hint} Allowed keys are: ${allowed.join(", ")}.`);
    }
}

function objectAt(field: string, value: unknown, allowed: readonly string[]): Json {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new InputError(field, value, "Expected an object.");
    }
    checkKeys(field, value as Json, allowed);
    return value as Json;
}

function stringAt(field: string, value: unknown, required: true): string;
function stringAt(field: string, value: unknown, required?: boolean): string | undefined;
function stringAt(field: string, value: unknown, required = false): string | undefined {
    if (value === undefined || value === null) {
        if (required) {
            throw new InputError(field, value, "This arg is required.");
        }
        return undefined;
    }
    if (typeof value !== "string" || value.trim() === "") {
        throw new InputError(field, value, "Expected a non-empty string.");
    }
    return value.trim();
}

function booleanAt(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "boolean") {
        throw new InputError(field, value, "Expected true or false.");
    }
    return value;
}

// Large enough for any real site, small enough that a runaway list fails here and not at Azure.
const MAX_LIST_LENGTH = 1000;

function listAt<T>(field: string, value: unknown, item: (field: string, value: unknown) => T): T[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value)) {
        throw new InputError(field, value, "Expected a list.");
    }
    if (value.length > MAX_LIST_LENGTH) {
        throw new InputError(field, `${value.length} items`, `At most ${MAX_LIST_LENGTH} items are accepted.`);
    }
    const items = value.map((v, i) => item(`${field}[${i}]`, v));
    const seen = new Set<string>();
    items.forEach((v, i) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) {
            throw new InputError(`${field}[${i}]`, value[i], "This value is listed twice.");
        }
        seen.add(key);
    });
    return items;
}

function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback: T): T;
function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>): T | undefined;
function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback?: T): T | undefined {
    if (value === undefined || value === null) {
        return fallback;
    }
    const match = Object.values(allowed).find((v) => v === value);
    if (!match) {
        throw new InputError(field, value, `Allowed values are: ${Object.values(allowed).join(", ")}.`);
    }
    return match;
}

// Kubernetes names (DNS-1123): https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dns1123Subdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Label keys and values: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const labelName = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

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

function validateLabels(field: string, value: unknown, fallback: Record<string, string>): Record<string, string> {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "object" || Array.isArray(value) || Object.keys(value).length === 0) {
        throw new InputError(field, value, "Expected a non-empty map of label keys to values.");
    }
    const labels: Record<string, string> = {};
    for (const [key, v] of Object.entries(value as Json).sort(([a], [b]) => a.localeCompare(b))) {
        const [prefix, name] = key.includes("/") ? key.split("/", 2) : [undefined, key];
        if ((prefix !== undefined && !dns1123Subdomain.test(prefix)) || !labelName.test(name)) {
            throw new InputError(`${field}`, key, "A label key is an optional DNS subdomain prefix and \"/\", then at most 63 letters, digits, \"-\", \"_\" and \".\".");
        }
        if (typeof v !== "string" || (v !== "" && !labelName.test(v))) {
            throw new InputError(`${field}.${key}`, v, "A label value is at most 63 letters, digits, \"-\", \"_\" and \".\", starting and ending with a letter or digit.");
        }
        labels[key] = v;
    }
    return labels;
}

// Azure Firewall Policy rule collection group names: 1-80 characters of letters, digits, `_`,
// `.`, `-`; a letter or digit first; a letter, digit or `_` last.
const rcgNamePattern = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export function validateRuleCollectionGroupName(field: string, value: string): string {
    if (!rcgNamePattern.test(value)) {
        throw new InputError(field, value, "A rule collection group name has 1-80 letters, digits, \"_\", \".\" and \"-\", starts with a letter or digit and ends with a letter, digit or \"_\".");
    }
    return value;
}

export const PRIORITY_RANGE = { min: 100, max: 65000 } as const;

export function validatePriority(field: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < PRIORITY_RANGE.min || value > PRIORITY_RANGE.max) {
        throw new InputError(field, value, `A rule collection group priority is a whole number from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}.`);
    }
    return value;
}

function resolvePriorityRange(raw: unknown): { start: number; end: number } {
    if (raw === undefined || raw === null) {
        return { ...DEFAULT_PRIORITY_RANGE };
    }
    const range = objectAt("firewall.priorityRange", raw, ["start", "end"]);
    const start = validatePriority("firewall.priorityRange.start", range.start);
    const end = validatePriority("firewall.priorityRange.end", range.end);
    if (end < start) {
        throw new InputError("firewall.priorityRange.end", end, `The range must end at or after its start (${start}).`);
    }
    return { start, end };
}

const policyIdPattern = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.Network\/firewallPolicies\/([A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]?)$/i;
const ipGroupIdPattern = /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w._()]{1,90}\/providers\/Microsoft\.Network\/ipGroups\/[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]?$/i;

/** Parses a firewall policy resource ID. Internal. Exported for testing. */
export function parseFirewallPolicyId(field: string, value: string): FirewallPolicyRef {
    const match = policyIdPattern.exec(value);
    if (!match) {
        throw new InputError(field, value, "Expected /subscriptions/<uuid>/resourceGroups/<group>/providers/Microsoft.Network/firewallPolicies/<name>.");
    }
    return { subscriptionId: match[1].toLowerCase(), resourceGroupName: match[2], policyName: match[3] };
}

function resolveFirewall(componentName: string, raw: unknown): FirewallOptions {
    const fw = objectAt("firewall", raw, FIREWALL_KEYS);
    if (raw === undefined || raw === null) {
        throw new InputError("firewall", raw, "This arg is required: name the firewall policy by policyId, or by policyName and resourceGroupName.");
    }
    const policyId = stringAt("firewall.policyId", fw.policyId);
    const policyName = stringAt("firewall.policyName", fw.policyName);
    const resourceGroupName = stringAt("firewall.resourceGroupName", fw.resourceGroupName);
    let policy: FirewallPolicyRef;
    if (policyId !== undefined) {
        if (policyName !== undefined || resourceGroupName !== undefined) {
            throw new InputError("firewall.policyId", policyId, "Only one of firewall.policyId or firewall.policyName with firewall.resourceGroupName can be provided.");
        }
        policy = parseFirewallPolicyId("firewall.policyId", policyId);
    } else {
        if (policyName === undefined || resourceGroupName === undefined) {
            const missing = policyName === undefined ? "firewall.policyName" : "firewall.resourceGroupName";
            throw new InputError(missing, undefined, "Name the firewall policy by firewall.policyId, or by firewall.policyName and firewall.resourceGroupName.");
        }
        policy = { resourceGroupName, policyName: validateRuleCollectionGroupName("firewall.policyName", policyName) };
    }
    const sourceAddresses = listAt("firewall.sourceAddresses", fw.sourceAddresses, (f, v) => cidr(f, v).value);
    const sourceIpGroupIds = listAt("firewall.sourceIpGroupIds", fw.sourceIpGroupIds, (f, v) => {
        const id = stringAt(f, v, true);
        if (!ipGroupIdPattern.test(id)) {
            throw new InputError(f, v, "Expected /subscriptions/<uuid>/resourceGroups/<group>/providers/Microsoft.Network/ipGroups/<name>.");
        }
        return id;
    });
    if (sourceAddresses.length === 0 && sourceIpGroupIds.length === 0) {
        throw new InputError("firewall.sourceAddresses", fw.sourceAddresses, "Give the gateway hosts' networks in firewall.sourceAddresses or firewall.sourceIpGroupIds: a rule without a source would match any host.");
    }
    if (sourceAddresses.includes("0.0.0.0/0")) {
        throw new InputError("firewall.sourceAddresses", "0.0.0.0/0", "A source of 0.0.0.0/0 would open these flows to every host behind the firewall: name the gateway hosts' networks.");
    }
    return {
        policy,
        ruleCollectionGroupName: validateRuleCollectionGroupName(
            "firewall.ruleCollectionGroupName",
            stringAt("firewall.ruleCollectionGroupName", fw.ruleCollectionGroupName) ?? componentName,
        ),
        priority: fw.priority === undefined || fw.priority === null ? undefined : validatePriority("firewall.priority", fw.priority),
        priorityRange: resolvePriorityRange(fw.priorityRange),
        serializeWrites: booleanAt("firewall.serializeWrites", fw.serializeWrites, true),
        sourceAddresses: [...sourceAddresses].sort(),
        sourceIpGroupIds: [...sourceIpGroupIds].sort(),
        ruleStyle: enumAt("firewall.ruleStyle", fw.ruleStyle, RuleStyle),
    };
}

const FLAVOR_DEFAULTS: Record<ClusterFlavor, { dnsNamespace: string; dnsPodLabels: Record<string, string>; ingressNamespaces: string[] }> = {
    kubernetes: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    cilium: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    // OpenShift's DNS operator labels its pods so; the router runs in openshift-ingress.
    openshift: { dnsNamespace: "openshift-dns", dnsPodLabels: { "dns.operator.openshift.io/daemonset-dns": "default" }, ingressNamespaces: ["openshift-ingress"] },
};

/**
 * The two cluster args that decide which resources exist, read before anything else so the
 * component knows its children when it is built.
 */
export function resolveClusterShape(raw: unknown): { enabled: boolean; flavor: ClusterFlavor } {
    const c = objectAt("cluster", raw, CLUSTER_KEYS);
    return {
        enabled: booleanAt("cluster.enabled", c.enabled, true),
        flavor: enumAt("cluster.flavor", c.flavor, ClusterFlavor, ClusterFlavor.Kubernetes),
    };
}

function resolveCluster(componentName: string, raw: unknown): ClusterOptions {
    const c = objectAt("cluster", raw, CLUSTER_KEYS);
    const { enabled, flavor } = resolveClusterShape(raw);
    const defaults = FLAVOR_DEFAULTS[flavor];
    const releaseName = stringAt("cluster.releaseName", c.releaseName) ?? DEFAULT_RELEASE_NAME;
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
        ingressNamespaces: [...(c.ingressNamespaces === undefined ? defaults.ingressNamespaces : listAt("cluster.ingressNamespaces", c.ingressNamespaces, (f, v) => validateNamespace(f, stringAt(f, v, true))))].sort(),
        allowNamedFlowsTo: listAt("cluster.allowNamedFlowsTo", c.allowNamedFlowsTo, (f, v) => cidr(f, v).value).sort(),
        denyAllOtherEgress: booleanAt("cluster.denyAllOtherEgress", c.denyAllOtherEgress, true),
        namespaceIsDedicated: booleanAt("cluster.namespaceIsDedicated", c.namespaceIsDedicated, false),
        wildcardDnsNames: booleanAt("cluster.wildcardDnsNames", c.wildcardDnsNames, false),
    };
    if (enabled && flavor === ClusterFlavor.OpenShift && !options.namespaceIsDedicated) {
        throw new InputError("cluster.namespaceIsDedicated", c.namespaceIsDedicated, `An EgressFirewall governs every pod of namespace "${options.namespace}", not only the gateway: set cluster.namespaceIsDedicated to true once the namespace holds the gateway alone.`);
    }
    return options;
}

// Azure region names as used in host names: lowercase letters and digits.
const regionPattern = /^[a-z][a-z0-9]{1,39}$/;
// Storage account names: 3-24 lowercase letters and digits.
const storageAccountPattern = /^[a-z0-9]{3,24}$/;
// Event Hubs namespace names: 6-50 letters, digits and hyphens, a letter first, no hyphen last.
const eventHubsNamespacePattern = /^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$/;

function patternAt(field: string, value: unknown, pattern: RegExp, expectation: string): string {
    const text = stringAt(field, value, true);
    if (!pattern.test(text)) {
        throw new InputError(field, value, expectation);
    }
    return text;
}

function regionAt(field: string, value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : patternAt(field, value, regionPattern, "Expected an Azure region name such as \"westeurope\".");
}

function resolveFeatures(raw: unknown): Features {
    const f = objectAt("features", raw, Object.keys(FEATURE_KEYS));
    const section = (key: keyof Features) => objectAt(`features.${key}`, f[key], FEATURE_KEYS[key]);
    const enabledAt = (key: keyof Features, s: Json) => booleanAt(`features.${key}.enabled`, s.enabled, false);

    const storage = section("storage");
    const storageEnabled = enabledAt("storage", storage);
    const accountNames = listAt("features.storage.accountNames", storage.accountNames, (fld, v) =>
        patternAt(fld, v, storageAccountPattern, "A storage account name has 3-24 lowercase letters and digits."),
    ).sort();
    const useServiceTag = booleanAt("features.storage.useServiceTag", storage.useServiceTag, false);
    if (storageEnabled && accountNames.length === 0 && !useServiceTag) {
        throw new InputError("features.storage.accountNames", storage.accountNames, "Name the storage accounts (portal: Network connectivity status), or set features.storage.useServiceTag to open the regional Storage service tag.");
    }

    const eventHubs = section("eventHubs");
    const eventHubsEnabled = enabledAt("eventHubs", eventHubs);
    const namespaces = listAt("features.eventHubs.namespaces", eventHubs.namespaces, (fld, v) =>
        patternAt(fld, v, eventHubsNamespacePattern, "An Event Hubs namespace name has 6-50 letters, digits and hyphens, starting with a letter.").toLowerCase(),
    ).sort();
    if (eventHubsEnabled && namespaces.length === 0) {
        throw new InputError("features.eventHubs.namespaces", eventHubs.namespaces, "Name the Event Hubs namespaces the gateway's loggers write to.");
    }

    const cache = section("externalCache");
    const cacheEnabled = enabledAt("externalCache", cache);
    const cacheHost = stringAt("features.externalCache.host", cache.host, cacheEnabled);
    const entra = section("entraId");
    const insights = section("applicationInsights");
    return {
        storage: { enabled: storageEnabled, accountNames, useServiceTag },
        azureResourceManager: { enabled: enabledAt("azureResourceManager", section("azureResourceManager")) },
        entraId: { enabled: enabledAt("entraId", entra), region: regionAt("features.entraId.region", entra.region) },
        applicationInsights: { enabled: enabledAt("applicationInsights", insights), region: regionAt("features.applicationInsights.region", insights.region) },
        eventHubs: { enabled: eventHubsEnabled, namespaces },
        externalCache: {
            enabled: cacheEnabled,
            host: cacheHost === undefined ? undefined : hostOrAddress("features.externalCache.host", cacheHost),
            port: cache.port === undefined || cache.port === null ? DEFAULT_CACHE_PORT : validatePort("features.externalCache.port", cache.port),
        },
        imagePull: { enabled: enabledAt("imagePull", section("imagePull")) },
    };
}

/** An IPv4 address or CIDR when it looks like one, else a DNS name. */
function hostOrAddress(field: string, value: string): Destination {
    return /^[\d./]+$/.test(value) || value.includes(":") ? cidr(field, value) : fqdn(field, value);
}

const backendNamePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

function resolveBackend(field: string, raw: unknown): Backend {
    const b = objectAt(field, raw, BACKEND_KEYS);
    if (raw === undefined || raw === null) {
        throw new InputError(field, raw, "Expected a backend object with name, address or fqdn, and port.");
    }
    const name = patternAt(`${field}.name`, b.name, backendNamePattern, "A backend name has 1-40 lowercase letters, digits and hyphens.");
    const address = stringAt(`${field}.address`, b.address);
    const host = stringAt(`${field}.fqdn`, b.fqdn);
    if ((address === undefined) === (host === undefined)) {
        throw new InputError(`${field}.address`, address, `Give exactly one of ${field}.address or ${field}.fqdn.`);
    }
    const protocol: Protocol = b.protocol === undefined || b.protocol === null ? Protocol.Tcp : validateProtocol(`${field}.protocol`, b.protocol);
    return {
        name,
        destination: address !== undefined ? cidr(`${field}.address`, address) : fqdn(`${field}.fqdn`, host),
        ports: [validatePortRange(field, protocol, b.port, b.endPort)],
    };
}

/**
 * Validates the args (every `Input` already resolved) and fills in defaults. Throws
 * `InputError` naming the first bad arg. `componentName` supplies default object names.
 */
export function resolveOptions(componentName: string, args: unknown): Options {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
        throw new InputError("args", args, "Expected an object with apim, firewall and optionally cluster, features and backends.");
    }
    checkKeys("", args as Json, TOP_KEYS);
    const top = args as Json;
    const apim = objectAt("apim", top.apim, APIM_KEYS);
    const backends = listAt("backends", top.backends, resolveBackend);
    const names = new Set<string>();
    backends.forEach((b, i) => {
        if (names.has(b.name)) {
            throw new InputError(`backends[${i}].name`, b.name, "Backend names must be unique.");
        }
        names.add(b.name);
    });
    if (top.gatewayMajorVersion !== undefined && top.gatewayMajorVersion !== null && top.gatewayMajorVersion !== SUPPORTED_GATEWAY_MAJOR_VERSION) {
        throw new InputError("gatewayMajorVersion", top.gatewayMajorVersion, `Only the v${SUPPORTED_GATEWAY_MAJOR_VERSION} self-hosted gateway is supported: v1 used the configuration API <service>.management.azure-api.net, retired on 2023-10-01.`);
    }
    return {
        apim: {
            resourceGroupName: stringAt("apim.resourceGroupName", apim.resourceGroupName, true),
            serviceName: stringAt("apim.serviceName", apim.serviceName, true),
        },
        firewall: resolveFirewall(componentName, top.firewall),
        cluster: resolveCluster(componentName, top.cluster),
        features: resolveFeatures(top.features),
        backends: [...backends].sort((a, b) => a.name.localeCompare(b.name)),
    };
}
