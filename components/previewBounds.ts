// Rule collection groups when some args are unknown (a preview whose args come from resources
// not created yet): for a hub, which groups `pulumi up` will write, which it may write, and what
// they hold, as far as the known values decide it; for one gateway, its group's placement. Pure;
// the shells mark the unknown parts.
//
// The honest answer, which the README documents: a preview may leave unknown the policy
// (`firewall.policyId`, `policyName`, `resourceGroupName`), `firewall.priority` and the gateways'
// sources (`sourceAddresses`, `sourceIpGroupIds`, whole or item by item: an IP Group created in
// the same program). Every other arg decides what a gateway's rules are, so how many groups they
// need, and must be known when the program runs. Sources change only the size of the rules: the
// groups are laid out once with every unknown source absent (the fewest bytes it can take) and
// once with every unknown source at its longest (an unknown list at its longest and fullest).
// The packing is monotone (packGroups), so `up` writes at least the groups of the first layout
// and at most those of the second (and no more than the policy takes): the preview registers
// the second's, the first `certain` of them sure, the others possible; when both layouts put the
// same gateways in the same groups, each group's rules are known but for the unknown sources.
import { InputError, UNKNOWN_VALUE } from "./errors";
import { FilterRuleCollection } from "./firewallRules";
import { HubOptions, MAX_LIST_LENGTH, Options, PlacementOptions, resolveHubOptions, resolvePlacement } from "./options";
import { groupNames, planHub } from "./pipeline";
import { gatewayBytes, groupBytes, groupCollections, packGroups } from "./ruleCollectionGroups";

export interface HubBounds {
    /** The hub's placement; a stand-in policy when `unknown.policy`, no priority when `unknown.priority`. */
    readonly placement: PlacementOptions;
    readonly unknown: { readonly policy: boolean; readonly priority: boolean };
    /** Every group `up` may write, first to last. */
    readonly names: readonly string[];
    /** `up` writes the first `certain` of `names` whatever the unknown values turn out to be. */
    readonly certain: number;
    /** Each group's rule collections with `placeholders` for the unknown sources; undefined when the gateways a group holds are unknown. */
    readonly ruleCollections?: readonly (readonly FilterRuleCollection[])[];
    /** Stand-ins of unknown sources: the shell marks them unknown, and a list holding one of `UNKNOWN_LISTS` whole. */
    readonly placeholders: ReadonlySet<string>;
}


/** The refusal of an unknown value that decides which resources a component creates. */
export function unknownRefusal(field: string, allowed = ""): InputError {
    return new InputError(field, UNKNOWN_VALUE, `This value decides which resources the component creates, so it must be known when the program runs${allowed}: set it in the program, not from another resource's output.`);
}

const POLICY_KEYS = ["policyId", "policyName", "resourceGroupName"];
const SOURCE_KEYS = ["sourceAddresses", "sourceIpGroupIds"];
const ALLOWED = " (in a preview only the firewall policy, firewall.priority and the sources may be unknown)";

type Json = Record<string, unknown>;
type Variant = "fewest" | "most" | "shown";

// The longest source of each kind: an 18-character CIDR, and an IP Group ID with the longest
// resource group (90) and name (80) Azure accepts, as options.ts checks them.
const longestAddress = (k: number) => `198.100.${100 + Math.floor(k / 100)}.${100 + (k % 100)}/32`;
const longestIpGroup = (k: number) => `/subscriptions/ffffffff-ffff-ffff-ffff-${String(k).padStart(12, "0")}/resourceGroups/${"r".repeat(90)}/providers/Microsoft.Network/ipGroups/${"g".repeat(80)}`;
const SHORTEST_IP_GROUP = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/r/providers/Microsoft.Network/ipGroups/g";
/** Stand for a whole unknown list in the rules shown: a list holding one is unknown as a whole. */
const UNKNOWN_LIST: Readonly<Record<string, string>> = {
    sourceAddresses: "192.0.2.255/32",
    sourceIpGroupIds: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/unknown-list/providers/Microsoft.Network/ipGroups/unknown-list",
};
export const UNKNOWN_LISTS: ReadonlySet<string> = new Set(Object.values(UNKNOWN_LIST));

