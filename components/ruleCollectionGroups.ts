// Rule collection groups: how the rule collections of many gateways are laid out in as few
// Azure Firewall Policy rule collection groups as the size limit allows. Pure.
//
// Why few: Azure writes one group of a policy at a time, each write takes minutes, and a policy
// holds at most 50 (or 60) groups (DocReference.FirewallKnownIssues, DocReference.FirewallLimits).
// One group per policy is one write; 100 groups are 100 serialized writes.
//
// The layout, which the README documents: gateways in code-point order of their names fill
// groups one after another; a gateway's rules never span two groups. Within a group, the
// gateway at position i has its network collection at priority 100 + 10·i and its application
// collection at 105 + 10·i. Every collection allows, so the order only makes the layout stable.
import { InputError } from "./errors";
import { CollectionNames, FilterRuleCollection } from "./firewallRules";
import { PRIORITY_RANGE } from "./options";

/** A gateway's collections, as rendered at the first position of a group (`hubCollectionNames(gateway, 0)`). */
export interface GatewayRules {
    readonly gateway: string;
    /** The gateway's arg path, for messages: `gateways[3]`. */
    readonly field: string;
    readonly collections: readonly FilterRuleCollection[];
}

export interface GroupLayout {
    /** Gateway names, in the group's order. */
    readonly gateways: readonly string[];
    readonly ruleCollections: readonly FilterRuleCollection[];
    /** Size of the group's request body, as `groupBytes` counts it. */
    readonly bytes: number;
}

const COLLECTION_STEP = 10;
const FIRST_COLLECTION_PRIORITY = 100;
/** Positions a group can hold before collection priorities pass Azure's maximum. */
export const MAX_GATEWAYS_PER_GROUP = Math.floor((PRIORITY_RANGE.max - FIRST_COLLECTION_PRIORITY - 5) / COLLECTION_STEP) + 1;

/** The collections of the gateway at `position` in its group. */
export function hubCollectionNames(gateway: string, position: number): CollectionNames {
    const base = FIRST_COLLECTION_PRIORITY + COLLECTION_STEP * position;
    return {
        network: { name: `${gateway}-network`, priority: base },
        application: { name: `${gateway}-application`, priority: base + 5 },
    };
}

/**
 * Size of a group as Azure receives it: the JSON body of the PUT
 * (`{"properties":{"priority":…,"ruleCollections":[…]}}`). The limit's unit is not documented
 * more precisely; this is the request Azure measures, and a real group carries a few more
 * read-only fields (etag, id), so stay clear of the edge.
 */
export function groupBytes(ruleCollections: readonly FilterRuleCollection[], priority: number = PRIORITY_RANGE.max): number {
    return Buffer.byteLength(JSON.stringify({ properties: { priority, ruleCollections } }));
}

/** The bytes a gateway's collections add to a group, as `layoutGroups` counts them. */
export function gatewayBytes(collections: readonly FilterRuleCollection[]): number {
    // Counted at the first position, plus two bytes per collection for the widest priority
    // (5 digits instead of 3), so that the real group is never larger than counted; the
    // brackets of the array are not the gateway's.
    return Buffer.byteLength(JSON.stringify(collections)) - 2 + 2 * collections.length;
}

/**
 * The groups, as positions into `sizes`: each gateway joins the group before it while both its
 * bytes (`gatewayBytes`) and its position fit, else opens the next. This next-fit packing is
 * monotone: with no gateway larger, there are never more groups, which is what a preview with
 * unknown sizes relies on (previewBounds.ts). A gateway larger than a whole group is `tooLarge`'s
 * to refuse; returning, it takes a group of its own.
 */
export function packGroups(sizes: readonly number[], maxBytes: number, tooLarge: (index: number, bytes: number) => void): number[][] {
    const groups: { members: number[]; bytes: number }[] = [];
    const empty = groupBytes([]);
    sizes.forEach((size, i) => {
        if (empty + size > maxBytes) {
            tooLarge(i, empty + size);
        }
        const last = groups[groups.length - 1];
        // One comma joins it to the collections before it.
        if (last && last.bytes + 1 + size <= maxBytes && last.members.length < MAX_GATEWAYS_PER_GROUP) {
            last.members.push(i);
            last.bytes += 1 + size;
        } else {
            groups.push({ members: [i], bytes: empty + size });
        }
    });
    return groups.map((g) => g.members);
}

/** The rule collections of gateways laid out in one group, each moved to its position. */
export function groupCollections(gateways: readonly (readonly FilterRuleCollection[])[]): FilterRuleCollection[] {
    return gateways.flatMap((collections, position) => collections.map((c) => ({ ...c, priority: c.priority + COLLECTION_STEP * position })));
}

/**
 * Lays the gateways out in groups of at most `maxBytes`, in order. Throws an `InputError` naming
 * the gateway when its rules alone do not fit one group.
 */
export function layoutGroups(gateways: readonly GatewayRules[], maxBytes: number): GroupLayout[] {
    const packed = packGroups(gateways.map((g) => gatewayBytes(g.collections)), maxBytes, (i, bytes) => {
        throw new InputError(gateways[i].field, gateways[i].gateway, `The rules of this gateway alone take about ${Math.ceil(bytes / 1024)} KB, more than firewall.maxGroupBytes (${maxBytes}): split its backends across gateways.`);
    });
    return packed.map((members) => {
        const ruleCollections = groupCollections(members.map((i) => gateways[i].collections));
        return { gateways: members.map((i) => gateways[i].gateway), ruleCollections, bytes: groupBytes(ruleCollections) };
    });
}
