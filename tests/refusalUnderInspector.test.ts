// A refusal through Outputs, with the inspector on as in Pulumi's plugin host (the construct path
// of every non-Node.js program): V8 then looks for a handler of each rejected promise by walking
// the promises derived from it, and the provider once grew past 10 GB and died on one refusal
// (engine step bad-input). Run in a child process, stopped well before it could hurt the machine.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The child's stdout, and the most memory it held (resident, in MB). */
function run(script: string, limitMb: number, limitMs: number): Promise<{ stdout: string; peakMb: number; stopped: boolean }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "ignore"] });
        let stdout = "";
        let peakMb = 0;
        let stopped = false;
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        const started = Date.now();
        const watch = setInterval(() => {
            const status = fs.existsSync(`/proc/${child.pid}/status`) ? fs.readFileSync(`/proc/${child.pid}/status`, "utf8") : "";
            peakMb = Math.max(peakMb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
            if (peakMb > limitMb || Date.now() - started > limitMs) {
                stopped = true;
                child.kill("SIGKILL");
            }
        }, 100);
        child.on("close", () => {
            clearInterval(watch);
            resolve({ stdout, peakMb: Math.round(peakMb), stopped });
        });
    });
}

describe("a refusal through Output args with the inspector on (the plugin host's construct path)", () => {
    it("is reported, in bounded time and memory", async function () {
        this.timeout(70000);
        const r = await run(path.join(__dirname, "inspector", "refusalChild.js"), 1500, 60000);
        assert.deepEqual({ stopped: r.stopped, stdout: r.stdout }, {
            stopped: false,
            stdout: 'Invalid value for cluster.namespace: "Factory_1". A namespace is a DNS-1123 label: at most 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.\n',
        }, `peak ${r.peakMb} MB`);
    });
});
