// The whole pure pipeline in one call: APIM document → facts → plan → firewall and cluster
// renderings → report. The component runs it once per deployment inside a single apply, so a
// component costs Pulumi one Output chain, not one per stage.
import { ApimFacts, normalizeApim } from "./apimFacts";
import { ClusterRendering, renderClusterPolicy } from "./clusterPolicy";
import { buildEgressPlan, EgressPlan } from "./egressPlan";
import { FirewallRendering, renderFirewallRules } from "./firewallRules";
import { Options } from "./options";
import { describeFlows, egressMatrix, FlowReport, matrixToMarkdown } from "./report";

export interface Derivation {
    readonly facts: ApimFacts;
    readonly plan: EgressPlan;
    readonly firewall: FirewallRendering;
    readonly cluster: ClusterRendering;
    /** One row per flow with the rules that carry it. */
    readonly flows: FlowReport[];
    /** The review matrix as markdown; its source column is the firewall rules' sources. */
    readonly matrix: string;
    /** The facts' warnings, then what the firewall administrator must know. */
    readonly notes: string[];
}

/** Runs facts → plan → renderers → report. Pure; throws `InputError` on bad input. */
export function deriveEgress(document: unknown, options: Options): Derivation {
    const facts = normalizeApim(document);
    const plan = buildEgressPlan(facts, options);
    const firewall = renderFirewallRules(plan, facts.virtualNetworkType, options.firewall);
    const cluster = renderClusterPolicy(plan, options.cluster);
    const flows = describeFlows(plan, firewall, cluster);
    const source = [...options.firewall.sourceAddresses, ...options.firewall.sourceIpGroupIds].join(" ");
    return { facts, plan, firewall, cluster, flows, matrix: matrixToMarkdown(egressMatrix(flows, source)), notes: [...facts.warnings, ...firewall.notes] };
}
