// The per-program ledger of rule collection group writers by firewall policy. Azure writes one
// rule collection group of a policy at a time (parallel writes fail with 409
// AnotherOperationInProgress: https://learn.microsoft.com/azure/firewall/firewall-known-issues),
// so the writers of one policy chain their groups; the ledger also refuses name and priority
// collisions among them, counts their groups against the policy's limit and hands out free
// priorities. It is the one piece of state shared between components.
//
// Writers claim a place in construction order. Their values may be Outputs known only at
// deployment, so each claim is placed (checked, allocated) once its own values and every earlier
// claim are settled: allocation follows construction order whatever order Outputs resolve in.
// A claim whose policy stays unknown (a preview with unknown inputs) may share a policy with
// anyone: it is chained after every earlier writer and every later one is chained after it.
//
// In a preview a claim may be known in part: its names, with its policy or priority unknown, or
// with only its first `certain` groups sure to be written (previewBounds.ts). The ledger then refuses
// only what `up` will refuse whatever the unknown values are, and gives a priority only where
// every outcome gives the same one; elsewhere the priority is unknown (undefined), as Pulumi
// shows a value it cannot know yet, and never one that `up` would move.
import { InputError, UNKNOWN_VALUE } from "./errors";
import { FirewallPolicyRef, PlacementOptions, PRIORITY_RANGE } from "./options";

export const PRIORITY_STEP = 10;

/**
 * The ledger's protocol, for copies of this package loaded side by side: bumped whenever what a
 * claim does changes, so that two copies share a ledger only when they would chain alike.
 */
export const LEDGER_VERSION = 2;

/** What a writer asks for: `groups` rule collection groups on one policy. */
export interface GroupRequest {
    /** The writing component, for messages. */
    readonly component: string;
    readonly placement: PlacementOptions;
    /** Names of the groups, first to last. */
    readonly names: readonly string[];
    /** Groups already on the policy, as read (firewallPolicyFindings.ts): they count against its limit. */
    readonly existingGroups?: readonly string[];
    /** How many of `names` are sure to be written; the rest may be (a preview with unknown sizes). Default: all. */
    readonly certain?: number;
    /** What a preview does not know yet: the policy (`placement.policy` is a stand-in), the given priority. */
    readonly unknown?: { readonly policy: boolean; readonly priority: boolean };
}

/** A group's name and priority, given or allocated. */
export interface GroupPlacement {
    readonly name: string;
    /** Undefined: unknown in this preview. */
    readonly priority?: number;
}

/** A request not known now: a promise of it, or `undefined` when it will never be known in this run. */
export type PendingRequest = Promise<GroupRequest | null | undefined>;

/** A writer's place in the ledger. */
export interface Claim<R> {
    /**
     * Each group's placement, in the order of the request's names. A plain array when it was
     * decided at construction; otherwise a promise that rejects with an `InputError` on a
     * collision, and resolves `undefined` when the request never became known.
     */
    readonly placements: readonly GroupPlacement[] | Promise<readonly GroupPlacement[] | undefined>;
    /** What the writer's first group must wait for (its dependsOn): plain when known at construction. */
    readonly after: readonly R[] | Promise<readonly R[]>;
    /** Reports the groups the writer registered, first to last (none when it failed or wrote nothing). */
    written(resources: readonly R[]): void;
}

interface Entry {
    readonly component: string;
    /** Undefined: unknown in this preview, it may be any policy. */
    readonly policy?: FirewallPolicyRef;
    readonly name: string;
    /** Undefined: unknown in this preview. */
    readonly priority?: number;
    /** False: a group the writer may write, depending on values unknown in this preview. */
    readonly certain: boolean;
    /** How the priority was chosen: given by the user, allocated from the range, or after the writer's first group. */
    readonly chosen: "given" | "allocated" | "follower";
    /** The priority of the writer's first group. */
    readonly first?: number;
}

/** What a successor waits for: the last group a writer registered, or, if none, what the writer waited for. */
class Tail<R> {
    resources?: readonly R[];
    readonly promise: Promise<readonly R[]>;
    private resolve!: (resources: readonly R[]) => void;

