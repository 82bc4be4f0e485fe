// `npm run bench`: the client-side cost of the components under Pulumi mocks against hand-written
// programs registering the same resources (see worker.ts), in two cases:
// - per gateway: N = 1, 10, 100 SelfHostedGatewayEgress, each with its own group;
// - landing zone: one GatewayEgressRuleCollectionGroup for N = 10, 100, 1000 gateways of three
//   instances on one policy, with the Azure writes that costs beside it.
// Each measurement is a fresh process (module loading and the heap start cold, as in `pulumi up`),
// run one after another: on a 2-core machine two workers side by side would measure each other.
// The machines are shared, so the verdict is on CPU time (user + system of the child), which
// other load moves far less than wall time; wall time is printed for reference.
// Exit code: 1 when a ratio passes its limit, 2 when a worker fails. BENCH_REPS (default 5).
import { spawnSync } from "child_process";
import * as path from "path";
import type { RegisteredResource } from "../cli/apimMocks";
import { Mode, WorkerResult } from "./worker";

const WORKER = path.join(__dirname, "worker.js");
/** Azure: "a configuration update can take three to five minutes on average, and parallel updates aren't supported" (firewall-known-issues). */
const MINUTES_PER_WRITE = { low: 3, high: 5 };

interface Case {
    readonly title: string;
    readonly component: Mode;
    readonly baseline: Mode;
    readonly sizes: readonly number[];
    /** The CPU ratio at the largest N must stay within this. */
    readonly limit: number;
}

const CASES: readonly Case[] = [
    { title: "per gateway: N SelfHostedGatewayEgress, a group each", component: Mode.Component, baseline: Mode.Baseline, sizes: [1, 10, 100], limit: 1.25 },
    { title: "landing zone: one GatewayEgressRuleCollectionGroup, N gateways of 3 instances on one policy", component: Mode.Hub, baseline: Mode.HubBaseline, sizes: [10, 100, 1000], limit: 1.15 },
];

function repetitions(): number {
    const reps = Number(process.env.BENCH_REPS ?? 5);
    if (!Number.isInteger(reps) || reps < 1) {
        throw new Error(`BENCH_REPS must be a positive integer, got ${process.env.BENCH_REPS}`);
    }
    return reps;
}

function runWorker(mode: Mode, n: number, dump = false): WorkerResult {
    const child = spawnSync(process.execPath, [WORKER, mode, String(n)], {
        encoding: "utf8",
        env: { ...process.env, BENCH_DUMP: dump ? "1" : "0" },
        maxBuffer: 256 * 1024 * 1024,
    });
    const lines = (child.stdout ?? "").trim().split("\n");
    if (child.status !== 0 || lines.length === 0) {
        throw new Error(`worker ${mode} ${n} exited with ${child.status ?? child.signal}: ${(child.stderr ?? "").trim() || child.error?.message}`);
    }
    // The SDK may log on stdout before the result; the result is always the last line.
    return JSON.parse(lines[lines.length - 1]) as WorkerResult;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function stableJson(value: unknown): string {
    const sortKeys = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sortKeys)
        : typeof v === "object" && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]))
        : v;
    return JSON.stringify(sortKeys(value));
}

function childResources(resources: RegisteredResource[] | undefined): string[] {
    return (resources ?? [])
        .filter((r) => !r.type.startsWith("apim-gateway-egress:"))
        .map((r) => stableJson({ type: r.type, name: r.name, inputs: r.inputs }))
        .sort();
}

/**
 * The comparison is only fair while the baseline registers what the component does; the
 * components are being edited, so check before measuring and say so when they drift apart.
 * Returns the problems found, empty when the two agree. Also warms the file cache.
 */
function checkBaselineMatches(c: Case, n: number): string[] {
    const component = childResources(runWorker(c.component, n, true).resources);
    const baseline = childResources(runWorker(c.baseline, n, true).resources);
    const problems: string[] = [];
    if (component.length !== baseline.length) {
        problems.push(`${c.component} registers ${component.length} child resources for N=${n}, ${c.baseline} ${baseline.length}`);
    }
    for (let i = 0; i < Math.min(component.length, baseline.length); i++) {
        if (component[i] !== baseline[i]) {
            const at = [...component[i]].findIndex((ch, k) => ch !== baseline[i][k]);
            problems.push(`resource ${i} differs at char ${at}: component …${component[i].slice(Math.max(0, at - 60), at + 60)}… baseline …${baseline[i].slice(Math.max(0, at - 60), at + 60)}…`);
        }
    }
    return problems;
}

function pad(cells: string[], widths: number[]): string {
    return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
}

function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [pad(header, widths), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => pad(r, widths))].join("\n");
}

type Stat = ReturnType<typeof stat>;

function stat(runs: WorkerResult[]) {
    return {
        runs: runs.length,
        cpu: median(runs.map((r) => r.cpuMs)),
        cpuMin: Math.min(...runs.map((r) => r.cpuMs)),
        cpuMax: Math.max(...runs.map((r) => r.cpuMs)),
        wall: median(runs.map((r) => r.wallMs)),
        rss: median(runs.map((r) => r.maxRssMb)),
        writes: median(runs.map((r) => r.groupWrites)),
    };
}

