// `npm run bench`: the client-side cost of the components under Pulumi mocks against hand-written
// programs registering the same resources (see worker.ts), in three cases:
// - per gateway: N = 1, 10, 100, 1000 SelfHostedGatewayEgress, each with its own group;
// - landing zone: one GatewayEgressRuleCollectionGroup for N = 10, 100, 1000 gateways of three
//   instances on one policy, with the Azure writes that costs beside it;
// - the landing-zone pattern of the README: that hub plus N cluster-only SelfHostedGatewayEgress.
// Each measurement is a fresh process (module loading and the heap start cold, as in `pulumi up`).
// The two processes of a pair run side by side, one per core: each process's CPU time (user +
// system, its own getrusage) is its own whatever runs beside it, and the pair shares the load of
// the moment. The machines are shared, so the verdicts are on CPU time and on peak RSS, each the
// median over the repetitions of the ratio within a back-to-back pair; wall time is printed for
// reference only.
// Exit code: 1 when a ratio passes its limit, 2 when a worker fails. BENCH_REPS (default 7): the
// runs at the largest N, where the verdicts are; half as many at the smaller sizes.
import { spawn } from "child_process";
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
    /** The median pair CPU ratio at the largest N must stay within this. */
    readonly limit: number;
}

/** The median pair ratio of peak RSS at the largest N must stay within this, in every case. */
const RSS_LIMIT = 1.15;

const CASES: readonly Case[] = [
    { title: "per gateway: N SelfHostedGatewayEgress, a group each", component: Mode.Component, baseline: Mode.Baseline, sizes: [1, 10, 100, 1000], limit: 1.15 },
    { title: "landing zone: one GatewayEgressRuleCollectionGroup, N gateways of 3 instances on one policy", component: Mode.Hub, baseline: Mode.HubBaseline, sizes: [10, 100, 1000], limit: 1.15 },
    { title: "landing-zone pattern: one hub + N cluster-only SelfHostedGatewayEgress", component: Mode.LandingZone, baseline: Mode.LandingZoneBaseline, sizes: [10, 100, 1000], limit: 1.10 },
];

function repetitions(): number {
    const reps = Number(process.env.BENCH_REPS ?? 7);
    if (!Number.isInteger(reps) || reps < 1) {
        throw new Error(`BENCH_REPS must be a positive integer, got ${process.env.BENCH_REPS}`);
    }
    return reps;
}

