// Reading the target Firewall Policy from Azure: the policy, each rule collection group it lists,
// and its parent (`basePolicy`) the same way. The facts are advisory: a read that fails (the
// policy is created later in the program, the deployer may not read it, ...) is reported as not
// read, never refused. Hence the invokes' promise forms, whose failure can be caught, rather
// than their Output forms.
import * as pulumi from "@pulumi/pulumi";
import { getFirewallPolicy, getFirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";
import { oneLine } from "./errors";
import { FirewallPolicyRef } from "./options";
import { normalizeFirewallPolicy, normalizeRuleCollectionGroup, policyOfId, PolicyReading, RuleCollectionGroupFacts, subscriptionOf } from "./firewallPolicyFacts";

function reason(e: unknown): string {
    const text = oneLine(e instanceof Error ? e.message : String(e));
    return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Reads the policy through `parent`'s provider; `depth` 0 also reads its parent. */
export async function readFirewallPolicy(ref: FirewallPolicyRef, parent: pulumi.Resource, depth = 0): Promise<PolicyReading> {
    const { resourceGroupName, policyName } = ref;
    const policy = `${policyName} in ${resourceGroupName}`;
    let document: unknown;
    try {
        document = await getFirewallPolicy({ resourceGroupName, firewallPolicyName: policyName }, { parent });
    } catch (e) {
        return { policy, unread: reason(e), groups: [], unreadGroups: [] };
    }
    const facts = normalizeFirewallPolicy(document);
    if (!facts) {
        return { policy, unread: "the read returned no firewall policy document", groups: [], unreadGroups: [] };
    }
    // A policyId of another subscription than the provider's is refused elsewhere; what the
    // provider found under that name is another policy, whose facts must not decide anything.
    if (ref.subscriptionId !== undefined && facts.subscriptionId !== undefined && facts.subscriptionId !== ref.subscriptionId) {
        return { policy, unread: `the provider reads subscription ${facts.subscriptionId}, not the policy's ${ref.subscriptionId}`, groups: [], unreadGroups: [] };
    }
    type Unread = PolicyReading["unreadGroups"][number];
    const read = await Promise.all(facts.groupNames.map(async (name): Promise<RuleCollectionGroupFacts | Unread> => {
        try {
            const group = normalizeRuleCollectionGroup(await getFirewallPolicyRuleCollectionGroup({ resourceGroupName, firewallPolicyName: policyName, ruleCollectionGroupName: name }, { parent }), policy);
            return group ?? { name, reason: "the read returned no rule collection group" };
        } catch (e) {
            return { name, reason: reason(e) };
        }
    }));
    return {
        policy, facts,
        groups: read.filter((g): g is RuleCollectionGroupFacts => "denyRules" in g),
        unreadGroups: read.filter((g): g is Unread => "reason" in g),
        parent: facts.basePolicyId === undefined ? undefined : await readParent(facts.basePolicyId, facts.subscriptionId, parent, depth),
    };
}

async function readParent(id: string, subscriptionId: string | undefined, parent: pulumi.Resource, depth: number): Promise<PolicyReading> {
    const ref = policyOfId(id);
    const unreadable = (why: string): PolicyReading => ({ policy: ref ? `${ref.policyName} in ${ref.resourceGroupName}` : id, unread: why, groups: [], unreadGroups: [] });
    if (!ref) {
        return unreadable("its basePolicy ID is not a firewall policy's");
    }
    // The provider reads its own subscription only: a parent elsewhere would be another policy of the same name.
    if (subscriptionOf(id) !== undefined && subscriptionId !== undefined && subscriptionOf(id) !== subscriptionId) {
        return unreadable(`it is in subscription ${String(subscriptionOf(id))}, the policy's provider reads ${subscriptionId}`);
    }
    if (depth > 0) {
        return unreadable("only one level of parents is read");
    }
    return readFirewallPolicy(ref, parent, depth + 1);
}
