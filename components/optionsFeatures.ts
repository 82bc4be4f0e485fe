// Validation of the optional flows (`features`): Storage, Azure Resource Manager, Entra ID,
// Application Insights, Event Hubs, an external cache and the image pull, each into the
// destinations it adds; the local telemetry sinks are optionsTelemetry.ts's.
import { InputError } from "./errors";
import { DeclaredHost, FeatureOptions } from "./options";
import { booleanAt, FEATURE_KEYS, Json, listAt, networkListAt, objectAt, patternAt, stringAt, urlOf } from "./optionsCore";
import { exactlyOne, inClusterAt } from "./optionsInCluster";
import { NO_TELEMETRY, resolveTelemetry } from "./optionsTelemetry";
import { byCodePoint } from "./ordering";
import { cidr, Destination, fqdn, validatePort } from "./peers";
import { validateRegion } from "./regions";

export const DEFAULT_CACHE_PORT = 6380;

// Storage account names: 3-24 lowercase letters and digits.
const storageAccountPattern = /^[a-z0-9]{3,24}$/;
// Event Hubs namespace names: 6-50 letters, digits and hyphens, a letter first, no hyphen last.
const eventHubsNamespacePattern = /^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$/;

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

export function resolveFeatures(field: string, raw: unknown, minimumPrefixLength: number): FeatureOptions {
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
    const url = urlOf(text);
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
    return /^[\d./]+$/.test(value) ? cidr(field, value, minimumPrefixLength) : fqdn(field, value);
}