/** The path of the first unknown value in `value`, outside the args a preview may leave unknown. */
function firstDisallowed(value: unknown, isUnknown: (v: unknown) => boolean, at: string, allowedHere: boolean): string | undefined {
    if (isUnknown(value)) {
        return allowedHere ? undefined : at;
    }
    if (typeof value !== "object" || value === null) {
        return undefined;
    }
    for (const [k, v] of Object.entries(value)) {
        const path = Array.isArray(value) ? `${at}[${k}]` : at === "" ? k : `${at}.${k}`;
        const allowed = allowedHere
            || (at === "firewall" && [...POLICY_KEYS, "priority"].includes(k))
            || (/^gateways\[\d+\]$/.test(at) && SOURCE_KEYS.includes(k));
        const found = firstDisallowed(v, isUnknown, path, allowed);
        if (found !== undefined) {
            return found;
        }
    }
    return undefined;
}

/** What of a writer's `firewall` arg a preview does not know: its policy, its priority. */
function unknownParts(fw: Json, isUnknown: (v: unknown) => boolean): HubBounds["unknown"] {
    return { policy: POLICY_KEYS.some((k) => isUnknown(fw[k])), priority: isUnknown(fw.priority) };
}

/** A writer's `firewall` arg with a stand-in policy for an unknown one, and an unknown priority left out. */
function knownPlacementArgs(fw: Json, isUnknown: (v: unknown) => boolean): Json {
    const unknown = unknownParts(fw, isUnknown);
    const firewall = Object.fromEntries(Object.entries(fw).filter(([k]) => !(unknown.policy && POLICY_KEYS.includes(k)) && !(k === "priority" && unknown.priority)));
    return unknown.policy ? { ...firewall, policyName: "unknown-policy", resourceGroupName: "unknown-policy" } : firewall;
}

/** The placement keys besides the policy and the priority: they name and count the groups. */
const PLACEMENT_KEYS = ["ruleCollectionGroupName", "priorityRange", "serializeWrites", "maxGroupBytes", "maxRuleCollectionGroups"];

function containsUnknown(value: unknown, isUnknown: (v: unknown) => boolean): boolean {
    return isUnknown(value) || (typeof value === "object" && value !== null && Object.values(value).some((v) => containsUnknown(v, isUnknown)));
}

/**
 * One gateway's placement from a `firewall` arg holding unknown values, as the ledger takes it
 * (policyLedger.ts: a stand-in policy when it is unknown, no priority when that is).
 */
export function placementWithUnknowns(componentName: string, fw: Json, isUnknown: (v: unknown) => boolean): Pick<HubBounds, "placement" | "unknown"> {
    const unknownKey = PLACEMENT_KEYS.find((k) => containsUnknown(fw[k], isUnknown)) ?? [...POLICY_KEYS, "priority"].find((k) => !isUnknown(fw[k]) && containsUnknown(fw[k], isUnknown));
    if (unknownKey !== undefined) {
        throw unknownRefusal(`firewall.${unknownKey}`, " (in a preview, of the group's placement only the policy and firewall.priority may be unknown)");
    }
    return {
        placement: resolvePlacement(componentName, "firewall", knownPlacementArgs(fw, isUnknown)),
        unknown: unknownParts(fw, isUnknown),
    };
}

/** The args with each unknown replaced for one layout, the placeholders it used added to `placeholders`. */
function substitute(raw: Json, isUnknown: (v: unknown) => boolean, variant: Variant, placeholders: Set<string>, lists: Map<string, number>): Json {
    const firewall = knownPlacementArgs(raw.firewall as Json, isUnknown);
    let k = 0;
    const stand = (key: string) => {
        const p = key === "sourceAddresses" ? longestAddress(k) : longestIpGroup(k);
        k++;
        placeholders.add(p);
        return p;
    };
    const gateways = (raw.gateways as unknown[]).map((g) => {
        if (typeof g !== "object" || g === null) {
            return g;
        }
        const gateway = { ...(g as Json) };
        const hadUnknown = SOURCE_KEYS.some((key) => isUnknown(gateway[key]) || (Array.isArray(gateway[key]) && (gateway[key] as unknown[]).some(isUnknown)));
        for (const key of SOURCE_KEYS) {
            const list = gateway[key];
            if (isUnknown(list)) {
                if (variant === "most") {
                    // At its fullest: each of the list's further items adds `,"<item>"` wherever the list is written.
                    const p = stand(key);
                    lists.set(p, (MAX_LIST_LENGTH - 1) * (Buffer.byteLength(p) + 3));
                    gateway[key] = [p];
                } else {
                    gateway[key] = variant === "fewest" ? [] : [UNKNOWN_LIST[key]];
                }
            } else if (Array.isArray(list)) {
                gateway[key] = list.flatMap((item) => (!isUnknown(item) ? [item] : variant === "fewest" ? [] : [stand(key)]));
            }
        }
        const empty = SOURCE_KEYS.every((key) => !Array.isArray(gateway[key]) || (gateway[key] as unknown[]).length === 0);
        if (variant === "fewest" && hadUnknown && empty) {
            // An unknown source is at least one source.
            gateway.sourceIpGroupIds = [SHORTEST_IP_GROUP];
        }
        return gateway;
    });
    return { ...raw, firewall, gateways };
}

