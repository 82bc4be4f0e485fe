// APIM facts: the API Management instance as Azure reports it, normalized and validated. Three
// shapes reach this file: the REST GET body (`properties.privateIPAddresses`), `az apim show -o
// json` (flat, `privateIpAddresses`) and the azure-native invoke result (flat,
// `privateIPAddresses`); keys are matched without regard to case. The output is the only view of
// APIM the plan ever sees.
import { CloudEndpoints, cloudOfHost, CLOUDS } from "./catalog";
import { InputError } from "./errors";
import { byCodePoint } from "./ordering";
import { fqdn, parseServiceIpv4 } from "./peers";

export const Sku = { Developer: "Developer", Premium: "Premium" } as const;
export type Sku = (typeof Sku)[keyof typeof Sku];

export const VirtualNetworkType = { None: "None", External: "External", Internal: "Internal" } as const;
export type VirtualNetworkType = (typeof VirtualNetworkType)[keyof typeof VirtualNetworkType];

export interface HostnameFact {
    readonly type: string;
    readonly hostName: string;
}

export interface LocationFact {
    /** As Azure spells it, e.g. "West US 2". */
    readonly location: string;
    /** The programmatic region name, e.g. "westus2". */
    readonly region: string;
    readonly privateIpAddresses: readonly string[];
    readonly publicIpAddresses: readonly string[];
}

export interface ApimFacts {
    readonly name: string;
    readonly sku: Sku;
    readonly virtualNetworkType: VirtualNetworkType;
    readonly primary: LocationFact;
    readonly additionalLocations: readonly LocationFact[];
    readonly hostnames: readonly HostnameFact[];
    readonly platformVersion?: string;
    readonly cloud: CloudEndpoints;
    /** `<service>.configuration.<domain>`, or the custom hostname of type ConfigurationApi. */
    readonly configurationHost: string;
    /** True when `configurationHost` is a custom ConfigurationApi hostname. */
    readonly configurationHostIsCustom: boolean;
    /** The VIP behind the configuration endpoint: private when Internal, else public, primary location. */
    readonly configurationAddress: string;
    /** Accepted, but worth a human's attention (e.g. an stv1 platform about to retire). */
    readonly warnings: readonly string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads keys of one JSON object without regard to case, and names each field by its path. */
class FieldReader {
    constructor(
        private readonly object: Json,
        private readonly path: string,
    ) {}

    /** The path of `key` as the document spells it (e.g. `privateIpAddresses` from `az`). */
    field(key: string): string {
        const spelled = this.matches(key)[0] ?? key;
        return this.path ? `${this.path}.${spelled}` : spelled;
    }

    private matches(key: string): string[] {
        return Object.keys(this.object).filter((k) => k.toLowerCase() === key.toLowerCase());
    }

    get(key: string): unknown {
        const matches = this.matches(key);
        const values = new Set(matches.map((k) => JSON.stringify(this.object[k])));
        if (values.size > 1) {
            throw new InputError(this.path ? `${this.path}.${key}` : key, matches.join(", "), "The document holds this field twice, spelled differently, with different values.");
        }
        return matches.length === 0 ? undefined : this.object[matches[0]];
    }

    string(key: string, required: true): string;
    string(key: string, required?: false): string | undefined;
    string(key: string, required = false): string | undefined {
        const value = this.get(key);
        if (value === undefined || value === null) {
            if (required) {
                throw new InputError(this.field(key), value, "This field is required.");
            }
            return undefined;
        }
        if (typeof value !== "string" || value.trim() === "") {
            throw new InputError(this.field(key), value, "Expected a non-empty string.");
        }
        return value.trim();
    }

    child(key: string): FieldReader | undefined {
        const value = this.get(key);
        if (value === undefined || value === null) {
            return undefined;
        }
        if (!isObject(value)) {
            throw new InputError(this.field(key), value, "Expected an object.");
        }
        return new FieldReader(value, this.field(key));
    }

