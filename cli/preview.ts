// `apim-gateway-egress preview`: the offline preview. Runs the real components under Pulumi's
// mock runtime against APIM documents on disk and prints what they would register.
//
// What the args are, and where each value comes from:
// - no file at all: the embedded example (its document and its options), as `npm start` shows;
// - `--apim FILE [--options FILE]`: SelfHostedGatewayEgress with the options file's args, and
//   `apim` taken from the document when the file leaves it out; nothing of the example;
// - `--hub FILE --apim FILE [--apim FILE ...]`: GatewayEgressRuleCollectionGroup with the hub
//   file's args, each APIM read answered by the document that describes the instance.
// Args that name another instance than the documents describe are refused.
import * as path from "path";
import { stringify as stringifyYaml } from "yaml";
import { assertApimDocument } from "../components/apimFacts";
import { isFirewallPolicyDocument } from "../components/firewallPolicyFacts";
import { GatewayEgressRuleCollectionGroupArgs, SelfHostedGatewayEgressArgs } from "../components/args";
import { InputError } from "../components/errors";
import { HUB_TYPE_TOKEN } from "../components/gatewayEgressRuleCollectionGroup";
import { byCodePoint } from "../components/ordering";
import { FilterRuleCollection } from "../components/firewallRules";
import { AddressSource, BLOCKED_IN_CLUSTER, configurationTarget, firewallRows, RuleRow, rowsToCsv, rowsToMarkdown, rowsToMermaid, rowsToText, textTable } from "../components/report";
import { TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { hanging, markdownListItem } from "../components/textWrap";
import { checkOneStdin, readDocument } from "./inputs";
import { checkDocumentMatches, checkOneDocumentPerInstance, OfflineHubOutputs, OfflineOptions, OfflineRun, RegisteredResource, resourceGroupOf, runOffline, runOfflineHub } from "./offlineRun";

const EXAMPLES_DIR = path.join(__dirname, "..", "..", "examples");
export const DEFAULT_APIM_FILE = path.join(EXAMPLES_DIR, "apim-internal-premium.json");
export const DEFAULT_OPTIONS_FILE = path.join(EXAMPLES_DIR, "options.yaml");
/** The component's name in a preview: the default name of its rule collection group and cluster objects. */
const COMPONENT_NAME = "apim-shgw-egress";
const HUB_COMPONENT_NAME = "apim-gateway-egress-hub";

export const Format = { Table: "table", Json: "json", Markdown: "markdown", Csv: "csv", Mermaid: "mermaid", HelmValues: "helm-values" } as const;
export type Format = (typeof Format)[keyof typeof Format];

export interface PreviewRequest {
    /** APIM documents; none means the embedded example. */
    apimFiles: readonly string[];
    optionsFile?: string;
    hubFile?: string;
    /** The subscription the azure-native provider writes to, for a policy named by ID. */
    subscriptionId?: string;
    /** `az network firewall policy show -o json` outputs: the target policy, and its parent if any. */
    firewallPolicyFiles?: readonly string[];
    /** `az network firewall policy rule-collection-group list -o json` outputs. */
    ruleCollectionGroupFiles?: readonly string[];
    format: Format;
}

export type PreviewResult =
    | { readonly kind: "gateway"; readonly run: OfflineRun; readonly args: Record<string, unknown> }
    | { readonly kind: "hub"; readonly run: OfflineRun<OfflineHubOutputs>; readonly args: Record<string, unknown> };

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An options or hub file: an object whose keys are a component's args. */
function argsDocument(option: string, file: string): Record<string, unknown> {
    const value = readDocument(option, file);
    if (!isObject(value)) {
        throw new InputError(option, file, "Expected a YAML or JSON object whose keys are the component args.");
    }
    return value;
}

/** An APIM document, refused in the component's own words when it is not an object. */
function apimDocument(file: string): Record<string, unknown> {
    const value = readDocument("--apim", file);
    assertApimDocument(value);
    return value;
}

/** The policy documents and their groups, refused when they are not what `az` prints. */
function policyDocuments(request: Omit<PreviewRequest, "format">): Pick<OfflineOptions, "firewallPolicies" | "ruleCollectionGroups"> {
    const firewallPolicies = (request.firewallPolicyFiles ?? []).map((file) => {
        const value = readDocument("--firewall-policy", file);
        if (!isFirewallPolicyDocument(value)) {
            throw new InputError("--firewall-policy", file, "Expected the output of az network firewall policy show -o json: an object whose type is Microsoft.Network/firewallPolicies.");
        }
        return value;
    });
    const ruleCollectionGroups = (request.ruleCollectionGroupFiles ?? []).flatMap((file) => {
        // `az` prints a list; the REST list wraps it in `value`.
        const read = readDocument("--rule-collection-groups", file);
        const value = isObject(read) && Array.isArray(read.value) ? read.value : read;
        if (!Array.isArray(value) || !value.every((g) => isObject(g) && typeof g.name === "string")) {
            throw new InputError("--rule-collection-groups", file, "Expected the output of az network firewall policy rule-collection-group list -o json: a list of groups, each with its name.");
        }
        return value as Record<string, unknown>[];
    });
    if (ruleCollectionGroups.length > 0 && firewallPolicies.length === 0) {
        throw new InputError("--rule-collection-groups", request.ruleCollectionGroupFiles?.[0], "The groups are read through the policy that lists them: give its --firewall-policy too.");
    }
    return { firewallPolicies, ruleCollectionGroups };
}

/** JSON with keys sorted at every level: byte-identical for equal values. */
export function stableJson(value: unknown): string {
    const sortKeys = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sortKeys)
        : isObject(v) ? Object.fromEntries(Object.keys(v).sort(byCodePoint).map((k) => [k, sortKeys(v[k])]))
        : v;
    return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** The instance a document describes, as the args name it: from `name` and the resource group of `id` (REST) or `resourceGroup` (az). */
function apimOf(document: Record<string, unknown>): Record<string, unknown> {
    const group = typeof document.id === "string" ? resourceGroupOf(document) : document.resourceGroup;
    return { ...(typeof group === "string" ? { resourceGroupName: group } : {}), ...(typeof document.name === "string" ? { serviceName: document.name } : {}) };
}

/**
 * Reads the inputs and runs the component offline. Shared with `verify`, so both commands see the
 * same plan for the same files.
 */
export async function runPreview(request: Omit<PreviewRequest, "format">): Promise<PreviewResult> {
    checkOneStdin([
        { option: "--hub", file: request.hubFile }, { option: "--options", file: request.optionsFile }, ...request.apimFiles.map((file) => ({ option: "--apim", file })),
        ...(request.firewallPolicyFiles ?? []).map((file) => ({ option: "--firewall-policy", file })), ...(request.ruleCollectionGroupFiles ?? []).map((file) => ({ option: "--rule-collection-groups", file })),
    ]);
    const options = { subscriptionId: request.subscriptionId, ...policyDocuments(request) };
    if (request.hubFile !== undefined) {
        if (request.optionsFile !== undefined) {
            throw new InputError("--options", request.optionsFile, "A hub file holds every gateway's args: give --hub or --options, not both.");
        }
        if (request.apimFiles.length === 0) {
            throw new InputError("--apim", undefined, "Give one --apim FILE per APIM instance the hub's gateways belong to.");
        }
        const documents = request.apimFiles.map(apimDocument);
        checkOneDocumentPerInstance(documents.map((document, i) => ({ file: request.apimFiles[i], document })));
        const args = argsDocument("--hub", request.hubFile);
        if (Array.isArray(args.gateways)) {
            args.gateways.forEach((g, i) => checkDocumentMatches(documents, isObject(g) ? g.apim : undefined, `gateways[${i}].apim`));
        }
        const run = await runOfflineHub(documents, args as unknown as GatewayEgressRuleCollectionGroupArgs, HUB_COMPONENT_NAME, options);
        return { kind: "hub", run, args };
    }
    if (request.apimFiles.length > 1) {
        throw new InputError("--apim", request.apimFiles[1], "One gateway reads one APIM instance: several --apim files go with --hub.");
    }
    const example = request.apimFiles.length === 0 && request.optionsFile === undefined;
    if (request.apimFiles.length === 0 && !example) {
        throw new InputError("--apim", undefined, "Give the APIM document the options belong to (az apim show -o json > apim.json): only a preview without files shows the embedded example.");
    }
    const document = apimDocument(example ? DEFAULT_APIM_FILE : request.apimFiles[0]);
    const given = example ? argsDocument("embedded example", DEFAULT_OPTIONS_FILE) : request.optionsFile === undefined ? {} : argsDocument("--options", request.optionsFile);
    const args = given.apim === undefined ? { ...given, apim: apimOf(document) } : given;
    checkDocumentMatches([document], args.apim, "apim");
    const run = await runOffline(document, args as unknown as SelfHostedGatewayEgressArgs, COMPONENT_NAME, options);
    return { kind: "gateway", run, args };
}

function resourceTree(resources: readonly RegisteredResource[], componentType: string): string[] {
    // Every child is parented to the component; a long name continues under its type.
    const component = resources.find((r) => r.type === componentType) as RegisteredResource;
    const children = resources.filter((r) => r !== component);
    return [
        ...hanging(`${component.type}  ${component.name}`, "  "),
        ...children.flatMap((r, i) => hanging(`${i === children.length - 1 ? "└─" : "├─"} ${r.type}  ${r.name}`, i === children.length - 1 ? "      " : "│     ")),
    ];
}

/** A list item of the terminal view, wrapped at 120 columns under its marker. */
const textListItem = (text: string) => hanging(`- ${text}`, "  ");

function notesSection(title: string, lines: readonly string[]): string[] {
    return lines.length === 0 ? [] : [title, ...lines.flatMap(textListItem), ""];
}

const RCG_TYPE = "azure-native:network:FirewallPolicyRuleCollectionGroup";

/** The change request's rows and notes: the gateway's own, or, for a hub, read off the groups it registered. */
function changeRequestOf(result: PreviewResult): { rows: RuleRow[]; notes: string[]; blocked: string[] } {
    if (result.kind === "gateway") {
        const o = result.run.outputs;
        return { rows: o.changeRequest, notes: [...o.notes, ...o.notEnforceableInCluster.map((n) => `${n.flow} is ${BLOCKED_IN_CLUSTER}: ${n.reason}`)], blocked: o.notEnforceableInCluster.map((n) => n.flow) };
    }
    const groups = result.run.resources.filter((r) => r.type === RCG_TYPE);
    const order = result.run.outputs.ruleCollectionGroups.map((g) => g.name);
    groups.sort((a, b) => order.indexOf(String(a.inputs.ruleCollectionGroupName)) - order.indexOf(String(b.inputs.ruleCollectionGroupName)));
    const rows = groups.flatMap((g) => firewallRows(
        { policy: `${String(g.inputs.resourceGroupName)}/${String(g.inputs.firewallPolicyName)}`, group: String(g.inputs.ruleCollectionGroupName), priority: String(g.inputs.priority) },
        g.inputs.ruleCollections as FilterRuleCollection[],
    ));
    return { rows, notes: result.run.outputs.notes, blocked: [] };
}

function renderGatewayTable(run: OfflineRun, rows: readonly RuleRow[], notes: readonly string[]): string {
    const target = configurationTarget(run.outputs.egressPlan, run.outputs.configurationAddress);
    return [
        "Resources (offline preview under Pulumi mocks: nothing is deployed)",
        ...resourceTree(run.resources, TYPE_TOKEN),
        "",
        ...hanging(`Configuration endpoint ${run.outputs.configurationHost} = ${target.address} (${target.source}), rule style ${run.outputs.ruleStyle ?? "(firewall written by a GatewayEgressRuleCollectionGroup)"}`, "  "),
        rowsToText(rows),
        ...notesSection("Notes:", notes),
    ].join("\n") + "\n";
}

/**
 * How many writes a first deployment costs (one line, under 120 columns), and which gateways
 * share each group: one list item per group, as `item` wraps it.
 */
function hubSummary(outputs: OfflineHubOutputs, item: (text: string) => string[]): string[] {
    const writes = outputs.firstDeployWrites;
    return [
        `First deployment: ${writes === 1 ? "1 rule collection group write" : `${writes} rule collection group writes, one after another (Azure writes one group of a policy at a time)`}.`,
        ...outputs.ruleCollectionGroups.flatMap((g) => item(`${g.name} (priority ${g.priority}, ${(g.bytes / 1024).toFixed(1)} KB) holds ${g.gateways.length} gateway${g.gateways.length === 1 ? "" : "s"}: ${g.gateways.join(", ")}`)),
    ];
}

function renderHubTable(run: OfflineRun<OfflineHubOutputs>, rows: readonly RuleRow[]): string {
    const instanceOf = new Map(run.outputs.instances.map((i) => [i.serviceName, i]));
    // A gateway's address is its instance's VIP, or else its declared configurationAddress.
    const endpoint = (g: OfflineHubOutputs["gateways"][number]) => {
        const instance = instanceOf.get(g.apimServiceName);
        return `${instance?.configurationHost ?? ""} = ${g.configurationAddress} (${g.configurationAddress === instance?.configurationAddress ? AddressSource.Vip : AddressSource.Declared})`;
    };
    return [
        "Resources (offline preview under Pulumi mocks: nothing is deployed)",
        ...resourceTree(run.resources, HUB_TYPE_TOKEN),
        "",
        ...hubSummary(run.outputs, textListItem),
        "",
        textTable(
            ["gateway", "instance", "configuration endpoint", "rule style", "group"],
            run.outputs.gateways.map((g) => [g.name, g.apimServiceName, endpoint(g), g.ruleStyle, g.ruleCollectionGroup]),
        ),
        rowsToText(rows),
        ...notesSection("Notes:", run.outputs.notes),
    ].join("\n") + "\n";
}

function render(result: PreviewResult, format: Format): string {
    const { rows, notes, blocked } = changeRequestOf(result);
    const picture = () => `\`\`\`mermaid\n${rowsToMermaid(rows, blocked)}\`\`\`\n`;
    switch (format) {
        case Format.Json:
            return stableJson({ resources: result.run.resources, outputs: result.run.outputs });
        case Format.Markdown:
            return [...(result.kind === "hub" ? [hubSummary(result.run.outputs, markdownListItem).join("\n"), ""] : []), picture(), rowsToMarkdown(rows, notes)].join("\n");
        case Format.Mermaid:
            return rowsToMermaid(rows, blocked);
        case Format.Csv:
            return rowsToCsv(rows);
        case Format.Table:
            return result.kind === "hub" ? renderHubTable(result.run, rows) : renderGatewayTable(result.run, rows, notes);
        case Format.HelmValues:
            if (result.kind === "hub") {
                throw new InputError("--format", format, "The chart's values are one gateway's: preview its SelfHostedGatewayEgress (--apim and --options).");
            }
            return `# Values of the azure-api-management-gateway chart that this egress assumes (apim-gateway-egress).\n${stringifyYaml(result.run.outputs.gatewayHelmValues)}`;
    }
}

/** Reads the inputs, runs the component offline, and renders the result. */
export async function preview(request: PreviewRequest): Promise<string> {
    return render(await runPreview(request), request.format);
}
