// Resolved options: the args of `args.ts` validated, defaulted and normalized into what the plan,
// the renderers and the component shells consume. One validator for both components; every
// refusal is an `InputError` naming the arg path (`firewall.sourceAddresses[2]`,
// `gateways[4].backends[0].port`) and the value.
import { distance } from "fastest-levenshtein";
import * as fs from "fs";
import * as path from "path";
import { SERVICE_NAME_PATTERN } from "./apimFacts";
import { ClusterFlavor, RuleStyle } from "./args";
import { GatewayPorts, SUPPORTED_GATEWAY_MAJOR_VERSION } from "./catalog";
import { carriesCredential, InputError } from "./errors";
import { byCodePoint } from "./ordering";
import { ConfigurationBackupOptions, GatewayAuthOptions, resolveConfigurationBackup, resolveGatewayAuth } from "./optionsGateway";
import { checkPeersBesideDedicatedNamespace, exactlyOne, inClusterAt } from "./optionsInCluster";
import { ProbeOptions, resolveProbe } from "./optionsProbe";
import { checkTelemetryBesideProxy, NO_TELEMETRY, resolveTelemetry, TelemetryOptions } from "./optionsTelemetry";
import { validateRegion } from "./regions";
import { ALL_IPV4, boundedCidr, boundedNetworkSet, Destination, DestinationKind, fqdn, parseServiceIpv4, Protocol, validatePort, validatePortRange, validateProtocol, PortRange } from "./peers";

export interface FirewallPolicyRef {
    /** Lower case; absent when the policy is named by resource group and name (the provider's subscription). */
    readonly subscriptionId?: string;
    readonly resourceGroupName: string;
    readonly policyName: string;
}

/** Where a writer's rule collection groups go and how they are placed. */
export interface PlacementOptions {
    readonly policy: FirewallPolicyRef;
    readonly ruleCollectionGroupName: string;
    /** Undefined: allocated from `priorityRange` by the policy ledger. */
    readonly priority?: number;
    readonly priorityRange: { readonly start: number; readonly end: number };
    readonly serializeWrites: boolean;
    readonly maxGroupBytes: number;
    readonly maxRuleCollectionGroups: number;
    /** Which limits the user set: the others follow what the policy shows of itself (firewallPolicyFindings.ts). */
    readonly limitsGiven: { readonly maxGroupBytes: boolean; readonly maxRuleCollectionGroups: boolean };
    /** Write FQDN network rules to a policy without DNS proxy, with a note instead of a refusal. */
    readonly allowWithoutDnsProxy: boolean;
}

/** One gateway's firewall sources and rule style. */
export interface SourceOptions {
    readonly sourceAddresses: readonly string[];
    readonly sourceIpGroupIds: readonly string[];
    /** Undefined: the default for the instance's VNet mode. */
    readonly ruleStyle?: RuleStyle;
}

/** A host taken from a URL the user gave, with the arg it came from. */
export interface DeclaredHost {
    readonly host: string;
    readonly field: string;
}

export interface BackendOptions {
    /** Its arg path, for messages: `backends[2]`, `gateways[4].backends[0]`. */
    readonly field: string;
    readonly name: string;
    readonly destination: Destination;
    readonly ports: readonly PortRange[];
}

export interface FeatureOptions extends TelemetryOptions {
    readonly storage: { readonly enabled: boolean; readonly accountNames: readonly string[]; readonly useServiceTag: boolean };
    readonly azureResourceManager: { readonly enabled: boolean };
    readonly entraId: { readonly enabled: boolean; readonly region?: string };
    readonly applicationInsights: { readonly enabled: boolean; readonly ingestion?: DeclaredHost; readonly live?: DeclaredHost };
    readonly eventHubs: { readonly enabled: boolean; readonly namespaces: readonly string[] };
    /** `host`: where the cache is, by name, network or (`inCluster`) pods. */
    readonly externalCache: { readonly enabled: boolean; readonly host?: Destination; readonly port: number };
    readonly imagePull: { readonly enabled: boolean; readonly nodeAddresses: readonly string[] };
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
    /** Client networks allowed to the listeners. */
    readonly ingressFrom: readonly string[];
    readonly instancePorts: { readonly synchronization: number; readonly heartbeat: number };
}

/** Everything the pure pipeline needs for one gateway. */
export interface Options {
    readonly apim: { readonly resourceGroupName: string; readonly serviceName: string };
    /** Undefined when this component writes no firewall rules (`firewall.enabled: false`). */
    readonly firewall?: SourceOptions;
    /** Undefined when this component writes no rule collection group. */
    readonly placement?: PlacementOptions;
    readonly cluster: ClusterOptions;
    readonly features: FeatureOptions;
    readonly backends: readonly BackendOptions[];
    /** The address the configuration host resolves to from the gateway; undefined: the APIM VIP. */
    readonly configurationAddress?: string;
    /** The forward proxy everything outside the cluster is reached through. */
    readonly egressProxy?: { readonly address: string; readonly port: number };
    /** Undefined: true when the instance is Internal. */
    readonly hostAliases?: boolean;
    /** How the gateway signs in to the configuration endpoint. */
    readonly gatewayAuth: GatewayAuthOptions;
    /** Undefined where no chart values are rendered (a hub's gateways). */
    readonly configurationBackup?: ConfigurationBackupOptions;
    /** The egress probe (optionsProbe.ts); undefined for a hub's gateways, which have no cluster side. */
    readonly probe?: ProbeOptions;
}

