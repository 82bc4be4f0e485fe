// The engine tests: the real Pulumi CLI and engine, language hosts, component provider host and
// Kubernetes provider (built by scripts/engine-tools.sh) run this project's programs against a
// file state backend in a scratch directory. Azure is the test double of
// tests/engine/azureNativeDouble.ts; Kubernetes manifests are rendered to disk
// (`kubernetes:renderYamlToDirectory`), no cluster is needed.
//
//   npm run build && node dist/tests/engine/run.js [--only stack,yaml,bad-input,policy,landing-zone,landing-zone-preview] [--keep]
//
// One summary line per step on stdout; exit code 1 when a step failed, with a one-line reason and
// the directory holding every command's output (kept on failure, or with --keep). The engine's
// own debug log goes with it at ENGINE_VERBOSITY (default 3; 0 turns it off).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

const REPO = path.resolve(__dirname, "..", "..", "..");
const DIST = path.join(REPO, "dist");
const RCG_TYPE = "azure-native:network:FirewallPolicyRuleCollectionGroup";
const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const HUB_TYPE = "apim-gateway-egress:index:GatewayEgressRuleCollectionGroup";
const COMMAND_TIMEOUT_MS = 15 * 60 * 1000;

type Json = Record<string, unknown>;

class StepFailure extends Error {}

function fail(reason: string): never {
    throw new StepFailure(reason);
}

function check(condition: boolean, reason: string): asserts condition {
    if (!condition) {
        fail(reason);
    }
}

interface Result {
    code: number;
    stdout: string;
    stderr: string;
    log: string;
}

interface EngineResource {
    urn: string;
    type: string;
    inputs?: Json;
}

interface PreviewStep {
    op: string;
    urn: string;
    type?: string;
    newState?: { type?: string };
    oldState?: { type?: string };
}

/** Everything one step runs in: its scratch directory, log directory and environment. */
class Workspace {
    private n = 0;
    readonly logs: string;

    constructor(readonly dir: string, readonly env: NodeJS.ProcessEnv) {
        this.logs = path.join(dir, "logs");
        fs.mkdirSync(this.logs, { recursive: true });
    }

    /** Runs `pulumi`, keeps its output in the step's log directory, checks its exit code. */
    pulumi(label: string, args: string[], opts: { cwd: string; expect?: "success" | "failure" }): Result {
        const verbosity = Number(process.env.ENGINE_VERBOSITY ?? "3");
        const debug = verbosity > 0 ? [`-v=${verbosity}`, "--logtostderr", "--logflow"] : [];
        return this.run(label, "pulumi", [...args, "--non-interactive", "--color", "never", ...debug], opts);
    }

    /** Runs a command, keeps its output in the step's log directory, checks its exit code. */
    run(label: string, command: string, args: string[], opts: { cwd: string; expect?: "success" | "failure" }): Result {
        const log = path.join(this.logs, `${String(++this.n).padStart(2, "0")}-${label}.log`);
        const start = Date.now();
        const r = spawnSync(command, args, { cwd: opts.cwd, env: this.env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: COMMAND_TIMEOUT_MS });
        const code = r.status ?? -1;
        const stdout = r.stdout ?? "";
        const stderr = r.stderr ?? "";
        const how = `${r.signal ? ` (signal ${r.signal})` : ""}${r.error ? ` (${r.error.message})` : ""}, ${((Date.now() - start) / 1000).toFixed(1)} s`;
        fs.writeFileSync(log, `$ (cd ${opts.cwd} && ${command} ${args.join(" ")})\n# exit ${code}${how}\n\n## stdout\n${stdout}\n## stderr\n${stderr}`);
        const expect = opts.expect ?? "success";
        if (expect === "success" && code !== 0) {
            fail(`${label} exited ${code}: ${lastError(stdout, stderr)} (log ${log})`);
        }
        if (expect === "failure" && code === 0) {
            fail(`${label} succeeded where it had to fail (log ${log})`);
        }
        return { code, stdout, stderr, log };
    }
}

/** The most telling line of a failed command: its first error line, else its last line. */
function lastError(stdout: string, stderr: string): string {
    // The engine's debug log (ENGINE_VERBOSITY) is JSON lines; the user-facing output is not.
    const lines = `${stdout}\n${stderr}`.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("{\"time\":"));
    const error = lines.find((l) => /\berror\b/i.test(l) && !/^"/.test(l));
    return (error ?? lines[lines.length - 1] ?? "no output").slice(0, 400);
}

