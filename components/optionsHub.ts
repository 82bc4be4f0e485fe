// Validation of the gateways of a `GatewayEgressRuleCollectionGroup` (`gateways`): each named
// once (without regard to case), with its instance, sources, features, backends and sign-in,
// into the options of one gateway with no cluster side.
import { InputError } from "./errors";
import { HubGatewayOptions } from "./options";
import { resolveApim } from "./optionsApim";
import { resolveBackends } from "./optionsBackends";
import { DISABLED_CLUSTER } from "./optionsCluster";
import { HUB_GATEWAY_KEYS, listAt, objectAt, patternAt } from "./optionsCore";
import { resolveFeatures } from "./optionsFeatures";
import { configurationAddressAt, resolveSources } from "./optionsFirewall";
import { resolveGatewayAuth } from "./optionsGateway";

// A gateway's rule collections are named `<gateway>-network` and `<gateway>-application`:
// 60 characters leave room for the suffix within Azure's 80.
const hubGatewayName = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,58}[A-Za-z0-9_])?$/;

/** The most gateways one `GatewayEgressRuleCollectionGroup` takes: 50 groups of 1 MB hold fewer. */
export const MAX_HUB_GATEWAYS = 5000;

/** The gateways of `gateways`, in the order given; sources bounded by `minimumPrefixLength`. */
export function resolveHubGateways(value: unknown, minimumPrefixLength: number): HubGatewayOptions[] {
    const gateways = listAt("gateways", value, (field, raw): HubGatewayOptions => {
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
                minimumPrefixLength,
                featuresField: `${field}.features`,
            },
        };
    }, MAX_HUB_GATEWAYS, (g) => g.field);
    if (gateways.length === 0) {
        throw new InputError("gateways", value, "Give at least one gateway: a rule collection group without rules is refused by Azure.");
    }
    const seen = new Map<string, number>();
    gateways.forEach((g, i) => {
        const key = g.name.toLowerCase();
        if (seen.has(key)) {
            throw new InputError(`gateways[${i}].name`, g.name, `Gateway names must be unique (without regard to case): gateways[${seen.get(key)}] has it too.`);
        }
        seen.set(key, i);
    });
    return gateways;
}
