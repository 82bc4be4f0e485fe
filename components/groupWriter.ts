// Writing rule collection groups, shared by both components: the program-wide policy ledger,
// the check that a policy ID's subscription is the provider's, and the registration of a
// writer's groups, each chained after the one before it. The only Pulumi code besides the two
// component classes; everything it writes comes from the pure layers.
import * as pulumi from "@pulumi/pulumi";
import { getClientConfig } from "@pulumi/azure-native/authorization";
import { FirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { InputError, NO_SECRETS, Secrets, withSecretsWithheld } from "./errors";
import { FilterRuleCollection } from "./firewallRules";
import { PlacementOptions } from "./options";
import { read, Untyped } from "./outputs";
import { Claim, GroupPlacement, GroupRequest, LEDGER_VERSION, PendingRequest, PolicyLedger } from "./policyLedger";

// One ledger per program run: kept in the Pulumi runtime's store of the run, which the Automation
// API makes anew for each run of an inline program in one process, and under a global symbol, so
// that a program loading two copies of this package (a landing-zone library and the stack each
// with their own) chains and checks the writers of both. Copies whose ledgers differ cannot share
// one, and then must not write unchained: they are refused.
const LEDGER = Symbol.for("apim-gateway-egress.policyLedger");
interface SharedLedger {
    readonly version: number;
    readonly ledger: PolicyLedger<FirewallPolicyRuleCollectionGroup>;
}
type RunStore = { [LEDGER]?: SharedLedger };

/** The run's store; `getStore` is internal to the SDK, but it is how the SDK keeps per-run state. */
function runStore(): RunStore {
    return (runtimeState as unknown as { getStore(): RunStore }).getStore();
}

function newLedger(): SharedLedger {
    return { version: LEDGER_VERSION, ledger: new PolicyLedger<FirewallPolicyRuleCollectionGroup>() };
}

/**
 * Forgets the rule collection groups of earlier programs. Internal: for runners that build
 * several programs in one run (the offline preview, tests).
 */
export function resetPolicyLedger(): void {
    runStore()[LEDGER] = newLedger();
}

/** Takes the next place among this run's writers of rule collection groups. */
export function claimGroups(request: GroupRequest | null | PendingRequest): Claim<FirewallPolicyRuleCollectionGroup> {
    const store = runStore();
    const shared = (store[LEDGER] ??= newLedger());
    if (shared.version !== LEDGER_VERSION) {
        throw new Error(`Two copies of apim-gateway-egress with different policy ledgers (versions ${shared.version} and ${LEDGER_VERSION}) write rule collection groups in this program: their writes could not be serialized. Install one version of the package (npm ls apim-gateway-egress; npm dedupe).`);
    }
    return shared.ledger.claim(request);
}

/**
 * The placement, once the azure-native provider is known to write to the subscription of a
 * policy named by ID: the group's inputs carry no subscription, so the provider's is used. A
 * policy named by resource group and name is the provider's by definition.
 */
export function inProviderSubscription(placement: PlacementOptions | pulumi.Output<PlacementOptions>, field: string, parent: pulumi.Resource, secrets: Promise<Secrets> = Promise.resolve(NO_SECRETS)): PlacementOptions | pulumi.Output<PlacementOptions> {
    if (!pulumi.Output.isInstance(placement) && placement.policy.subscriptionId === undefined) {
        return placement;
    }
    return pulumi.output(placement).apply(async (p) => {
        const wanted = p.policy.subscriptionId;
        if (wanted !== undefined) {
            const { subscriptionId } = await getClientConfig({ parent });
            if (subscriptionId.toLowerCase() !== wanted) {
                // A secret policy ID is withheld, its subscription with it.
                withSecretsWithheld(await secrets, () => {
                    throw new InputError(`${field}.policyId`, `/subscriptions/${wanted}/resourceGroups/${p.policy.resourceGroupName}/providers/Microsoft.Network/firewallPolicies/${p.policy.policyName}`, `The policy is in subscription ${wanted}, but the azure-native provider of this component writes to subscription ${subscriptionId}: pass a provider for subscription ${wanted} in the component's options (providers: { "azure-native": ... }), or name a policy of subscription ${subscriptionId}.`);
                });
            }
        }
        return p;
    });
}

/** One group to register: its resource name, and its rule collections. */
export interface GroupContent {
    readonly resourceName: string;
    /** Unknown parts, in a preview, as Pulumi's unknown marker (outputs.ts, markUnknown). */
    readonly ruleCollections: pulumi.Input<readonly FilterRuleCollection[]> | Untyped;
}

/**
 * Registers a writer's groups, the first after what its claim waits for and each further one
 * after the one before, and reports them to the ledger.
 */
export function registerGroups(
    groups: readonly GroupContent[],
    placement: PlacementOptions | pulumi.Output<PlacementOptions>,
    placements: readonly GroupPlacement[] | pulumi.Output<readonly GroupPlacement[]>,
    claim: Claim<FirewallPolicyRuleCollectionGroup>,
    parent: pulumi.Resource,
): FirewallPolicyRuleCollectionGroup[] {
    const resources: FirewallPolicyRuleCollectionGroup[] = [];
    groups.forEach((group, i) => {
        const previous = resources[i - 1];
        const placed = read(placements, (all) => all[i]);
        resources.push(new FirewallPolicyRuleCollectionGroup(group.resourceName, {
            resourceGroupName: read(placement, (p) => p.policy.resourceGroupName),
            firewallPolicyName: read(placement, (p) => p.policy.policyName),
            ruleCollectionGroupName: read(placed, (p) => p.name),
            // Unknown where the ledger cannot know it yet (a preview), never a guess.
            priority: read(placed, (p) => p.priority ?? pulumi.unknown) as Untyped,
            ruleCollections: group.ruleCollections as Untyped,
        }, { parent, dependsOn: (previous ? [previous] : claim.after) as Untyped }));
    });
    claim.written(resources);
    return resources;
}