function parseJson<T>(text: string, what: string): T {
    try {
        return JSON.parse(text) as T;
    } catch {
        return fail(`${what} is not JSON: ${text.slice(0, 200)}`);
    }
}

function previewSteps(r: Result, what: string): { steps: PreviewStep[]; summary: Record<string, number> } {
    const json = parseJson<{ steps?: PreviewStep[]; changeSummary?: Record<string, number> }>(r.stdout, `${what} --json`);
    return { steps: json.steps ?? [], summary: json.changeSummary ?? {} };
}

function stepType(s: PreviewStep): string {
    return s.newState?.type ?? s.oldState?.type ?? s.type ?? (s.urn.split("::")[2] ?? "?").split("$").pop() ?? "?";
}

function showSummary(summary: Record<string, number>): string {
    return Object.entries(summary).sort().map(([k, v]) => `${k} ${v}`).join(", ") || "none";
}

/** `N resources (type count, ...)`, as the engine's state holds them. */
function countByType(resources: EngineResource[]): string {
    const counts = new Map<string, number>();
    resources.forEach((r) => counts.set(r.type, (counts.get(r.type) ?? 0) + 1));
    return `${resources.length} resources (${[...counts.entries()].sort().map(([t, c]) => `${t} ${c}`).join(", ")})`;
}

interface DoubleOperation {
    op: string;
    urn: string;
    id: string;
    result: string;
}

function doubleOperations(state: string): DoubleOperation[] {
    const file = path.join(state, "operations.jsonl");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as DoubleOperation) : [];
}

function storedGroups(state: string): Json[] {
    return fs.readdirSync(state).filter((f) => f.endsWith(".json")).map((f) => parseJson<{ outs: Json }>(fs.readFileSync(path.join(state, f), "utf8"), f).outs);
}

/** Every manifest the Kubernetes provider rendered, parsed. */
function renderedManifests(dir: string): Json[] {
    const found: Json[] = [];
    const walk = (d: string) => {
        if (!fs.existsSync(d)) {
            return;
        }
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) {
                walk(p);
            } else if (/\.ya?ml$/.test(e.name)) {
                YAML.parseAllDocuments(fs.readFileSync(p, "utf8")).forEach((doc) => found.push(doc.toJSON() as Json));
            }
        }
    };
    walk(dir);
    return found;
}

function writeApimDocument(dir: string, serviceName: string, vip: string): void {
    const doc = parseJson<Json & { properties: Json }>(fs.readFileSync(path.join(REPO, "examples", "apim-internal-premium.json"), "utf8"), "the example APIM document");
    doc.id = String(doc.id).replace(/\/service\/[^/]+$/, `/service/${serviceName}`);
    doc.name = serviceName;
    doc.properties.privateIPAddresses = [vip];
    doc.properties.gatewayUrl = `https://${serviceName}.azure-api.net`;
    doc.properties.hostnameConfigurations = [{ type: "Proxy", hostName: `${serviceName}.azure-api.net`, certificateSource: "BuiltIn" }];
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${serviceName}.json`), `${JSON.stringify(doc, null, 2)}\n`);
}

/** A scratch Node.js project whose program is a compiled module of this repository. */
function writeNodeProject(dir: string, name: string, module: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify({ name, runtime: { name: "nodejs", options: { typescript: false } }, main: "index.js" }));
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify({ name, private: true, main: "index.js" }, null, 2)}\n`);
    fs.writeFileSync(path.join(dir, "index.js"), `// Generated by tests/engine/run.js.\nmodule.exports = require(${JSON.stringify(module)});\n`);
    // As in any Node.js project, the SDK and providers it runs come from its node_modules.
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/**
 * This project's own Pulumi.yaml, package.json and compiled program (main: dist/index.js) in a
 * scratch directory, so that the stack's config file stays out of the repository.
 */
function writeRepoProject(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ["Pulumi.yaml", "package.json"]) {
        fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
    }
    for (const d of ["dist", "node_modules"]) {
        fs.symlinkSync(path.join(REPO, d), path.join(dir, d), "dir");
    }
    return dir;
}

interface YamlProgram {
    packages: Record<string, string>;
    resources: Record<string, { properties: Json & { metadata: Json } }>;
}

