// Validation of the API Management instance an arg names (`apim`, `gateways[i].apim`).
import { SERVICE_NAME_PATTERN } from "./apimFacts";
import { InputError } from "./errors";
import { Options } from "./options";
import { APIM_KEYS, objectAt, patternAt, stringAt } from "./optionsCore";
import { validateResourceGroupName } from "./optionsFirewall";

export function resolveApim(field: string, raw: unknown): Options["apim"] {
    if (raw === undefined || raw === null) {
        throw new InputError(field, raw, "This arg is required: name the API Management instance by resourceGroupName and serviceName.");
    }
    const apim = objectAt(field, raw, APIM_KEYS);
    return {
        resourceGroupName: validateResourceGroupName(`${field}.resourceGroupName`, stringAt(`${field}.resourceGroupName`, apim.resourceGroupName, true)),
        serviceName: patternAt(`${field}.serviceName`, apim.serviceName, SERVICE_NAME_PATTERN, "An API Management service name has 1-50 letters, digits and hyphens, starting with a letter."),
    };
}
