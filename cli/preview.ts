#!/usr/bin/env node
// `apim-gateway-egress preview`: the offline preview. Runs the real component under Pulumi's mock
// runtime against an APIM document on disk (default: the embedded example) and prints what it
// would register. Bad input ends in one line on stderr naming the field and value, exit 1.
import { Command, Option } from "commander";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { InputError } from "../components/errors";
import { SelfHostedGatewayEgressArgs } from "../components/args";
import { egressMatrix, matrixToCsv, matrixToMarkdown, textTable } from "../components/report";
import { TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { OfflineRun, RegisteredResource, runOffline } from "./offlineRun";

export const EXAMPLES_DIR = path.join(__dirname, "..", "..", "examples");
export const DEFAULT_APIM_FILE = path.join(EXAMPLES_DIR, "apim-internal-premium.json");
export const DEFAULT_OPTIONS_FILE = path.join(EXAMPLES_DIR, "options.yaml");
export const COMPONENT_NAME = "apim-shgw-egress";

export const Format = { Table: "table", Json: "json", Markdown: "markdown", Csv: "csv" } as const;
export type Format = (typeof Format)[keyof typeof Format];

/** Reads a JSON or YAML file; any failure is an `InputError` naming the option and the path. */
export function readDocument(option: string, file: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new InputError(option, file, `The file cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`);
    }
    try {
        return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
    } catch (e) {
        throw new InputError(option, file, `The file is not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(e as Error).message.split("\n")[0]}`);
    }
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; any other value (lists included) replaces the default. */
export function mergeOptions(base: unknown, override: unknown): unknown {
    if (!isObject(base) || !isObject(override)) {
        return override === undefined ? base : override;
    }
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        merged[key] = mergeOptions(base[key], value);
    }
    return merged;
}

/** JSON with keys sorted at every level: byte-identical for equal values. */
export function stableJson(value: unknown): string {
    const sortKeys = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sortKeys)
        : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]))
        : v;
    return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sourceOf(args: Record<string, unknown>): string {
    const fw = (args.firewall ?? {}) as { sourceAddresses?: string[]; sourceIpGroupIds?: string[] };
    return [...(fw.sourceAddresses ?? []), ...(fw.sourceIpGroupIds ?? []).map((id) => `IP Group ${id.split("/").pop()}`)].join(" ");
}

function renderTable(run: OfflineRun, source: string): string {
    // Every child is parented to the component.
    const component = run.resources.find((r) => r.type === TYPE_TOKEN) as RegisteredResource;
    const children = run.resources.filter((r) => r !== component);
    const tree = [`${component.type}  ${component.name}`, ...children.map((r, i) => `${i === children.length - 1 ? "└─" : "├─"} ${r.type}  ${r.name}`)];
    const flows = run.outputs.egressPlan;
    const out = [
        "Resources (offline preview under Pulumi mocks: nothing is deployed)",
        ...tree,
        "",
        `Egress flows from ${source || "(no source)"}: configuration endpoint ${run.outputs.configurationHost} = ${run.outputs.configurationAddress}, rule style ${run.outputs.ruleStyle}`,
        textTable(
            ["flow", "destination", "protocol", "ports", "feature", "firewall rule", "cluster rule"],
            flows.map((f) => [f.id, f.destination, f.protocol, f.ports, f.required ? `${f.feature} (required)` : f.feature, f.firewallRule, f.clusterRules]),
        ),
    ];
    if (run.outputs.notEnforceableInCluster.length > 0) {
        out.push("Blocked in the cluster:", ...run.outputs.notEnforceableInCluster.map((n) => `- ${n.flow}: ${n.reason}`), "");
    }
    if (run.outputs.notes.length > 0) {
        out.push("Notes:", ...run.outputs.notes.map((n) => `- ${n}`), "");
    }
    return `${out.join("\n")}\n`;
}

export function render(run: OfflineRun, args: Record<string, unknown>, format: Format): string {
    const matrix = () => egressMatrix(run.outputs.egressPlan, sourceOf(args));
    switch (format) {
        case Format.Json:
            return stableJson({ resources: run.resources, outputs: run.outputs });
        case Format.Markdown:
            return matrixToMarkdown(matrix());
        case Format.Csv:
            return matrixToCsv(matrix());
        case Format.Table:
            return renderTable(run, sourceOf(args));
    }
}

export interface PreviewRequest {
    apimFile: string;
    optionsFile?: string;
    format: Format;
}

/**
 * Reads the inputs and runs the component offline. Shared with `verify`, so both commands see
 * the same plan for the same files.
 */
export async function runPreview(request: Pick<PreviewRequest, "apimFile" | "optionsFile">): Promise<{ run: OfflineRun; args: Record<string, unknown> }> {
    const document = readDocument("--apim", request.apimFile);
    const overrides = request.optionsFile === undefined ? {} : readDocument("--options", request.optionsFile);
    if (!isObject(overrides)) {
        throw new InputError("--options", request.optionsFile, "Expected a YAML or JSON object whose keys are the component args.");
    }
    const args = mergeOptions(readDocument("embedded defaults", DEFAULT_OPTIONS_FILE), overrides) as Record<string, unknown>;
    const run = await runOffline(document, args as unknown as SelfHostedGatewayEgressArgs, COMPONENT_NAME);
    return { run, args };
}

/** Reads the inputs, runs the component offline, and renders the result. */
export async function preview(request: PreviewRequest): Promise<string> {
    const { run, args } = await runPreview(request);
    return render(run, args, request.format);
}

/** One line for stderr: the message of an InputError, else a short description of a bug. */
export function errorLine(error: unknown): string {
    if (error instanceof InputError) {
        return `error: ${error.message}`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `error: unexpected failure: ${message.split("\n")[0]}`;
}

/** The inputs every command shares: the APIM document and the options file. */
export function addInputOptions(command: Command): Command {
    return command
        .option("--apim <file>", "APIM document: REST GET body or `az apim show -o json` output", DEFAULT_APIM_FILE)
        .option("--options <file>", "YAML or JSON file whose keys are the component args, merged over the embedded defaults");
}

export async function main(argv: string[]): Promise<number> {
    const program = new Command()
        .name("preview")
        .description("Offline preview of the SelfHostedGatewayEgress component under Pulumi's mock runtime.");
    addInputOptions(program)
        .addOption(new Option("--format <format>", "output format").choices(Object.values(Format)).default(Format.Table))
        .exitOverride()
        .configureOutput({ writeErr: (s) => process.stderr.write(s.split("\n")[0] + "\n") });
    try {
        program.parse(argv, { from: "user" });
    } catch (e) {
        return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    }
    const opts = program.opts<{ apim: string; options?: string; format: Format }>();
    try {
        process.stdout.write(await preview({ apimFile: opts.apim, optionsFile: opts.options, format: opts.format }));
        return 0;
    } catch (e) {
        process.stderr.write(`${errorLine(e)}\n`);
        return 1;
    }
}

if (require.main === module) {
    // A rejected apply also rejects the registrations that wait on it; the first error has
    // already been reported, so the echoes are dropped rather than printed as stack traces.
    process.on("unhandledRejection", () => undefined);
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