function runWorker(mode: Mode, n: number, dump = false): Promise<WorkerResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [WORKER, mode, String(n)], { env: { ...process.env, BENCH_DUMP: dump ? "1" : "0" }, stdio: ["ignore", "pipe", "pipe"] });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => stdout.push(b));
        child.stderr.on("data", (b: Buffer) => stderr.push(b));
        child.on("error", reject);
        child.on("close", (status, signal) => {
            const lines = Buffer.concat(stdout).toString("utf8").trim().split("\n");
            if (status !== 0 || lines.length === 0) {
                reject(new Error(`worker ${mode} ${n} exited with ${status ?? signal}: ${Buffer.concat(stderr).toString("utf8").trim()}`));
                return;
            }
            // The SDK may log on stdout before the result; the result is always the last line.
            resolve(JSON.parse(lines[lines.length - 1]) as WorkerResult);
        });
    });
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
async function checkBaselineMatches(c: Case, n: number): Promise<string[]> {
    const [component, baseline] = (await Promise.all([runWorker(c.component, n, true), runWorker(c.baseline, n, true)])).map((r) => childResources(r.resources));
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

/** The two processes of a pair side by side, the first spawned first. */
function pair(order: readonly [Mode, Mode], n: number): Promise<WorkerResult[]> {
    return Promise.all(order.map((mode) => runWorker(mode, n)));
}

async function main(): Promise<number> {
    const started = Date.now();
    const reps = repetitions();
    const out: string[] = [`apim-gateway-egress bench: ${reps} runs per cell at the largest N, ${Math.ceil(reps / 2)} below; each a fresh process, the two of a pair side by side, node ${process.version}; medians; verdicts on the median pair ratios of CPU time and peak RSS`, ""];
    // The verdicts are at the largest N, so only it runs every repetition; the smaller sizes, there
    // to show the trend, run in the first half (the bench must stay within 4 minutes on 2 cores).
    const smallReps = Math.ceil(reps / 2);
    const floorRuns: WorkerResult[] = [];
    for (let rep = 0; rep < smallReps; rep++) {
        floorRuns.push(...await pair([Mode.Floor, Mode.Floor], 0));
    }
    let childCpuMs = floorRuns.reduce((sum, r) => sum + r.cpuMs, 0);
    let failed = false;
    for (const c of CASES) {
        const problems = await checkBaselineMatches(c, c.sizes[1]);
        const samples = new Map<string, WorkerResult[]>();
        const pairRatios = new Map<number, { cpu: number[]; rss: number[] }>();
        const record = (r: WorkerResult) => {
            samples.set(`${r.mode}/${r.n}`, [...(samples.get(`${r.mode}/${r.n}`) ?? []), r]);
            childCpuMs += r.cpuMs;
        };
        const largest = c.sizes[c.sizes.length - 1];
        for (let rep = 0; rep < reps; rep++) {
            for (const [k, n] of c.sizes.entries()) {
                if (n !== largest && rep >= smallReps) {
                    continue;
                }
                // Alternate which mode is spawned first, so neither always starts ahead of the
                // other; the two share the machine's load of the moment, so their ratio is the
                // estimate the verdict is on.
                const order: [Mode, Mode] = (rep + k) % 2 === 0 ? [c.component, c.baseline] : [c.baseline, c.component];
                const p = Object.fromEntries((await pair(order, n)).map((r) => [r.mode, r])) as Record<Mode, WorkerResult>;
                record(p[c.component]);
                record(p[c.baseline]);
                const ratios = pairRatios.get(n) ?? { cpu: [], rss: [] };
                ratios.cpu.push(p[c.component].cpuMs / p[c.baseline].cpuMs);
                ratios.rss.push(p[c.component].maxRssMb / p[c.baseline].maxRssMb);
                pairRatios.set(n, ratios);
            }
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
        const pairMedian = (n: number, measure: "cpu" | "rss") => median(pairRatios.get(n)?.[measure] ?? []);
        out.push(`median of back-to-back pair ratios: CPU ${c.sizes.map((n) => `N=${n} ${pairMedian(n, "cpu").toFixed(2)}`).join(", ")}; peak RSS ${c.sizes.map((n) => `N=${n} ${pairMedian(n, "rss").toFixed(2)}`).join(", ")}`);
        // Judged on the printed values, so that the verdict, the exit code and the line agree.
        const cpu = Number(pairMedian(largest, "cpu").toFixed(2));
        const rss = Number(pairMedian(largest, "rss").toFixed(2));
        failed ||= cpu > c.limit || rss > RSS_LIMIT || problems.length > 0;
        const verdict = (ratio: number, limit: number) => `${ratio.toFixed(2)} (limit ${limit.toFixed(2)}: ${ratio <= limit ? "within" : "FAILS"})`;
        out.push(`${c.component}/${c.baseline} at N=${largest}, median pair ratio over ${reps} runs: CPU ${verdict(cpu, c.limit)}, peak RSS ${verdict(rss, RSS_LIMIT)}`, "");
    }
    const floor = stat(floorRuns);
    out.push(`per-process floor (node + @pulumi/pulumi + azure-native apimanagement & network + kubernetes networking/v1, nothing registered): CPU ${floor.cpu.toFixed(0)} ms (${floor.cpuMin.toFixed(0)}-${floor.cpuMax.toFixed(0)}), wall ${floor.wall.toFixed(0)} ms, peak RSS ${floor.rss.toFixed(1)} MB`);
    // The CPU the measured processes took is what an idle machine's two cores must give them; the
    // baseline checks' processes come on top.
    out.push(`total bench time ${((Date.now() - started) / 1000).toFixed(1)} s wall; measured processes ${(childCpuMs / 1000).toFixed(1)} s CPU (${(childCpuMs / 2000).toFixed(1)} s on two idle cores)`);
    process.stdout.write(`${out.join("\n")}\n`);
    return failed ? 1 : 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
    },
);