function criticalPath(writes: number): string {
    return writes === 0 ? "-" : `${writes * MINUTES_PER_WRITE.low}-${writes * MINUTES_PER_WRITE.high} min`;
}

function main(): number {
    const started = Date.now();
    const reps = repetitions();
    const out: string[] = [`apim-gateway-egress bench: ${reps} runs per cell, each a fresh process, node ${process.version}; medians; verdicts on CPU time`, ""];
    const floorRuns: WorkerResult[] = [];
    let failed = false;
    for (const c of CASES) {
        const problems = checkBaselineMatches(c, c.sizes[1]);
        const samples = new Map<string, WorkerResult[]>();
        const pairRatios = new Map<number, number[]>();
        const record = (r: WorkerResult) => samples.set(`${r.mode}/${r.n}`, [...(samples.get(`${r.mode}/${r.n}`) ?? []), r]);
        for (let rep = 0; rep < reps; rep++) {
            floorRuns.push(runWorker(Mode.Floor, 0));
            c.sizes.forEach((n, k) => {
                // Alternate which mode goes first, so neither always inherits the other's leftovers
                // (page cache, CPU frequency, a background burst); back-to-back pairs share the
                // machine's load of the moment, so their ratio is a second estimate.
                const order = (rep + k) % 2 === 0 ? [c.component, c.baseline] : [c.baseline, c.component];
                const pair = Object.fromEntries(order.map((mode) => [mode, runWorker(mode, n)])) as Record<Mode, WorkerResult>;
                record(pair[c.component]);
                record(pair[c.baseline]);
                pairRatios.set(n, [...(pairRatios.get(n) ?? []), pair[c.component].cpuMs / pair[c.baseline].cpuMs]);
            });
        }
        const of = (mode: Mode, n: number): Stat => stat(samples.get(`${mode}/${n}`) ?? []);
        const rows: string[][] = [];
        for (const n of c.sizes) {
            for (const mode of [c.component, c.baseline]) {
                const s = of(mode, n);
                rows.push([mode, String(n), String(s.runs), s.cpu.toFixed(0), `${s.cpuMin.toFixed(0)}-${s.cpuMax.toFixed(0)}`, s.wall.toFixed(0), s.rss.toFixed(1), String(s.writes), criticalPath(s.writes)]);
            }
            const ratio = of(c.component, n).cpu / of(c.baseline, n).cpu;
            rows.push(["  ratio", String(n), "", ratio.toFixed(2), "", (of(c.component, n).wall / of(c.baseline, n).wall).toFixed(2), (of(c.component, n).rss / of(c.baseline, n).rss).toFixed(2), "", ""]);
        }
        out.push(c.title);
        out.push(table(["mode", "N", "runs", "CPU ms", "CPU min-max", "wall ms", "peak RSS MB", "group writes", "writes in sequence"], rows));
        if (c.component === Mode.Hub) {
            const largest = c.sizes[c.sizes.length - 1];
            out.push(`the same ${largest} gateways as ${largest} SelfHostedGatewayEgress would cost ${largest} group writes in sequence (${criticalPath(largest)}) and pass the policy's 50-60 groups; the hub costs ${of(c.component, largest).writes} (${criticalPath(of(c.component, largest).writes)})`);
        }
        out.push(problems.length > 0
            ? ["WARNING: the baseline no longer registers what the component registers; the ratio compares different work:", ...problems.map((p) => `  ${p}`)].join("\n")
            : `baseline check: ${c.component} and ${c.baseline} register identical child resources (N=${c.sizes[1]})`);
        out.push(`median of back-to-back pair CPU ratios: ${c.sizes.map((n) => `N=${n} ${median(pairRatios.get(n) ?? []).toFixed(2)}`).join(", ")}`);
        const largest = c.sizes[c.sizes.length - 1];
        // Judged on the printed value, so that the verdict, the exit code and the line agree.
        const ratio = Number((of(c.component, largest).cpu / of(c.baseline, largest).cpu).toFixed(2));
        failed ||= ratio > c.limit || problems.length > 0;
        out.push(`${c.component}/${c.baseline} CPU ratio at N=${largest}: ${ratio.toFixed(2)} (limit ${c.limit.toFixed(2)}: ${ratio <= c.limit ? "within" : "FAILS"})`, "");
    }
    const floor = stat(floorRuns);
    out.push(`per-process floor (node + @pulumi/pulumi + azure-native apimanagement & network + kubernetes networking/v1, nothing registered): CPU ${floor.cpu.toFixed(0)} ms (${floor.cpuMin.toFixed(0)}-${floor.cpuMax.toFixed(0)}), wall ${floor.wall.toFixed(0)} ms, peak RSS ${floor.rss.toFixed(1)} MB`);
    out.push(`total bench time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(`${out.join("\n")}\n`);
    return failed ? 1 : 0;
}

try {
    process.exitCode = main();
} catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
}
