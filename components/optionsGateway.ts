// Resolved options of the gateway's own settings that egress depends on: how it authenticates to
// the configuration endpoint (`gatewayAuth`) and whether it keeps a configuration backup
// (`configurationBackup`). Validated into plain values as options.ts does the rest, with the same
// one-line refusals naming the arg path.
import { GatewayAuthType } from "./args";
import { InputError } from "./errors";
import { validateObjectName } from "./optionsCluster";
import { argKeys, booleanAt, enumAt, objectAt, stringAt, urlOf } from "./optionsCore";
import { fqdn } from "./peers";

export interface GatewayAuthOptions {
    readonly type: GatewayAuthType;
    /** The gateway resource's name in the instance; set whenever the type is an Entra one and chart values are rendered. */
    readonly gatewayName?: string;
    /** A custom authority; undefined: the login host of the instance's cloud. */
    readonly authority?: { readonly url: string; readonly host: string };
}

export interface ConfigurationBackupOptions {
    readonly enabled: boolean;
    readonly size?: string;
    readonly storageClassName?: string;
}

const DEFAULT_GATEWAY_AUTH: GatewayAuthOptions = { type: GatewayAuthType.GatewayToken };

/** True for the types that sign in at Microsoft Entra ID (self-hosted-gateway-authentication-options). */
export function signsInAtEntra(type: GatewayAuthType): boolean {
    return type !== GatewayAuthType.GatewayToken;
}

// Gateway resource names: the REST API says only "Must not have value 'managed'" (gatewayId); the
// value lands in the chart's `gateway.name` and the ConfigMap, so this takes the letters, digits,
// `-`, `_` and `.` gateway names are made of, at most 80, a letter or digit first.
const gatewayNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

function gatewayNameAt(field: string, value: unknown): string | undefined {
    const name = stringAt(field, value);
    if (name !== undefined && (!gatewayNamePattern.test(name) || name.toLowerCase() === "managed")) {
        throw new InputError(field, value, "A gateway name is the name of the gateway resource in the API Management instance: 1-80 letters, digits, \"-\", \"_\" and \".\", starting with a letter or digit, and not \"managed\".");
    }
    return name;
}

// An authority is `https://<host>` with at most a tenant segment (a GUID, a domain, `common`,
// `organizations`): the settings reference's default `https://login.microsoftonline.com`, the
// chart's example `https://login.microsoftonline.com/<tenant-id>`. The firewall opens its host on
// 443, so a port, credentials, a query or anything else is refused rather than carried.
const tenantSegment = /^\/(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}\/?)?$/;

function authorityAt(field: string, value: unknown): GatewayAuthOptions["authority"] {
    const text = stringAt(field, value);
    if (text === undefined) {
        return undefined;
    }
    const expectation = "Expected the https URL of a Microsoft Entra authority, such as \"https://login.microsoftonline.com\" or \"https://login.microsoftonline.com/<tenant-id>\": no port (the rule opens 443), user name, query or further path.";
    const url = urlOf(text);
    // The URL parser silently drops tabs and newlines inside a URL: such text is refused, not repaired.
    const controlOrSpace = [...text].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f);
    if (!url || controlOrSpace || url.protocol !== "https:" || url.username !== "" || url.password !== "" || url.port !== "" || url.search !== "" || url.hash !== "" || !tenantSegment.test(url.pathname)) {
        throw new InputError(field, value, expectation);
    }
    const host = fqdn(field, url.hostname).value;
    const tenant = url.pathname.replace(/\/$/, "");
    return { url: `https://${host}${tenant}`, host };
}

/**
 * `gatewayAuth` of either component. `requireName`: the component renders chart values, whose
 * Entra types the chart refuses without `gateway.name`.
 */
export function resolveGatewayAuth(field: string, raw: unknown, requireName: boolean): GatewayAuthOptions {
    if (raw === undefined || raw === null) {
        return DEFAULT_GATEWAY_AUTH;
    }
    const a = objectAt(field, raw, argKeys("GatewayAuth"));
    const type = enumAt(`${field}.type`, a.type, GatewayAuthType, GatewayAuthType.GatewayToken);
    const gatewayName = gatewayNameAt(`${field}.gatewayName`, a.gatewayName);
    const authority = authorityAt(`${field}.authority`, a.authority);
    if (!signsInAtEntra(type)) {
        const unused = gatewayName !== undefined ? "gatewayName" : authority !== undefined ? "authority" : undefined;
        if (unused) {
            throw new InputError(`${field}.${unused}`, a[unused], `With ${field}.type GatewayToken the gateway signs in with its token: ${unused} is read only with AzureAdApp or WorkloadIdentity.`);
        }
    }
    if (signsInAtEntra(type) && requireName && gatewayName === undefined) {
        throw new InputError(`${field}.gatewayName`, a.gatewayName, `With ${field}.type ${type} the chart requires gateway.name: give the name of the gateway resource in the API Management instance.`);
    }
    return { type, gatewayName, authority };
}

// Kubernetes quantities as a volume claim's size takes them: a number with a binary or decimal suffix.
const quantityPattern = /^(?:[1-9]\d{0,17}|\d{1,18}\.\d{1,6})(?:Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** `configurationBackup`: the chart's `gateway.configuration.backup` volume claim. */
export function resolveConfigurationBackup(field: string, raw: unknown): ConfigurationBackupOptions {
    const b = objectAt(field, raw, argKeys("ConfigurationBackup"));
    const enabled = booleanAt(`${field}.enabled`, b.enabled, false);
    const size = stringAt(`${field}.size`, b.size);
    if (size !== undefined && (!quantityPattern.test(size) || Number.parseFloat(size) === 0)) {
        throw new InputError(`${field}.size`, b.size, "Expected a Kubernetes quantity greater than zero, such as \"50Mi\" or \"1Gi\".");
    }
    const storageClass = stringAt(`${field}.storageClassName`, b.storageClassName);
    const storageClassName = storageClass === undefined ? undefined : validateObjectName(`${field}.storageClassName`, storageClass);
    const unused = !enabled && (size !== undefined ? "size" : storageClassName !== undefined ? "storageClassName" : undefined);
    if (unused) {
        throw new InputError(`${field}.${unused}`, b[unused], `${field}.enabled is false, so no volume is claimed: set ${field}.enabled to true, or leave ${unused} out.`);
    }
    return { enabled, size, storageClassName };
}
