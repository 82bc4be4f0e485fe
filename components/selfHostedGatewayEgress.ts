// The Pulumi component: a thin shell around the pure pipeline. It reads the APIM instance from
// Azure, runs facts → plan → renderers, and turns the renderings into one Firewall Policy rule
// collection group and the cluster policy objects, each parented to this component.
import * as pulumi from "@pulumi/pulumi";
import { getApiManagementServiceOutput } from "@pulumi/azure-native/apimanagement";
import { FirewallPolicyRuleCollectionGroup } from "@pulumi/azure-native/network";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import { ApimFacts, normalizeApim } from "./apimFacts";
import { ClusterRendering, Manifest, renderClusterPolicy } from "./clusterPolicy";
import { buildEgressPlan, EgressPlan } from "./egressPlan";
import { FirewallRendering, renderFirewallRules } from "./firewallRules";
import { ClusterFlavor, Options, resolveClusterShape, resolveOptions, SelfHostedGatewayEgressArgs } from "./options";
import { Placement, PolicyLedger } from "./policyLedger";
import { describeFlows, egressMatrix, FlowReport, matrixToMarkdown } from "./report";

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
    public readonly notEnforceableInCluster: pulumi.Output<{ flow: string; reason: string }[]>;
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

        const options: pulumi.Output<Options> = known ? pulumi.output(known) as pulumi.Output<Options> : pulumi.output(args).apply((a) => resolveOptions(name, a));
        const apim = getApiManagementServiceOutput(
            { resourceGroupName: options.apim.resourceGroupName, serviceName: options.apim.serviceName },
            { parent: this },
        );
        const facts: pulumi.Output<ApimFacts> = apim.apply((document) => {
            const normalized = normalizeApim(document);
            normalized.warnings.forEach((w) => pulumi.log.warn(w, this));
            return normalized;
        });
        const plan: pulumi.Output<EgressPlan> = pulumi.all([facts, options]).apply(([f, o]) => buildEgressPlan(f, o));
        const firewall: pulumi.Output<FirewallRendering> = pulumi.all([plan, facts, options]).apply(([p, f, o]) => renderFirewallRules(p, f.virtualNetworkType, o.firewall));
        const cluster: pulumi.Output<ClusterRendering> = pulumi.all([plan, options]).apply(([p, o]) => renderClusterPolicy(p, o.cluster));

        const rcg = new FirewallPolicyRuleCollectionGroup(name, {
            resourceGroupName: options.firewall.policy.resourceGroupName,
            firewallPolicyName: options.firewall.policy.policyName,
            ruleCollectionGroupName: options.firewall.ruleCollectionGroupName,
            priority: placement?.priority ?? options.apply((o) => o.firewall.priority ?? o.firewall.priorityRange.start),
            ruleCollections: firewall.ruleCollections as Untyped,
        }, { parent: this, dependsOn: placement?.after && known?.firewall.serializeWrites ? [placement.after] : [] });
        if (known && placement) {
            ledger.record(known.firewall.policy, { component: name, ruleCollectionGroupName: known.firewall.ruleCollectionGroupName, priority: placement.priority, resource: rcg });
        }

        const manifest = (kind: string) => cluster.apply((c) => c.manifests.find((m) => m.kind === kind) as Manifest);
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
        this.ruleCollectionGroupName = options.firewall.ruleCollectionGroupName;
        this.priority = rcg.priority.apply((p) => p as number);
        this.networkPolicyName = networkPolicyName;
        this.configurationHost = facts.configurationHost;
        this.configurationAddress = facts.configurationAddress;
        this.ruleStyle = firewall.ruleStyle;
        this.egressPlan = pulumi.all([plan, firewall, cluster]).apply(([p, f, c]) => describeFlows(p, f, c));
        this.egressMatrix = pulumi.all([this.egressPlan, options]).apply(([flows, o]) =>
            matrixToMarkdown(egressMatrix(flows, [...o.firewall.sourceAddresses, ...o.firewall.sourceIpGroupIds].join(" "))));
        this.notEnforceableInCluster = cluster.apply((c) => c.notEnforceable.map((n) => ({ ...n })));
        this.notes = pulumi.all([facts, firewall]).apply(([f, fw]) => [...f.warnings, ...fw.notes]);
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
