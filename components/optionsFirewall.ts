// Validation of the firewall policy a writer targets and how its rule collection groups are
// placed (`firewall` of SelfHostedGatewayEgress, of GatewayEgressRuleCollectionGroup), and of a
// gateway's firewall sources and rule style (`firewall`, `gateways[i]`): Azure's names and IDs,
// priorities, the group limits, the breadth of the source networks.
import { RuleStyle } from "./args";
import { InputError } from "./errors";
import { FirewallPolicyRef, PlacementOptions, SourceOptions } from "./options";
import { booleanAt, checkKeys, enumAt, FIREWALL_KEYS, integerAt, Json, listAt, networkListAt, objectAt, PRIORITY_RANGE_KEYS, stringAt } from "./optionsCore";
import { byCodePoint } from "./ordering";
import { parseServiceIpv4 } from "./peers";

export const DEFAULT_PRIORITY_RANGE = { start: 300, end: 65000 } as const;
/** Rule collection group size every policy accepts: 1 MB before July 2022, 2 MB after (DocReference.FirewallLimits). */
export const DEFAULT_MAX_GROUP_BYTES = 1024 * 1024;
export const MAX_GROUP_BYTES = 2 * 1024 * 1024;
/** Rule collection groups every policy accepts: 50 before July 2022, 60 after (DocReference.FirewallLimits). */
export const DEFAULT_MAX_RULE_COLLECTION_GROUPS = 50;
export const MAX_RULE_COLLECTION_GROUPS = 60;
/** No source or destination network shorter than this: a /8 is already 16.7 million addresses. */
export const DEFAULT_MINIMUM_PREFIX_LENGTH = 8;

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

export function minimumPrefixLengthAt(field: string, value: unknown): number {
    return integerAt(field, value, DEFAULT_MINIMUM_PREFIX_LENGTH, 1, 32, "A minimum prefix length");
}

export function resolveSources(field: string, fw: Json, minimumPrefixLength: number): SourceOptions {
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

export function configurationAddressAt(field: string, value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : parseServiceIpv4(field, value);
}

/** The keys read when `firewall.enabled` is false. */
export const FIREWALL_OFF_KEYS = ["enabled", "minimumPrefixLength", "configurationAddress"];

/** The firewall arg; with the firewall off, a misspelled key is hinted only towards a key read then. */
export function firewallAt(raw: unknown): Json {
    if (typeof raw === "object" && raw !== null && (raw as Json).enabled === false) {
        checkKeys("firewall", Object.fromEntries(Object.entries(raw).filter(([k]) => !FIREWALL_KEYS.includes(k))), FIREWALL_OFF_KEYS);
    }
    return objectAt("firewall", raw, FIREWALL_KEYS);
}
