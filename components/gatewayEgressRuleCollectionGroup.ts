// The Pulumi component for the firewall side of many gateways on one hub policy: a thin shell
// around the hub pipeline (pipeline.ts, deriveHub). It reads each distinct APIM instance once,
// runs every gateway through the same plan and renderers as SelfHostedGatewayEgress, and writes
// one rule collection group holding one network and one application collection per gateway, or
// as few chained groups as `firewall.maxGroupBytes` allows.
//
// Why one group: Azure writes one group of a policy at a time, three to five minutes each, and a
// policy holds 50 (or 60) groups (DocReference.FirewallKnownIssues, DocReference.FirewallLimits):
// a group per gateway costs hundreds of serialized writes and does not fit.
//
// How many groups exist depends on the rules, so on the APIM documents: the groups are
// registered once the reads return (in a preview too, since Pulumi runs reads in previews).
// Values unknown in a preview leave every group `up` may write registered, with unknown parts
// (previewBounds.ts): a preview never shows a group deleted, or another writer's priority moved,
// because a value is not known yet.
import * as pulumi from "@pulumi/pulumi";
import { getApiManagementService } from "@pulumi/azure-native/apimanagement";
import { GatewayEgressRuleCollectionGroupArgs } from "./args";
import { readFirewallPolicy } from "./firewallPolicyRead";
import { claimGroups, inProviderSubscription, registerGroups } from "./groupWriter";
import { boundHubArgs, HubBounds, hubBounds, UNKNOWN_LISTS } from "./previewBounds";
import { HubOptions, Options, resolveHubOptions } from "./options";
import { NO_SECRETS, secretsWithheldIn, withSecretsWithheld } from "./errors";
import { childrenRegistered, isPlain, knownValue, lateChildren, markUnknown, secretsIn, valueWithUnknowns } from "./outputs";
import { deriveHub, HubDerivation } from "./pipeline";
import { GroupPlacement, GroupRequest } from "./policyLedger";

export const HUB_TYPE_TOKEN = "apim-gateway-egress:index:GatewayEgressRuleCollectionGroup";

/** One rule collection group the component writes. */
export interface RuleCollectionGroupReport {
    /** Name of the group in the policy. */
    name: string;
    /** Priority of the group, given or allocated. */
    priority: number;
    /** Size of the group's request body, in bytes. */
    bytes: number;
    /** The gateways whose rule collections the group holds. */
    gateways: string[];
}

/** One API Management instance the gateways belong to, read once at each deployment. */
export interface HubInstanceReport {
    /** The instance's resource group. */
    resourceGroupName: string;
    /** The instance's name. */
    serviceName: string;
    /** Its configuration endpoint's host name. */
    configurationHost: string;
    /** The VIP behind the configuration endpoint, read from Azure at this deployment. */
    configurationAddress: string;
}

// A gateway's report holds only what is its own: its instance's host and VIP are in `instances`
// once, and its collections are named `<name>-network` and `<name>-application` by the layout.
// Every value of an output is serialized into the state at each deployment: with a thousand
// gateways, per-gateway copies of shared values were about a third of the hub's CPU over
// hand-written resources (`npm run bench`, landing zone at N = 1000).
/** One gateway whose rules the component writes. */
export interface HubGatewayReport {
    /** The gateway's name. */
    name: string;
    /** The API Management instance it belongs to. */
    apimServiceName: string;
    /** The address its configuration rule opens: its `configurationAddress`, or its instance's VIP. */
    configurationAddress: string;
    /** The rule style used for the configuration endpoint. */
    ruleStyle: string;
    /** The rule collection group holding its collections. */
    ruleCollectionGroup: string;
}

function apimKey(apim: Options["apim"]): string {
    return `${apim.resourceGroupName}/${apim.serviceName}`.toLowerCase();
}

/** The groups to write: derived from known args, or, in a preview with unknown values, bounded. */
type Derived = { readonly hub: HubOptions; readonly derivation: HubDerivation } | { readonly bounds: HubBounds; readonly secret: boolean };

