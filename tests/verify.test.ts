// `verify` against a real DNS server on 127.0.0.1 (tests/dnsTestServer.ts, UDP and TCP), so the
// command's own DNS client, timeouts, CNAME following and error mapping are exercised, not a stub
// of them. Each spec: a fixture answer in, the exit code and the output line out.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as dns from "dns";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_APIM_FILE, DEFAULT_OPTIONS_FILE } from "../cli/preview";
import { ExitCode } from "../cli/exitCodes";
import { main } from "../cli/main";
import { MAX_QUERIES_IN_FLIGHT, Status, verify, VerifyFormat, VerifyRequest, VerifyRow } from "../cli/verify";
import { a, cname, TestDnsServer } from "./dnsTestServer";
import { CLI, exampleOptions, Sink } from "./helpers";

const HOST = "contoso-apim.configuration.azure-api.net";
const VIP = "10.40.1.5";
const VERIFY = [CLI, "verify"];

/** Lines with their hanging continuations (indented by two spaces) joined back at the spaces they broke at. */
function unwrapped(lines: readonly string[]): string[] {
    return lines.reduce<string[]>((all, l) => (l.startsWith("  ") && all.length > 0 ? [...all.slice(0, -1), `${all[all.length - 1]} ${l.trimStart()}`] : [...all, l]), []);
}

/** The header above the table, as one line. */
const headline = (output: string) => unwrapped(output.split("\n").slice(0, output.split("\n").findIndex((l) => l.startsWith("flow ")))).join("");

/**
 * A table row's cells, read at the columns the separator line marks. The row is the one whose
 * first cell is `first`, however many lines that cell takes; a cell wrapped onto further lines
 * is joined back: at a space, or without one where the table split a word (its continuation
 * starts with the separator it was split before).
 */
function cellsOf(output: string, first: string): string[] {
    const lines = output.split("\n");
    const columns = [...(lines.find((l) => /^-+ {2}-/.test(l)) ?? "").matchAll(/-+/g)].map((m) => ({ start: m.index, width: m[0].length }));
    const cell = (l: string, i: number) => l.slice(columns[i].start, columns[i].start + columns[i].width).trimEnd();
    const join = (pieces: readonly string[]) => pieces.filter((p) => p !== "").reduce((all, p, i) => (i === 0 ? p : `${all}${/^[.\-/=,]/.test(p) ? "" : " "}${p}`), "");
    for (let at = 0; at < lines.length; at++) {
        let end = at + 1;
        while (end < lines.length && lines[end] !== "" && cell(lines[end], 0) !== "" && first.startsWith(join(lines.slice(at, end + 1).map((l) => cell(l, 0))))) {
            end++;
        }
        if (join(lines.slice(at, end).map((l) => cell(l, 0))) !== first) {
            continue;
        }
        while (end < lines.length && lines[end] !== "" && cell(lines[end], 0) === "") {
            end++;
        }
        return columns.map((_, i) => join(lines.slice(at, end).map((l) => cell(l, i))));
    }
    return [];
}