/** A hub's args with unknown values, resolved for the layout of the fewest and of the most bytes. */
export interface BoundArgs {
    readonly fewest: HubOptions;
    readonly most: HubOptions;
    /** For the rules shown: each unknown source a placeholder, each unknown list one. */
    readonly shown: HubOptions;
    readonly unknown: HubBounds["unknown"];
    readonly placeholders: ReadonlySet<string>;
    /** Each placeholder standing for a whole unknown list in `most`: the bytes its further items add where it is written. */
    readonly lists: ReadonlyMap<string, number>;
}

/**
 * Resolves a hub's args that hold unknown values (`isUnknown`). Throws an `InputError` for an
 * unknown value that decides more than the size of the rules, and for what `up` refuses
 * whatever the unknown values are.
 */
export function boundHubArgs(componentName: string, raw: unknown, isUnknown: (v: unknown) => boolean): BoundArgs {
    const disallowed = firstDisallowed(raw, isUnknown, "", false);
    if (disallowed !== undefined) {
        throw unknownRefusal(disallowed === "" ? "(the args)" : disallowed, ALLOWED);
    }
    const args = raw as Json;
    if (typeof args !== "object" || args === null || typeof args.firewall !== "object" || args.firewall === null || !Array.isArray(args.gateways)) {
        // Nothing is unknown where the shape is wrong: the plain refusal says what is.
        resolveHubOptions(componentName, args);
    }
    const placeholders = new Set<string>();
    const lists = new Map<string, number>();
    const resolve = (variant: Variant): HubOptions => resolveHubOptions(componentName, substitute(args, isUnknown, variant, placeholders, lists));
    return {
        fewest: resolve("fewest"),
        most: resolve("most"),
        shown: resolve("shown"),
        unknown: unknownParts(args.firewall as Json, isUnknown),
        placeholders,
        lists,
    };
}

/** The groups a hub with unknown sources may write; `documentOf` answers the gateways' instances. */
export function hubBounds(bound: BoundArgs, documentOf: (apim: Options["apim"]) => unknown): HubBounds {
    const { fewest, most, shown } = bound;
    const { maxGroupBytes, ruleCollectionGroupName } = fewest.placement;
    const sizes = (hub: HubOptions) => planHub(hub, documentOf).map((p) => {
        const json = JSON.stringify(p.firewall.ruleCollections);
        return gatewayBytes(p.firewall.ruleCollections) + [...bound.lists].reduce((extra, [list, bytes]) => extra + (json.split(`"${list}"`).length - 1) * bytes, 0);
    });
    // The fewest bytes: a gateway too large for a group even so is refused by `up` too.
    const low = packGroups(sizes(fewest), maxGroupBytes, (i, bytes) => {
        const g = fewest.gateways[i];
        throw new InputError(g.field, g.name, `The rules of this gateway alone take at least ${Math.ceil(bytes / 1024)} KB, more than firewall.maxGroupBytes (${maxGroupBytes}): split its backends across gateways.`);
    });
    // The most bytes: a gateway that could not fit a group would be refused by `up`; short of that it fills one.
    const high = packGroups(sizes(most).map((s) => Math.min(s, maxGroupBytes - groupBytes([]))), maxGroupBytes, () => undefined);
    const certain = groupNames(ruleCollectionGroupName, low.length).length;
    // Past 77 characters `up` refuses the hub before it writes a `-2`; past the policy's limit, before it writes any.
    const possible = ruleCollectionGroupName.length > 77 ? certain : Math.max(certain, Math.min(high.length, fewest.placement.maxRuleCollectionGroups));
    const names = groupNames(ruleCollectionGroupName, possible);
    const rules = JSON.stringify(low) === JSON.stringify(high) ? planHub(shown, documentOf) : undefined;
    return {
        placement: fewest.placement,
        unknown: bound.unknown,
        names,
        certain,
        ruleCollections: rules && high.map((members) => groupCollections(members.map((i) => rules[i].firewall.ruleCollections))),
        placeholders: bound.placeholders,
    };
}