/** A secret arg keeps what the preview shows of the rules secret (then unknown as a whole). */
function secretIf(secret: boolean, value: unknown): unknown {
    return secret ? pulumi.secret(value) : value;
}

interface Written {
    readonly derivation: HubDerivation;
    readonly placements: readonly GroupPlacement[];
    readonly ids: pulumi.Output<string[]>;
}

/**
 * The Azure Firewall side of many self-hosted gateways on one Firewall Policy (a landing zone's
 * hub): one rule collection group, or the fewest the size limit allows, with one rule collection
 * per gateway and rule type, derived from the APIM instances at every deployment.
 */
export class GatewayEgressRuleCollectionGroup extends pulumi.ComponentResource {
    /** Resource IDs of the rule collection groups, first to last. */
    public readonly ruleCollectionGroupIds: pulumi.Output<string[]>;
    /** The rule collection groups: name, priority, size and the gateways each holds. */
    public readonly ruleCollectionGroups: pulumi.Output<RuleCollectionGroupReport[]>;
    /** Rule collection group writes a first deployment costs on the policy: one per group, one after another. */
    public readonly firstDeployWrites: pulumi.Output<number>;
    /** Each API Management instance once: its configuration endpoint and the VIP behind it. */
    public readonly instances: pulumi.Output<HubInstanceReport[]>;
    /** Every gateway: its instance, the configuration address its rule opens, its rule style and its group. */
    public readonly gateways: pulumi.Output<HubGatewayReport[]>;
    /** What the firewall administrator must know for these rules to work. */
    public readonly notes: pulumi.Output<string[]>;

