// The probe script run for real, with the system's sh and curl, against servers on loopback.
// The checks are the plan's own (probeChecks); only their addresses and ports are moved to the
// loopback servers — the configuration address and the hosts' aliases to 127.0.0.1, HTTPS from
// 443 to the test server's port, the proxy to the loopback proxy — and the script is rendered
// from them by the same code (renderChecks). Every line of the output is asserted exactly.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { ProbeCheck, ProbeInput, probeChecks, renderChecks } from "../components/probeScript";
import { deriveEgress } from "../components/pipeline";
import { EgressPlan } from "../components/egressPlan";
import { resolveOptions } from "../components/options";
import { ProbeOptions } from "../components/optionsProbe";
import { exampleOptions, LooseArgs } from "./helpers";
import { makePki, Pki, runScript, ScriptRun, Servers, startServers } from "./probeServers";

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "examples", "apim-internal-premium.json"), "utf8"));
const HOST = "contoso-apim.configuration.azure-api.net";
const TIMEOUT = "1";
/** The canaries' address in the args (TEST-NET-1, RFC 5737), moved to 127.0.0.2 on loopback. */
const CANARY = "192.0.2.2";

/** The plan and probe input of `args` on the embedded example's instance. */
function derive(args: LooseArgs): { plan: EgressPlan; input: ProbeInput } {
    const o = resolveOptions("gw", args);
    const d = deriveEgress(EXAMPLE, o);
    return { plan: d.plan, input: { hostAliases: d.helmValues.gateway.deployment.dns?.hostAliases ?? [], egressProxy: o.egressProxy, probe: o.probe as ProbeOptions } };
}

/** The plan with its configuration address on 127.0.0.1, and the hosts' aliases and the proxy there too, the canaries on 127.0.0.2. */
function onLoopback({ plan, input }: { plan: EgressPlan; input: ProbeInput }, proxyPort?: number): { plan: EgressPlan; input: ProbeInput } {
    return {
        plan: { ...plan, flows: plan.flows.map((f) => (f.id === "configuration-address" ? { ...f, destination: { kind: f.destination.kind, value: "127.0.0.1/32" } } : f)) },
        input: {
            ...input,
            hostAliases: input.hostAliases.map((a) => ({ ...a, ip: "127.0.0.1" })),
            egressProxy: proxyPort === undefined ? undefined : { address: "127.0.0.1", port: proxyPort },
            // The args refuse a loopback canary (it never crosses a firewall): given as CANARY, moved here.
            probe: { ...input.probe, mustBeBlocked: input.probe.mustBeBlocked.map((c) => ({ ...c, host: c.host.replace(CANARY, "127.0.0.2"), url: c.url.replace(CANARY, "127.0.0.2") })) },
        },
    };
}

/** Moves each probed check's port 443 to the port `portOf` gives it (in its URL, its --resolve and its line). */
function movePorts(checks: readonly ProbeCheck[], portOf: (c: ProbeCheck) => number | undefined): ProbeCheck[] {
    return checks.map((c) => {
        const port = c.port === 443 && c.curl !== undefined ? portOf(c) : undefined;
        return port === undefined ? c : { ...c, port, curl: c.curl?.map((a) => a.replace(/:443(?=[/:]|$)/, `:${port}`)) };
    });
}

function lines(stdout: string): unknown[] {
    return stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
}

/** One line of the output; `remoteIp`, the address curl connected to (or tried), on every probed one. */
const line = (flow: string, target: string, port: number, expect: string, result: string, detail: string, remoteIp?: string) =>
    ({ flow, target, port, protocol: "TCP", expect, result, detail, ...(remoteIp === undefined ? {} : { remoteIp }) });