    constructor() {
        this.promise = new Promise((resolve) => (this.resolve = resolve));
    }

    settle(resources: readonly R[]): void {
        if (this.resources === undefined) {
            this.resources = resources;
            this.resolve(resources);
        }
    }
}

function sharesPolicy(a: FirewallPolicyRef, b: FirewallPolicyRef): boolean {
    return a.resourceGroupName.toLowerCase() === b.resourceGroupName.toLowerCase()
        && a.policyName.toLowerCase() === b.policyName.toLowerCase()
        // A policy named without a subscription lives in the provider's: it may be any of them.
        && (a.subscriptionId === undefined || b.subscriptionId === undefined || a.subscriptionId === b.subscriptionId);
}

/** The key writers are chained by: resource group and name, so that a policy named by ID and by name is one. */
export function policyKey(policy: FirewallPolicyRef): string {
    return `${policy.resourceGroupName}/${policy.policyName}`.toLowerCase();
}

function describePolicy(policy: FirewallPolicyRef): string {
    return `${policy.policyName} in ${policy.resourceGroupName}${policy.subscriptionId ? ` (subscription ${policy.subscriptionId})` : ""}`;
}

export class PolicyLedger<R> {
    private readonly entries: Entry[] = [];
    /** The entries by policy key, and those of unknown policy: a check reads only its policy's (a landing zone claims a thousand times). */
    private readonly byPolicy = new Map<string, Entry[]>();
    private readonly ofUnknownPolicy: Entry[] = [];
    /** The last writer per policy key. */
    private readonly heads = new Map<string, Tail<R>>();
    /** The last writer whose policy stayed unknown. */
    private lastUnknown?: Tail<R>;
    /** Claims not placed yet: while any is pending, later claims wait for it. */
    private pending = 0;
    private queue: Promise<void> = Promise.resolve();

    /**
     * Claims the next place. `request` plain: placed now when nothing earlier is pending (an
     * `InputError` is thrown right here); otherwise placed in turn. `null` means the writer
     * writes nothing (it keeps its place in the order but chains nobody).
     */
    claim(request: GroupRequest | null | PendingRequest): Claim<R> {
        const tail = new Tail<R>();
        if (!(request instanceof Promise) && this.pending === 0) {
            const placed = this.place(request, tail);
            const known = placed.after.every((t) => t.resources !== undefined);
            return {
                placements: placed.placements ?? [],
                after: known ? placed.after.flatMap((t) => t.resources ?? []) : waitFor(placed.after),
                written: (resources) => settleTail(tail, resources, placed),
            };
        }
        this.pending++;
        const placed: Promise<Placed<R>> = this.queue.then(() => request).then(
            (r) => this.placeOrFail(r, tail),
            (e: unknown) => ({ error: e, ...this.place(undefined, tail) }),
        );
        this.queue = placed.then(() => {
            this.pending--;
        });
        const placements = placed.then((p) => (p.error === undefined ? p.placements : Promise.reject(p.error)));
        // A writer that never registers (it failed earlier) never reads its placements; the error is its own to report.
        placements.catch(() => undefined);
        return {
            placements,
            after: placed.then((p) => waitFor(p.after)),
            written: (resources) => void placed.then((p) => settleTail(tail, resources, p)),
        };
    }

    /** A request that fails its checks is chained like an unknown one: its writer reports the error. */
    private placeOrFail(request: GroupRequest | null | undefined, tail: Tail<R>): Placed<R> {
        try {
            return this.place(request, tail);
        } catch (e) {
            return { error: e, ...this.place(undefined, tail) };
        }
    }

