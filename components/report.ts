// Report renderers: what a network team reviews. Two views, both pure:
// - per flow (`FlowReport`, the `egressPlan` output): each flow of the plan with the firewall rule
//   and cluster rules that carry it;
// - per rule (`RuleRow`, the change-request matrix): every firewall rule and every cluster rule
//   with its identity (policy, group, priority, collection, name, type, action), what it allows
//   (protocol, sources, destinations, ports), why (purpose) and the document that says so —
//   as markdown (notes below the table), RFC 4180 CSV, or a terminal table of at most 120 columns.
import { stringify } from "csv-stringify/sync";
import { DECLARED_BY_USER } from "./catalog";
import { ClusterRendering, Manifest, ruleOf } from "./clusterPolicy";
import { EgressPlan } from "./egressPlan";
import { FilterRuleCollection, FirewallRendering } from "./firewallRules";
import { byCodePoint } from "./ordering";
import { DestinationKind, formatPorts } from "./peers";
import { markdownListItem, TEXT_WIDTH, wrap } from "./textWrap";

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

/** The one wording for a flow no cluster rule allows. */
export const BLOCKED_IN_CLUSTER = "blocked in the cluster";
/** The cluster column of a flow the nodes make, not the gateway pods (the image pull). */
export const NOT_POD_TRAFFIC = "not pod traffic: the nodes' container runtime pulls images";
/** The firewall column of an in-cluster peer: its traffic stays in the cluster, so no firewall sees it. */
export const IN_CLUSTER_ONLY = "none: in the cluster, allowed by the cluster policy alone";
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
        firewallRule: f.destination.kind === DestinationKind.InCluster ? IN_CLUSTER_ONLY
            : firewall === undefined ? NOT_WRITTEN_HERE : firewall.enforcedBy[f.id] ?? `not in firewall (ruleStyle ${firewall.ruleStyle})`,
        clusterRules: f.fromNodes ? NOT_POD_TRAFFIC : cluster.enforcedBy[f.id]?.join(", ") ?? BLOCKED_IN_CLUSTER,
        reference: f.reference,
    }));
}

/** Which address the configuration rule opens, as every report names it. */
export const AddressSource = { Declared: "declared configurationAddress", Vip: "APIM VIP" } as const;
export type AddressSource = (typeof AddressSource)[keyof typeof AddressSource];

/** The address the configuration rule opens, and which one it is. */
export interface ConfigurationTarget {
    readonly address: string;
    readonly source: AddressSource;
}

/**
 * The address the configuration rule opens, read off the plan: the declared
 * `firewall.configurationAddress` when set (an Application Gateway in front, say), else the VIP.
 * What DNS must answer for the configuration host is this address, never the VIP behind it.
 */
export function configurationTarget(flows: readonly FlowReport[], vip: string): ConfigurationTarget {
    const rule = flows.find((f) => f.id === "configuration-address");
    return rule === undefined || rule.reference !== DECLARED_BY_USER
        ? { address: vip, source: AddressSource.Vip }
        // A single address is planned as its /32 network.
        : { address: rule.destination.replace(/\/32$/, ""), source: AddressSource.Declared };
}

/** One rule of the change request: a firewall rule, or a rule of a cluster policy object. */
export interface RuleRow {
    /** `Azure Firewall`, or the cluster object's kind. */
    enforcer: string;
    /** The firewall policy (`rg/name`), or the cluster object (`namespace/name`). */
    policy: string;
    /** The rule collection group; empty for cluster rules. */
    group: string;
    /** The group's priority; empty for cluster rules. */
    priority: string;
    /** `name (priority)` of the rule collection, or the rule's place in the object (`egress[2]`). */
    collection: string;
    /** The rule's name; for cluster rules, the flows it carries. */
    rule: string;
    type: string;
    action: string;
    protocol: string;
    sources: string;
    destinations: string;
    ports: string;
    purpose: string;
    reference: string;
}

export const RULE_COLUMNS: readonly (keyof RuleRow)[] = ["enforcer", "policy", "group", "priority", "collection", "rule", "type", "action", "protocol", "sources", "destinations", "ports", "purpose", "reference"];

/** Where a firewall group goes. */
export interface GroupTarget {
    /** `resourceGroup/policyName`. */
    readonly policy: string;
    readonly group: string;
    readonly priority: number | string;
}

