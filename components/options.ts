// Resolved options: the args of `args.ts` validated, defaulted and normalized into what the plan,
// the renderers and the component shells consume. One validator for both components; every
// refusal is an `InputError` naming the arg path (`firewall.sourceAddresses[2]`,
// `gateways[4].backends[0].port`) and the value.
// The sections are validated in options<Section>.ts, on the shared readers of optionsCore.ts;
// this file puts them together and re-exports what the rest of the library imports from here.
import { ClusterFlavor, RuleStyle } from "./args";
import { SUPPORTED_GATEWAY_MAJOR_VERSION } from "./catalog";
import { InputError } from "./errors";
import { byCodePoint } from "./ordering";
import { resolveApim } from "./optionsApim";
import { resolveBackends } from "./optionsBackends";
import { resolveCluster } from "./optionsCluster";
import { booleanAt, checkKeys, CLUSTER_KEYS, enumAt, HUB_TOP_KEYS, Json, objectAt, TARGET_KEYS, TOP_KEYS } from "./optionsCore";
import { checkProxiable, resolveEgressProxy } from "./optionsEgressProxy";
import { resolveFeatures } from "./optionsFeatures";
import { configurationAddressAt, FIREWALL_OFF_KEYS, firewallAt, minimumPrefixLengthAt, resolvePlacement, resolveSources } from "./optionsFirewall";
import { ConfigurationBackupOptions, GatewayAuthOptions, resolveConfigurationBackup, resolveGatewayAuth } from "./optionsGateway";
import { resolveHubGateways } from "./optionsHub";
import { checkPeersBesideDedicatedNamespace } from "./optionsInCluster";
import { ProbeOptions, resolveProbe } from "./optionsProbe";
import { TelemetryOptions } from "./optionsTelemetry";
import { Destination, PortRange } from "./peers";

// What the library exported from here before the sections had files of their own.
export { DEFAULT_RELEASE_NAME, validateLabels, validateNamespace, validateObjectName } from "./optionsCluster";
export { argKeys, booleanAt, checkKeys, enumAt, Json, keysOf, listAt, MAX_LIST_LENGTH, ObjectSchema, objectAt, OPTIONS_SCHEMA, stringAt } from "./optionsCore";
export { DEFAULT_CACHE_PORT } from "./optionsFeatures";
export {
    DEFAULT_MAX_GROUP_BYTES, DEFAULT_MAX_RULE_COLLECTION_GROUPS, DEFAULT_MINIMUM_PREFIX_LENGTH, DEFAULT_PRIORITY_RANGE, MAX_GROUP_BYTES, MAX_RULE_COLLECTION_GROUPS,
    parseFirewallPolicyId, PRIORITY_RANGE, resolvePlacement, validatePriority, validateResourceGroupName, validateRuleCollectionGroupName,
} from "./optionsFirewall";
export { MAX_HUB_GATEWAYS } from "./optionsHub";

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
    /** `firewall.minimumPrefixLength`: the plan measures the destinations together by it. */
    readonly minimumPrefixLength: number;
    /** Where this gateway's features are named, for messages: `features` or `gateways[3].features`. */
    readonly featuresField: string;
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

function topObject(args: unknown, allowed: readonly string[], what: string): Json {
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
        throw new InputError("args", args, `Expected an object with ${what}.`);
    }
    checkKeys("", args as Json, allowed);
    return args as Json;
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
        minimumPrefixLength,
        featuresField: "features",
    };
    checkPeersBesideDedicatedNamespace(options.cluster, [
        ...(["externalCache", "openTelemetry", "statsd", "localLogs"] as const).map((k) => ({ field: `features.${k}`, destination: k === "externalCache" ? features.externalCache.host : features[k].destination })),
        // Named as the user listed them: the resolved backends are sorted by name.
        ...backends.map((b) => ({ field: `backends[${(top.backends as Json[]).findIndex((raw) => raw.name === b.name)}]`, destination: b.destination })),
    ]);
    return { ...options, probe: resolveProbe(top.probe, options.cluster) };
}

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
    const gateways = resolveHubGateways(top.gateways, minimumPrefixLength);
    return { placement, gateways: [...gateways].sort((a, b) => byCodePoint(a.name, b.name)) };
}