    /** Checks and places a request; records it. `undefined`: unknown, may share any policy. */
    private place(request: GroupRequest | null | undefined, tail: Tail<R>): Placed<R> {
        if (request === null) {
            tail.settle([]);
            return { placements: [], after: [], carry: [] };
        }
        const placements = request && this.check(request);
        if (request === undefined || request.unknown?.policy) {
            const after = [...new Set([...this.heads.values(), ...(this.lastUnknown ? [this.lastUnknown] : [])])];
            for (const key of this.heads.keys()) {
                this.heads.set(key, tail);
            }
            this.lastUnknown = tail;
            return { placements, after, carry: [] };
        }
        const key = policyKey(request.placement.policy);
        const previous = this.heads.get(key) ?? this.lastUnknown;
        this.heads.set(key, tail);
        // A writer that opts out waits for nobody, but its successors still wait for its
        // predecessors as well as for it: the chain of the policy stays whole.
        const before = previous ? [previous] : [];
        return request.placement.serializeWrites ? { placements, after: before, carry: [] } : { placements, after: [], carry: before };
    }

    private check(request: GroupRequest): GroupPlacement[] {
        const { placement, names, component } = request;
        const field = "firewall";
        const certain = request.certain ?? names.length;
        const policyKnown = !request.unknown?.policy;
        const priorityKnown = !request.unknown?.priority;
        // Refused: what `up` refuses whatever the unknown values are, so only against the groups
        // sure to be on this policy. Allocated: what every outcome allocates alike.
        const samePolicy = policyKnown ? (this.byPolicy.get(policyKey(placement.policy)) ?? []).filter((e) => sharesPolicy(e.policy as FirewallPolicyRef, placement.policy)) : [];
        const sure = samePolicy.filter((e) => e.certain);
        const possible = policyKnown ? [...samePolicy, ...this.ofUnknownPolicy] : this.entries;
        const policy = policyKnown ? describePolicy(placement.policy) : UNKNOWN_VALUE;
        // By name: a group already there that this program writes counts once.
        const existing = (request.existingGroups ?? []).filter((n) => ![...sure.map((e) => e.name), ...names].some((m) => m.toLowerCase() === n.toLowerCase()));
        const total = new Set([...sure.map((e) => e.name.toLowerCase()), ...existing.map((n) => n.toLowerCase())]).size + certain;
        if (policyKnown && total > placement.maxRuleCollectionGroups) {
            const advice = certain > placement.maxRuleCollectionGroups
                ? "Raise firewall.maxGroupBytes (2 MB on a policy created after July 2022) or firewall.maxRuleCollectionGroups (60 on such a policy), or split the gateways across policies."
                : existing.length > 0 ? "Remove the policy's groups nobody uses, or raise firewall.maxRuleCollectionGroups (60 on a policy created after July 2022)."
                : "Put the gateways of one policy into one GatewayEgressRuleCollectionGroup.";
            throw new InputError(`${field}.maxRuleCollectionGroups`, placement.maxRuleCollectionGroups, `This program would write ${total - existing.length} rule collection groups to policy ${policy}${certain > 1 ? ` (${certain} of them for "${component}")` : ""}${existing.length > 0 ? `, which already holds ${existing.length} others (${existing.join(", ")})` : ""}; the policy accepts ${placement.maxRuleCollectionGroups} here (Azure: 50 for policies created before July 2022, 60 after). ${advice}`);
        }
        for (const name of names.slice(0, certain)) {
            const sameName = sure.find((e) => e.name.toLowerCase() === name.toLowerCase());
            if (sameName) {
                throw new InputError(`${field}.ruleCollectionGroupName`, name, `Component "${sameName.component}" already writes a rule collection group of that name to policy ${policy}: each group needs its own.`);
            }
        }
        if (placement.priority !== undefined) {
            const holder = sure.find((e) => e.priority === placement.priority);
            if (holder) {
                const how = holder.chosen === "allocated" ? ", allocated from its priorityRange in construction order: give it a priority of its own to keep it fixed"
                    : holder.chosen === "follower" ? `, one of its further groups, placed after its first at ${String(holder.first)}` : "";
                throw new InputError(`${field}.priority`, placement.priority, `Component "${holder.component}" already uses that priority on policy ${policy} (rule collection group "${holder.name}"${how}): priorities order the groups, so each must be unique.`);
            }
        }
        const takenSurely = new Set(sure.flatMap((e) => (e.priority === undefined ? [] : [e.priority])));
        const takenPossibly = new Set(possible.flatMap((e) => (e.priority === undefined ? [] : [e.priority])));
        // A group of unknown priority that may be on this policy may hold any free priority.
        const anyTaken = possible.some((e) => e.priority === undefined);
        const placements: GroupPlacement[] = [];
        names.forEach((name, i) => {
            // The first group at the given or lowest free priority; the writer's further groups at
            // the lowest free priorities after it, so that they come in the order of its layout:
            // within the range when the first was allocated from it, up to Azure's last priority
            // when the user gave the first (the range is for allocation).
            const previous = placements[i - 1]?.priority;
            if (i === 0 ? !priorityKnown : previous === undefined) {
                placements.push({ name });
                return;
            }
            const range = i === 0 ? placement.priorityRange : { start: (previous as number) + 1, end: placement.priority === undefined && priorityKnown ? placement.priorityRange.end : PRIORITY_RANGE.max };
            if (i === 0 && placement.priority !== undefined) {
                placements.push({ name, priority: placement.priority });
            } else {
                const surely = freePriority(takenSurely, range);
                if (surely === undefined) {
                    const given = i > 0 && placement.priority !== undefined;
                    throw new InputError(given ? `${field}.priority` : `${field}.priorityRange`, given ? placement.priority : placement.priorityRange, `No free priority is left between ${range.start} and ${range.end} in steps of ${PRIORITY_STEP} on policy ${policy}${i > 0 ? ` for group ${name}` : ""}: ${given ? "lower the priority" : "widen the range"}.`);
                }
                placements.push(!anyTaken && freePriority(takenPossibly, range) === surely ? { name, priority: surely } : { name });
            }
            const { priority } = placements[i];
            if (priority !== undefined) {
                takenSurely.add(priority);
                takenPossibly.add(priority);
            }
        });
        placements.forEach((p, i) => {
            const chosen = i > 0 ? "follower" : placement.priority === undefined && priorityKnown ? "allocated" : "given";
            const entry: Entry = { component, policy: policyKnown ? placement.policy : undefined, name: names[i], priority: p.priority, certain: i < certain, chosen, first: placements[0].priority };
            this.entries.push(entry);
            if (policyKnown) {
                const key = policyKey(placement.policy);
                const ofPolicy = this.byPolicy.get(key) ?? [];
                ofPolicy.push(entry);
                this.byPolicy.set(key, ofPolicy);
            } else {
                this.ofUnknownPolicy.push(entry);
            }
        });
        return placements;
    }
}

