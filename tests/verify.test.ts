// `verify` against a real DNS server: a UDP responder on 127.0.0.1 built with dns-packet, so the
// command's own Resolver, timeouts and error mapping are exercised, not a stub of them.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as dgram from "dgram";
import * as dnsPacket from "dns-packet";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_APIM_FILE } from "../cli/preview";
import { ExitCode, Status, verify, VerifyFormat, VerifyRequest, VerifyRow } from "../cli/verify";

const HOST = "contoso-apim.configuration.azure-api.net";
const VIP = "10.40.1.5";
const NXDOMAIN = 3;

/** A name's answer: A records, or `drop` to never reply (a timeout). Absent: NXDOMAIN. */
type Answer = string[] | "drop";

class TestDnsServer {
    readonly answers = new Map<string, Answer>();
    readonly queries: string[] = [];
    private readonly socket = dgram.createSocket("udp4");

    async start(): Promise<string> {
        this.socket.on("message", (message, peer) => this.reply(message, peer));
        await new Promise<void>((resolve) => this.socket.bind(0, "127.0.0.1", resolve));
        return `127.0.0.1:${this.socket.address().port}`;
    }

    private reply(message: Buffer, peer: dgram.RemoteInfo): void {
        const query = dnsPacket.decode(message);
        const question = query.questions?.[0];
        if (question === undefined) {
            return;
        }
        const name = question.name.toLowerCase();
        this.queries.push(name);
        const answer = this.answers.get(name);
        if (answer === "drop") {
            return;
        }
        const addresses = question.type === "A" ? (answer ?? []) : [];
        const response = dnsPacket.encode({
            type: "response",
            id: query.id,
            flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | (answer === undefined ? NXDOMAIN : 0),
            questions: [question],
            answers: addresses.map((data) => ({ type: "A" as const, class: "IN" as const, name: question.name, ttl: 30, data })),
        });
        this.socket.send(response, peer.port, peer.address);
    }