const list = (values: readonly unknown[] | undefined): string => (values ?? []).map(String).join(" ");

/** A rule description written by firewallRules.ts: `purpose [reference]`. */
function splitDescription(description: string): { purpose: string; reference: string } {
    const match = /^(.*) \[([^\]]+)\]$/.exec(description);
    return match ? { purpose: match[1], reference: match[2] } : { purpose: description, reference: "" };
}

/** One row per firewall rule of a group, in collection and rule order. */
export function firewallRows(target: GroupTarget, ruleCollections: readonly FilterRuleCollection[]): RuleRow[] {
    return ruleCollections.flatMap((c) => c.rules.map((r): RuleRow => {
        const { purpose, reference } = splitDescription(r.description);
        const sources = [...(r.sourceAddresses ?? []), ...(r.sourceIpGroups ?? []).map((id) => `ipGroup:${id.split("/").pop()}`)].join(" ");
        const common = { enforcer: "Azure Firewall", policy: target.policy, group: target.group, priority: String(target.priority), collection: `${c.name} (${c.priority})`, rule: r.name, type: r.ruleType, action: c.action.type, sources, purpose, reference };
        return r.ruleType === "NetworkRule"
            ? { ...common, protocol: list(r.ipProtocols), destinations: list(r.destinationAddresses ?? r.destinationFqdns), ports: r.destinationPorts.join(", ") }
            : { ...common, protocol: r.protocols.map((p) => p.protocolType).join(" "), destinations: list(r.targetFqdns), ports: r.protocols.map((p) => String(p.port)).join(", ") };
    }));
}

type Json = Record<string, unknown>;
const records = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

function labels(value: unknown): string {
    // Sorted, not in the object's order: JavaScript puts integer-like keys ("6") first.
    return Object.entries((value ?? {}) as Record<string, string>).sort(([a], [b]) => byCodePoint(a, b)).map(([k, v]) => `${k}=${v}`).join(",");
}

/** A NetworkPolicy peer as a reader would say it; a pod selector alone means pods of the policy's own namespace. */
function peer(p: Json, namespace: string): string {
    if (p.ipBlock) {
        return String((p.ipBlock as Json).cidr);
    }
    const pods = p.podSelector ? labels((p.podSelector as Json).matchLabels) : undefined;
    if (!p.namespaceSelector) {
        return pods ? `pods ${pods} of ${namespace}` : `every pod of ${namespace}`;
    }
    const ns = labels((p.namespaceSelector as Json).matchLabels);
    return `${pods ? `pods ${pods}` : "every pod"} of namespaces ${ns || "(any)"}`;
}

/** Protocols and ports of a rule, each named once. */
function networkPolicyPorts(ports: unknown): { protocol: string; ports: string } {
    const all = records(ports);
    return {
        protocol: [...new Set(all.map((p) => String(p.protocol)))].join(" "),
        ports: [...new Set(all.map((p) => (p.endPort ? `${p.port}-${p.endPort}` : String(p.port))))].join(", "),
    };
}