interface Placed<R> {
    /** Undefined: the request never became known. */
    readonly placements: GroupPlacement[] | undefined;
    /** What the writer's first group waits for. */
    readonly after: Tail<R>[];
    /** What its successors must wait for besides its own groups (the predecessors of a writer that opts out). */
    readonly carry: Tail<R>[];
    readonly error?: unknown;
}

/** The last group written, with what the writer carries; when none was written, what it waited for. */
function settleTail<R>(tail: Tail<R>, resources: readonly R[], placed: Pick<Placed<R>, "after" | "carry">): void {
    const own = resources.length > 0 ? [resources[resources.length - 1]] : [];
    const waits = resources.length > 0 ? placed.carry : [...placed.after, ...placed.carry];
    // Settled at once when it can be, so that a successor built right after gets a plain dependsOn.
    if (waits.every((t) => t.resources !== undefined)) {
        tail.settle([...waits.flatMap((t) => t.resources ?? []), ...own]);
    } else {
        void waitFor(waits).then((r) => tail.settle([...r, ...own]));
    }
}

function waitFor<R>(tails: readonly Tail<R>[]): Promise<readonly R[]> {
    return Promise.all(tails.map((t) => t.promise)).then((all) => all.flat());
}

function freePriority(taken: ReadonlySet<number>, range: { start: number; end: number }): number | undefined {
    const first = Math.ceil(range.start / PRIORITY_STEP) * PRIORITY_STEP;
    for (let p = first; p <= range.end; p += PRIORITY_STEP) {
        if (!taken.has(p)) {
            return p;
        }
    }
    return undefined;
}