    array(key: string): { value: unknown; field: string }[] {
        const value = this.get(key);
        if (value === undefined || value === null) {
            return [];
        }
        if (!Array.isArray(value)) {
            throw new InputError(this.field(key), value, "Expected a list.");
        }
        return value.map((item, i) => ({ value: item, field: `${this.field(key)}[${i}]` }));
    }

    addresses(key: string): string[] {
        return this.array(key).map(({ value, field }) => parseServiceIpv4(field, value));
    }

    objects(key: string): FieldReader[] {
        return this.array(key).map(({ value, field }) => {
            if (!isObject(value)) {
                throw new InputError(field, value, "Expected an object.");
            }
            return new FieldReader(value, field);
        });
    }
}

function oneOf<T extends string>(field: string, value: string, allowed: Record<string, T>, why = ""): T {
    const match = Object.values(allowed).find((v) => v.toLowerCase() === value.toLowerCase());
    if (!match) {
        throw new InputError(field, value, `${why}Allowed values are: ${Object.values(allowed).join(", ")}.`);
    }
    return match;
}

/** "West US 2" → "westus2": the region name used in host names and service tags. */
export function regionName(location: string): string {
    return location.toLowerCase().replace(/[^a-z0-9]/g, "");
}

// Azure locations as APIM reports them ("West Europe") or as region names ("westeurope"):
// letters, digits and spaces. A region name goes into host names and service tags, so nothing else passes.
const locationPattern = /^[A-Za-z][A-Za-z0-9 ]{1,49}$/;

function readLocation(reader: FieldReader, key: string): Pick<LocationFact, "location" | "region"> {
    const location = reader.string(key, true);
    if (!locationPattern.test(location)) {
        throw new InputError(reader.field(key), location, "An Azure location is letters, digits and spaces, such as \"West Europe\" or \"westeurope\".");
    }
    return {
        location,
        region: regionName(location),
    };
}

function addressesOf(reader: FieldReader): Pick<LocationFact, "privateIpAddresses" | "publicIpAddresses"> {
    return { privateIpAddresses: reader.addresses("privateIPAddresses"), publicIpAddresses: reader.addresses("publicIPAddresses") };
}

// Service names: 1-50 characters, a letter first, then letters, digits and hyphens, no hyphen
// last (Microsoft.ApiManagement/service naming rules).
export const SERVICE_NAME_PATTERN = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?$/;

/** Refuses anything but a JSON object (a list from `az apim list`, null, a string). */
export function assertApimDocument(document: unknown): asserts document is Json {
    if (!isObject(document)) {
        throw new InputError("APIM document", document, "Expected the JSON object of an API Management service (REST GET body or `az apim show -o json`).");
    }
}

/**
 * Normalizes and validates an APIM document of any of the three shapes. Throws `InputError` on
 * the first field that is missing, malformed or unsupported.
 */
export function normalizeApim(document: unknown): ApimFacts {
    assertApimDocument(document);
    const top = new FieldReader(document, "");
    const props = top.child("properties") ?? top;

    const name = top.string("name", true);
    if (!SERVICE_NAME_PATTERN.test(name)) {
        throw new InputError("name", name, "An API Management service name has 1-50 letters, digits and hyphens, starting with a letter.");
    }
    const skuReader = top.child("sku");
    const skuName = skuReader?.string("name", true) ?? top.string("sku", true);
    const sku = oneOf(skuReader ? "sku.name" : "sku", skuName, Sku, "The self-hosted gateway is available in the Developer and Premium tiers only. ");

    const vnet = props.string("virtualNetworkType") ?? VirtualNetworkType.None;
    const virtualNetworkType = oneOf(props.field("virtualNetworkType"), vnet, VirtualNetworkType);

    const gatewayUrl = props.string("gatewayUrl", true);
    const gatewayHost = hostOfUrl(props.field("gatewayUrl"), gatewayUrl);
    const cloud = cloudOfHost(gatewayHost);
    if (!cloud) {
        throw new InputError(props.field("gatewayUrl"), gatewayUrl, `Expected a host in an API Management domain: ${CLOUDS.map((c) => c.apimDomain).join(", ")}.`);
    }

    const primary = { ...readLocation(top, "location"), ...addressesOf(props) };
    const additionalLocations = props
        .objects("additionalLocations")
        .map((l) => ({ ...readLocation(l, "location"), ...addressesOf(l) }))
        .sort((a, b) => byCodePoint(a.region, b.region));

    const hostnames = props
        .objects("hostnameConfigurations")
        .map((h) => {
            const type = h.string("type", true);
            // A custom Proxy (or portal) host may be a wildcard such as *.contoso.com: it names
            // what clients call, never a destination of the gateway. The ConfigurationApi host is one.
            return { type, hostName: fqdn(h.field("hostName"), h.string("hostName", true), type.toLowerCase() !== "configurationapi").value };
        })
        .sort((a, b) => byCodePoint(a.type, b.type) || byCodePoint(a.hostName, b.hostName));
    const configurationApi = hostnames.filter((h) => h.type.toLowerCase() === "configurationapi");
    if (configurationApi.length > 1) {
        throw new InputError(props.field("hostnameConfigurations"), configurationApi.map((h) => h.hostName), "Expected at most one hostname of type ConfigurationApi.");
    }

    const configurationAddress = pickConfigurationAddress(props, virtualNetworkType, primary);
    const platformVersion = props.string("platformVersion");
    const warnings: string[] = [];
    if (platformVersion?.toLowerCase() === "stv1") {
        // MigrateToStv2 defaults to mode PreserveIp (REST 2024-05-01); the VNet migration path
        // gives the instance new VIPs (api-management-howto-ip-addresses, "changes to IP addresses").
        // An Internal instance keeping its IP: "Downtime for approximately 20 minutes during
        // migration while the existing IP address is assigned to the new stv2 deployment"
        // (migrate-stv1-to-stv2-vnet).
        warnings.push(`APIM instance ${name} runs on the stv1 compute platform, which is retired. Migrating with MigrateToStv2 keeps its VIPs by default (mode PreserveIp), at the cost of about 20 minutes of downtime for an Internal instance; migrating its VNet changes them: re-run this deployment after migrating.`);
    }
    if (!cloud.configurationHostDocumented && configurationApi.length === 0) {
        warnings.push(`The configuration host ${name}.configuration.${cloud.apimDomain} follows the ${cloud.cloud} APIM domain, but no Microsoft document confirms it: check it against the gateway's deployment settings.`);
    }

    return {
        name,
        sku,
        virtualNetworkType,
        primary,
        additionalLocations,
        hostnames,
        platformVersion,
        cloud,
        configurationHost: configurationApi[0]?.hostName ?? `${name.toLowerCase()}.configuration.${cloud.apimDomain}`,
        configurationHostIsCustom: configurationApi.length > 0,
        configurationAddress,
        warnings,
    };
}

function hostOfUrl(field: string, value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new InputError(field, value, "Expected an https URL such as \"https://contoso.azure-api.net\".");
    }
    if (url.protocol !== "https:" || url.username !== "" || url.password !== "") {
        throw new InputError(field, value, "Expected an https URL such as \"https://contoso.azure-api.net\", without a user name or password.");
    }
    return url.hostname.toLowerCase();
}

// The configuration endpoint answers on the primary location's VIP: private in Internal mode
// (clients inside the VNet), public otherwise. Source: DocReference.IpAddresses.
function pickConfigurationAddress(props: FieldReader, mode: VirtualNetworkType, primary: LocationFact): string {
    if (mode === VirtualNetworkType.Internal) {
        if (primary.privateIpAddresses.length === 0) {
            throw new InputError(props.field("privateIPAddresses"), props.get("privateIPAddresses"), "An Internal-mode instance must report its private VIP: expected one IPv4 address.");
        }
        return primary.privateIpAddresses[0];
    }
    if (primary.publicIpAddresses.length === 0) {
        throw new InputError(props.field("publicIPAddresses"), props.get("publicIPAddresses"), `A ${mode}-mode instance must report its public VIP: expected one IPv4 address.`);
    }
    return primary.publicIpAddresses[0];
}
