// Report renderer: the egress plan as the matrix a network team reviews — one row per flow with
// source, destination, protocol, ports, purpose, feature, where it is enforced and the document
// that requires it — as structured data, a text table, markdown or RFC 4180 CSV. Pure.
import { stringify } from "csv-stringify/sync";
import { ClusterRendering } from "./clusterPolicy";
import { EgressPlan } from "./egressPlan";
import { FirewallRendering } from "./firewallRules";
import { byCodePoint } from "./ordering";
import { formatPorts } from "./peers";

export interface FlowReport {
    id: string;
    feature: string;
    required: boolean;
    purpose: string;
    destinationKind: string;
    destination: string;
    protocol: string;
    ports: string;
    firewallRule: string;
    clusterRules: string;
    reference: string;
}

/** A flow of one gateway among many (a GatewayEgressRuleCollectionGroup's), with who may connect. */
export interface HubFlowReport extends FlowReport {
    /** The gateway the flow belongs to. */
    gateway: string;
    /** The firewall rules' sources: the gateway's networks and IP Groups. */
    sources: string;
}

export const NOT_ENFORCEABLE = "not enforceable here";
/** The firewall column of a component that leaves its firewall rules to a GatewayEgressRuleCollectionGroup. */
export const NOT_WRITTEN_HERE = "written by the policy's GatewayEgressRuleCollectionGroup (firewall.enabled is false)";

/** One row per flow, in plan order. */
export function describeFlows(plan: EgressPlan, firewall: FirewallRendering | undefined, cluster: ClusterRendering): FlowReport[] {
    return plan.flows.map((f) => ({
        id: f.id,
        feature: f.feature,
        required: f.required,
        purpose: f.purpose,
        destinationKind: f.destination.kind,
        destination: f.destination.value,
        protocol: [...new Set(f.ports.map((p) => p.protocol))].sort(byCodePoint).join("/"),
        ports: f.ports.map(formatPorts).join(", "),
        firewallRule: firewall === undefined ? NOT_WRITTEN_HERE : firewall.enforcedBy[f.id] ?? `not in firewall (ruleStyle ${firewall.ruleStyle})`,
        clusterRules: cluster.enforcedBy[f.id]?.join(", ") ?? NOT_ENFORCEABLE,
        reference: f.reference,
    }));
}

export interface MatrixRow {
    source: string;
    destination: string;
    protocol: string;
    ports: string;
    purpose: string;
    feature: string;
    enforcedBy: string;
    reference: string;
}

/** The review matrix: `source` names who may connect, as the firewall sees it. */
export function egressMatrix(flows: readonly FlowReport[], source: string): MatrixRow[] {
    return flows.map((f) => ({
        source,
        destination: f.destination,
        protocol: f.protocol,
        ports: f.ports,
        purpose: f.purpose,
        feature: `${f.required ? "required" : "optional"}: ${f.feature}`,
        enforcedBy: `firewall: ${f.firewallRule}; cluster: ${f.clusterRules}`,
        reference: f.reference,
    }));
}

export const MATRIX_COLUMNS: readonly (keyof MatrixRow)[] = ["source", "destination", "protocol", "ports", "purpose", "feature", "enforcedBy", "reference"];

export function matrixToCsv(rows: readonly MatrixRow[]): string {
    return stringify(rows.map((r) => MATRIX_COLUMNS.map((c) => r[c])), { header: true, columns: [...MATRIX_COLUMNS], record_delimiter: "\r\n" });
}

function escapeMarkdownCell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function matrixToMarkdown(rows: readonly MatrixRow[]): string {
    const lines = [
        `| ${MATRIX_COLUMNS.join(" | ")} |`,
        `| ${MATRIX_COLUMNS.map(() => "---").join(" | ")} |`,
        ...rows.map((r) => `| ${MATRIX_COLUMNS.map((c) => escapeMarkdownCell(r[c])).join(" | ")} |`),
    ];
    return `${lines.join("\n")}\n`;
}

/** A plain-text table with aligned columns, for terminals. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
    return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}
