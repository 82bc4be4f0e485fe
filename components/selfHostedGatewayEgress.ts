// The Pulumi component for one gateway: a thin shell around the pure pipeline. It reads the APIM
// instance from Azure, runs facts → plan → renderers, and turns the renderings into one Firewall
// Policy rule collection group (unless a GatewayEgressRuleCollectionGroup writes the gateway's
// rules) and the cluster policy objects, and with `probe.enabled` the egress probe's ConfigMap and
// Job (probeJob.ts), each parented to this component.
//
// Every arg may be an Output (Pulumi's plugin host hands a component every input that depends on
// a resource as one). Plain args are validated before anything is registered; Output args when
// they resolve, before any child can be written, since every child input depends on them. The
// args that decide which children exist (`firewall.enabled`, `cluster.enabled`, `cluster.flavor`, `probe.enabled`)
// are read as soon as they are known, even while the rest is not; so is the group's placement,
// so that a preview with unknown sources keeps the group's name and priority (previewBounds.ts).
import * as pulumi from "@pulumi/pulumi";
import { FirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { Job } from "@pulumi/kubernetes/batch/v1";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { readApim } from "./apimRead";
import { ClusterFlavor, SelfHostedGatewayEgressArgs } from "./args";
import { Manifest } from "./clusterPolicy";
import { GatewayHelmValues } from "./helmValues";
import { NO_SECRETS, Secrets, secretsWithheldIn, withSecretsWithheld } from "./errors";
import { readFirewallPolicy } from "./firewallPolicyRead";
import { claimGroups, inProviderSubscription, registerGroups } from "./groupWriter";
import { childrenRegistered, handled, isPlain, knownValue, lateChildren, lazyOutputs, outputValues, read, secretsIn, Untyped, valueWithUnknowns } from "./outputs";
import { ComponentShape, Options, PlacementOptions, resolveOptions, resolveShape } from "./options";
import { changeRequest, Derivation, deriveEgress } from "./pipeline";
import { unknownRefusal, placementWithUnknowns } from "./previewBounds";
import { Claim, GroupPlacement, GroupRequest } from "./policyLedger";
import { PolicyReading } from "./firewallPolicyFacts";
import { probeOf, ProbeObjects } from "./probeJob";
import { FlowReport, RuleRow, rowsToMarkdown } from "./report";

export const TYPE_TOKEN = "apim-gateway-egress:index:SelfHostedGatewayEgress";

/** A flow of the egress plan that no cluster rule allows, so it stays blocked in the cluster. */
export interface NotEnforceableFlow {
    /** The flow's id, as in `egressPlan`. */
    flow: string;
    /** Why no cluster rule can carry it. */
    reason: string;
}

/** What the one apply on the instance's document gives: the pipeline's derivation and the probe's objects. */
type Derived = Derivation & { readonly probe: ReturnType<typeof probeOf> };

/** Which children the component has: the firewall's and the cluster's, and the probe's Job. */
type Shape = ComponentShape & { readonly probe: boolean };

function isDeferred(value: unknown): boolean {
    return pulumi.Output.isInstance(value) || value instanceof Promise;
}

/**
 * Which children the component has. Plain now when the deciding args are; otherwise once they
 * resolve, read past any other part that is still unknown.
 */
function readShape(args: SelfHostedGatewayEgressArgs | undefined, secrets: Promise<Secrets>): Shape | Promise<Shape> {
    const firewall = args?.firewall as Record<string, unknown> | undefined;
    const cluster = args?.cluster as Record<string, unknown> | undefined;
    const probe = args?.probe as Record<string, unknown> | undefined;
    const deferred = isDeferred(firewall) || isDeferred(cluster) || isDeferred(firewall?.enabled) || isDeferred(cluster?.enabled) || isDeferred(cluster?.flavor) || isDeferred(probe) || isDeferred(probe?.enabled);
    // The probe's `enabled` is checked with the rest of `probe` by resolveOptions; here only read.
    const shapeOf = (f: unknown, c: unknown, p: unknown): Shape => ({ ...resolveShape(f, c), probe: (p as Record<string, unknown> | undefined)?.enabled === true });
    if (!deferred) {
        return shapeOf(firewall, cluster, probe);
    }
    return Promise.all([valueWithUnknowns(pulumi.output(firewall)), valueWithUnknowns(pulumi.output(cluster)), valueWithUnknowns(pulumi.output(probe)), secrets]).then(([f, c, p, s]) => {
        const unknownAt = [
            ["firewall", f], ["cluster", c], ["firewall.enabled", (f as Record<string, unknown> | undefined)?.enabled],
            ["cluster.enabled", (c as Record<string, unknown> | undefined)?.enabled], ["cluster.flavor", (c as Record<string, unknown> | undefined)?.flavor],
            ["probe", p], ["probe.enabled", (p as Record<string, unknown> | undefined)?.enabled],
        ].find(([, v]) => pulumi.isUnknown(v));
        if (unknownAt) {
            throw unknownRefusal(unknownAt[0] as string);
        }
        return withSecretsWithheld(s, () => shapeOf(f, c, p));
    });
}

function groupRequest(name: string, o: Options): GroupRequest | null {
    return o.placement ? { component: name, placement: o.placement, names: [o.placement.ruleCollectionGroupName] } : null;
}

/**
 * The group's request from args holding values unknown in a preview: its name and placement are
 * known unless the policy or the priority is (ledger), so that it keeps its place and priority.
 */
function requestWithUnknowns(name: string, raw: Record<string, unknown>): GroupRequest | null {
    const fw = raw.firewall as Record<string, unknown> | undefined;
    if (fw?.enabled === false) {
        return null;
    }
    const { placement, unknown } = placementWithUnknowns(name, fw ?? {}, pulumi.isUnknown);
    return { component: name, placement, names: [placement.ruleCollectionGroupName], unknown };
}

/** Where a gateway's group goes: the policy, checked against the provider, and its placement by the ledger. */
interface Target {
    readonly placement: PlacementOptions | pulumi.Output<PlacementOptions>;
    readonly placements: readonly GroupPlacement[] | pulumi.Output<readonly GroupPlacement[]>;
}

/** True when nothing about the target waits for Azure or for other writers. */
function isDecided(target: Target | undefined): boolean {
    return target === undefined || (!pulumi.Output.isInstance(target.placement) && !pulumi.Output.isInstance(target.placements));
}

interface Children {
    readonly ruleCollectionGroup?: FirewallPolicyRuleCollectionGroup;
    /** The group's name and priority as the ledger placed them (the resource reports neither back). */
    readonly placed?: GroupPlacement | pulumi.Output<GroupPlacement>;
    readonly networkPolicy?: NetworkPolicy;
    readonly probeJob?: Job;
}

/**
 * Least-privilege Azure Firewall and cluster egress for an Azure API Management self-hosted
 * gateway, derived from the APIM instance at every deployment: one rule collection group in an
 * existing Firewall Policy, and the matching cluster policy for the gateway pods.
 */
export class SelfHostedGatewayEgress extends pulumi.ComponentResource {
    /** Resource ID of the rule collection group; undefined when `firewall.enabled` is false. */
    public readonly ruleCollectionGroupId: pulumi.Output<string | undefined>;
    /** Name of the rule collection group; undefined when `firewall.enabled` is false. */
    public readonly ruleCollectionGroupName: pulumi.Output<string | undefined>;
    /** Priority of the rule collection group, given or allocated; undefined when `firewall.enabled` is false. */
    public readonly priority: pulumi.Output<number | undefined>;
    /** Name of the NetworkPolicy; undefined when the cluster policy is disabled. */
    public readonly networkPolicyName: pulumi.Output<string | undefined>;
    /** The configuration endpoint's host name. */
    public readonly configurationHost: pulumi.Output<string>;
    /** The VIP behind the configuration endpoint, read from Azure at this deployment. */
    public readonly configurationAddress: pulumi.Output<string>;
    /** The rule style used for the configuration endpoint (`ip`, `fqdn`, `both`); undefined when `firewall.enabled` is false. */
    public readonly ruleStyle: pulumi.Output<string | undefined>;
    /** Every flow of the egress plan, with the firewall rule and cluster rules that carry it. */
    declare public readonly egressPlan: pulumi.Output<FlowReport[]>;
    /** Every firewall and cluster rule with its identity, what it allows and why: the change request, row by row. */
    declare public readonly changeRequest: pulumi.Output<RuleRow[]>;
    /** The change request as a markdown table, with the notes below it. */
    declare public readonly egressMatrix: pulumi.Output<string>;
    /** Flows no cluster rule allows, with the reason; they are blocked in the cluster. */
    declare public readonly notEnforceableInCluster: pulumi.Output<NotEnforceableFlow[]>;
    /** What the firewall and cluster administrators must know for these rules to work. */
    declare public readonly notes: pulumi.Output<string[]>;
    /**
     * The values of the gateway's Helm chart (azure-api-management-gateway) these rules assume:
     * the configuration endpoint, its address as a host alias (Internal mode without egressProxy, or `hostAliases`),
     * the forward proxy, the replicas' ports. Pass them to the chart's release.
     */
    declare public readonly gatewayHelmValues: pulumi.Output<GatewayHelmValues>;
    /** The egress probe script of this plan (POSIX sh and curl), whether or not `probe.enabled` runs it. */
    declare public readonly probeScript: pulumi.Output<string>;
    /** Name of the probe Job (`kubectl logs job/<name>`); undefined unless `probe.enabled`. */
    public readonly probeJobName: pulumi.Output<string | undefined>;

    constructor(name: string, args: SelfHostedGatewayEgressArgs, opts?: pulumi.ComponentResourceOptions) {
        // Argument errors come before any resource, this component included, whenever the args
        // are known now.
        // A secret arg keeps every value derived from it secret: Pulumi carries the secrecy of
        // `pulumi.output(args)` through each apply below. A refusal withholds it (errors.ts).
        const known = isPlain(args) ? resolveOptions(name, args) : undefined;
        const secrets = known ? Promise.resolve(NO_SECRETS) : secretsIn(args);
        const shape = readShape(args, secrets);
        const resolved = known ? undefined : pulumi.output(args).apply(async (a) => withSecretsWithheld(await secrets, () => resolveOptions(name, a)));
        // Args that arrive as Outputs are validated once, when they resolve; children are
        // registered only then, so a refusal is reported once and no child waits on it.
        const validated = resolved && knownValue(resolved);
        // The place among this program's writers is taken now, in construction order, even
        // when what it writes is known only later.
        // In a preview with unknown values the request is read off the values known.
        const groupAsked = !(shape instanceof Promise) && !shape.firewall ? null
            : known ? groupRequest(name, known)
            : valueWithUnknowns(pulumi.output(args as unknown)).then((raw) => (pulumi.containsUnknowns(raw)
                ? requestWithUnknowns(name, raw as Record<string, unknown>)
                : (validated as Promise<Options | undefined>).then((o) => (o === undefined ? undefined : groupRequest(name, o)))));
        const claim = groupAsked === null ? undefined : claimGroups(groupAsked);
        super(TYPE_TOKEN, name, {}, opts);

        // With the args known now, inputs are plain values; otherwise each is read off the
        // resolved args. Either way the pipeline runs once, in one apply.
        const options: Options | pulumi.Output<Options> = known ?? (resolved as pulumi.Output<Options>);
        const apim = readApim(handled(read(options, (o) => o.apim.resourceGroupName)), handled(read(options, (o) => o.apim.serviceName)), this);
        // The target policy is read beside the instance; what it says joins the notes (or refuses).
        const derive = async (document: Parameters<typeof deriveEgress>[0], o: Options, p: PolicyReading | undefined): Promise<Derived> => {
            const d = withSecretsWithheld(await secrets, () => deriveEgress(document, o, undefined, p));
            d.facts.warnings.forEach((w) => pulumi.log.warn(w, this));
            // Inside the one apply, so that a probe arg the plan refuses stops every child; its
            // refusals withhold secrets as the options' do.
            return { ...d, probe: withSecretsWithheld(await secrets, () => probeOf(d, o)) };
        };
        // Known args are not wrapped in Outputs (`pulumi.all` and `pulumi.output` walk every key of
        // them, for each site of a landing zone); the policy read starts now, beside the instance's.
        const policyRead = known?.placement && readFirewallPolicy(known.placement.policy, this);
        policyRead?.catch(() => undefined);
        const derived = known
            ? apim.apply(async (document) => derive(document, known, await policyRead))
            : pulumi.all([apim, options, handled((options as pulumi.Output<Options>).apply((o) => o.placement && readFirewallPolicy(o.placement.policy, this)))]).apply(([document, o, p]) => derive(document, o, p));

        // Where the group goes: the checked policy and the ledger's placements. An unknown policy
        // stays unknown, as Pulumi shows a value it cannot know yet; the name and priority are the
        // ledger's, unknown only where they depend on unknown values. A refusal withholds secrets,
        // and placements derived from secret args are secret.
        const targetFor = (r: GroupRequest | null | undefined, c: Claim<FirewallPolicyRuleCollectionGroup>): Target => ({
            // A stand-in for an unknown policy is the ledger's, never an input.
            placement: handled(inProviderSubscription(r && !r.unknown?.policy ? r.placement : read(options, (o) => o.placement as PlacementOptions), "firewall", this, secrets)),
            placements: Array.isArray(c.placements) ? c.placements as readonly GroupPlacement[]
                : handled(pulumi.all([secretsWithheldIn(secrets, c.placements as Promise<readonly GroupPlacement[]>), secrets]).apply(([p, s]) => (s.paths.length > 0 ? pulumi.secret(p) : p)) as pulumi.Output<readonly GroupPlacement[]>),
        });
        const targetOf = (s: Shape): Target | Promise<Target> | undefined => (!s.firewall || !claim ? undefined
            : groupAsked instanceof Promise ? groupAsked.then((r) => targetFor(r, claim)) : targetFor(groupAsked, claim));
        const build = (s: Shape, target: Target | undefined): Children => {
            let ruleCollectionGroup: FirewallPolicyRuleCollectionGroup | undefined;
            let placed: GroupPlacement | pulumi.Output<GroupPlacement> | undefined;
            if (target && claim) {
                const collections = derived.apply((d) => d.firewall?.ruleCollections ?? []);
                [ruleCollectionGroup] = registerGroups([{ resourceName: name, ruleCollections: collections }], target.placement, target.placements, claim, this);
                placed = read(target.placements, (p) => p[0]);
            }
            let networkPolicy: NetworkPolicy | undefined;
            let probeJob: Job | undefined;
            if (s.cluster) {
                // One apply per input: a property read off an Output is an apply of its own.
                const manifest = (kind: string) => {
                    const of = (d: Derived) => d.cluster.manifests.find((m) => m.kind === kind) as Manifest;
                    return { metadata: derived.apply((d) => of(d).metadata), spec: derived.apply((d) => of(d).spec) };
                };
                const np = manifest("NetworkPolicy");
                networkPolicy = new NetworkPolicy(name, { metadata: np.metadata as Untyped, spec: np.spec as Untyped }, { parent: this });
                const extra = s.flavor === ClusterFlavor.OpenShift ? { apiVersion: "k8s.ovn.org/v1", kind: "EgressFirewall" }
                    : s.flavor === ClusterFlavor.Cilium ? { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy" }
                    : undefined;
                let policy: CustomResource | undefined;
                if (extra) {
                    const m = manifest(extra.kind);
                    policy = new CustomResource(name, { ...extra, metadata: m.metadata as Untyped, spec: m.spec }, { parent: this });
                }
                if (s.probe) {
                    // Runs once the rules it proves are written.
                    const objects = (f: (o: ProbeObjects) => unknown) => derived.apply((d) => f(d.probe.objects as ProbeObjects) as Untyped);
                    const rules = [...(ruleCollectionGroup ? [ruleCollectionGroup] : []), networkPolicy, ...(policy ? [policy] : [])];
                    const configMap = new ConfigMap(`${name}-probe`, { metadata: objects((o) => o.configMap.metadata), data: objects((o) => o.configMap.data) }, { parent: this });
                    probeJob = new Job(`${name}-probe`, { metadata: objects((o) => o.job.metadata), spec: objects((o) => o.job.spec) }, { parent: this, dependsOn: [configMap, ...rules] });
                }
            }
            return { ruleCollectionGroup, placed, networkPolicy, probeJob };
        };
        // Children whose existence or inputs wait for an Output are registered when it resolves,
        // and only once the group's place and target are accepted: a refusal of either stops
        // every child, the cluster's too, so that nothing is created.
        const target = shape instanceof Promise ? shape.then(targetOf) : targetOf(shape);
        const children = known && !(shape instanceof Promise) && !(target instanceof Promise) && isDecided(target)
            ? build(shape, target)
            : Promise.all([shape, target, validated]).then(async ([s, t]) => {
                if (t) {
                    await Promise.all([knownValue(pulumi.output(t.placement)), knownValue(pulumi.output(t.placements))]);
                }
                return build(s, t);
            });
        childrenRegistered(this, children, this.getData());
        if (children instanceof Promise && claim) {
            // A firewall that turns out disabled, or a refusal, writes nothing; successors must not wait.
            children.then((c) => (c.ruleCollectionGroup ? undefined : claim.written([])), () => claim.written([]));
        }
        // A child's Output is handed on as it is: `pulumi.output` of an Output makes two more and
        // copies the value; the outputs of children that do not exist share one undefined.
        const none = pulumi.output(undefined);
        const fromChildren = <T>(f: (c: Children) => T | pulumi.Output<T> | undefined): pulumi.Output<T | undefined> => {
            if (children instanceof Promise) {
                return pulumi.output(children.then(f)) as pulumi.Output<T | undefined>;
            }
            const v = f(children);
            return (v === undefined ? none : pulumi.Output.isInstance(v) ? v : pulumi.output(v)) as pulumi.Output<T | undefined>;
        };

        // The ID holds the policy and group names: secret with the args, as the hub's ids are;
        // known args hold no secret.
        this.ruleCollectionGroupId = known ? fromChildren((c) => c.ruleCollectionGroup?.id)
            : pulumi.all([fromChildren((c) => c.ruleCollectionGroup?.id), secrets]).apply(([id, s]) => (s.paths.length > 0 ? pulumi.secret(id) : pulumi.output(id)));
        this.ruleCollectionGroupName = fromChildren((c) => c.placed && read(c.placed, (p) => p.name));
        this.priority = fromChildren((c) => c.placed && read(c.placed, (p) => (p.priority ?? pulumi.unknown) as number));
        this.networkPolicyName = fromChildren((c) => c.networkPolicy?.metadata.name);
        this.configurationHost = derived.apply((d) => d.facts.configurationHost);
        this.configurationAddress = derived.apply((d) => d.facts.configurationAddress);
        this.ruleStyle = derived.apply((d) => d.firewall?.ruleStyle);
        // The name hashes the script, which any secret arg may shape: secret then, as the Job's inputs are.
        this.probeJobName = known ? fromChildren((c) => c.probeJob?.metadata.name)
            : pulumi.all([fromChildren((c) => c.probeJob?.metadata.name), secrets]).apply(([n, s]) => (s.paths.length > 0 && n !== undefined ? pulumi.secret(n) : n)) as pulumi.Output<string | undefined>;

        const groupOf = (o: Options, group: string | undefined, priority: number | undefined) =>
            (o.placement && group !== undefined ? { policy: `${o.placement.policy.resourceGroupName}/${o.placement.policy.policyName}`, group, priority: priority ?? "" } : undefined);
        // With the args known and the group placed now (or absent), the request waits for the plan only.
        const placedNow = known && !(children instanceof Promise) && !pulumi.Output.isInstance(children.placed) && children.placed?.priority !== undefined ? children.placed : undefined;
        let request: pulumi.Output<ReturnType<typeof changeRequest>> | undefined;
        const requestOnce = () => (request ??= known && !(children instanceof Promise) && (children.placed === undefined || placedNow)
            ? derived.apply((d) => changeRequest(d, groupOf(known, placedNow?.name, placedNow?.priority)))
            : pulumi.all([derived, options, this.ruleCollectionGroupName, this.priority]).apply(([d, o, group, priority]) => changeRequest(d, groupOf(o, group, priority))));
        // The reports of the plan: made when first read (outputs.ts, lazyOutputs).
        lazyOutputs<SelfHostedGatewayEgress>(this, {
            egressPlan: () => derived.apply((d) => d.flows),
            changeRequest: () => requestOnce().apply((r) => r.rows),
            egressMatrix: () => requestOnce().apply((r) => rowsToMarkdown(r.rows, r.notes)),
            notEnforceableInCluster: () => derived.apply((d) => d.cluster.notEnforceable.map((n) => ({ ...n }))),
            notes: () => derived.apply((d) => d.notes),
            gatewayHelmValues: () => derived.apply((d) => d.helmValues),
            probeScript: () => derived.apply((d) => d.probe.script),
        });
        // State records what the component wrote and where: its children's names and ids, the
        // group's priority, the addresses its rules open. The reports above are derived from the
        // args and the instance at every run; in state they would add about 15 KB a site to every
        // checkpoint (15 MB for a landing zone of a thousand), and registering them cost such a
        // program 7 % of its CPU and most of its extra peak memory (bench/). They stay outputs for
        // the program to export; another language reads them through the component provider,
        // which takes the properties.
        // Every registered output ends a path of the refusal's promises: each marked handled
        // (outputs.ts, handled).
        this.registerOutputs(outputValues(Object.fromEntries(Object.entries({
            ruleCollectionGroupId: this.ruleCollectionGroupId,
            ruleCollectionGroupName: this.ruleCollectionGroupName,
            priority: this.priority,
            networkPolicyName: this.networkPolicyName,
            configurationHost: this.configurationHost,
            configurationAddress: this.configurationAddress,
            ruleStyle: this.ruleStyle,
            probeJobName: this.probeJobName,
        }).map(([k, v]) => [k, handled(v)]))));
    }

    /** Settles once every child is registered: Pulumi reads the children for a dependent then. */
    protected override initialize(): Promise<undefined> {
        return lateChildren(this);
    }
}