    constructor(name: string, args: GatewayEgressRuleCollectionGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        // Plain args are refused before anything is registered; Outputs when they resolve.
        const known = isPlain(args) ? resolveHubOptions(name, args) : undefined;
        // The secrets among the args: refusals withhold them, and every input of the groups is
        // kept secret when any arg is, as SelfHostedGatewayEgress's inputs are by derivation.
        const secrets = known ? Promise.resolve(NO_SECRETS) : secretsIn(args);
        const resolved = known ? undefined : pulumi.output(args).apply(async (a) => withSecretsWithheld(await secrets, () => resolveHubOptions(name, a)));
        super(HUB_TYPE_TOKEN, name, {}, opts);

        const resourceName = (i: number) => (i === 0 ? name : `${name}-${i + 1}`);
        // Each distinct instance read once, however many gateways belong to it.
        const documentsOf = async (hub: HubOptions) => {
            const instances = new Map(hub.gateways.map((g) => [apimKey(g.options.apim), g.options.apim]));
            const documents = new Map(await Promise.all([...instances].map(async ([key, apim]) => [key, await getApiManagementService(apim, { parent: this })] as const)));
            return (apim: Options["apim"]) => documents.get(apimKey(apim));
        };
        // A preview may hold unknown values (args from resources not created yet): the groups
        // are then bounded by what is known (previewBounds.ts), never left out.
        const derived: Promise<Derived> = (known ? Promise.resolve(known) : valueWithUnknowns(pulumi.output(args as unknown))).then(async (raw) => {
            const withheld = await secrets;
            if (!pulumi.containsUnknowns(raw)) {
                const hub = known ?? withSecretsWithheld(withheld, () => resolveHubOptions(name, raw));
                const policy = readFirewallPolicy(hub.placement.policy, this);
                const documentOf = await documentsOf(hub);
                const target = await policy;
                return { hub, derivation: withSecretsWithheld(withheld, () => deriveHub(hub, documentOf, target)) };
            }
            const bound = withSecretsWithheld(withheld, () => boundHubArgs(name, raw, pulumi.isUnknown));
            const documentOf = await documentsOf(bound.fewest);
            return { bounds: withSecretsWithheld(withheld, () => hubBounds(bound, documentOf)), secret: withheld.paths.length > 0 || await pulumi.isSecret(pulumi.output(args as unknown)) };
        });
        // The place among this program's writers is taken now, in construction order.
        const claim = claimGroups(derived.then((d): GroupRequest => ("bounds" in d
            ? { component: name, placement: d.bounds.placement, names: d.bounds.names, certain: d.bounds.certain, unknown: d.bounds.unknown }
            : { component: name, placement: d.derivation.placement, names: d.derivation.groups.map((g) => g.name), existingGroups: d.derivation.existingGroups })));
        const written: Promise<Written | undefined> = Promise.all([derived, secrets]).then(async ([d, s]) => {
            const keep = <T>(value: T): T | pulumi.Output<T> => (s.paths.length > 0 ? pulumi.secret(value) as pulumi.Output<T> : value);
            // The groups are registered once their policy is checked and their place taken: a
            // refusal of either registers none (a group waiting on it would never settle).
            const target = "bounds" in d
                ? d.bounds.unknown.policy ? (resolved as pulumi.Output<HubOptions>).apply((h) => h.placement) : inProviderSubscription(keep(d.bounds.placement), "firewall", this, secrets)
                : inProviderSubscription(keep(d.hub.placement), "firewall", this, secrets);
            await knownValue(pulumi.output(target));
            const placements = await secretsWithheldIn(secrets, claim.placements as Promise<readonly GroupPlacement[]>);
            const groups = "bounds" in d
                ? d.bounds.names.map((_, i) => ({ resourceName: resourceName(i), ruleCollections: secretIf(d.secret, d.bounds.ruleCollections ? markUnknown(d.bounds.ruleCollections[i], d.bounds.placeholders, UNKNOWN_LISTS) : pulumi.unknown) }))
                : d.derivation.groups.map((g, i) => ({ resourceName: resourceName(i), ruleCollections: keep(g.ruleCollections) }));
            const resources = registerGroups(groups, target, keep(placements), claim, this);
            return "bounds" in d ? undefined : { derivation: d.derivation, placements, ids: pulumi.all(resources.map((r) => r.id)) };
        }).catch((e: unknown) => {
            claim.written([]);
            throw e;
        });
        childrenRegistered(this, written, this.getData());
        // An unknown input leaves every output unknown, as Pulumi shows what it cannot know yet;
        // a refusal rejects every output, a preview's too, so that it fails the deployment.
        const gate = pulumi.output(written.then((w) => (w === undefined ? pulumi.unknown : true)));
        const from = <T>(f: (w: Written) => pulumi.Input<T>): pulumi.Output<T> =>
            pulumi.all([resolved ?? true, gate]).apply(() => written.then((w) => f(w as Written))) as pulumi.Output<T>;

        this.ruleCollectionGroupIds = from((w) => w.ids);
        this.ruleCollectionGroups = from((w) => w.derivation.groups.map((g, i) => ({ name: g.name, priority: (w.placements[i].priority ?? pulumi.unknown) as number, bytes: g.bytes, gateways: [...g.gateways] })));
        this.firstDeployWrites = from((w) => w.derivation.groups.length);
        this.instances = from((w) => w.derivation.instances.map(({ apim, facts }) => ({
            resourceGroupName: apim.resourceGroupName,
            serviceName: facts.name,
            configurationHost: facts.configurationHost,
            configurationAddress: facts.configurationAddress,
        })));
        this.gateways = from((w) => w.derivation.gateways.map((g) => ({
            name: g.name,
            apimServiceName: g.facts.name,
            configurationAddress: g.configurationAddress,
            ruleStyle: g.firewall.ruleStyle,
            ruleCollectionGroup: w.derivation.groups[g.group].name,
        })));
        this.notes = from((w) => w.derivation.notes);
        this.registerOutputs({
            ruleCollectionGroupIds: this.ruleCollectionGroupIds,
            ruleCollectionGroups: this.ruleCollectionGroups,
            firstDeployWrites: this.firstDeployWrites,
            instances: this.instances,
            gateways: this.gateways,
            notes: this.notes,
        });
    }

    /** Settles once every child is registered: Pulumi reads the children for a dependent then. */
    protected override initialize(): Promise<undefined> {
        return lateChildren(this);
    }
}
