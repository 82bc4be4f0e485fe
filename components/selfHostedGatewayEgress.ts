// The Pulumi component: a thin shell around the pure pipeline. It reads the APIM instance from
// Azure, runs facts → plan → renderers, and turns the renderings into one Firewall Policy rule
// collection group and the cluster policy objects, each parented to this component.
import * as pulumi from "@pulumi/pulumi";
import { getApiManagementServiceOutput } from "@pulumi/azure-native/apimanagement";
import { FirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { Manifest } from "./clusterPolicy";
import { ClusterFlavor, SelfHostedGatewayEgressArgs } from "./args";
import { Options, resolveClusterShape, resolveOptions } from "./options";
import { Placement, PolicyLedger } from "./policyLedger";
import { Derivation, deriveEgress } from "./pipeline";
import { FlowReport } from "./report";

export const TYPE_TOKEN = "apim-gateway-egress:index:SelfHostedGatewayEgress";

let ledger = new PolicyLedger<FirewallPolicyRuleCollectionGroup>();

/**
 * Forgets the rule collection groups of earlier programs. Internal: for runners that build
 * several programs in one process (the offline preview, tests).
 */
export function resetPolicyLedger(): void {
    ledger = new PolicyLedger<FirewallPolicyRuleCollectionGroup>();
}

/** True when no Output or Promise hides inside `value`: it can be validated right now. */
function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return false;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).every(isPlain);
    }
    return true;
}

// The azure-native and kubernetes input types want mutable arrays; the renderers hand out
// read-only data. The shapes are the same: the tests pin them against the SDK's type tokens.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = any;

/** A flow of the egress plan that no cluster rule allows, so it stays blocked in the cluster. */
export interface NotEnforceableFlow {
    /** The flow's id, as in `egressPlan`. */
    flow: string;
    /** Why no cluster rule can carry it. */
    reason: string;
}

/**
 * Least-privilege Azure Firewall and cluster egress for an Azure API Management self-hosted
 * gateway, derived from the APIM instance at every deployment: one rule collection group in an
 * existing Firewall Policy, and the matching cluster policy for the gateway pods.
 */
export class SelfHostedGatewayEgress extends pulumi.ComponentResource {
    /** Resource ID of the rule collection group. */
    public readonly ruleCollectionGroupId: pulumi.Output<string>;
    /** Name of the rule collection group. */
    public readonly ruleCollectionGroupName: pulumi.Output<string>;
    /** Priority of the rule collection group, given or allocated. */
    public readonly priority: pulumi.Output<number>;
    /** Name of the NetworkPolicy; undefined when the cluster policy is disabled. */
    public readonly networkPolicyName: pulumi.Output<string | undefined>;
    /** The configuration endpoint's host name. */
    public readonly configurationHost: pulumi.Output<string>;
    /** The VIP behind the configuration endpoint, read from Azure at this deployment. */
    public readonly configurationAddress: pulumi.Output<string>;
    /** The rule style used for the configuration endpoint (`ip`, `fqdn`, `both`). */
    public readonly ruleStyle: pulumi.Output<string>;
    /** Every flow of the egress plan, with the firewall rule and cluster rules that carry it. */
    public readonly egressPlan: pulumi.Output<FlowReport[]>;
    /** The egress matrix for a change request, as a markdown table. */
    public readonly egressMatrix: pulumi.Output<string>;
    /** Flows no cluster rule allows, with the reason; they are blocked in the cluster. */
    public readonly notEnforceableInCluster: pulumi.Output<NotEnforceableFlow[]>;
    /** What the firewall and cluster administrators must know for these rules to work. */
    public readonly notes: pulumi.Output<string[]>;

