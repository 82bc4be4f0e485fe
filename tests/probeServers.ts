// Loopback servers for the probe's real runs, and a test CA made with openssl for each run: an
// HTTPS server whose certificate the CA signed for the names the plan tries, one whose
// certificate no CA vouches for (what a TLS-intercepting proxy presents), plain TCP listeners
// (that close at once, hold the connection, or reset it on the first data), a closed port, and an HTTP CONNECT
// proxy that tunnels to the ports it allows and answers 403 to the rest. Loopback addresses
// alone: every server binds one, and the proxy tunnels to 127.0.0.1 whatever name it is given.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as tls from "tls";
import * as path from "path";

export interface Pki {
    readonly dir: string;
    /** The test CA's certificate: the probe's curl trusts it through CURL_CA_BUNDLE. */
    readonly caFile: string;
    readonly trusted: { readonly key: Buffer; readonly cert: Buffer };
    readonly untrusted: { readonly key: Buffer; readonly cert: Buffer };
}

function openssl(dir: string, args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}

/** A CA, a server certificate it signs for `names` (DNS names and IPv4 addresses), and a self-signed one for the same names. */
export function makePki(names: readonly string[]): Pki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-pki-"));
    const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(dir, ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=apim-gateway-egress probe test CA"]);
    openssl(dir, ["req", "-new", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=probe test server"]);
    fs.writeFileSync(path.join(dir, "server.ext"), `subjectAltName=${san}\n`);
    openssl(dir, ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"]);
    openssl(dir, ["req", "-x509", ...ec, "-keyout", "rogue.key", "-out", "rogue.pem", "-days", "2", "-subj", "/CN=intercepting proxy", "-addext", `subjectAltName=${san}`]);
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    return { dir, caFile: path.join(dir, "ca.pem"), trusted: { key: read("server.key"), cert: read("server.pem") }, untrusted: { key: read("rogue.key"), cert: read("rogue.pem") } };
}

export interface Servers {
    /** Port of each server, by role. */
    readonly ports: Readonly<Record<string, number>>;
    close(): Promise<void>;
}

type Listening = http.Server | net.Server | tls.Server;

function listen(server: Listening, address: string): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, address, () => resolve((server.address() as net.AddressInfo).port));
    });
}

/** A port on `address` that nothing listens on: bound, then released. */
async function closedPort(address: string): Promise<number> {
    const s = net.createServer();
    const port = await listen(s, address);
    await new Promise((resolve) => s.close(resolve));
    return port;
}

export interface ServerPlan {
    readonly https?: readonly { readonly role: string; readonly address: string; readonly trusted: boolean }[];
    /** `close`: accept, then close; `hold`: keep the connection open; `reset`: reset it on the first data (a firewall denying a TLS name). */
    readonly tcp?: readonly { readonly role: string; readonly address: string; readonly mode: "close" | "hold" | "reset" }[];
    readonly closed?: readonly { readonly role: string; readonly address: string }[];
    /** TLS servers (the trusted certificate) that write `reply` on the first data, then close: a cut or non-HTTP answer. */
    readonly tlsReplies?: readonly { readonly role: string; readonly address: string; readonly reply: string }[];
    /** Ports the proxy tunnels to, by role of the server behind them; every other CONNECT gets 403. */
    readonly proxy?: { readonly address: string; readonly allow: readonly string[] };
}

/** Starts the servers of `plan`. */
export async function startServers(pki: Pki, plan: ServerPlan): Promise<Servers> {
    const servers: Listening[] = [];
    const sockets = new Set<net.Socket>();
    const track = (s: net.Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => undefined);
    };
    const ports: Record<string, number> = {};
    for (const h of plan.https ?? []) {
        const server = https.createServer(h.trusted ? pki.trusted : pki.untrusted, (_req, res) => res.writeHead(204).end());
        server.on("connection", track);
        server.on("tlsClientError", () => undefined);
        servers.push(server);
        ports[h.role] = await listen(server, h.address);
    }
    for (const t of plan.tcp ?? []) {
        const server = net.createServer((s) => {
            track(s);
            if (t.mode === "close") {
                s.end();
            } else if (t.mode === "reset") {
                s.once("data", () => s.resetAndDestroy());
            }
        });
        servers.push(server);
        ports[t.role] = await listen(server, t.address);
    }
    for (const r of plan.tlsReplies ?? []) {
        const server = tls.createServer(pki.trusted, (s) => s.once("data", () => s.end(r.reply)));
        server.on("connection", track);
        server.on("tlsClientError", () => undefined);
        servers.push(server);
        ports[r.role] = await listen(server, r.address);
    }
    for (const c of plan.closed ?? []) {
        ports[c.role] = await closedPort(c.address);
    }
    if (plan.proxy) {
        const allowed = new Set(plan.proxy.allow.map((role) => ports[role]));
        const proxy = http.createServer((_req, res) => res.writeHead(405).end());
        proxy.on("connection", track);
        proxy.on("connect", (req: http.IncomingMessage, client: net.Socket) => {
            const port = Number((req.url ?? "").split(":").pop());
            if (!allowed.has(port)) {
                client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
                return;
            }
            // The proxy resolves every name to loopback: no lookup leaves the machine.
            const upstream = net.connect(port, "127.0.0.1", () => {
                client.write("HTTP/1.1 200 Connection established\r\n\r\n");
                upstream.pipe(client);
                client.pipe(upstream);
            });
            track(upstream);
        });
        servers.push(proxy);
        ports.proxy = await listen(proxy, plan.proxy.address);
    }
    return {
        ports,
        close: async () => {
            sockets.forEach((s) => s.destroy());
            await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
        },
    };
}

export interface ScriptRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** What the script left in its working directory: nothing, it writes to stdout alone. */
    readonly written: string[];
}

/**
 * Runs `script` with the system's sh and curl and nothing else: its PATH holds curl alone, so a
 * call to any other program fails on stderr. Asynchronous, so that the servers of this process can answer.
 */
export function runScript(script: string, env: Record<string, string>): Promise<ScriptRun> {
    // The tests' checks reach loopback alone: an address elsewhere is a mistake of the test.
    const away = script.split("\n").filter((l) => /^(check|direct) /.test(l)).flatMap((l) => l.match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? []).filter((a) => !a.startsWith("127."));
    if (away.length > 0) {
        throw new Error(`runScript: the checks would leave loopback (${away.join(", ")})`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-run-"));
    const bin = path.join(dir, "bin");
    const work = path.join(dir, "work");
    fs.mkdirSync(bin);
    fs.mkdirSync(work);
    fs.symlinkSync(execFileSync("sh", ["-c", "command -v curl"]).toString().trim(), path.join(bin, "curl"));
    return new Promise<ScriptRun>((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", script], { cwd: work, env: { PATH: bin, HOME: work, TMPDIR: work, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr, written: fs.readdirSync(work) }));
    }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}