/** One gateway of a `GatewayEgressRuleCollectionGroup`. */
export interface HubGatewayOptions {
    readonly name: string;
    /** The gateway's arg path, for messages: `gateways[3]`. */
    readonly field: string;
    readonly options: Options;
}

export interface HubOptions {
    readonly placement: PlacementOptions;
    /** In code-point order of their names. */
    readonly gateways: readonly HubGatewayOptions[];
}

export const DEFAULT_PRIORITY_RANGE = { start: 300, end: 65000 } as const;
export const DEFAULT_RELEASE_NAME = "azure-api-management-gateway";
export const DEFAULT_CACHE_PORT = 6380;
/** Rule collection group size every policy accepts: 1 MB before July 2022, 2 MB after (DocReference.FirewallLimits). */
export const DEFAULT_MAX_GROUP_BYTES = 1024 * 1024;
export const MAX_GROUP_BYTES = 2 * 1024 * 1024;
/** Rule collection groups every policy accepts: 50 before July 2022, 60 after (DocReference.FirewallLimits). */
export const DEFAULT_MAX_RULE_COLLECTION_GROUPS = 50;
export const MAX_RULE_COLLECTION_GROUPS = 60;
/** No source or destination network shorter than this: a /8 is already 16.7 million addresses. */
export const DEFAULT_MINIMUM_PREFIX_LENGTH = 8;

// ---- validation ----

export type Json = Record<string, unknown>;

// The keys each object of the args takes, written down once in args.ts: read from the JSON
// Schemas generated from it (scripts/optionsSchema.ts, shipped in schema/). The checks of the
// values stay below, with their one-line messages.
export interface ObjectSchema {
    readonly properties: Readonly<Record<string, { readonly $ref?: string }>>;
    readonly definitions?: Readonly<Record<string, ObjectSchema>>;
}

function loadSchema(name: string): ObjectSchema {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schema", `${name}.schema.json`), "utf8")) as ObjectSchema;
}

export const OPTIONS_SCHEMA = loadSchema("options");
const HUB_SCHEMA = loadSchema("hub");

export function keysOf(schema: ObjectSchema, definition?: string): string[] {
    const object = definition === undefined ? schema : schema.definitions?.[definition];
    if (object === undefined) {
        throw new Error(`The args schema has no definition ${definition}: run npm run build.`);
    }
    return Object.keys(object.properties);
}

/** The keys of one object of the args, by its name in args.ts; for the validators of other files. */
export function argKeys(definition: string): string[] {
    return keysOf(OPTIONS_SCHEMA, definition);
}

const TOP_KEYS = keysOf(OPTIONS_SCHEMA);
const HUB_TOP_KEYS = keysOf(HUB_SCHEMA);
const APIM_KEYS = keysOf(OPTIONS_SCHEMA, "ApimService");
const TARGET_KEYS = keysOf(HUB_SCHEMA, "FirewallPolicyTarget");
const FIREWALL_KEYS = keysOf(OPTIONS_SCHEMA, "Firewall");
const HUB_GATEWAY_KEYS = keysOf(HUB_SCHEMA, "HubGateway");
const CLUSTER_KEYS = keysOf(OPTIONS_SCHEMA, "Cluster");
const FEATURE_KEYS = Object.fromEntries(Object.entries(OPTIONS_SCHEMA.definitions?.Features.properties ?? {})
    .map(([feature, p]) => [feature, keysOf(OPTIONS_SCHEMA, (p.$ref ?? "").split("/").pop())])) as Record<keyof FeatureOptions, string[]>;
const BACKEND_KEYS = keysOf(OPTIONS_SCHEMA, "Backend");
const PRIORITY_RANGE_KEYS = keysOf(OPTIONS_SCHEMA, "PriorityRange");
const INSTANCE_PORT_KEYS = keysOf(OPTIONS_SCHEMA, "InstancePorts");
const EGRESS_PROXY_KEYS = keysOf(OPTIONS_SCHEMA, "EgressProxy");

/** Keys that would reach an object's prototype if copied naively. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function join(field: string, key: string): string {
    return field ? `${field}.${key}` : key;
}

/** Refuses keys the args do not know, suggesting the nearest known one. Internal. Exported for testing. */
export function checkKeys(field: string, value: Json, allowed: readonly string[]): void {
    for (const key of Object.getOwnPropertyNames(value)) {
        if (allowed.includes(key)) {
            continue;
        }
        // A credential pasted as a key is withheld whole, not only in the parts a path splits it into.
        const path = join(field, carriesCredential(key.slice(0, 4096)) ? "(withheld key)" : key);
        if (PROTOTYPE_KEYS.has(key)) {
            throw new InputError(path, key, "This key is reserved by JavaScript and never an arg.");
        }
        if (/token|secret|password|key$/i.test(key)) {
            throw new InputError(path, "(not shown)", "Secrets are not accepted: the gateway token belongs to the gateway's own deployment, not to its egress rules.");
        }
        const nearest = [...allowed].sort((a, b) => distance(key, a) - distance(key, b) || byCodePoint(a, b))[0];
        const near = nearest !== undefined && distance(key.toLowerCase(), nearest.toLowerCase()) <= Math.max(2, nearest.length / 3);
        throw new InputError(path, key, `Unknown key. Allowed keys are: ${allowed.join(", ")}.`, near ? `Did you mean "${nearest}"?` : undefined);
    }
}