/** One row per rule of each cluster object, egress then ingress, in order. */
export function clusterRows(cluster: ClusterRendering, flowsByRule: Readonly<Record<string, readonly string[]>> = {}): RuleRow[] {
    return cluster.manifests.flatMap((m: Manifest) => {
        const object = `${m.metadata.namespace}/${m.metadata.name}`;
        const spec = m.spec;
        const ref = (where: string) => `${m.kind}/${m.metadata.name}/${where}`;
        const row = (where: string, fields: Pick<RuleRow, "type" | "action" | "protocol" | "sources" | "destinations" | "ports">): RuleRow => ({
            enforcer: m.kind, policy: object, group: "", priority: "", collection: where, rule: (flowsByRule[ref(where)] ?? []).join(" "),
            ...fields, purpose: cluster.purposes[ref(where)]?.purpose ?? "", reference: cluster.purposes[ref(where)]?.reference ?? "",
        });
        if (m.kind === "NetworkPolicy") {
            const pods = `pods ${labels((spec.podSelector as Json).matchLabels)}`;
            return [
                ...records(spec.egress).map((r, i) => row(`egress[${i}]`, { type: "egress", action: "Allow", sources: pods, destinations: records(r.to).map((p) => peer(p, m.metadata.namespace)).join("; "), ...networkPolicyPorts(r.ports) })),
                ...records(spec.ingress).map((r, i) => row(`ingress[${i}]`, { type: "ingress", action: "Allow", sources: records(r.from).map((p) => peer(p, m.metadata.namespace)).join("; "), destinations: pods, ...networkPolicyPorts(r.ports) })),
            ];
        }
        if (m.kind === "EgressFirewall") {
            return records(spec.egress).map((r, i) => {
                const to = r.to as Json;
                return row(`egress[${i}]`, { type: to.dnsName ? "dnsName" : "cidrSelector", action: String(r.type), sources: `every pod of ${m.metadata.namespace}`, destinations: String(to.dnsName ?? to.cidrSelector), ...networkPolicyPorts(r.ports) });
            });
        }
        const pods = `pods ${labels((spec.endpointSelector as Json).matchLabels)}`;
        return records(spec.egress).map((r, i) => {
            const ports = records(r.toPorts).flatMap((tp) => records(tp.ports));
            const destinations = r.toCIDR ? list(r.toCIDR as unknown[]) : r.toFQDNs ? records(r.toFQDNs).map((f) => String(f.matchName ?? f.matchPattern)).join(" ") : records(r.toEndpoints).map((e) => `endpoints ${labels(e.matchLabels)}`).join(" ");
            const type = r.toCIDR ? "toCIDR" : r.toFQDNs ? "toFQDNs" : "toEndpoints";
            return row(`egress[${i}]`, { type, action: "Allow", sources: pods, destinations, ...networkPolicyPorts(ports) });
        });
    });
}

/** Cluster rule reference → the flows it carries, from the per-flow report. */
export function flowsByRule(flows: readonly FlowReport[]): Record<string, string[]> {
    const byRule: Record<string, string[]> = {};
    for (const f of flows) {
        for (const where of f.clusterRules === BLOCKED_IN_CLUSTER || f.clusterRules === NOT_POD_TRAFFIC ? [] : f.clusterRules.split(", ")) {
            (byRule[ruleOf(where)] ??= []).push(f.id);
        }
    }
    return byRule;
}

export function rowsToCsv(rows: readonly RuleRow[]): string {
    return stringify(rows.map((r) => RULE_COLUMNS.map((c) => r[c])), { header: true, columns: [...RULE_COLUMNS], record_delimiter: "\r\n" });
}

function escapeMarkdownCell(text: string): string {
    return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The change request as markdown: the rules, then the notes the administrators must read. */
export function rowsToMarkdown(rows: readonly RuleRow[], notes: readonly string[] = []): string {
    const lines = [
        `| ${RULE_COLUMNS.join(" | ")} |`,
        `| ${RULE_COLUMNS.map(() => "---").join(" | ")} |`,
        ...rows.map((r) => `| ${RULE_COLUMNS.map((c) => escapeMarkdownCell(r[c])).join(" | ")} |`),
        ...(notes.length > 0 ? ["", "Notes:", "", ...notes.flatMap((n) => markdownListItem(escapeMarkdownCell(n)))] : []),
    ];
    return `${lines.join("\n")}\n`;
}

/**
 * A plain-text table for terminals, at most `width` columns: each column gets what its content
 * needs up to a fair share, and longer cells wrap onto further lines.
 */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[], width = TEXT_WIDTH): string {
    const gap = 2;
    const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const widths = [...natural];
    const longestWord = headers.map((_, i) => Math.max(...rows.map((r) => Math.max(...r[i].split(" ").map((w) => w.length)))));
    // Shrink the widest column until the table fits, no column below its header or 8: first
    // only down to a cell's longest word (lines break at spaces), then splitting words.
    const shrink = (floorOf: (i: number) => number) => {
        while (widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1) > width) {
            const shrinkable = widths.map((w, i) => (w > floorOf(i) ? w : -1));
            const widest = shrinkable.indexOf(Math.max(...shrinkable));
            if (shrinkable[widest] < 0) {
                return;
            }
            widths[widest]--;
        }
    };
    const floor = (i: number) => Math.max(8, headers[i].length);
    shrink((i) => Math.max(floor(i), longestWord[i]));
    shrink(floor);
    const render = (cells: readonly string[]) => {
        const wrapped = cells.map((c, i) => wrap(c, widths[i]));
        const height = Math.max(...wrapped.map((w) => w.length));
        return Array.from({ length: height }, (_, k) => wrapped.map((w, i) => (w[k] ?? "").padEnd(widths[i])).join(" ".repeat(gap)).trimEnd());
    };
    return [...render(headers), widths.map((w) => "-".repeat(w)).join(" ".repeat(gap)), ...rows.flatMap(render)].join("\n") + "\n";
}