/** tests/engine/yaml/Pulumi.yaml in a scratch directory, its `packages:` path made absolute. */
function writeYamlProject(dir: string, edit: (program: YamlProgram) => void = () => undefined): string {
    fs.mkdirSync(dir, { recursive: true });
    const program = YAML.parse(fs.readFileSync(path.join(REPO, "tests", "engine", "yaml", "Pulumi.yaml"), "utf8")) as YamlProgram;
    program.packages["apim-gateway-egress"] = REPO;
    edit(program);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), YAML.stringify(program));
    return dir;
}

/** The example stack's config (Pulumi.internal-premium.yaml), and its APIM service's document. */
function exampleStack(ws: Workspace, vip: string): Json {
    const config = (YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.internal-premium.yaml"), "utf8")) as { config: Json }).config;
    writeApimDocument(ws.env.AZURE_NATIVE_DOUBLE_APIM as string, String(config["apim-gateway-egress:apimServiceName"]), vip);
    return config;
}

/** A stack of a scratch project directory, its manifests rendered to disk instead of a cluster. */
class Stack {
    readonly args: string[];
    readonly manifests: string;

    constructor(readonly ws: Workspace, readonly cwd: string, readonly name = "engine") {
        this.args = ["--stack", name];
        this.manifests = path.join(ws.dir, "manifests");
    }

    /** `pulumi stack init`, then the given config and `kubernetes:renderYamlToDirectory` in its config file. */
    init(config: Json = {}): void {
        this.ws.pulumi("stack-init", ["stack", "init", this.name, "--secrets-provider", "passphrase"], { cwd: this.cwd });
        const file = path.join(this.cwd, `Pulumi.${this.name}.yaml`);
        const settings = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as Json;
        settings.config = { ...config, "kubernetes:renderYamlToDirectory": this.manifests };
        fs.writeFileSync(file, YAML.stringify(settings));
    }

    preview(label: string, extra: string[] = [], expect: "success" | "failure" = "success"): Result {
        return this.ws.pulumi(label, ["preview", ...this.args, ...extra], { cwd: this.cwd, expect });
    }

    up(label: string): Result {
        return this.ws.pulumi(label, ["up", "--yes", "--skip-preview", ...this.args], { cwd: this.cwd });
    }

    destroy(): Result {
        return this.ws.pulumi("destroy", ["destroy", "--yes", "--skip-preview", ...this.args], { cwd: this.cwd });
    }

    /** The resources of the stack's state, from `pulumi stack export`. */
    resources(): EngineResource[] {
        const r = this.ws.pulumi("stack-export", ["stack", "export", ...this.args], { cwd: this.cwd });
        return parseJson<{ deployment?: { resources?: EngineResource[] } }>(r.stdout, "stack export").deployment?.resources ?? [];
    }

    outputs(): Json {
        return parseJson<Json>(this.ws.pulumi("stack-output", ["stack", "output", "--json", "--show-secrets", ...this.args], { cwd: this.cwd }).stdout, "stack output");
    }

    /** `pulumi preview --expect-no-changes` passes, and its JSON agrees: every step `same`. */
    expectNoChanges(label: string): void {
        const { steps } = previewSteps(this.preview(label, ["--expect-no-changes", "--json"]), label);
        const changed = steps.filter((s) => s.op !== "same");
        check(changed.length === 0, `${label}: the engine plans ${changed.map((s) => `${s.op} ${s.urn}`).join("; ")} on an unchanged rerun`);
    }
}

interface Env {
    scratch: string;
    base: NodeJS.ProcessEnv;
}

function workspace(env: Env, step: string): Workspace {
    const dir = path.join(env.scratch, step);
    fs.mkdirSync(path.join(dir, "state"), { recursive: true });
    return new Workspace(dir, {
        ...env.base,
        PULUMI_HOME: path.join(dir, "pulumi-home"),
        PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
        AZURE_NATIVE_DOUBLE_STATE: path.join(dir, "azure"),
        AZURE_NATIVE_DOUBLE_APIM: path.join(dir, "apim"),
    });
}

// ---- step: the project's own stack program ----------------------------------------------------

function stackStep(env: Env): string {
    const ws = workspace(env, "stack");
    const azure = ws.env.AZURE_NATIVE_DOUBLE_STATE as string;
    const config = exampleStack(ws, "10.40.1.5");
    const stack = new Stack(ws, writeRepoProject(path.join(ws.dir, "project")));
    const manifests = stack.manifests;
    stack.init(config);
    const first = previewSteps(stack.preview("preview", ["--json"]), "preview");
    check((first.summary.create ?? 0) > 0, `preview plans no creation (${showSummary(first.summary)})`);
    stack.up("up");
    const resources = stack.resources();
    const types = new Set(resources.map((r) => r.type));
    for (const t of ["apim-gateway-egress:index:SelfHostedGatewayEgress", RCG_TYPE, NETWORK_POLICY_TYPE]) {
        check(types.has(t), `after up the state holds no ${t}: ${countByType(resources)}`);
    }
    const groups = storedGroups(azure);
    check(groups.length === 1, `the azure-native double holds ${groups.length} rule collection groups after up, not 1`);
    const policy = renderedManifests(manifests).find((m) => m.kind === "NetworkPolicy");
    check(policy !== undefined, `no NetworkPolicy rendered under ${manifests}`);
    check(JSON.stringify(policy).includes("10.40.1.5/32"), "the rendered NetworkPolicy does not allow the VIP 10.40.1.5/32");
    stack.expectNoChanges("preview-no-changes");
    // An unchanged rerun writes nothing and leaves every stack output as it was.
    const firstOutputs = JSON.stringify(stack.outputs());
    const opsAfterUp = doubleOperations(azure).length;
    stack.up("up-unchanged");
    check(doubleOperations(azure).length === opsAfterUp, "an unchanged rerun wrote to the azure-native double");
    check(JSON.stringify(stack.outputs()) === firstOutputs, "an unchanged rerun changed the stack outputs");

    // The VIP moves (e.g. VNet migration): the next run updates the group and the policy in place.
    writeApimDocument(ws.env.AZURE_NATIVE_DOUBLE_APIM as string, String(config["apim-gateway-egress:apimServiceName"]), "10.40.1.9");
    const moved = previewSteps(stack.preview("preview-vip-changed", ["--diff", "--json"]), "preview --diff");
    const changed = moved.steps.filter((s) => s.op !== "same");
    const plan = changed.map((s) => `${s.op} ${stepType(s)}`).sort();
    check(JSON.stringify(plan) === JSON.stringify([`update ${RCG_TYPE}`, `update ${NETWORK_POLICY_TYPE}`].sort()),
        `a changed VIP must update the rule collection group and the NetworkPolicy only, the engine plans: ${plan.join("; ") || "nothing"}`);
    stack.preview("preview-vip-changed-text", ["--diff"]);
    const opsBefore = doubleOperations(azure).length;
    stack.up("up-vip-changed");
    const ops = doubleOperations(azure).slice(opsBefore).map((o) => `${o.op} ${o.result}`);
    check(JSON.stringify(ops) === JSON.stringify(["update ok"]), `applying the new VIP wrote ${ops.join("; ") || "nothing"} to the azure-native double, not one update`);
    check(JSON.stringify(storedGroups(azure)).includes("10.40.1.9"), "the stored rule collection group does not carry the new VIP 10.40.1.9");
    check(JSON.stringify(renderedManifests(manifests).find((m) => m.kind === "NetworkPolicy")).includes("10.40.1.9/32"), "the re-rendered NetworkPolicy does not allow the new VIP");
    const outputs = stack.outputs();
    check(outputs.configurationAddress === "10.40.1.9", `stack output configurationAddress is ${JSON.stringify(outputs.configurationAddress)}, not the new VIP`);
    stack.expectNoChanges("preview-no-changes-after-move");
    const counts = countByType(stack.resources());
    stack.destroy();
    check(storedGroups(azure).length === 0, "destroy left rule collection groups in the azure-native double");
    return `preview ${showSummary(first.summary)}; up: ${counts}; unchanged rerun: no changes, no writes, same outputs; VIP change: ${plan.join(", ")}; destroy ok`;
}

// ---- step: the component from Pulumi YAML ---------------------------------------------------

function yamlStep(env: Env): string {
    const ws = workspace(env, "yaml");
    writeApimDocument(ws.env.AZURE_NATIVE_DOUBLE_APIM as string, "contoso-apim", "10.40.1.5");
    const stack = new Stack(ws, writeYamlProject(path.join(ws.dir, "project")));
    const manifests = stack.manifests;
    stack.init();
    const first = previewSteps(stack.preview("preview", ["--json"]), "preview");
    stack.up("up");
    const outputs = stack.outputs();
    const matrix = String(outputs.egressMatrix ?? "");
    check(matrix.includes("10.40.1.5") && matrix.includes("contoso-apim.configuration.azure-api.net"), `egressMatrix lacks the VIP or the configuration host: ${JSON.stringify(matrix.slice(0, 300))}`);
    check(typeof outputs.namespace === "string" && outputs.namespace !== "", `the Namespace output is ${JSON.stringify(outputs.namespace)}`);
    const policy = renderedManifests(manifests).find((m) => m.kind === "NetworkPolicy") as { metadata?: { namespace?: string } } | undefined;
    check(policy?.metadata?.namespace === outputs.namespace, `the NetworkPolicy went to namespace ${JSON.stringify(policy?.metadata?.namespace)}, not the Namespace resource's ${JSON.stringify(outputs.namespace)}`);
    stack.expectNoChanges("preview-no-changes");
    const counts = countByType(stack.resources());
    stack.destroy();
    return `preview ${showSummary(first.summary)}; up: ${counts}; egressMatrix ${matrix.split("\n").length} lines with the VIP; namespace ${String(outputs.namespace)} from the Namespace output; unchanged rerun: no changes`;
}

// ---- step: bad input under the engine ------------------------------------------------------
// The README's promise for bad input (one line naming the field and the value, no stack trace,
// nothing registered) checked where users meet it: `pulumi preview` of the stack program with a
// bad config value (plain args), and of the YAML program with a bad value from another resource's
// output (Output args, through the plugin host).

const BAD_NAMESPACE = "Factory_1";

/** What is wrong with how a refusal reached the user (a failed `preview --json`), if anything. */
function refusalProblems(r: Result, what: string, field: string): string[] {
    const json = parseJson<{ steps?: PreviewStep[]; diagnostics?: { message: string; severity: string }[] }>(r.stdout, `${what}: preview --json`);
    const errors = (json.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());
    const wanted = `Invalid value for ${field}: ${JSON.stringify(BAD_NAMESPACE)}`;
    const refusal = errors.find((m) => m.includes(wanted));
    const problems: string[] = [];
    if (refusal === undefined) {
        problems.push(`no error says ${JSON.stringify(wanted)}: ${JSON.stringify(errors.join(" | ").slice(0, 240))}`);
    } else {
        if (/error serializing property/.test(refusal)) {
            problems.push(`the refusal is wrapped in unrelated properties: ${JSON.stringify(refusal.split("\n")[0].slice(0, 240))}`);
        }
        if (/unhandled exception/.test(refusal) || /^\s*at .+:\d+:\d+\)?$/m.test(refusal)) {
            problems.push(`it comes with a stack trace: ${JSON.stringify(refusal.split("\n").slice(0, 2).join(" / ").slice(0, 240))}`);
        }
    }
    const children = (json.steps ?? []).map(stepType).filter((t) => t === RCG_TYPE || t === NETWORK_POLICY_TYPE);
    if (children.length > 0) {
        problems.push(`registered ${children.join(", ")} before refusing`);
    }
    return problems.map((p) => `${what} (${path.basename(r.log)}): ${p}`);
}