export function objectAt(field: string, value: unknown, allowed: readonly string[]): Json {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        throw new InputError(field, value, "Expected an object.");
    }
    checkKeys(field, value as Json, allowed);
    return value as Json;
}

export function stringAt(field: string, value: unknown, required: true): string;
export function stringAt(field: string, value: unknown, required?: boolean): string | undefined;
export function stringAt(field: string, value: unknown, required = false): string | undefined {
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

export function booleanAt(field: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "boolean") {
        throw new InputError(field, value, "Expected true or false.");
    }
    return value;
}

function integerAt(field: string, value: unknown, fallback: number, min: number, max: number, what: string): number {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new InputError(field, value, `${what} is a whole number from ${min} to ${max}.`);
    }
    return value;
}

// Large enough for any real site, small enough that a runaway list fails here and not at Azure.
export const MAX_LIST_LENGTH = 1000;

/**
 * A list of at most `max` items, each read by `item`; an item listed twice (by `key`, its JSON by
 * default) is refused.
 */
export function listAt<T>(field: string, value: unknown, item: (field: string, value: unknown) => T, max = MAX_LIST_LENGTH, key: (item: T) => string = (v) => JSON.stringify(v)): T[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value)) {
        throw new InputError(field, value, "Expected a list.");
    }
    if (value.length > max) {
        throw new InputError(field, `${value.length} items`, `At most ${max} items are accepted.`);
    }
    const items = value.map((v, i) => item(`${field}[${i}]`, v));
    const seen = new Set<string>();
    items.forEach((v, i) => {
        const k = key(v);
        if (seen.has(k)) {
            throw new InputError(`${field}[${i}]`, value[i], "This value is listed twice.");
        }
        seen.add(k);
    });
    return items;
}

export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback: T): T;
export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>): T | undefined;
export function enumAt<T extends string>(field: string, value: unknown, allowed: Record<string, T>, fallback?: T): T | undefined {
    if (value === undefined || value === null) {
        return fallback;
    }
    const values = Object.values(allowed);
    const match = values.find((v) => v === value);
    if (!match) {
        const nearest = typeof value === "string" ? values.find((v) => v.toLowerCase() === value.toLowerCase() || distance(v, value.toLowerCase()) <= 2) : undefined;
        throw new InputError(field, value, `${nearest ? `Did you mean "${nearest}"? ` : ""}Allowed values are: ${values.join(", ")}.`);
    }
    return match;
}

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

// Azure Firewall Policy rule collection group (and policy, and rule collection) names: 1-80
// characters of letters, digits, `_`, `.`, `-`; a letter or digit first; a letter, digit or `_` last.
const azureNetworkName = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export function validateRuleCollectionGroupName(field: string, value: string): string {
    if (!azureNetworkName.test(value)) {
        throw new InputError(field, value, "A rule collection group name has 1-80 letters, digits, \"_\", \".\" and \"-\", starts with a letter or digit and ends with a letter, digit or \"_\".");
    }
    return value;
}

function validatePolicyName(field: string, value: string): string {
    if (!azureNetworkName.test(value)) {
        throw new InputError(field, value, "A firewall policy name has 1-80 letters, digits, \"_\", \".\" and \"-\", starts with a letter or digit and ends with a letter, digit or \"_\".");
    }
    return value;
}

// Resource group names: 1-90 letters, digits, `_`, `-`, `.`, `(`, `)`, Unicode letters
// included, not ending in a period (Azure naming rules, Microsoft.Resources/resourcegroups).
const resourceGroupPattern = /^[-\p{L}\p{N}_.()]{0,89}[-\p{L}\p{N}_()]$/u;