    close(): Promise<void> {
        return new Promise((resolve) => this.socket.close(() => resolve()));
    }
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
            features: { imagePull: { enabled: true } },
            backends: [{ name: "orders", fqdn: "orders.contoso.internal", port: 443 }],
        }));
    });

    after(async () => {
        await server.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    beforeEach(() => {
        server.answers.clear();
        server.queries.length = 0;
    });

    const run = (overrides: Partial<VerifyRequest> = {}) =>
        verify({ apimFile: DEFAULT_APIM_FILE, dnsServer, format: VerifyFormat.Table, timeoutMs: 300, tries: 1, ...overrides });

    async function rowsOf(overrides: Partial<VerifyRequest> = {}): Promise<{ code: number; rows: VerifyRow[] }> {
        const result = await run({ ...overrides, format: VerifyFormat.Json });
        return { code: result.code, rows: (JSON.parse(result.output) as { rows: VerifyRow[] }).rows };
    }

    it("passes when the configuration host resolves to the VIP", async () => {
        server.answers.set(HOST, [VIP]);
        const result = await run();
        assert.equal(result.code, ExitCode.Ok, result.output);
        assert.equal(result.error, undefined);
        assert.match(result.output, new RegExp(`configuration-host\\s+${HOST.replace(/\./g, "\\.")}\\s+10\\.40\\.1\\.5\\s+10\\.40\\.1\\.5\\s+match`));
        assert.deepEqual(server.queries, [HOST], "the named server, not the system resolver, was asked");
    });

    it("fails with exit 1 naming both addresses when DNS answers another address", async () => {
        server.answers.set(HOST, ["10.9.9.9"]);
        const result = await run();
        assert.equal(result.code, ExitCode.Mismatch, result.output);
        const finding = result.output.split("\n").find((l) => l.startsWith("- mismatch"));
        assert.ok(finding, result.output);
        assert.ok(finding.includes("10.9.9.9") && finding.includes(VIP), finding);
    });

    it("fails when DNS answers the VIP and another address: the extra one is not opened", async () => {
        server.answers.set(HOST, ["10.40.1.200", VIP]);
        const { code, rows } = await rowsOf();
        assert.equal(code, ExitCode.Mismatch);
        assert.deepEqual(rows[0].resolved, [VIP, "10.40.1.200"]);
        assert.equal(rows[0].status, Status.Mismatch);
        assert.match(rows[0].detail, /open only 10\.40\.1\.5.*10\.40\.1\.200 will be blocked/);
    });

    it("reports an NXDOMAIN configuration host as unresolvable, exit 3, not as a mismatch", async () => {
        const result = await run();
        assert.equal(result.code, ExitCode.Unresolvable, result.output);
        assert.match(result.output, /unresolvable \(configuration-host\): contoso-apim\.configuration\.azure-api\.net: ENOTFOUND: no such name \(NXDOMAIN\)/);
        assert.doesNotMatch(result.output, /mismatch/);
    });

    it("resolves the other named flows, lists their addresses, and skips wildcards", async () => {
        server.answers.set(HOST, [VIP]);
        server.answers.set("mcr.microsoft.com", ["204.79.197.219", "150.171.69.10"]);
        server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
        const { code, rows } = await rowsOf({ optionsFile: featuresFile });
        assert.equal(code, ExitCode.Ok);
        const byName = new Map(rows.map((r) => [r.name, r]));
        assert.deepEqual(byName.get("mcr.microsoft.com"), { flow: "imagepull-mcr-microsoft-com", name: "mcr.microsoft.com", expected: [], resolved: ["150.171.69.10", "204.79.197.219"], status: Status.Resolved, detail: "" });
        assert.equal(byName.get("orders.contoso.internal")?.status, Status.Resolved);
        assert.equal(byName.get("*.data.mcr.microsoft.com")?.status, "wildcard: not resolvable");
        assert.ok(!server.queries.some((q) => q.includes("*")), "a wildcard is never sent to DNS");
    });

    it("exits 3 when a backend name is NXDOMAIN although the configuration host matches", async () => {
        server.answers.set(HOST, [VIP]);
        server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
        const { code, rows } = await rowsOf({ optionsFile: featuresFile });
        assert.equal(code, ExitCode.Unresolvable);
        const orders = rows.find((r) => r.flow === "backend-orders");
        assert.equal(orders?.status, Status.Unresolvable);
        assert.match(orders?.detail ?? "", /^ENOTFOUND/);
    });

    it("treats a server that never answers as unresolvable (timeout)", async () => {
        server.answers.set(HOST, "drop");
        const { code, rows } = await rowsOf();
        assert.equal(code, ExitCode.Unresolvable);
        assert.match(rows[0].detail, /^ETIMEOUT/);
    });

    it("lets a mismatch win over an unresolvable name: exit 1", async () => {
        server.answers.set(HOST, ["10.9.9.9"]);
        server.answers.set("mcr.microsoft.com", ["150.171.69.10"]);
        const { code, rows } = await rowsOf({ optionsFile: featuresFile });
        assert.equal(code, ExitCode.Mismatch);
        assert.ok(rows.some((r) => r.status === Status.Unresolvable));
    });

    it("is deterministic: the same answers give byte-identical output", async () => {
        server.answers.set(HOST, [VIP]);
        server.answers.set("mcr.microsoft.com", ["204.79.197.219", "150.171.69.10"]);
        server.answers.set("orders.contoso.internal", ["10.50.0.7"]);
        const first = await run({ optionsFile: featuresFile });
        server.answers.set("mcr.microsoft.com", ["150.171.69.10", "204.79.197.219"]);
        const second = await run({ optionsFile: featuresFile });
        assert.equal(first.output, second.output);
    });

    for (const bad of ["dns.example.com:53", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:5x"]) {
        it(`refuses --dns-server ${bad} with exit 2 and one line naming the option and value`, async () => {
            const result = await run({ dnsServer: bad });
            assert.equal(result.code, ExitCode.BadInput);
            assert.equal(result.output, "");
            assert.match(result.error ?? "", new RegExp(`^error: Invalid value for --dns-server: "${bad.replace(/\./g, "\\.")}"\\. `));
            assert.ok(!(result.error ?? "").includes("\n"));
            assert.equal(server.queries.length, 0);
        });
    }

    it("refuses a missing --apim file with exit 2", async () => {
        const result = await run({ apimFile: path.join(tmp, "absent.json") });
        assert.equal(result.code, ExitCode.BadInput);
        assert.match(result.error ?? "", /^error: Invalid value for --apim: ".*absent\.json"\. The file cannot be read \(ENOENT\)\./);
    });

    it("the built CLI exits 2 with exactly one stderr line on a masked address", () => {
        const document = JSON.parse(fs.readFileSync(DEFAULT_APIM_FILE, "utf8"));
        document.properties.privateIPAddresses = ["172.XX.0.5"];
        const masked = path.join(tmp, "masked.json");
        fs.writeFileSync(masked, JSON.stringify(document));
        const cli = spawnSync(process.execPath, [path.join(__dirname, "..", "cli", "verify.js"), "--apim", masked, "--dns-server", dnsServer], { encoding: "utf8", timeout: 15000 });
        assert.equal(cli.status, ExitCode.BadInput, cli.stderr);
        assert.equal(cli.stdout, "");
        const lines = cli.stderr.split("\n").filter((l) => l !== "");
        assert.equal(lines.length, 1, cli.stderr);
        assert.match(lines[0], /^error: Invalid value for properties\.privateIPAddresses\[0\]: "172\.XX\.0\.5"\./);
        assert.equal(server.queries.length, 0, "no lookup after bad input");
    });
});