    constructor(name: string, args: SelfHostedGatewayEgressArgs, opts?: pulumi.ComponentResourceOptions) {
        // Argument errors come before any resource, this component included, whenever the args
        // are known now; Inputs that are still Outputs are checked when they resolve, before
        // any child resource can be registered since every child input depends on them.
        const shape = resolveClusterShape(args?.cluster);
        const known = isPlain(args) ? resolveOptions(name, args) : undefined;
        // Chaining and collision checks need the policy's identity now; args still hidden in
        // Outputs get their own priority (or the range's start) and no chain.
        const placement: Placement<FirewallPolicyRuleCollectionGroup> | undefined = known
            ? ledger.place(known.firewall.policy, known.firewall.ruleCollectionGroupName, known.firewall.priority, known.firewall.priorityRange)
            : undefined;
        super(TYPE_TOKEN, name, {}, opts);

        // With the args known now, inputs are plain values; otherwise each is read off the
        // resolved args. Either way the pipeline runs once, in one apply.
        const resolved = known ? undefined : pulumi.output(args).apply((a) => resolveOptions(name, a));
        const pick = <T>(read: (o: Options) => T): pulumi.Input<T> => (known ? read(known) : (resolved as pulumi.Output<Options>).apply(read));
        const apim = getApiManagementServiceOutput(
            { resourceGroupName: pick((o) => o.apim.resourceGroupName), serviceName: pick((o) => o.apim.serviceName) },
            { parent: this },
        );
        const derive = (document: unknown, o: Options): Derivation => {
            const d = deriveEgress(document, o);
            d.facts.warnings.forEach((w) => pulumi.log.warn(w, this));
            return d;
        };
        const derived = known ? apim.apply((document) => derive(document, known)) : pulumi.all([apim, resolved as pulumi.Output<Options>]).apply(([document, o]) => derive(document, o));

        const rcg = new FirewallPolicyRuleCollectionGroup(name, {
            resourceGroupName: pick((o) => o.firewall.policy.resourceGroupName),
            firewallPolicyName: pick((o) => o.firewall.policy.policyName),
            ruleCollectionGroupName: pick((o) => o.firewall.ruleCollectionGroupName),
            priority: placement?.priority ?? pick((o) => o.firewall.priority ?? o.firewall.priorityRange.start),
            ruleCollections: derived.apply((d) => d.firewall.ruleCollections as Untyped),
        }, { parent: this, dependsOn: placement?.after && known?.firewall.serializeWrites ? [placement.after] : [] });
        if (known && placement) {
            ledger.record(known.firewall.policy, { component: name, ruleCollectionGroupName: known.firewall.ruleCollectionGroupName, priority: placement.priority, resource: rcg });
        }

        const manifest = (kind: string) => derived.apply((d) => d.cluster.manifests.find((m) => m.kind === kind) as Manifest);
        let networkPolicyName: pulumi.Output<string | undefined> = pulumi.output(undefined);
        if (shape.enabled) {
            const np = manifest("NetworkPolicy");
            const networkPolicy = new NetworkPolicy(name, { metadata: np.metadata as Untyped, spec: np.spec as Untyped }, { parent: this });
            networkPolicyName = networkPolicy.metadata.name;
            const extra = shape.flavor === ClusterFlavor.OpenShift ? { apiVersion: "k8s.ovn.org/v1", kind: "EgressFirewall" }
                : shape.flavor === ClusterFlavor.Cilium ? { apiVersion: "cilium.io/v2", kind: "CiliumNetworkPolicy" }
                : undefined;
            if (extra) {
                const m = manifest(extra.kind);
                new CustomResource(name, { ...extra, metadata: m.metadata as Untyped, spec: m.spec }, { parent: this });
            }
        }

        this.ruleCollectionGroupId = rcg.id;
        this.ruleCollectionGroupName = pulumi.output(pick((o) => o.firewall.ruleCollectionGroupName));
        this.priority = rcg.priority.apply((p) => p as number);
        this.networkPolicyName = networkPolicyName;
        this.configurationHost = derived.apply((d) => d.facts.configurationHost);
        this.configurationAddress = derived.apply((d) => d.facts.configurationAddress);
        this.ruleStyle = derived.apply((d) => d.firewall.ruleStyle);
        this.egressPlan = derived.apply((d) => d.flows);
        this.egressMatrix = derived.apply((d) => d.matrix);
        this.notEnforceableInCluster = derived.apply((d) => d.cluster.notEnforceable.map((n) => ({ ...n })));
        this.notes = derived.apply((d) => d.notes);
        this.registerOutputs({
            ruleCollectionGroupId: this.ruleCollectionGroupId,
            ruleCollectionGroupName: this.ruleCollectionGroupName,
            priority: this.priority,
            networkPolicyName: this.networkPolicyName,
            configurationHost: this.configurationHost,
            configurationAddress: this.configurationAddress,
            ruleStyle: this.ruleStyle,
            egressPlan: this.egressPlan,
            egressMatrix: this.egressMatrix,
            notEnforceableInCluster: this.notEnforceableInCluster,
            notes: this.notes,
        });
    }
}