export function validateResourceGroupName(field: string, value: string): string {
    if (!resourceGroupPattern.test(value)) {
        throw new InputError(field, value, "A resource group name has 1-90 letters, digits, \"_\", \"-\", \".\", \"(\" and \")\", and does not end with a period.");
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

function resolvePriorityRange(field: string, raw: unknown): { start: number; end: number } {
    if (raw === undefined || raw === null) {
        return { ...DEFAULT_PRIORITY_RANGE };
    }
    const range = objectAt(field, raw, PRIORITY_RANGE_KEYS);
    const start = validatePriority(`${field}.start`, range.start);
    const end = validatePriority(`${field}.end`, range.end);
    if (end < start) {
        throw new InputError(`${field}.end`, end, `The range must end at or after its start (${start}).`);
    }
    return { start, end };
}

const uuid = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const armName = "[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?";
const armGroup = "[-\\p{L}\\p{N}_.()]{0,89}[-\\p{L}\\p{N}_()]";
const policyIdPattern = new RegExp(`^/subscriptions/(${uuid})/resourceGroups/(${armGroup})/providers/Microsoft\\.Network/firewallPolicies/(${armName})$`, "iu");
const ipGroupIdPattern = new RegExp(`^/subscriptions/${uuid}/resourceGroups/${armGroup}/providers/Microsoft\\.Network/ipGroups/${armName}$`, "iu");

/** Parses a firewall policy resource ID. Internal. Exported for testing. */
export function parseFirewallPolicyId(field: string, value: string): FirewallPolicyRef {
    const match = policyIdPattern.exec(value);
    if (!match) {
        throw new InputError(field, value, "Expected /subscriptions/<uuid>/resourceGroups/<group>/providers/Microsoft.Network/firewallPolicies/<name>.");
    }
    return { subscriptionId: match[1].toLowerCase(), resourceGroupName: match[2], policyName: match[3] };
}

function resolvePolicy(field: string, fw: Json): FirewallPolicyRef {
    const policyId = stringAt(`${field}.policyId`, fw.policyId);
    const policyName = stringAt(`${field}.policyName`, fw.policyName);
    const resourceGroupName = stringAt(`${field}.resourceGroupName`, fw.resourceGroupName);
    if (policyId !== undefined) {
        if (policyName !== undefined || resourceGroupName !== undefined) {
            throw new InputError(`${field}.policyId`, policyId, `Only one of ${field}.policyId or ${field}.policyName with ${field}.resourceGroupName can be provided.`);
        }
        return parseFirewallPolicyId(`${field}.policyId`, policyId);
    }
    if (policyName === undefined || resourceGroupName === undefined) {
        const missing = policyName === undefined ? `${field}.policyName` : `${field}.resourceGroupName`;
        throw new InputError(missing, undefined, `Name the firewall policy by ${field}.policyId, or by ${field}.policyName and ${field}.resourceGroupName.`);
    }
    return {
        resourceGroupName: validateResourceGroupName(`${field}.resourceGroupName`, resourceGroupName),
        policyName: validatePolicyName(`${field}.policyName`, policyName),
    };
}

/** A writer's placement from its `firewall` arg. Internal: also for previews with unknown values (previewBounds.ts). */
export function resolvePlacement(componentName: string, field: string, fw: Record<string, unknown>): PlacementOptions {
    return {
        policy: resolvePolicy(field, fw),
        ruleCollectionGroupName: validateRuleCollectionGroupName(
            `${field}.ruleCollectionGroupName`,
            stringAt(`${field}.ruleCollectionGroupName`, fw.ruleCollectionGroupName) ?? componentName,
        ),
        priority: fw.priority === undefined || fw.priority === null ? undefined : validatePriority(`${field}.priority`, fw.priority),
        priorityRange: resolvePriorityRange(`${field}.priorityRange`, fw.priorityRange),
        serializeWrites: booleanAt(`${field}.serializeWrites`, fw.serializeWrites, true),
        maxGroupBytes: integerAt(`${field}.maxGroupBytes`, fw.maxGroupBytes, DEFAULT_MAX_GROUP_BYTES, 4096, MAX_GROUP_BYTES, "The size limit of a rule collection group, in bytes,"),
        maxRuleCollectionGroups: integerAt(`${field}.maxRuleCollectionGroups`, fw.maxRuleCollectionGroups, DEFAULT_MAX_RULE_COLLECTION_GROUPS, 1, MAX_RULE_COLLECTION_GROUPS, "The number of rule collection groups per policy"),
        limitsGiven: { maxGroupBytes: fw.maxGroupBytes !== undefined && fw.maxGroupBytes !== null, maxRuleCollectionGroups: fw.maxRuleCollectionGroups !== undefined && fw.maxRuleCollectionGroups !== null },
        allowWithoutDnsProxy: booleanAt(`${field}.allowWithoutDnsProxy`, fw.allowWithoutDnsProxy, false),
    };
}

function minimumPrefixLengthAt(field: string, value: unknown): number {
    return integerAt(field, value, DEFAULT_MINIMUM_PREFIX_LENGTH, 1, 32, "A minimum prefix length");
}

function resolveSources(field: string, fw: Json, minimumPrefixLength: number): SourceOptions {
    const sourceAddresses = networkListAt(`${field}.sourceAddresses`, fw.sourceAddresses, minimumPrefixLength);
    const sourceIpGroupIds = listAt(`${field}.sourceIpGroupIds`, fw.sourceIpGroupIds, (f, v) => {
        const id = stringAt(f, v, true);
        if (!ipGroupIdPattern.test(id)) {
            throw new InputError(f, v, "Expected /subscriptions/<uuid>/resourceGroups/<group>/providers/Microsoft.Network/ipGroups/<name>.");
        }
        return id;
    });
    if (sourceAddresses.length === 0 && sourceIpGroupIds.length === 0) {
        throw new InputError(`${field}.sourceAddresses`, fw.sourceAddresses, `Give the gateway hosts' networks in ${field}.sourceAddresses or ${field}.sourceIpGroupIds: a rule without a source would match any host.`);
    }
    return {
        sourceAddresses: [...sourceAddresses].sort(byCodePoint),
        sourceIpGroupIds: [...sourceIpGroupIds].sort(byCodePoint),
        ruleStyle: enumAt(`${field}.ruleStyle`, fw.ruleStyle, RuleStyle),
    };
}

/**
 * A list of networks, each bounded by `minimumPrefixLength` and all of them together too (the
 * breadth rule over sets). With `optIn`, 0.0.0.0/0 written out is the documented opt-in: it
 * stands for every address, so nothing beside it is measured.
 */
function networkListAt(field: string, value: unknown, minimumPrefixLength: number, optIn = false): string[] {
    const networks = listAt(field, value, (f, v) => (optIn && v === ALL_IPV4 ? ALL_IPV4 : boundedCidr(f, v, minimumPrefixLength).value));
    if (!networks.includes(ALL_IPV4)) {
        boundedNetworkSet(field, networks, value, minimumPrefixLength);
    }
    return networks;
}

function configurationAddressAt(field: string, value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : parseServiceIpv4(field, value);
}

function resolveEgressProxy(raw: unknown): Options["egressProxy"] {
    if (raw === undefined || raw === null) {
        return undefined;
    }
    const p = objectAt("egressProxy", raw, EGRESS_PROXY_KEYS);
    return { address: parseServiceIpv4("egressProxy.address", p.address), port: validatePort("egressProxy.port", p.port) };
}

const FLAVOR_DEFAULTS: Record<ClusterFlavor, { dnsNamespace: string; dnsPodLabels: Record<string, string>; ingressNamespaces: string[] }> = {
    kubernetes: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    cilium: { dnsNamespace: "kube-system", dnsPodLabels: { "k8s-app": "kube-dns" }, ingressNamespaces: ["ingress-nginx"] },
    // OpenShift's DNS operator labels its pods so; its routers are selected by a namespace label
    // (OPENSHIFT_INGRESS_LABEL), not by the name of their namespace.
    openshift: { dnsNamespace: "openshift-dns", dnsPodLabels: { "dns.operator.openshift.io/daemonset-dns": "default" }, ingressNamespaces: [] },
};

/** The keys read when `firewall.enabled` is false. */
const FIREWALL_OFF_KEYS = ["enabled", "minimumPrefixLength", "configurationAddress"];

/** The firewall arg; with the firewall off, a misspelled key is hinted only towards a key read then. */
function firewallAt(raw: unknown): Json {
    if (typeof raw === "object" && raw !== null && (raw as Json).enabled === false) {
        checkKeys("firewall", Object.fromEntries(Object.entries(raw).filter(([k]) => !FIREWALL_KEYS.includes(k))), FIREWALL_OFF_KEYS);
    }
    return objectAt("firewall", raw, FIREWALL_KEYS);
}

/** Which children a component has: decided by plain args, before anything else is read. */
export interface ComponentShape {
    readonly firewall: boolean;
    readonly cluster: boolean;
    readonly flavor: ClusterFlavor;
}

/**
 * The args that decide which resources exist (`firewall.enabled`, `cluster.enabled`,
 * `cluster.flavor`), read before anything else so the component knows its children.
 */
export function resolveShape(firewall: unknown, cluster: unknown): ComponentShape {
    const c = objectAt("cluster", cluster, CLUSTER_KEYS);
    const f = firewallAt(firewall);
    return {
        firewall: booleanAt("firewall.enabled", f.enabled, true),
        cluster: booleanAt("cluster.enabled", c.enabled, true),
        flavor: enumAt("cluster.flavor", c.flavor, ClusterFlavor, ClusterFlavor.Kubernetes),
    };
}

function resolveCluster(componentName: string, raw: unknown, minimumPrefixLength: number): ClusterOptions {
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

const DISABLED_CLUSTER: ClusterOptions = {
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
    return value === undefined || value === null ? undefined : validateRegion(field, stringAt(field, value, true));
}

const NO_FEATURES: FeatureOptions = {
    storage: { enabled: false, accountNames: [], useServiceTag: false },
    azureResourceManager: { enabled: false },
    entraId: { enabled: false },
    applicationInsights: { enabled: false },
    eventHubs: { enabled: false, namespaces: [] },
    externalCache: { enabled: false, port: DEFAULT_CACHE_PORT },
    imagePull: { enabled: false, nodeAddresses: [] },
    ...NO_TELEMETRY,
};

function resolveFeatures(field: string, raw: unknown, minimumPrefixLength: number): FeatureOptions {
    // The common case of a landing zone's many gateways, read without building each section.
    if (raw === undefined || raw === null) {
        return NO_FEATURES;
    }
    const f = objectAt(field, raw, Object.keys(FEATURE_KEYS));
    const at = (key: keyof FeatureOptions, sub?: string) => (sub ? `${field}.${key}.${sub}` : `${field}.${key}`);
    const section = (key: keyof FeatureOptions) => objectAt(at(key), f[key], FEATURE_KEYS[key]);
    const enabledAt = (key: keyof FeatureOptions, s: Json) => booleanAt(at(key, "enabled"), s.enabled, false);

    const storage = section("storage");
    const storageEnabled = enabledAt("storage", storage);
    const accountNames = listAt(at("storage", "accountNames"), storage.accountNames, (fld, v) =>
        patternAt(fld, v, storageAccountPattern, "A storage account name has 3-24 lowercase letters and digits."),
    ).sort(byCodePoint);
    const useServiceTag = booleanAt(at("storage", "useServiceTag"), storage.useServiceTag, false);
    if (storageEnabled && accountNames.length === 0 && !useServiceTag) {
        throw new InputError(at("storage", "accountNames"), storage.accountNames, `Name the storage accounts (portal: Network connectivity status), or set ${at("storage", "useServiceTag")} to open the regional Storage service tag.`);
    }

    const eventHubs = section("eventHubs");
    const eventHubsEnabled = enabledAt("eventHubs", eventHubs);
    const namespaces = listAt(at("eventHubs", "namespaces"), eventHubs.namespaces, (fld, v) =>
        patternAt(fld, v, eventHubsNamespacePattern, "An Event Hubs namespace name has 6-50 letters, digits and hyphens, starting with a letter.").toLowerCase(),
    ).sort(byCodePoint);
    if (eventHubsEnabled && namespaces.length === 0) {
        throw new InputError(at("eventHubs", "namespaces"), eventHubs.namespaces, "Name the Event Hubs namespaces the gateway's loggers write to.");
    }

    const cache = section("externalCache");
    const cacheEnabled = enabledAt("externalCache", cache);
    const cacheAt = cacheEnabled ? exactlyOne(at("externalCache"), cache, ["host", "inCluster"]) : undefined;
    const cacheHost = stringAt(at("externalCache", "host"), cache.host);
    const entra = section("entraId");
    const insights = section("applicationInsights");
    // The nodes' container runtime pulls the image: its rules need the nodes' networks as sources.
    const imagePull = section("imagePull");
    const imagePullEnabled = enabledAt("imagePull", imagePull);
    const nodeAddresses = networkListAt(at("imagePull", "nodeAddresses"), imagePull.nodeAddresses, minimumPrefixLength).sort(byCodePoint);
    if (imagePullEnabled && nodeAddresses.length === 0) {
        throw new InputError(at("imagePull", "nodeAddresses"), imagePull.nodeAddresses, "The nodes' container runtime pulls the gateway image, not the gateway pod: give the networks of the cluster's nodes, the sources of the registry rules.");
    }
    return {
        storage: { enabled: storageEnabled, accountNames, useServiceTag },
        azureResourceManager: { enabled: enabledAt("azureResourceManager", section("azureResourceManager")) },
        entraId: { enabled: enabledAt("entraId", entra), region: regionAt(at("entraId", "region"), entra.region) },
        applicationInsights: {
            enabled: enabledAt("applicationInsights", insights),
            ingestion: endpointHost(at("applicationInsights", "ingestionEndpoint"), insights.ingestionEndpoint),
            live: endpointHost(at("applicationInsights", "liveEndpoint"), insights.liveEndpoint),
        },
        eventHubs: { enabled: eventHubsEnabled, namespaces },
        externalCache: {
            enabled: cacheEnabled,
            host: cacheAt === "inCluster" ? inClusterAt(at("externalCache", "inCluster"), cache.inCluster)
                : cacheHost === undefined ? undefined : hostOrAddress(at("externalCache", "host"), cacheHost, minimumPrefixLength),
            port: cache.port === undefined || cache.port === null ? DEFAULT_CACHE_PORT : validatePort(at("externalCache", "port"), cache.port),
        },
        imagePull: { enabled: imagePullEnabled, nodeAddresses },
        ...resolveTelemetry(field, f, minimumPrefixLength),
    };
}

/** The host of an https URL the user copied (a connection string's endpoint). */
function endpointHost(field: string, value: unknown): DeclaredHost | undefined {
    const text = stringAt(field, value);
    if (text === undefined) {
        return undefined;
    }
    let url: URL | undefined;
    try {
        url = new URL(text);
    } catch {
        url = undefined;
    }
    if (!url || url.protocol !== "https:" || url.username !== "" || url.password !== "" || (url.pathname !== "/" && url.pathname !== "") || url.search !== "") {
        throw new InputError(field, value, "Expected the https URL of the connection string's endpoint alone, such as \"https://westeurope-5.in.applicationinsights.azure.com/\" (never the instrumentation key).");
    }
    return { host: fqdn(field, url.hostname).value, field };
}

/** An IPv4 address or CIDR when it looks like one, else a DNS name; a connection string is neither. */
function hostOrAddress(field: string, value: string, minimumPrefixLength: number): Destination {
    if (/[:,;=@\s]/.test(value)) {
        throw new InputError(field, value, `Expected a host name or an IPv4 address alone: the port goes in ${field.replace(/host$/, "port")}, and credentials belong to the gateway's own configuration.`);
    }
    return /^[\d./]+$/.test(value) ? boundedCidr(field, value, minimumPrefixLength) : fqdn(field, value);
}

const backendNamePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

function resolveBackend(field: string, raw: unknown, minimumPrefixLength: number): BackendOptions {
    const b = objectAt(field, raw, BACKEND_KEYS);
    if (raw === undefined || raw === null) {
        throw new InputError(field, raw, "Expected a backend object with name, address or fqdn, and port.");
    }
    const name = patternAt(`${field}.name`, b.name, backendNamePattern, "A backend name has 1-40 lowercase letters, digits and hyphens.");
    const given = exactlyOne(field, b, ["address", "fqdn", "inCluster"]);
    const protocol: Protocol = b.protocol === undefined || b.protocol === null ? Protocol.Tcp : validateProtocol(`${field}.protocol`, b.protocol);
    return {
        field,
        name,
        destination: given === "address" ? boundedCidr(`${field}.address`, stringAt(`${field}.address`, b.address, true), minimumPrefixLength)
            : given === "fqdn" ? fqdn(`${field}.fqdn`, stringAt(`${field}.fqdn`, b.fqdn, true))
            : inClusterAt(`${field}.inCluster`, b.inCluster) as Destination,
        ports: [validatePortRange(field, protocol, b.port, b.endPort)],
    };
}

function resolveBackends(field: string, raw: unknown, minimumPrefixLength: number): BackendOptions[] {
    const backends = listAt(field, raw, (f, v) => resolveBackend(f, v, minimumPrefixLength));
    const names = new Set<string>();
    backends.forEach((b, i) => {
        if (names.has(b.name)) {
            throw new InputError(`${field}[${i}].name`, b.name, "Backend names must be unique.");
        }
        names.add(b.name);
    });
    const networks = backends.flatMap((b) => (b.destination.kind === DestinationKind.Cidr ? [b.destination.value] : []));
    boundedNetworkSet(field, networks, raw, minimumPrefixLength);
    return [...backends].sort((a, b) => byCodePoint(a.name, b.name));
}

function resolveApim(field: string, raw: unknown): Options["apim"] {
    if (raw === undefined || raw === null) {
        throw new InputError(field, raw, "This arg is required: name the API Management instance by resourceGroupName and serviceName.");
    }
    const apim = objectAt(field, raw, APIM_KEYS);
    return {
        resourceGroupName: validateResourceGroupName(`${field}.resourceGroupName`, stringAt(`${field}.resourceGroupName`, apim.resourceGroupName, true)),
        serviceName: patternAt(`${field}.serviceName`, apim.serviceName, SERVICE_NAME_PATTERN, "An API Management service name has 1-50 letters, digits and hyphens, starting with a letter."),
    };
}

function topObject(args: unknown, allowed: readonly string[], what: string): Json {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
        throw new InputError("args", args, `Expected an object with ${what}.`);
    }
    checkKeys("", args as Json, allowed);
    return args as Json;
}

/**
 * An HTTP forward proxy carries HTTP, and HTTPS through CONNECT: a flow of another protocol
 * would be allowed by the firewall from the proxy, yet never leave the pods.
 */
function checkProxiable(features: FeatureOptions, backends: readonly BackendOptions[]): void {
    // In-cluster peers do not pass the proxy: the cluster policy allows them directly.
    const outside = (d: Destination | undefined) => d !== undefined && d.kind !== DestinationKind.InCluster;
    if (features.externalCache.enabled && outside(features.externalCache.host)) {
        throw new InputError("features.externalCache.enabled", true, "With egressProxy the gateway reaches everything outside the cluster through the proxy, which carries HTTP and HTTPS, not Redis: run the cache inside the cluster (features.externalCache.inCluster), or leave egressProxy out.");
    }
    checkTelemetryBesideProxy("features", features);
    const other = backends.find((b) => outside(b.destination) && b.ports.some((p) => p.protocol !== Protocol.Tcp));
    if (other) {
        throw new InputError(`${other.field}.protocol`, other.ports[0].protocol, "With egressProxy the gateway reaches every backend through the proxy, which carries HTTP and HTTPS over TCP only: give the backend as TCP, or leave egressProxy out.");
    }
}

/**
 * Validates the args of `SelfHostedGatewayEgress` (every `Input` already resolved) and fills in
 * defaults. Throws `InputError` naming the first bad arg. `componentName` supplies default names.
 */
export function resolveOptions(componentName: string, args: unknown): Options {
    const top = topObject(args, TOP_KEYS, "apim, firewall and optionally cluster, features and backends");
    if (top.gatewayMajorVersion !== undefined && top.gatewayMajorVersion !== null && top.gatewayMajorVersion !== SUPPORTED_GATEWAY_MAJOR_VERSION) {
        throw new InputError("gatewayMajorVersion", top.gatewayMajorVersion, `Only the v${SUPPORTED_GATEWAY_MAJOR_VERSION} self-hosted gateway is supported: v1 used the configuration API <service>.management.azure-api.net, retired on 2023-10-01.`);
    }
    const fw = firewallAt(top.firewall);
    const firewallEnabled = booleanAt("firewall.enabled", fw.enabled, true);
    const minimumPrefixLength = minimumPrefixLengthAt("firewall.minimumPrefixLength", fw.minimumPrefixLength);
    if (firewallEnabled && (top.firewall === undefined || top.firewall === null)) {
        throw new InputError("firewall", top.firewall, "This arg is required: name the firewall policy by policyId, or by policyName and resourceGroupName (or set firewall.enabled to false when a GatewayEgressRuleCollectionGroup writes the gateway's rules).");
    }
    if (!firewallEnabled) {
        const ignored = Object.keys(fw).filter((k) => !FIREWALL_OFF_KEYS.includes(k) && fw[k] !== undefined && fw[k] !== null);
        if (ignored.length > 0) {
            throw new InputError(`firewall.${ignored[0]}`, fw[ignored[0]], "firewall.enabled is false, so this component writes no firewall rules: set this on the GatewayEgressRuleCollectionGroup's gateway instead.");
        }
    }
    const egressProxy = resolveEgressProxy(top.egressProxy);
    if (egressProxy && firewallEnabled) {
        const own = ["sourceAddresses", "sourceIpGroupIds"].find((k) => fw[k] !== undefined && fw[k] !== null && !(Array.isArray(fw[k]) && fw[k].length === 0));
        if (own) {
            throw new InputError(`firewall.${own}`, fw[own], "With egressProxy the firewall sees the proxy as the source of every flow: leave the gateway hosts out.");
        }
    }
    // Through a proxy, the proxy is who the firewall sees.
    const sources = egressProxy ? { ...fw, sourceAddresses: [egressProxy.address] } : fw;
    const features = resolveFeatures("features", top.features, minimumPrefixLength);
    const backends = resolveBackends("backends", top.backends, minimumPrefixLength);
    if (egressProxy) {
        checkProxiable(features, backends);
    }
    const options: Options = {
        apim: resolveApim("apim", top.apim),
        firewall: firewallEnabled ? resolveSources("firewall", sources, minimumPrefixLength) : undefined,
        placement: firewallEnabled ? resolvePlacement(componentName, "firewall", fw) : undefined,
        cluster: resolveCluster(componentName, top.cluster, minimumPrefixLength),
        features,
        backends,
        configurationAddress: configurationAddressAt("firewall.configurationAddress", fw.configurationAddress),
        egressProxy,
        hostAliases: top.hostAliases === undefined || top.hostAliases === null ? undefined : booleanAt("hostAliases", top.hostAliases, false),
        gatewayAuth: resolveGatewayAuth("gatewayAuth", top.gatewayAuth, true),
        configurationBackup: resolveConfigurationBackup("configurationBackup", top.configurationBackup),
    };
    checkPeersBesideDedicatedNamespace(options.cluster, [
        ...(["externalCache", "openTelemetry", "statsd", "localLogs"] as const).map((k) => ({ field: `features.${k}`, destination: k === "externalCache" ? features.externalCache.host : features[k].destination })),
        // Named as the user listed them: the resolved backends are sorted by name.
        ...backends.map((b) => ({ field: `backends[${(top.backends as Json[]).findIndex((raw) => raw.name === b.name)}]`, destination: b.destination })),
    ]);
    return { ...options, probe: resolveProbe(top.probe, options.cluster) };
}

// A gateway's rule collections are named `<gateway>-network` and `<gateway>-application`:
// 60 characters leave room for the suffix within Azure's 80.
const hubGatewayName = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,58}[A-Za-z0-9_])?$/;