function badInputStep(env: Env): string {
    const ws = workspace(env, "bad-input");
    // (a) The stack program, a plain arg from config.
    const config = exampleStack(ws, "10.40.1.5");
    const stack = new Stack(ws, writeRepoProject(path.join(ws.dir, "stack")));
    stack.init({ ...config, "apim-gateway-egress:gatewayNamespace": BAD_NAMESPACE });
    const problems = refusalProblems(stack.preview("preview-bad-namespace", ["--json"], "failure"), "stack program", "cluster.namespace");
    // (b) The YAML program, the namespace from a Namespace resource's output.
    const yamlStack = new Stack(ws, writeYamlProject(path.join(ws.dir, "yaml"), (p) => {
        p.resources["gateway-namespace"].properties.metadata.name = BAD_NAMESPACE;
    }));
    yamlStack.init();
    problems.push(...refusalProblems(yamlStack.preview("preview-yaml-bad-namespace", ["--json"], "failure"), "YAML program", "cluster.namespace"));
    check(problems.length === 0, problems.join("; "));
    return `a bad namespace, plain and from an Output, is refused in one line naming cluster.namespace and the value, no stack trace, no child registered`;
}

// ---- step: the policy pack against a hand-written open rule -----------------------------------

/**
 * The policy pack as users run it. A self-contained pack (its own package-lock.json) is copied
 * and installed with `npm ci`, as its README says; otherwise it resolves its packages from the
 * repository's node_modules and runs in place.
 */
