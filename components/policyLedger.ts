// The per-program ledger of rule collection groups by firewall policy. Azure writes one rule
// collection group of a policy at a time (parallel writes fail with 409
// AnotherOperationInProgress, DESIGN.md §4), so components on one policy chain their groups in
// construction order; the ledger also refuses name and priority collisions among them and hands
// out free priorities. It is the one piece of state shared between components.
import { InputError } from "./errors";
import { FirewallPolicyRef } from "./options";

export interface LedgerEntry<R> {
    readonly component: string;
    readonly ruleCollectionGroupName: string;
    readonly priority: number;
    readonly resource: R;
}

/** Where a new group goes: its priority and the group it must wait for, if any. */
export interface Placement<R> {
    readonly priority: number;
    readonly after?: R;
}

export const PRIORITY_STEP = 10;

export function policyKey(policy: FirewallPolicyRef): string {
    return [policy.subscriptionId ?? "", policy.resourceGroupName, policy.policyName].join("/").toLowerCase();
}

export class PolicyLedger<R> {
    private readonly byPolicy = new Map<string, LedgerEntry<R>[]>();

    /**
     * Checks a new group against the groups already on `policy` and places it. `priority`
     * undefined: the lowest free multiple of PRIORITY_STEP in `range`.
     */
    place(policy: FirewallPolicyRef, name: string, priority: number | undefined, range: { start: number; end: number }): Placement<R> {
        const entries = this.byPolicy.get(policyKey(policy)) ?? [];
        const sameName = entries.find((e) => e.ruleCollectionGroupName.toLowerCase() === name.toLowerCase());
        if (sameName) {
            throw new InputError("firewall.ruleCollectionGroupName", name, `Component "${sameName.component}" already writes a rule collection group of that name to policy ${policy.policyName}: each component needs its own.`);
        }
        const taken = new Set(entries.map((e) => e.priority));
        if (priority !== undefined && taken.has(priority)) {
            const holder = entries.find((e) => e.priority === priority) as LedgerEntry<R>;
            throw new InputError("firewall.priority", priority, `Component "${holder.component}" already uses that priority on policy ${policy.policyName} (rule collection group "${holder.ruleCollectionGroupName}"): priorities order the groups, so each must be unique.`);
        }
        const chosen = priority ?? this.freePriority(taken, range);
        if (chosen === undefined) {
            throw new InputError("firewall.priorityRange", range, `No free priority is left between ${range.start} and ${range.end} in steps of ${PRIORITY_STEP} on policy ${policy.policyName}: widen the range.`);
        }
        return { priority: chosen, after: entries[entries.length - 1]?.resource };
    }

    record(policy: FirewallPolicyRef, entry: LedgerEntry<R>): void {
        const key = policyKey(policy);
        this.byPolicy.set(key, [...(this.byPolicy.get(key) ?? []), entry]);
    }

    private freePriority(taken: Set<number>, range: { start: number; end: number }): number | undefined {
        const first = Math.ceil(range.start / PRIORITY_STEP) * PRIORITY_STEP;
        for (let p = first; p <= range.end; p += PRIORITY_STEP) {
            if (!taken.has(p)) {
                return p;
            }
        }
        return undefined;
    }
}
