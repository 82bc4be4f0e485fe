// The Azure regions this project knows, per cloud, each as the suffix its regional service tags
// carry (`Storage.WestEurope`, `Storage.USGovVirginia`, `Storage.ChinaEast2`). A tag is written in
// that canonical casing, never as the lowercase region name: lowercase tags have been taken for
// addresses elsewhere in Azure (Azure/azure-cli-extensions issue 2922). A region outside the table
// is refused, with the nearest known one, rather than guessed.
//
// Source: the `Storage.<region>` names of Microsoft's service tag files, the same names
// `az network list-service-tags --location <region>` and Get-AzNetworkServiceTag return
// (https://learn.microsoft.com/azure/virtual-network/service-tags-overview#discover-service-tags-by-using-downloadable-json-files):
// ServiceTags_Public changeNumber 373, ServiceTags_AzureGovernment 398, ServiceTags_China 401
// (Download Center 56519, 57063, 57062). Staging entries (`EastUS2Stage`, `EastUSSTG`, ...) are
// left out: no customer instance runs there. Each suffix lowercased is the region's programmatic
// name (`FranceCentral` → `francecentral`), which is how an APIM document's location reaches it.
import { distance } from "fastest-levenshtein";
import { Cloud } from "./catalog";
import { InputError } from "./errors";
import { byCodePoint } from "./ordering";

const TAG_SUFFIXES: Readonly<Record<Cloud, readonly string[]>> = {
    [Cloud.Public]: [
        "AustraliaCentral", "AustraliaCentral2", "AustraliaEast", "AustraliaSoutheast", "AustriaEast", "BelgiumCentral",
        "BrazilSouth", "BrazilSoutheast", "CanadaCentral", "CanadaEast", "CentralIndia", "CentralUS", "CentralUSEUAP",
        "ChileCentral", "EastAsia", "EastUS", "EastUS2", "EastUS2EUAP", "FranceCentral", "FranceSouth", "GermanyNorth",
        "GermanyWestCentral", "IndonesiaCentral", "IsraelCentral", "IsraelNorthwest", "ItalyNorth", "JapanEast", "JapanWest",
        "JioIndiaCentral", "JioIndiaWest", "KoreaCentral", "KoreaSouth", "MalaysiaSouth", "MalaysiaWest", "MexicoCentral",
        "NewZealandNorth", "NorthCentralUS", "NorthEurope", "NorwayEast", "NorwayWest", "PolandCentral", "QatarCentral",
        "SouthAfricaNorth", "SouthAfricaWest", "SouthCentralUS", "SouthCentralUS2", "SouthIndia", "SoutheastAsia",
        "SoutheastUS", "SoutheastUS3", "SpainCentral", "SwedenCentral", "SwedenSouth", "SwitzerlandNorth", "SwitzerlandWest",
        "TaiwanNorth", "TaiwanNorthwest", "UAECentral", "UAENorth", "UKSouth", "UKWest", "WestCentralUS", "WestEurope",
        "WestIndia", "WestUS", "WestUS2", "WestUS3",
    ],
    [Cloud.UsGovernment]: ["USDoDCentral", "USDoDEast", "USGovArizona", "USGovTexas", "USGovVirginia"],
    [Cloud.China]: ["ChinaEast", "ChinaEast2", "ChinaEast3", "ChinaNorth", "ChinaNorth2", "ChinaNorth3"],
};

/** Programmatic region name → tag suffix, per cloud. */
const BY_REGION: Readonly<Record<Cloud, ReadonlyMap<string, string>>> = Object.fromEntries(
    Object.entries(TAG_SUFFIXES).map(([cloud, suffixes]) => [cloud, new Map(suffixes.map((s) => [s.toLowerCase(), s]))]),
) as unknown as Record<Cloud, ReadonlyMap<string, string>>;

/** Every programmatic region name of every cloud, sorted. */
export const KNOWN_REGIONS: readonly string[] = Object.values(BY_REGION).flatMap((m) => [...m.keys()]).sort(byCodePoint);

/** The known region nearest to `text`, when it is near enough to be a slip (`westeurop`, `WEST EUROPE`). */
export function nearestRegion(text: string, among: readonly string[] = KNOWN_REGIONS): string | undefined {
    const squashed = text.toLowerCase().replace(/[^a-z0-9]/g, "");
    const nearest = [...among].sort((a, b) => distance(squashed, a) - distance(squashed, b) || byCodePoint(a, b))[0];
    return nearest !== undefined && distance(squashed, nearest) <= 2 ? nearest : undefined;
}

/**
 * The regional service tag `<service>.<Region>` in its canonical casing. `field` and `value` name
 * where the region came from, for the refusal of a region the table does not hold for `cloud`.
 */
export function regionalServiceTag(service: string, cloud: Cloud, region: string, field: string, value: unknown, why: string): string {
    const suffix = BY_REGION[cloud].get(region);
    if (suffix === undefined) {
        const known = [...BY_REGION[cloud].keys()];
        const near = nearestRegion(region, known);
        // A sovereign cloud's few regions are worth listing; the public cloud's are in the tag file.
        const list = known.length <= 10 ? ` Its regions: ${known.join(", ")}.` : "";
        throw new InputError(field, value, `${why} No ${service} service tag is listed for region "${region}" in ${cloud}.${list}`, near ? `Did you mean "${near}"?` : undefined);
    }
    return `${service}.${suffix}`;
}

/** A region arg (`features.entraId.region`): a programmatic name the table knows, else refused. */
export function validateRegion(field: string, text: string): string {
    if (!KNOWN_REGIONS.includes(text)) {
        const near = nearestRegion(text);
        throw new InputError(field, text, `Expected the programmatic name of an Azure region, such as "westeurope".`, near ? `Did you mean "${near}"?` : undefined);
    }
    return text;
}