function policyPack(ws: Workspace): string {
    const source = path.join(REPO, "policy");
    if (!fs.existsSync(path.join(source, "package-lock.json"))) {
        return source;
    }
    const copy = path.join(ws.dir, "policy");
    fs.cpSync(source, copy, { recursive: true, filter: (p) => path.basename(p) !== "node_modules" });
    ws.run("npm-ci-policy", "npm", ["ci", "--no-audit", "--no-fund"], { cwd: copy });
    return copy;
}

function policyStep(env: Env): string {
    const ws = workspace(env, "policy");
    const stack = new Stack(ws, writeNodeProject(path.join(ws.dir, "project"), "policy-probe", path.join(DIST, "tests", "engine", "policyProbe.js")));
    stack.init();
    const pack = policyPack(ws);
    const r = stack.preview("preview-policy-pack", ["--policy-pack", pack], "failure");
    const text = `${r.stdout}\n${r.stderr}`;
    check(/Loading policy packs/i.test(text) || /apim-gateway-egress-guard/.test(text), `the policy pack did not load: ${lastError(r.stdout, r.stderr)} (log ${r.log})`);
    const violations = text.split("\n").filter((l) => /\[mandatory\]\s+azure-firewall-no-open-destinations/.test(l));
    check(violations.length > 0, `no mandatory azure-firewall-no-open-destinations violation reported (log ${r.log})`);
    check(text.includes("0.0.0.0/0"), `the violation does not name 0.0.0.0/0 (log ${r.log})`);
    const loaded = /apim-gateway-egress-guard@v[0-9A-Za-z.+-]+/.exec(text)?.[0] ?? "the pack";
    return `${loaded} (${pack === path.join(REPO, "policy") ? "in place" : "a copy installed with npm ci"}): preview exits ${r.code} with ${violations.length} mandatory violation(s) of azure-firewall-no-open-destinations naming 0.0.0.0/0`;
}