/** The most gateways one `GatewayEgressRuleCollectionGroup` takes: 50 groups of 1 MB hold fewer. */
export const MAX_HUB_GATEWAYS = 5000;

/**
 * Validates the args of `GatewayEgressRuleCollectionGroup`. Each gateway becomes the options of
 * one gateway with no cluster side; gateways come out in code-point order of their names.
 */
export function resolveHubOptions(componentName: string, args: unknown): HubOptions {
    const top = topObject(args, HUB_TOP_KEYS, "firewall and gateways");
    if (top.firewall === undefined || top.firewall === null) {
        throw new InputError("firewall", top.firewall, "This arg is required: name the firewall policy by policyId, or by policyName and resourceGroupName.");
    }
    const fw = objectAt("firewall", top.firewall, TARGET_KEYS);
    const placement = resolvePlacement(componentName, "firewall", fw);
    const minimumPrefixLength = minimumPrefixLengthAt("firewall.minimumPrefixLength", fw.minimumPrefixLength);
    const gateways = listAt("gateways", top.gateways, (field, raw): HubGatewayOptions => {
        if (raw === undefined || raw === null) {
            throw new InputError(field, raw, "Expected a gateway object with name, apim and sources.");
        }
        const g = objectAt(field, raw, HUB_GATEWAY_KEYS);
        const name = patternAt(`${field}.name`, g.name, hubGatewayName, "A gateway name has 1-60 letters, digits, \"_\", \".\" and \"-\", starts with a letter or digit and ends with a letter, digit or \"_\".");
        return {
            name,
            field,
            options: {
                apim: resolveApim(`${field}.apim`, g.apim),
                firewall: resolveSources(field, g, minimumPrefixLength),
                cluster: DISABLED_CLUSTER,
                features: resolveFeatures(`${field}.features`, g.features, minimumPrefixLength),
                backends: resolveBackends(`${field}.backends`, g.backends, minimumPrefixLength),
                configurationAddress: configurationAddressAt(`${field}.configurationAddress`, g.configurationAddress),
                gatewayAuth: resolveGatewayAuth(`${field}.gatewayAuth`, g.gatewayAuth, false),
            },
        };
    }, MAX_HUB_GATEWAYS, (g) => g.field);
    if (gateways.length === 0) {
        throw new InputError("gateways", top.gateways, "Give at least one gateway: a rule collection group without rules is refused by Azure.");
    }
    const seen = new Map<string, number>();
    gateways.forEach((g, i) => {
        const key = g.name.toLowerCase();
        if (seen.has(key)) {
            throw new InputError(`gateways[${i}].name`, g.name, `Gateway names must be unique (without regard to case): gateways[${seen.get(key)}] has it too.`);
        }
        seen.set(key, i);
    });
    return { placement, gateways: [...gateways].sort((a, b) => byCodePoint(a.name, b.name)) };
}