/** The built CLI, run asynchronously: the DNS server answers from this same process. */
function runCli(args: string[], nodeOptions: string[] = []): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [...nodeOptions, ...VERIFY, ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

describe("verify (against a DNS server on 127.0.0.1)", function () {
    const server = new TestDnsServer();
    let dnsServer = "";
    let tmp = "";
    let featuresFile = "";

    before(async () => {
        dnsServer = await server.start();
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "verify-test-"));
        featuresFile = path.join(tmp, "features.json");
        fs.writeFileSync(featuresFile, JSON.stringify({
            ...exampleOptions(),
            features: { imagePull: { enabled: true, nodeAddresses: ["10.80.0.0/24"] } },
            backends: [{ name: "orders", fqdn: "orders.contoso.internal", port: 443 }],
        }));
    });

    after(async () => {
        await server.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    beforeEach(() => server.reset());

    const run = (overrides: Partial<VerifyRequest> = {}) =>
        verify({ apimFiles: [DEFAULT_APIM_FILE], optionsFile: DEFAULT_OPTIONS_FILE, dnsServer, format: VerifyFormat.Table, timeoutMs: 300, tries: 1, ...overrides });

    async function rowsOf(overrides: Partial<VerifyRequest> = {}): Promise<{ code: number; rows: VerifyRow[] }> {
        const result = await run({ ...overrides, format: VerifyFormat.Json });
        return { code: result.code, rows: (JSON.parse(result.output) as { rows: VerifyRow[] }).rows };
    }

    /** The output's finding lines (`- status (flow): ...`) and verdict line. */
    const findings = (output: string) => unwrapped(output.split("\n").slice(output.split("\n").indexOf(""))).filter((l) => l.startsWith("- ") || l.startsWith("result: "));
    /** The table row of a flow, as cells. */
    const row = cellsOf;
    const unresolvableHost = (cause: string) => [`- unresolvable (configuration-host): ${HOST}: ${cause}`, "result: unresolvable (exit 3)"];

    describe("the configuration host", () => {
        it("passes when it holds the VIP", async () => {
            server.answers.set(HOST, [VIP]);
            const result = await run();
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, "-", VIP, VIP, "match"]);
            assert.deepEqual(findings(result.output), ["result: ok (exit 0)"]);
            assert.deepEqual(server.queries, [HOST], "the named server, not the system resolver, was asked");
        });

        it("fails with exit 1 naming both addresses when it holds another address", async () => {
            server.answers.set(HOST, ["10.9.9.9"]);
            const result = await run();
            assert.equal(result.code, ExitCode.Mismatch, result.output);
            assert.deepEqual(findings(result.output), [
                `- mismatch (configuration-host): ${HOST} resolves to 10.9.9.9, but the rules carry ${VIP} (APIM VIP): either the DNS record is stale or the VIP changed since the APIM document was read`,
                "result: mismatch (exit 1)",
            ]);
        });

        it("fails when it holds the VIP and another address: the extra one is not opened", async () => {
            server.answers.set(HOST, ["10.40.1.200", VIP]);
            const { code, rows } = await rowsOf();
            assert.equal(code, ExitCode.Mismatch);
            assert.deepEqual(rows[0].resolved, [VIP, "10.40.1.200"]);
            assert.equal(rows[0].status, Status.Mismatch);
            assert.equal(rows[0].detail, `${HOST} resolves to 10.40.1.5, 10.40.1.200, but the rules open only ${VIP} (APIM VIP): connections to 10.40.1.200 will be blocked`);
        });

        it("passes through a CNAME chain that ends at the VIP, asking only once", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "contoso-apim.privatelink.azure-api.net"), cname("contoso-apim.privatelink.azure-api.net", "apim-vip.contoso.internal"), a("apim-vip.contoso.internal", VIP)] });
            const result = await run();
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, "contoso-apim.privatelink.azure-api.net → apim-vip.contoso.internal", VIP, VIP, "match"]);
            assert.deepEqual(server.queries, [HOST], "the chain is read from the one answer");
        });

        it("fails with exit 1 when its CNAME chain ends at another address, naming the chain", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "appgw.contoso.internal"), a("appgw.contoso.internal", "10.60.0.4")] });
            const result = await run();
            assert.equal(result.code, ExitCode.Mismatch, result.output);
            assert.deepEqual(findings(result.output), [
                `- mismatch (configuration-host): ${HOST} (CNAME chain ${HOST} → appgw.contoso.internal) resolves to 10.60.0.4, but the rules carry ${VIP} (APIM VIP): either the DNS record is stale or the VIP changed since the APIM document was read`,
                "result: mismatch (exit 1)",
            ]);
        });

        it("is unresolvable (exit 3) as a dangling CNAME: the chain ends without an A record", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "contoso-apim.privatelink.azure-api.net"), cname("contoso-apim.privatelink.azure-api.net", "apim-vip.contoso.internal")] });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost(`CNAME chain ${HOST} → contoso-apim.privatelink.azure-api.net → apim-vip.contoso.internal ends without an A record`));
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, "-", VIP, "-", "unresolvable"]);
        });

        it("is unresolvable (exit 3) when its CNAME target does not exist (NXDOMAIN after the chain)", async () => {
            server.answers.set(HOST, { rcode: "NXDOMAIN", records: [cname(HOST, "apim-vip.contoso.internal")] });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost(`NXDOMAIN: CNAME chain ${HOST} → apim-vip.contoso.internal ends at a name that does not exist`));
        });

        it("is unresolvable (exit 3) in a CNAME loop", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "apim-vip.contoso.internal"), cname("apim-vip.contoso.internal", HOST)] });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost(`CNAME loop ${HOST} → apim-vip.contoso.internal → ${HOST}`));
        });

        // Unresolvable, not a mismatch: an A record answers only for its owner name, so this
        // answer says nothing about the asked name — no record claims it maps to 10.9.9.9. Stub
        // resolvers disagree on such answers (glibc skips them, c-ares 1.34 takes them), so what
        // the gateway would connect to is unknown: nothing proven either way, which is exit 3.
        it("is unresolvable (exit 3) when the answer's only A record is for another name", async () => {
            server.answers.set(HOST, { records: [a("evil.example", "10.9.9.9")] });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost("the answer holds A records for evil.example, not for the asked name"));
        });

        it("ignores a foreign A record next to the chain's own: only the chain's address counts", async () => {
            server.answers.set(HOST, { records: [a("evil.example", "10.9.9.9"), cname(HOST, "apim-vip.contoso.internal"), a("apim-vip.contoso.internal", VIP)] });
            const { code, rows } = await rowsOf();
            assert.equal(code, ExitCode.Ok);
            assert.deepEqual(rows[0], { flow: "configuration-host", name: HOST, cnames: ["apim-vip.contoso.internal"], expected: [VIP], resolved: [VIP], status: Status.Match, detail: "" });
        });

        it("matches owner names case-insensitively and without a trailing dot", async () => {
            server.answers.set(HOST, { records: [cname("Contoso-APIM.Configuration.Azure-API.net.", "APIM-VIP.contoso.internal."), a("apim-vip.CONTOSO.internal", VIP)] });
            const { code, rows } = await rowsOf();
            assert.equal(code, ExitCode.Ok);
            assert.deepEqual(rows[0].cnames, ["apim-vip.contoso.internal"]);
        });

        it("is unresolvable (exit 3), not a mismatch, on NXDOMAIN", async () => {
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost("NXDOMAIN: no such name"));
        });

        it("is unresolvable (exit 3) on NODATA: the name exists without an A record", async () => {
            server.answers.set(HOST, []);
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost("NODATA: the name has no A record"));
        });

        it("is unresolvable (exit 3) on SERVFAIL", async () => {
            server.answers.set(HOST, { rcode: "SERVFAIL" });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost("SERVFAIL: the server failed to resolve the name"));
        });

        it("is unresolvable (exit 3) when the server never answers (timeout)", async () => {
            server.answers.set(HOST, "drop");
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost(`timeout: no answer from ${dnsServer} within 300 ms (1 try)`));
        });

        it("asks again over TCP when the UDP answer is truncated", async () => {
            server.answers.set(HOST, { truncate: true, records: [cname(HOST, "apim-vip.contoso.internal"), a("apim-vip.contoso.internal", VIP)] });
            const result = await run();
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, "apim-vip.contoso.internal", VIP, VIP, "match"]);
            assert.deepEqual(server.tcpQueries, [HOST]);
        });

        it("is unresolvable (exit 3) when the UDP answer is truncated and TCP fails", async () => {
            server.answers.set(HOST, { truncate: true, tcpClose: true, records: [a(HOST, VIP)] });
            const result = await run();
            assert.equal(result.code, ExitCode.Unresolvable, result.output);
            assert.deepEqual(findings(result.output), unresolvableHost(`the UDP answer was truncated and TCP failed: ECONNRESET: the connection was closed before a whole answer by ${dnsServer}`));
        });
    });

    describe("the configuration host with firewall.configurationAddress declared", () => {
        // A configuration host published through Application Gateway: every rule and the chart's
        // hostAliases carry the declared address, so that is what DNS must answer.
        const APPGW = "10.60.0.4";
        const declaring = (address: string) => {
            const file = path.join(tmp, `declared-${address}.json`);
            const options = exampleOptions() as { firewall: Record<string, unknown> };
            fs.writeFileSync(file, JSON.stringify({ ...options, firewall: { ...options.firewall, configurationAddress: address } }));
            return file;
        };

        it("passes (exit 0) when it resolves to the declared address, and says which address it is", async () => {
            server.answers.set(HOST, [APPGW]);
            const result = await run({ optionsFile: declaring(APPGW) });
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.equal(headline(result.output), `DNS check against ${dnsServer}: ${HOST} must resolve to ${APPGW} (declared configurationAddress) only; other names must resolve`);
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, "-", APPGW, APPGW, "match"]);
            assert.deepEqual(findings(result.output), ["result: ok (exit 0)"]);
        });

        it("fails (exit 1) when it resolves to the VIP, which no rule opens", async () => {
            server.answers.set(HOST, [VIP]);
            const result = await run({ optionsFile: declaring(APPGW) });
            assert.equal(result.code, ExitCode.Mismatch, result.output);
            assert.deepEqual(findings(result.output), [
                `- mismatch (configuration-host): ${HOST} resolves to ${VIP}, but the rules carry ${APPGW} (declared configurationAddress): either the DNS record or firewall.configurationAddress is wrong`,
                "result: mismatch (exit 1)",
            ]);
        });

        it("passes through a CNAME chain that ends at the declared address", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "appgw.contoso.internal"), a("appgw.contoso.internal", APPGW)] });
            const { code, rows } = await rowsOf({ optionsFile: declaring(APPGW) });
            assert.equal(code, ExitCode.Ok);
            assert.deepEqual(rows[0], { flow: "configuration-host", name: HOST, cnames: ["appgw.contoso.internal"], expected: [APPGW], resolved: [APPGW], status: Status.Match, detail: "" });
        });

        it("fails when it resolves to the declared address and the VIP: the VIP is not opened", async () => {
            server.answers.set(HOST, [APPGW, VIP]);
            const { code, rows } = await rowsOf({ optionsFile: declaring(APPGW) });
            assert.equal(code, ExitCode.Mismatch);
            assert.equal(rows[0].detail, `${HOST} resolves to ${VIP}, ${APPGW}, but the rules open only ${APPGW} (declared configurationAddress): connections to ${VIP} will be blocked`);
        });

        it("names the declared address and the VIP apart in JSON", async () => {
            server.answers.set(HOST, [APPGW]);
            const result = await run({ optionsFile: declaring(APPGW), format: VerifyFormat.Json });
            const document = JSON.parse(result.output) as Record<string, unknown>;
            assert.deepEqual([document.configurationAddress, document.configurationAddressSource, document.apimVip], [APPGW, "declared configurationAddress", VIP]);
        });

        it("passes when the declared address is the VIP itself and DNS answers it", async () => {
            server.answers.set(HOST, [VIP]);
            const result = await run({ optionsFile: declaring(VIP) });
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.equal(headline(result.output), `DNS check against ${dnsServer}: ${HOST} must resolve to ${VIP} (declared configurationAddress) only; other names must resolve`);
        });
    });

    describe("the plan's other names", () => {
        it("resolves the other named flows, lists their addresses, and skips wildcards", async () => {
            server.answers.set(HOST, [VIP]);
            server.answers.set("mcr.microsoft.com", ["204.79.197.219", "150.171.69.10"]);
            server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
            const { code, rows } = await rowsOf({ optionsFile: featuresFile });
            assert.equal(code, ExitCode.Ok);
            const byName = new Map(rows.map((r) => [r.name, r]));
            assert.deepEqual(byName.get("mcr.microsoft.com"), { flow: "imagepull-mcr-microsoft-com", name: "mcr.microsoft.com", cnames: [], expected: [], resolved: ["150.171.69.10", "204.79.197.219"], status: Status.Resolved, detail: "" });
            assert.equal(byName.get("orders.contoso.internal")?.status, Status.Resolved);
            assert.deepEqual(byName.get("*.data.mcr.microsoft.com"), { flow: "imagepull-wildcard-data-mcr-microsoft-com", name: "*.data.mcr.microsoft.com", cnames: [], expected: [], resolved: [], status: Status.Wildcard, detail: "" });
            assert.ok(!server.queries.some((q) => q.includes("*")), "a wildcard is never sent to DNS");
        });

        it("lists a wildcard row as before in the table: not resolvable, not a finding", async () => {
            server.answers.set(HOST, [VIP]);
            server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
            server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
            const result = await run({ optionsFile: featuresFile });
            assert.equal(result.code, ExitCode.Ok, result.output);
            assert.deepEqual(row(result.output, "imagepull-wildcard-data-mcr-microsoft-com"), ["imagepull-wildcard-data-mcr-microsoft-com", "*.data.mcr.microsoft.com", "-", "-", "-", "wildcard: not resolvable"]);
            assert.deepEqual(findings(result.output), ["result: ok (exit 0)"]);
        });

        it("exits 3 when a backend name is NXDOMAIN although the configuration host matches", async () => {
            server.answers.set(HOST, [VIP]);
            server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
            const result = await run({ optionsFile: featuresFile });
            assert.equal(result.code, ExitCode.Unresolvable);
            assert.deepEqual(findings(result.output), ["- unresolvable (backend-orders): orders.contoso.internal: NXDOMAIN: no such name", "result: unresolvable (exit 3)"]);
        });

        it("exits 3 when a backend name is a dangling CNAME", async () => {
            server.answers.set(HOST, [VIP]);
            server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
            server.answers.set("orders.contoso.internal", { records: [cname("orders.contoso.internal", "orders-lb.contoso.internal")] });
            const result = await run({ optionsFile: featuresFile });
            assert.equal(result.code, ExitCode.Unresolvable);
            assert.deepEqual(findings(result.output), [
                "- unresolvable (backend-orders): orders.contoso.internal: CNAME chain orders.contoso.internal → orders-lb.contoso.internal ends without an A record",
                "result: unresolvable (exit 3)",
            ]);
        });
    });

    describe("the run as a whole", () => {
        it("lets a mismatch win over an unresolvable name: exit 1", async () => {
            server.answers.set(HOST, ["10.9.9.9"]);
            server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
            const { code, rows } = await rowsOf({ optionsFile: featuresFile });
            assert.equal(code, ExitCode.Mismatch);
            assert.ok(rows.some((r) => r.status === Status.Unresolvable));
        });

        it("keeps the table within 120 columns, wrapping a long CNAME chain and its finding without cutting them", async () => {
            const chain = ["contoso-apim.privatelink.azure-api.net", "apim-vip-primary-location.west-europe.contoso.internal"];
            server.answers.set(HOST, { records: [cname(HOST, chain[0]), cname(chain[0], chain[1]), a(chain[1], "10.9.9.9")] });
            server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
            server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
            const result = await run({ optionsFile: featuresFile });
            assert.equal(result.code, ExitCode.Mismatch, result.output);
            assert.ok(result.output.split("\n").every((l) => l.length <= 120), result.output);
            assert.deepEqual(row(result.output, "configuration-host"), ["configuration-host", HOST, chain.join(" → "), VIP, "10.9.9.9", "mismatch"]);
            assert.deepEqual(findings(result.output), [
                `- mismatch (configuration-host): ${HOST} (CNAME chain ${[HOST, ...chain].join(" → ")}) resolves to 10.9.9.9, but the rules carry ${VIP} (APIM VIP): either the DNS record is stale or the VIP changed since the APIM document was read`,
                "result: mismatch (exit 1)",
            ]);
        });

        it("is deterministic: the same answers in another order give byte-identical output", async () => {
            server.answers.set(HOST, [VIP]);
            server.answers.set("mcr.microsoft.com", { records: [cname("mcr.microsoft.com", "mcr-edge.example"), a("mcr-edge.example", "204.79.197.219"), a("mcr-edge.example", "150.171.69.10")] });
            server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
            const first = await run({ optionsFile: featuresFile });
            server.answers.set("mcr.microsoft.com", { records: [a("mcr-edge.example", "150.171.69.10"), a("mcr-edge.example", "204.79.197.219"), cname("mcr.microsoft.com", "mcr-edge.example")] });
            const second = await run({ optionsFile: featuresFile });
            assert.equal(first.output, second.output);
        });

        it("returns the whole JSON document as one string, however long (here over 64 KiB)", async () => {
            // The caller writes it before the exit code is set; a pipe's 64 KiB must not cut it.
            const many = path.join(tmp, "many-backends.json");
            const backends = Array.from({ length: 300 }, (_, i) => ({ name: `svc${i}`, fqdn: `svc${i}.backends.contoso.internal`, port: 443 }));
            fs.writeFileSync(many, JSON.stringify({ ...exampleOptions(), backends }));
            server.answers.set(HOST, [VIP]);
            const result = await run({ optionsFile: many, format: VerifyFormat.Json });
            assert.equal(result.code, ExitCode.Unresolvable);
            assert.ok(result.output.length > 65536, `${result.output.length} characters`);
            const document = JSON.parse(result.output) as { rows: VerifyRow[] };
            assert.equal(document.rows.filter((r) => r.detail === "NXDOMAIN: no such name").length, 300);
        });

        it(`sends at most ${MAX_QUERIES_IN_FLIGHT} queries at once`, async () => {
            const many = path.join(tmp, "silent-backends.json");
            const backends = Array.from({ length: MAX_QUERIES_IN_FLIGHT }, (_, i) => ({ name: `svc${i}`, fqdn: `svc${i}.backends.contoso.internal`, port: 443 }));
            fs.writeFileSync(many, JSON.stringify({ ...exampleOptions(), backends }));
            server.answers.set(HOST, "drop");
            backends.forEach((b) => server.answers.set(b.fqdn, "drop"));
            const pending = run({ optionsFile: many, timeoutMs: 800 });
            const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
            for (let waited = 0; server.queries.length < MAX_QUERIES_IN_FLIGHT && waited < 5000; waited += 10) {
                await sleep(10);
            }
            // Well inside the first batch's timeout: the last name waits for a free slot.
            await sleep(200);
            assert.equal(server.queries.length, MAX_QUERIES_IN_FLIGHT);
            assert.equal((await pending).code, ExitCode.Unresolvable);
            assert.equal(server.queries.length, MAX_QUERIES_IN_FLIGHT + 1);
        });

        it("asks the system resolver's servers when --dns-server is absent", async () => {
            const saved = dns.getServers();
            dns.setServers([dnsServer]);
            try {
                server.answers.set(HOST, [VIP]);
                const result = await run({ dnsServer: undefined });
                assert.equal(result.code, ExitCode.Ok, result.output);
                assert.equal(headline(result.output), `DNS check against the system resolver (${dnsServer}): ${HOST} must resolve to ${VIP} (APIM VIP) only; other names must resolve`);
                assert.deepEqual(server.queries, [HOST]);
            } finally {
                dns.setServers(saved);
            }
        });
    });

    describe("bad input", () => {
        /** verify through the command line's one error path (main.ts), stdout and stderr captured. */
        async function refused({ apim = DEFAULT_APIM_FILE, dns = dnsServer }): Promise<{ code: number; stdout: string; stderr: string }> {
            const out = new Sink();
            const err = new Sink();
            const code = await main(["verify", "--apim", apim, "--options", DEFAULT_OPTIONS_FILE, "--dns-server", dns], out, err);
            return { code, stdout: out.text, stderr: err.text };
        }

        for (const bad of ["dns.example.com:53", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:5x"]) {
            it(`refuses --dns-server ${bad} with exit 2 and one line naming the option and value`, async () => {
                const result = await refused({ dns: bad });
                assert.equal(result.code, ExitCode.BadInput);
                assert.equal(result.stdout, "");
                assert.match(result.stderr, new RegExp(`^error: Invalid value for --dns-server: "${bad.replace(/\./g, "\\.")}"\\. `));
                assert.ok(!result.stderr.slice(0, -1).includes("\n"));
                assert.ok(result.stderr.endsWith("\n"));
                assert.equal(server.queries.length, 0);
            });
        }

        it("refuses a missing --apim file with exit 2", async () => {
            const result = await refused({ apim: path.join(tmp, "absent.json") });
            assert.equal(result.code, ExitCode.BadInput);
            assert.match(result.stderr, /^error: Invalid value for --apim: ".*absent\.json"\. The file cannot be read \(ENOENT\)\./);
        });
    });

    describe("the built CLI, once per exit code", () => {
        it("exits 0 with the table on stdout and nothing on stderr", async () => {
            server.answers.set(HOST, [VIP]);
            const cli = await runCli(["--dns-server", dnsServer]);
            assert.equal(cli.status, ExitCode.Ok, cli.stderr);
            assert.equal(cli.stderr, "");
            assert.deepEqual(findings(cli.stdout), ["result: ok (exit 0)"]);
        });

        it("exits 1 with the whole JSON document on stdout", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "appgw.contoso.internal"), a("appgw.contoso.internal", "10.60.0.4")] });
            const cli = await runCli(["--dns-server", dnsServer, "--format", "json"]);
            assert.equal(cli.status, ExitCode.Mismatch, cli.stderr);
            assert.equal(cli.stderr, "");
            const document = JSON.parse(cli.stdout) as { code: number; rows: VerifyRow[] };
            assert.equal(document.code, ExitCode.Mismatch);
            assert.deepEqual(document.rows[0].resolved, ["10.60.0.4"]);
        });

        it("exits 2 with exactly one stderr line on a masked address", async () => {
            const document = JSON.parse(fs.readFileSync(DEFAULT_APIM_FILE, "utf8"));
            document.properties.privateIPAddresses = ["172.XX.0.5"];
            const masked = path.join(tmp, "masked.json");
            fs.writeFileSync(masked, JSON.stringify(document));
            const cli = spawnSync(process.execPath, [...VERIFY, "--apim", masked, "--options", DEFAULT_OPTIONS_FILE, "--dns-server", dnsServer], { encoding: "utf8", timeout: 15000 });
            assert.equal(cli.status, ExitCode.BadInput, cli.stderr);
            assert.equal(cli.stdout, "");
            const lines = cli.stderr.split("\n").filter((l) => l !== "");
            assert.equal(lines.length, 1, cli.stderr);
            assert.match(lines[0], /^error: Invalid value for properties\.privateIPAddresses\[0\]: "172\.XX\.0\.5"\./);
            assert.equal(server.queries.length, 0, "no lookup after bad input");
        });

        it("exits 3 on a dangling CNAME, naming the chain, with nothing on stderr", async () => {
            server.answers.set(HOST, { records: [cname(HOST, "apim-vip.contoso.internal")] });
            const cli = await runCli(["--dns-server", dnsServer]);
            assert.equal(cli.status, ExitCode.Unresolvable, cli.stderr);
            assert.equal(cli.stderr, "");
            assert.deepEqual(findings(cli.stdout), unresolvableHost(`CNAME chain ${HOST} → apim-vip.contoso.internal ends without an A record`));
        });

        it("exits 4 on an unexpected failure, with exactly one stderr line and no stack trace", async () => {
            // A fault injected below the DNS client stands for a bug: it must not read as a DNS finding.
            const fault = path.join(tmp, "fault.js");
            fs.writeFileSync(fault, "require(\"dgram\").createSocket = () => { throw new Error(\"injected fault\"); };\n");
            server.answers.set(HOST, [VIP]);
            const cli = await runCli(["--dns-server", dnsServer], ["--require", fault]);
            assert.equal(cli.status, ExitCode.Failure, cli.stderr);
            assert.equal(cli.stdout, "");
            assert.equal(cli.stderr, "error: unexpected failure: injected fault\n");
        });
    });
});