// ---- step: landing zone ---------------------------------------------------------------------
// LANDING-ZONE STEP. Runs examples/landing-zone (compiled) as it stands. Where the example writes
// its groups through GatewayEgressRuleCollectionGroup (the engine's state holds one), the engine
// must hold exactly one rule collection group per firewall policy; otherwise (an example still
// made of one SelfHostedGatewayEgress per site) the step reports how many groups each policy got.
// Either way the writes to one policy must be serialized: the double refuses concurrent writes
// with 409 AnotherOperationInProgress, as Azure does.

function landingZoneStep(env: Env): string {
    const ws = workspace(env, "landing-zone");
    const example = path.join(DIST, "examples", "landing-zone", "index.js");
    check(fs.existsSync(example), `${example} is missing: run npm run build`);
    const project = writeNodeProject(path.join(ws.dir, "project"), "landing-zone", example);
    const apim = ws.env.AZURE_NATIVE_DOUBLE_APIM as string;
    // Every service name the example reads gets its own document and VIP.
    const source = fs.readFileSync(path.join(REPO, "examples", "landing-zone", "index.ts"), "utf8");
    const services = [...new Set([...source.matchAll(/(?:apim|serviceName):\s*"([a-z0-9-]+)"/g)].map((m) => m[1]))];
    check(services.length > 0, "found no APIM service name in examples/landing-zone/index.ts");
    services.forEach((s, i) => writeApimDocument(apim, s, `10.40.${i + 1}.5`));
    const stack = new Stack(ws, project);
    stack.init();
    stack.up("up");
    const resources = stack.resources();
    const perPolicy = new Map<string, number>();
    resources.filter((r) => r.type === RCG_TYPE).forEach((r) => {
        const key = `${String(r.inputs?.resourceGroupName)}/${String(r.inputs?.firewallPolicyName)}`;
        perPolicy.set(key, (perPolicy.get(key) ?? 0) + 1);
    });
    const conflicts = doubleOperations(ws.env.AZURE_NATIVE_DOUBLE_STATE as string).filter((o) => o.result !== "ok");
    check(conflicts.length === 0, `concurrent writes to one policy: ${conflicts.map((c) => `${c.op} ${c.id}: ${c.result}`).join("; ")}`);
    const hubs = resources.filter((r) => r.type === HUB_TYPE).length;
    const shape = [...perPolicy.entries()].map(([p, n]) => `${p}: ${n}`).join(", ");
    if (hubs > 0) {
        check([...perPolicy.values()].every((n) => n === 1), `one rule collection group per policy expected, the engine registered ${shape}`);
    }
    stack.expectNoChanges("preview-no-changes");
    stack.destroy();
    return `${services.length} APIM documents; up: ${countByType(resources)}; groups per policy: ${shape}${hubs > 0 ? " (one per policy, as required)" : ` (the example does not use ${HUB_TYPE} yet: one-per-policy not asserted)`}; writes serialized, no 409`;
}