/** The terminal view of the change request: where, rule, what it allows, why. */
export function rowsToText(rows: readonly RuleRow[], width = TEXT_WIDTH): string {
    return textTable(
        ["where", "rule", "action", "destinations", "ports", "purpose"],
        rows.map((r) => [
            r.enforcer === "Azure Firewall" ? `${r.group}/${r.collection.replace(/ \(\d+\)$/, "")}` : `${r.enforcer} ${r.collection}`,
            r.rule || "-",
            `${r.action} ${r.protocol}`.trim(),
            r.destinations,
            r.ports || "any",
            r.purpose,
        ]),
        width,
    );
}

/** Text for a Mermaid label in double quotes: quotes and angle brackets as entities, one line. */
function mermaidText(text: string): string {
    return text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\r?\n/g, " ");
}

/**
 * The egress as a Mermaid flowchart, for GitHub and Azure DevOps markdown: who connects (the
 * gateway pods through their cluster policy, the nodes for the image pull), the firewall groups,
 * and each destination, the edges labelled with protocol, ports and rule. A flow blocked in the
 * cluster is a dashed edge. Deterministic: nodes are numbered in row order.
 */
export function rowsToMermaid(rows: readonly RuleRow[], blockedInCluster: readonly string[] = []): string {
    const ids = new Map<string, string>();
    const lines = ["flowchart LR"];
    const node = (key: string, prefix: string, shape: (label: string) => string, label: string): string => {
        let id = ids.get(key);
        if (id === undefined) {
            id = `${prefix}${ids.size + 1}`;
            ids.set(key, id);
            lines.push(`    ${id}${shape(`"${mermaidText(label)}"`)}`);
        }
        return id;
    };
    const edges = new Set<string>();
    const edge = (text: string) => {
        if (!edges.has(text)) {
            edges.add(text);
            lines.push(`    ${text}`);
        }
    };
    const clusterObjects = [...new Set(rows.filter((r) => r.enforcer !== "Azure Firewall").map((r) => `${r.enforcer} ${r.policy}`))];
    const pods = clusterObjects.length > 0 ? node("pods", "p", (l) => `([${l}])`, `gateway pods · ${clusterObjects[0].split(" ")[1].split("/")[0]}`) : undefined;
    const policy = clusterObjects.length > 0 ? node("cluster", "c", (l) => `{{${l}}}`, clusterObjects.join(" + ")) : undefined;
    if (pods && policy) {
        edge(`${pods} --> ${policy}`);
    }
    for (const r of rows.filter((x) => x.enforcer === "Azure Firewall")) {
        const fromNodes = r.rule.startsWith("imagepull-");
        const source = node(`source ${r.sources}`, "s", (l) => (fromNodes ? `([${l}])` : `[${l}]`), `${fromNodes ? "cluster nodes" : "from"} ${r.sources}`);
        const firewall = node(`firewall ${r.policy} ${r.group}`, "f", (l) => `{{${l}}}`, `Azure Firewall · ${r.policy} · ${r.group} (${r.priority})`);
        if (policy && !fromNodes) {
            edge(`${policy} --> ${source}`);
        }
        edge(`${source} --> ${firewall}`);
        const destination = node(`destination ${r.destinations}`, "d", (l) => `[${l}]`, r.destinations);
        const label = `${r.protocol} ${r.ports} · ${r.rule}${blockedInCluster.includes(r.rule) ? ` · ${BLOCKED_IN_CLUSTER}` : ""}`;
        edge(`${firewall} ${blockedInCluster.includes(r.rule) ? "-.->" : "-->"}|"${mermaidText(label)}"| ${destination}`);
    }
    return `${lines.join("\n")}\n`;
}