describe("probe script, run for real against loopback servers", function () {
    this.timeout(30000);
    let pki: Pki;
    let servers: Servers;
    let env: Record<string, string>;

    before(async () => {
        pki = makePki([HOST, "orders.contoso.test", "intercepted.contoso.test", "denied.contoso.test", "127.0.0.2"]);
        env = { CURL_CA_BUNDLE: pki.caFile, PROBE_TIMEOUT: TIMEOUT };
        servers = await startServers(pki, {
            https: [{ role: "https", address: "127.0.0.1", trusted: true }, { role: "rogue", address: "127.0.0.1", trusted: false }, { role: "canary", address: "127.0.0.2", trusted: true },
                { role: "rogueCanary", address: "127.0.0.2", trusted: false }],
            tcp: [
                { role: "tcp", address: "127.0.0.1", mode: "close" }, { role: "held", address: "127.0.0.1", mode: "hold" }, { role: "network", address: "127.0.1.1", mode: "close" },
                { role: "reset", address: "127.0.0.1", mode: "reset" }, { role: "resetCanary", address: "127.0.0.2", mode: "reset" },
            ],
            closed: [{ role: "closed", address: "127.0.0.1" }, { role: "closedCanary", address: "127.0.0.2" }],
            tlsReplies: [{ role: "partial", address: "127.0.0.1", reply: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc" }, { role: "notHttp", address: "127.0.0.1", reply: "SSH-2.0-OpenSSH\r\n" }],
            proxy: { address: "127.0.0.1", allow: ["https", "tcp"] },
        });
    });

    after(async () => {
        await servers.close();
        fs.rmSync(pki.dir, { recursive: true, force: true });
    });

    it("the embedded example: the configuration address and host pass over verified TLS, the canary is refused, exit 0", async () => {
        const { plan, input } = onLoopback(derive({ ...exampleOptions(), probe: { mustBeBlocked: [`telnet://${CANARY}:${servers.ports.closedCanary}`] } }));
        const script = renderChecks(plan.apimName, movePorts(probeChecks(plan, input), () => servers.ports.https), input.egressProxy);
        // A proxy from the environment is not the gateway's: the checks go direct all the same.
        const proxy = `http://127.0.0.1:${servers.ports.closed}`;
        const run = await runScript(script, { ...env, https_proxy: proxy, HTTPS_PROXY: proxy, ALL_PROXY: proxy });
        assert.deepEqual(lines(run.stdout), [
            line("configuration-address", "127.0.0.1", servers.ports.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
            line("configuration-host", HOST, servers.ports.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
            line("canary-1", "127.0.0.2", servers.ports.closedCanary, "blocked", "blocked", "refused, or no route to the destination (curl exit 7)"),
            { summary: "pass", passed: 3, failed: 0, notProbed: 0 },
        ]);
        assert.equal(run.code, 0);
        assert.equal(run.stderr, "");
        assert.deepEqual(run.written, []);
    });

    it("the embedded example exits 1 when the canary answers, all else passing", async () => {
        const { plan, input } = onLoopback(derive({ ...exampleOptions(), probe: { mustBeBlocked: [`https://${CANARY}:443/`] } }));
        const checks = movePorts(probeChecks(plan, input), (c) => (c.flow === "canary-1" ? servers.ports.canary : servers.ports.https));
        const run = await runScript(renderChecks(plan.apimName, checks, input.egressProxy), env);
        assert.deepEqual(lines(run.stdout).slice(2), [
            line("canary-1", "127.0.0.2", servers.ports.canary, "blocked", "allowed", "HTTP 204 over verified TLS", "127.0.0.2"),
            { summary: "fail", passed: 2, failed: 1, notProbed: 0 },
        ]);
        assert.equal(run.code, 1);
    });

    it("the embedded example exits 1 when the configuration endpoint's port is closed, the canary refused", async () => {
        const { plan, input } = onLoopback(derive({ ...exampleOptions(), probe: { mustBeBlocked: [`telnet://${CANARY}:${servers.ports.closedCanary}`] } }));
        const run = await runScript(renderChecks(plan.apimName, movePorts(probeChecks(plan, input), () => servers.ports.closed), input.egressProxy), env);
        assert.deepEqual(lines(run.stdout), [
            line("configuration-address", "127.0.0.1", servers.ports.closed, "allowed", "blocked", "refused, or no route to the destination (curl exit 7)"),
            line("configuration-host", HOST, servers.ports.closed, "allowed", "blocked", "refused, or no route to the destination (curl exit 7)"),
            line("canary-1", "127.0.0.2", servers.ports.closedCanary, "blocked", "blocked", "refused, or no route to the destination (curl exit 7)"),
            { summary: "fail", passed: 1, failed: 2, notProbed: 0 },
        ]);
        assert.equal(run.code, 1);
    });

    describe("a plan with backends of every kind, some closed, a canary that answers", () => {
        let run: ScriptRun;

        before(async () => {
            const p = servers.ports;
            const args = {
                ...exampleOptions(),
                backends: [
                    { name: "open", address: "127.0.0.1", port: p.tcp },
                    { name: "held", address: "127.0.0.1", port: p.held },
                    { name: "closed", address: "127.0.0.1", port: p.closed },
                    { name: "network", address: "127.0.1.0/29", port: p.network },
                    { name: "unprobed-network", address: "127.0.2.0/29", port: p.network },
                    { name: "orders", fqdn: "orders.contoso.test", port: 443 },
                    { name: "intercepted", fqdn: "intercepted.contoso.test", port: 443 },
                    { name: "denied", fqdn: "denied.contoso.test", port: 443 },
                    { name: "statsd", fqdn: "statsd.contoso.test", port: 8125, protocol: "UDP" },
                ],
                probe: {
                    hosts: { "backend-network": "127.0.1.1", "backend-orders": "127.0.0.1", "backend-intercepted": "127.0.0.1", "backend-denied": "127.0.0.1" },
                    mustBeBlocked: [`https://${CANARY}:443/`, `telnet://${CANARY}:${p.closedCanary}`, `https://${CANARY}:${p.resetCanary}/`, `https://${CANARY}:${p.rogueCanary}/`],
                },
            };
            const { plan, input } = onLoopback(derive(args));
            const moved: Record<string, number> = { "backend-intercepted": p.rogue, "backend-denied": p.reset, "canary-1": p.canary };
            const checks = movePorts(probeChecks(plan, input), (c) => moved[c.flow] ?? p.https);
            run = await runScript(renderChecks(plan.apimName, checks, input.egressProxy), env);
        });

        it("reports each flow as it found it, in the plan's order, the canaries last", () => {
            const p = servers.ports;
            assert.deepEqual(lines(run.stdout), [
                line("configuration-address", "127.0.0.1", p.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
                line("configuration-host", HOST, p.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
                line("backend-closed", "127.0.0.1", p.closed, "allowed", "blocked", "refused, or no route to the destination (curl exit 7)"),
                line("backend-held", "127.0.0.1", p.held, "allowed", "allowed", "TCP connection established (curl exit 28: telnet holds it until the time-out)", "127.0.0.1"),
                line("backend-network", "127.0.1.1", p.network, "allowed", "allowed", "TCP connection established", "127.0.1.1"),
                line("backend-open", "127.0.0.1", p.tcp, "allowed", "allowed", "TCP connection established", "127.0.0.1"),
                line("backend-unprobed-network", "127.0.2.0/29", p.network, "allowed", "not-probed", "a network, not one address: give an address inside it in probe.hosts.backend-unprobed-network to probe it"),
                line("backend-denied", "denied.contoso.test", p.reset, "allowed", "tls-error", "the TLS handshake failed: a reset on the name (a firewall denying it), or no TLS there (curl exit 35)", "127.0.0.1"),
                line("backend-intercepted", "intercepted.contoso.test", p.rogue, "allowed", "tls-error", "no CA of this image vouches for the certificate, or it is not for this name: a TLS-intercepting proxy, a CA to add, or a wrong address (curl exit 60)", "127.0.0.1"),
                line("backend-orders", "orders.contoso.test", p.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
                { ...line("backend-statsd", "statsd.contoso.test", 8125, "allowed", "not-probed", "UDP has no handshake: curl cannot tell an open path from a dropped one"), protocol: "UDP" },
                line("canary-1", "127.0.0.2", p.canary, "blocked", "allowed", "HTTP 204 over verified TLS", "127.0.0.2"),
                // The HTTPS canaries by port (the servers' ports vary), then the telnet one.
                ...[
                    // Reset on its name, as an application rule denies it: the canary holds.
                    { port: p.resetCanary, result: "tls-error", detail: "the TLS handshake failed: a reset on the name (a firewall denying it), or no TLS there (curl exit 35)" },
                    // A certificate came back, if not one the image trusts: something answered TLS (review F3).
                    { port: p.rogueCanary, result: "allowed", detail: "something answered TLS, with a certificate no CA of this image vouches for: an intercepting proxy or the destination itself (curl exit 60)" },
                ].sort((x, y) => x.port - y.port).map((c, i) => line(`canary-${i + 2}`, "127.0.0.2", c.port, "blocked", c.result, c.detail, "127.0.0.2")),
                line("canary-4", "127.0.0.2", p.closedCanary, "blocked", "blocked", "refused, or no route to the destination (curl exit 7)"),
                { summary: "fail", passed: 8, failed: 5, notProbed: 2 },
            ]);
        });

        it("exits 1: a required flow is closed, one is intercepted, one reset, a canary answers, one over TLS it does not trust", () => {
            assert.equal(run.code, 1);
            assert.equal(run.stderr, "");
            assert.deepEqual(run.written, []);
        });
    });

    it("through egressProxy: CONNECT as the gateway connects, the proxy's 403 read as blocked, the canary tried around the proxy too", async () => {
        const p = servers.ports;
        const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined },
            backends: [{ name: "open", fqdn: "open.contoso.test", port: p.tcp }, { name: "refused", fqdn: "refused.contoso.test", port: p.closed }],
            probe: { mustBeBlocked: [`https://${CANARY}:443/`] } };
        const { plan, input } = onLoopback(derive(args), p.proxy);
        const checks = movePorts(probeChecks(plan, input), (c) => (c.flow.startsWith("canary-1") ? p.closed : p.https));
        // NO_PROXY from the environment does not send the canary around the proxy.
        const run = await runScript(renderChecks(plan.apimName, checks, input.egressProxy), { ...env, NO_PROXY: "127.0.0.2", no_proxy: "127.0.0.2" });
        assert.deepEqual(lines(run.stdout), [
            line("configuration-address", "127.0.0.1", 443, "allowed", "not-probed", "through egressProxy the proxy resolves the configuration host and connects to its address: the configuration-host check covers this path"),
            line("configuration-host", HOST, p.https, "allowed", "allowed", "HTTP 204 over verified TLS", "127.0.0.1"),
            line("backend-open", "open.contoso.test", p.tcp, "allowed", "allowed", "TCP connection established", "127.0.0.1"),
            line("backend-refused", "refused.contoso.test", p.closed, "allowed", "blocked", "egressProxy answered CONNECT with HTTP 403: 403 is its policy, 502 to 504 a name it could not resolve or reach, 000 no answer (curl exit 56)", "127.0.0.1"),
            line("canary-1", "127.0.0.2", p.closed, "blocked", "blocked", "egressProxy answered CONNECT with HTTP 403: 403 is its policy, 502 to 504 a name it could not resolve or reach, 000 no answer (curl exit 56)", "127.0.0.1"),
            // Around the proxy, as a pod could try if the cluster policy let it (review F4).
            line("canary-1-direct", "127.0.0.2", p.closed, "blocked", "blocked", "refused, or no route to the destination (curl exit 7)"),
            { summary: "fail", passed: 4, failed: 1, notProbed: 1 },
        ]);
        assert.equal(run.code, 1);
    });

    describe("curl's exit codes read by what the path held (review F7)", () => {
        const check = (flow: string, port: number, name = "orders.contoso.test"): ProbeCheck => ({
            flow, target: name, port, protocol: "TCP", expect: "allowed", kind: "https", curl: [`https://${name}:${port}/`, "--ipv4", "--resolve", `${name}:${port}:127.0.0.1`],
        });

        it("a reply cut short (18) or not HTTP (1) after TLS is allowed; a stall after connecting is held, not dropped; a name the certificate lacks is named", async () => {
            const p = servers.ports;
            const checks = [check("partial", p.partial), check("not-http", p.notHttp), check("stalled", p.held), check("mismatch", p.https, "other.contoso.test")];
            const run = await runScript(renderChecks("x", checks, undefined), env);
            assert.deepEqual(lines(run.stdout), [
                line("partial", "orders.contoso.test", p.partial, "allowed", "allowed", "TLS completed, then the reply was cut short or not HTTP (curl exit 18)", "127.0.0.1"),
                line("not-http", "orders.contoso.test", p.notHttp, "allowed", "allowed", "TLS completed, then the reply was cut short or not HTTP (curl exit 1)", "127.0.0.1"),
                line("stalled", "orders.contoso.test", p.held, "allowed", "blocked", `connected, then no TLS answer or reply within ${TIMEOUT} s: held on the way, or a server that stalls (curl exit 28)`, "127.0.0.1"),
                line("mismatch", "other.contoso.test", p.https, "allowed", "tls-error", "no CA of this image vouches for the certificate, or it is not for this name: a TLS-intercepting proxy, a CA to add, or a wrong address (curl exit 60)", "127.0.0.1"),
                { summary: "fail", passed: 2, failed: 2, notProbed: 0 },
            ]);
        });

        it("curl's own TLS set-up failing (77: no CA file) is a local error that fails the run, on a canary too", async () => {
            const canary: ProbeCheck = { ...check("canary-1", servers.ports.canary, "127.0.0.2"), expect: "blocked", curl: [`https://127.0.0.2:${servers.ports.canary}/`] };
            const run = await runScript(renderChecks("x", [canary], undefined), { ...env, CURL_CA_BUNDLE: "/nonexistent/ca.pem" });
            assert.deepEqual(lines(run.stdout), [
                line("canary-1", "127.0.0.2", servers.ports.canary, "blocked", "local-error", "curl could not set up TLS in this image: its TLS engine, ciphers, CA file or CRL (curl exit 77)", "127.0.0.2"),
                { summary: "fail", passed: 0, failed: 1, notProbed: 0 },
            ]);
            assert.equal(run.code, 1);
        });

        it("without curl on PATH: one JSON line and exit 2, before any check", async () => {
            const run = await runScript(renderChecks("x", [check("partial", servers.ports.partial)], undefined), { ...env, PATH: "/nonexistent" });
            assert.deepEqual([lines(run.stdout), run.code, run.stderr], [[{ summary: "error", detail: "curl is not on PATH: the probe needs sh and curl" }], 2, ""]);
        });
    });

    it("refuses a PROBE_TIMEOUT that is not 1-60 seconds with one JSON line and exit 2, before any check", async () => {
        const { plan, input } = onLoopback(derive({ ...exampleOptions(), probe: { mustBeBlocked: [`https://${CANARY}:443/`] } }));
        // Leading zeros alike, whatever their number (review F16: 010 was refused, 08 accepted).
        for (const timeout of ["0", "61", "5s", "-1", "99999999999999999999", "08", "010", "00"]) {
            const run = await runScript(renderChecks(plan.apimName, probeChecks(plan, input), undefined), { PROBE_TIMEOUT: timeout });
            assert.deepEqual(lines(run.stdout), [{ summary: "error", detail: "PROBE_TIMEOUT must be a whole number of seconds from 1 to 60, without leading zeros" }], timeout);
            assert.equal(run.code, 2, timeout);
            assert.equal(run.stderr, "", timeout);
        }
    });
});