// ---- step: a landing-zone preview with a source unknown until deployment ---------------------
// An existing landing zone (a hub and a second writer on one policy, up), then previewed after a
// site's source becomes an IP Group created in the same program: unknown in the preview, so the
// hub's group must still be planned, updated in place, and no group deleted, replaced or moved
// to another priority; `up` then does what the preview showed.

const IP_GROUP_TYPE = "azure-native:network:IpGroup";
/** The engine's marker for a value unknown in a preview. */
const UNKNOWN_MARKER = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const DESTRUCTIVE = new Set(["delete", "replace", "create-replacement", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

/** Each rule collection group of the state by URN: its name in the policy and its priority. */
function groupPlacements(resources: EngineResource[]): Map<string, string> {
    return new Map(resources.filter((r) => r.type === RCG_TYPE).map((r) => [r.urn, `${String(r.inputs?.ruleCollectionGroupName)} @ ${String(r.inputs?.priority)}`]));
}

function landingZonePreviewStep(env: Env): string {
    const ws = workspace(env, "landing-zone-preview");
    const apim = ws.env.AZURE_NATIVE_DOUBLE_APIM as string;
    writeApimDocument(apim, "contoso-apim-eu", "10.40.1.5");
    writeApimDocument(apim, "contoso-apim-us", "10.40.2.5");
    const project = writeNodeProject(path.join(ws.dir, "project"), "landing-zone-sources", path.join(DIST, "tests", "engine", "landingZoneSources.js"));
    const stack = new Stack(ws, project);
    stack.init();
    stack.up("up");
    const before = groupPlacements(stack.resources());
    check(before.size === 2, `up wrote ${before.size} rule collection groups, not the hub's and the second writer's`);
    ws.pulumi("config-from-ip-group", ["config", "set", "fromIpGroup", "true", ...stack.args], { cwd: project });

    const preview = previewSteps(stack.preview("preview-ip-group", ["--json", "--diff"]), "preview");
    const destructive = preview.steps.filter((s) => DESTRUCTIVE.has(s.op)).map((s) => `${s.op} ${s.urn}`);
    check(destructive.length === 0, `the preview plans ${destructive.join("; ")}`);
    const plan = preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${stepType(s)}`).sort();
    check(JSON.stringify(plan) === JSON.stringify([`create ${IP_GROUP_TYPE}`, `update ${RCG_TYPE}`]), `the preview plans ${plan.join(", ") || "nothing"}, not the IP Group's creation and the hub group's update`);
    // The JSON lists the steps that change something: a group it leaves out stays as it is.
    const changedGroups = preview.steps.filter((s) => stepType(s) === RCG_TYPE).map((s) => ({ urn: s.urn, inputs: (s.newState as { inputs?: Json } | undefined)?.inputs ?? {} }));
    for (const { urn, inputs } of changedGroups) {
        const placed = `${String(inputs.ruleCollectionGroupName)} @ ${String(inputs.priority)}`;
        check(before.get(urn) === placed, `the preview places ${urn} at ${placed}, the stack holds it at ${before.get(urn) ?? "(nowhere)"}`);
        // Known but for the IP Group: the other sites' rules are shown as they will be written.
        const rules = JSON.stringify(inputs.ruleCollections ?? null);
        check(rules.includes(UNKNOWN_MARKER) && rules.includes("berlin-network") && rules.includes("10.81.0.0/24"), `the preview shows the hub group's rules as ${rules.slice(0, 200)}`);
    }

    stack.up("up-ip-group");
    const resources = stack.resources();
    const after = groupPlacements(resources);
    check(JSON.stringify([...after].sort()) === JSON.stringify([...before].sort()), `up placed the groups at ${[...after.values()].join(", ")}, not where they were (${[...before.values()].join(", ")})`);
    const ipGroupId = String((resources.find((r) => r.type === IP_GROUP_TYPE) as { id?: string } | undefined)?.id ?? "");
    check(ipGroupId.includes("/ipGroups/") && JSON.stringify(storedGroups(ws.env.AZURE_NATIVE_DOUBLE_STATE as string).filter((g) => g.type !== "Microsoft.Network/ipGroups")).includes(ipGroupId), `the stored hub group does not carry the IP Group ${ipGroupId || "(none)"}`);
    const conflicts = doubleOperations(ws.env.AZURE_NATIVE_DOUBLE_STATE as string).filter((o) => o.result !== "ok");
    check(conflicts.length === 0, `concurrent writes to one policy: ${conflicts.map((c) => `${c.op} ${c.id}: ${c.result}`).join("; ")}`);
    stack.expectNoChanges("preview-no-changes");
    stack.destroy();
    return `up: groups ${[...before.values()].join(", ")}; a source from a new IP Group: the preview plans ${plan.join(", ")}, no delete, no replace, same priorities; up kept them and wrote the IP Group into the hub group`;
}

// ---- driver ---------------------------------------------------------------------------------

const STEPS: Record<string, (env: Env) => string> = {
    stack: stackStep,
    yaml: yamlStep,
    "bad-input": badInputStep,
    policy: policyStep,
    "landing-zone": landingZoneStep,
    "landing-zone-preview": landingZonePreviewStep,
};

function tools(): { bin: string; nodejsHost: string; line: string } {
    const start = Date.now();
    const r = spawnSync("bash", [path.join(REPO, "scripts", "engine-tools.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) {
        console.log(`engine: tools: FAILED (scripts/engine-tools.sh exited ${r.status ?? r.signal}; its last line above says why)`);
        process.exit(1);
    }
    const bin = r.stdout.trim().split("\n").pop() ?? "";
    const realNodejs = fs.existsSync(path.join(bin, "pulumi-language-nodejs"));
    const nodejsHost = realNodejs ? "real" : "stand-in (tests/engine/nodejsHost.ts: the proxy does not serve the real one)";
    const k8s = path.join(bin, "pulumi-resource-kubernetes.version");
    const k8sVersion = fs.existsSync(k8s) ? fs.readFileSync(k8s, "utf8").trim() : "?";
    return { bin, nodejsHost, line: `${bin} in ${((Date.now() - start) / 1000).toFixed(0)} s; kubernetes provider ${k8sVersion}; Node.js language host: ${nodejsHost}` };
}

function main(): void {
    const argv = process.argv.slice(2);
    const keep = argv.includes("--keep");
    const onlyAt = argv.indexOf("--only");
    const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? "").split(",") : Object.keys(STEPS);
    const unknown = only.filter((s) => !(s in STEPS));
    if (unknown.length > 0) {
        console.log(`engine: unknown step ${unknown.join(", ")} (steps: ${Object.keys(STEPS).join(", ")})`);
        process.exit(2);
    }
    const started = Date.now();
    const t = tools();
    console.log(`engine: tools: ok (${t.line})`);
    const scratch = fs.mkdtempSync(path.join(process.env.ENGINE_SCRATCH ?? os.tmpdir(), "apim-engine-"));
    const pathDirs = [t.bin, path.join(REPO, "tests", "engine", "bin")];
    if (t.nodejsHost !== "real") {
        pathDirs.push(path.join(REPO, "tests", "engine", "stand-in"));
    }
    const base: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: [...pathDirs, process.env.PATH ?? ""].join(path.delimiter),
        PULUMI_CONFIG_PASSPHRASE: "engine-tests",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_ACCESS_TOKEN: "",
    };
    let failed = 0;
    for (const step of only) {
        const start = Date.now();
        try {
            const summary = STEPS[step]({ scratch, base });
            console.log(`engine: ${step}: ok in ${((Date.now() - start) / 1000).toFixed(0)} s: ${summary}`);
        } catch (e) {
            failed++;
            const reason = e instanceof StepFailure ? e.message : e instanceof Error ? e.stack ?? e.message : String(e);
            console.log(`engine: ${step}: FAILED in ${((Date.now() - start) / 1000).toFixed(0)} s: ${reason} (logs ${path.join(scratch, step, "logs")})`);
        }
    }
    if (failed === 0 && !keep) {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    console.log(`engine: ${failed === 0 ? "all steps passed" : `${failed} step(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s${failed > 0 || keep ? `; scratch kept at ${scratch}` : ""}`);
    process.exit(failed === 0 ? 0 : 1);
}

main();
