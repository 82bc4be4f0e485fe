// The probe script's renderer: which checks a plan gives (what is tried, how, and why not), the
// `probe` args it refuses, and the script's shape — `sh -n`, `shellcheck -s sh`, one curl call
// bounded by --max-time, sh and curl alone, every value quoted for sh and escaped for JSON.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveOptions } from "../components/options";
import { ProbeOptions } from "../components/optionsProbe";
import { deriveEgress } from "../components/pipeline";
import { EgressPlan } from "../components/egressPlan";
import { ProbeCheck, ProbeInput, probeChecks, renderChecks, shQuote } from "../components/probeScript";
import { exampleOptions, fixture, LooseArgs, with_ } from "./helpers";

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "examples", "apim-internal-premium.json"), "utf8"));
const HOST = "contoso-apim.configuration.azure-api.net";

function derive(args: LooseArgs, document: unknown = EXAMPLE): { plan: EgressPlan; input: ProbeInput } {
    const o = resolveOptions("gw", args);
    const d = deriveEgress(document, o);
    return { plan: d.plan, input: { hostAliases: d.helmValues.gateway.deployment.dns?.hostAliases ?? [], egressProxy: o.egressProxy, probe: o.probe as ProbeOptions } };
}

function checksOf(args: LooseArgs, document?: unknown): ProbeCheck[] {
    const { plan, input } = derive(args, document);
    return probeChecks(plan, input);
}

function scriptOf(args: LooseArgs, document?: unknown): string {
    const { plan, input } = derive(args, document);
    return renderChecks(plan.apimName, probeChecks(plan, input), input.egressProxy);
}

const CANARY: ProbeCheck = { flow: "canary-1", target: "1.1.1.1", port: 443, protocol: "TCP", expect: "blocked", kind: "https", curl: ["https://1.1.1.1:443/"] };

/** Every feature on that a pod can reach, backends of each kind, and the nodes' image pull. */
function richArgs(): LooseArgs {
    return {
        ...exampleOptions(),
        features: {
            storage: { enabled: true, useServiceTag: true },
            eventHubs: { enabled: true, namespaces: ["contoso-logs"] },
            imagePull: { enabled: true, nodeAddresses: ["10.80.1.0/24"] },
        },
        backends: [
            { name: "wide", address: "10.90.0.0/24", port: 8000, endPort: 8999 },
            { name: "statsd", fqdn: "statsd.contoso.example", port: 8125, protocol: "UDP" },
        ],
    };
}

function shellcheck(script: string): { status: number | null; out: string } {
    const r = spawnSync("shellcheck", ["-s", "sh", "-"], { input: script, encoding: "utf8" });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("probe script", () => {
    describe("the checks of a plan", () => {
        it("the embedded example: the configuration address and host by name over TLS, through the VIP the rules open, then the default canary", () => {
            assert.deepEqual(checksOf(exampleOptions()), [
                { flow: "configuration-address", target: "10.40.1.5", port: 443, protocol: "TCP", expect: "allowed", kind: "https", curl: [`https://${HOST}:443/`, "--ipv4", "--resolve", `${HOST}:443:10.40.1.5`] },
                { flow: "configuration-host", target: HOST, port: 443, protocol: "TCP", expect: "allowed", kind: "https", curl: [`https://${HOST}:443/`, "--ipv4", "--resolve", `${HOST}:443:10.40.1.5`] },
                CANARY,
            ]);
        });

        it("without host aliases the configuration host goes through the pod's DNS, the address check still through the VIP", () => {
            const checks = checksOf({ ...exampleOptions(), hostAliases: false });
            assert.deepEqual(checks.slice(0, 2).map((c) => c.curl), [
                [`https://${HOST}:443/`, "--ipv4", "--resolve", `${HOST}:443:10.40.1.5`],
                [`https://${HOST}:443/`, "--ipv4"],
            ]);
        });

        it("a declared configurationAddress is the address tried, as the rules open it", () => {
            const checks = checksOf(with_(exampleOptions(), (a) => (a.firewall.configurationAddress = "10.50.0.7")));
            assert.deepEqual(checks.slice(0, 2).map((c) => [c.target, c.curl]), [
                ["10.50.0.7", [`https://${HOST}:443/`, "--ipv4", "--resolve", `${HOST}:443:10.50.0.7`]],
                [HOST, [`https://${HOST}:443/`, "--ipv4", "--resolve", `${HOST}:443:10.50.0.7`]],
            ]);
        });

        it("ranges at their first and last port; UDP, service tags, the nodes' pull and networks without an address listed as not probed, with the reason", () => {
            const checks = checksOf(richArgs()).filter((c) => !c.flow.startsWith("configuration-") && !c.flow.startsWith("canary-"));
            assert.deepEqual(checks.map((c) => [c.flow, c.target, c.port, c.protocol, c.kind ?? c.notProbed, c.curl]), [
                ["storage-tag-westeurope", "Storage.WestEurope", 443, "TCP", "a service tag stands for Azure's address ranges, not one host a pod can try", undefined],
                ["eventhubs-contoso-logs-amqp", "contoso-logs.servicebus.windows.net", 5671, "TCP", "tcp", ["telnet://contoso-logs.servicebus.windows.net:5671", "--ipv4"]],
                ["eventhubs-contoso-logs-amqp", "contoso-logs.servicebus.windows.net", 5672, "TCP", "tcp", ["telnet://contoso-logs.servicebus.windows.net:5672", "--ipv4"]],
                ["eventhubs-contoso-logs-https", "contoso-logs.servicebus.windows.net", 443, "TCP", "https", ["https://contoso-logs.servicebus.windows.net:443/", "--ipv4"]],
                ["imagepull-mcr-microsoft-com", "mcr.microsoft.com", 443, "TCP", "the nodes' container runtime makes this connection (image pull), not a pod", undefined],
                ["imagepull-wildcard-data-mcr-microsoft-com", "*.data.mcr.microsoft.com", 443, "TCP", "the nodes' container runtime makes this connection (image pull), not a pod", undefined],
                ["backend-wide", "10.90.0.0/24", 8000, "TCP", "a network, not one address: give an address inside it in probe.hosts.backend-wide to probe it", undefined],
                ["backend-wide", "10.90.0.0/24", 8999, "TCP", "a network, not one address: give an address inside it in probe.hosts.backend-wide to probe it", undefined],
                ["backend-statsd", "statsd.contoso.example", 8125, "UDP", "UDP has no handshake: curl cannot tell an open path from a dropped one", undefined],
            ]);
        });

        it("in-cluster peers listed as not probed; a telemetry sink outside the cluster tried at its port", () => {
            const args = {
                ...exampleOptions(),
                backends: [{ name: "orders", inCluster: { namespace: "shop", podLabels: { app: "orders" } }, port: 8080 }],
                features: { openTelemetry: { enabled: true, collectorUri: "http://10.95.0.4:4317", address: "10.95.0.4" } },
            };
            const checks = checksOf(args).filter((c) => !c.flow.startsWith("configuration-") && !c.flow.startsWith("canary-"));
            assert.deepEqual(checks.map((c) => [c.flow, c.target, c.port, c.protocol, c.kind ?? c.notProbed, c.curl]), [
                ["opentelemetry-10-95-0-4", "10.95.0.4", 4317, "TCP", "tcp", ["telnet://10.95.0.4:4317", "--ipv4"]],
                ["backend-orders", "pods app=orders of namespace shop", 8080, "TCP", "pods of the cluster, which the gateway reaches by a Service name its APIM configuration holds: no address or name the probe can know", undefined],
            ]);
            assert.throws(() => checksOf({ ...args, probe: { hosts: { "backend-orders": "10.1.2.3" } } }), /probe\.hosts\.backend-orders: "10\.1\.2\.3"\. This flow is not probed: pods of the cluster come and go/);
        });

        it("probe.hosts: a network flow at the address given inside it; a named flow resolved to the address given", () => {
            const args = { ...richArgs(), backends: [...richArgs().backends, { name: "orders", fqdn: "orders.contoso.example", port: 443 }], probe: { hosts: { "backend-wide": "10.90.0.17", "backend-orders": "10.90.1.4" } } };
            const checks = checksOf(args).filter((c) => c.flow === "backend-wide" || c.flow === "backend-orders");
            assert.deepEqual(checks.map((c) => [c.flow, c.target, c.port, c.curl]), [
                ["backend-wide", "10.90.0.17", 8000, ["telnet://10.90.0.17:8000", "--ipv4"]],
                ["backend-wide", "10.90.0.17", 8999, ["telnet://10.90.0.17:8999", "--ipv4"]],
                ["backend-orders", "orders.contoso.example", 443, ["https://orders.contoso.example:443/", "--ipv4", "--resolve", "orders.contoso.example:443:10.90.1.4"]],
            ]);
        });

        it("through egressProxy: names go to the proxy unresolved, the configuration address is covered by the host's check", () => {
            const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            const checks = checksOf(args);
            assert.deepEqual(checks.slice(0, 2).map((c) => [c.flow, c.kind ?? c.notProbed, c.curl]), [
                ["configuration-address", "through egressProxy the proxy resolves the configuration host and connects to its address: the configuration-host check covers this path", undefined],
                ["configuration-host", "https", [`https://${HOST}:443/`, "--ipv4"]],
            ]);
            assert.match(scriptOf(args), /^proxy='http:\/\/10\.80\.0\.9:3128'$/m);
        });

        it("canaries sorted by scheme, host and port (as a number), numbered in that order, each with its port; telnet ones as TCP checks", () => {
            const checks = checksOf({ ...exampleOptions(), probe: { mustBeBlocked: ["telnet://192.0.2.1:22", "telnet://192.0.2.1:1000", "https://Example.COM"] } });
            assert.deepEqual(checks.slice(2), [
                { flow: "canary-1", target: "example.com", port: 443, protocol: "TCP", expect: "blocked", kind: "https", curl: ["https://example.com:443/"] },
                { flow: "canary-2", target: "192.0.2.1", port: 22, protocol: "TCP", expect: "blocked", kind: "tcp", curl: ["telnet://192.0.2.1:22"] },
                { flow: "canary-3", target: "192.0.2.1", port: 1000, protocol: "TCP", expect: "blocked", kind: "tcp", curl: ["telnet://192.0.2.1:1000"] },
            ]);
        });

        it("reordering probe.mustBeBlocked leaves the script byte for byte (review F12); a refusal still names the canary's place as given", () => {
            const canaries = ["telnet://192.0.2.1:22", "https://example.com/", "telnet://10.90.0.5:8500"];
            assert.equal(scriptOf({ ...exampleOptions(), probe: { mustBeBlocked: [...canaries].reverse() } }), scriptOf({ ...exampleOptions(), probe: { mustBeBlocked: canaries } }));
            assert.throws(() => checksOf({ ...richArgs(), probe: { enabled: true, mustBeBlocked: canaries } }), /^InputError: Invalid value for probe\.mustBeBlocked\[2\]: "telnet:\/\/10\.90\.0\.5:8500"\. The plan opens this destination \(flow backend-wide\)/);
        });
    });

    describe("probe args the plan refuses", () => {
        const refuses = (probe: unknown, message: RegExp, args: LooseArgs = richArgs()) => assert.throws(() => checksOf({ ...args, probe }), message);

        it("a probe.hosts entry for no flow of the plan, naming the flows it has", () => {
            refuses({ hosts: { "backend-nope": "10.0.0.1" } }, /^InputError: Invalid value for probe\.hosts: "backend-nope"\. No flow of the plan has this id; its flows are configuration-address, configuration-host, /);
        });

        it("an address outside the flow's network", () => {
            refuses({ hosts: { "backend-wide": "10.91.0.1" } }, /Invalid value for probe\.hosts\.backend-wide: "10\.91\.0\.1"\. The address is outside the flow's network 10\.90\.0\.0\/24/);
        });

        it("an address for a flow the probe cannot try (a service tag, the nodes' pull)", () => {
            refuses({ hosts: { "storage-tag-westeurope": "10.0.0.1" } }, /probe\.hosts\.storage-tag-westeurope: "10\.0\.0\.1"\. This flow is not probed: a service tag/);
            refuses({ hosts: { "imagepull-mcr-microsoft-com": "10.0.0.1" } }, /This flow is not probed: the nodes' container runtime/);
        });

        it("an address for a named flow through egressProxy, which resolves names itself", () => {
            const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            refuses({ hosts: { "configuration-host": "10.0.0.1" } }, /This flow is not probed: through egressProxy the proxy resolves names/, args);
        });

        it("with probe.enabled, a canary the user gave that the plan opens at its address or name, port and protocol, or the proxy itself", () => {
            refuses({ enabled: true, mustBeBlocked: ["telnet://10.90.0.5:8500"] }, /Invalid value for probe\.mustBeBlocked\[0\]: "telnet:\/\/10\.90\.0\.5:8500"\. The plan opens this destination \(flow backend-wide\)/);
            refuses({ enabled: true, mustBeBlocked: ["https://1.1.1.1/", `https://${HOST}/`] }, /probe\.mustBeBlocked\[1\].*\(flow configuration-host\)/);
            refuses({ enabled: true, mustBeBlocked: ["https://x.data.mcr.microsoft.com/"] }, /\(flow imagepull-wildcard-data-mcr-microsoft-com\)/);
            const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            refuses({ enabled: true, mustBeBlocked: ["telnet://10.80.0.9:3128"] }, /This is egressProxy/, args);
        });
    });

    describe("unknown probe keys (review F17)", () => {
        it("an ordinary key ending in \"key\" is an unknown key, with the allowed ones; one named for a secret is withheld as a secret", () => {
            assert.throws(() => resolveOptions("gw", { ...exampleOptions(), probe: { unknownKey: 1 } }), /^InputError: Invalid value for probe\.unknownKey: "unknownKey"\. Unknown key\. Allowed keys are: enabled, hosts, image, mustBeBlocked\.$/);
            assert.throws(() => resolveOptions("gw", { ...exampleOptions(), probe: { apiKey: "x" } }), /^InputError: Invalid value for probe\.apiKey: "\(not shown\)"\. Secrets are not accepted/);
        });
    });

    describe("probe args that prove nothing (review F13)", () => {
        it("a canary that never crosses the firewall: loopback, unspecified, multicast, broadcast, the pod's or the cluster's names", () => {
            for (const canary of ["https://127.0.0.1/", "https://0.0.0.0/", "telnet://224.0.0.1:80", "telnet://255.255.255.255:80", "https://a.localhost/", "https://kubernetes.default.svc/", "https://api.default.svc.cluster.local/"]) {
                assert.throws(() => checksOf({ ...exampleOptions(), probe: { mustBeBlocked: [canary] } }), new RegExp(`^InputError: Invalid value for probe\\.mustBeBlocked\\[0\\]: "${canary.replace(/[./]/g, "\\$&")}"\\. A canary must lie beyond the pod: a loopback, unspecified, multicast or broadcast address, or a name of the cluster or of the pod itself \\(localhost, \\.svc, \\.cluster\\.local\\), never crosses the firewall, so its being blocked proves nothing\\.$`), canary);
            }
        });

        it("a probe.hosts address that is its network's own or broadcast address; a /31's two are hosts", () => {
            for (const address of ["10.90.0.0", "10.90.0.255"]) {
                assert.throws(() => checksOf({ ...richArgs(), probe: { hosts: { "backend-wide": address } } }), new RegExp(`^InputError: Invalid value for probe\\.hosts\\.backend-wide: "${address.replace(/\./g, "\\.")}"\\. This is the network or broadcast address of 10\\.90\\.0\\.0/24, where no host answers: give the address of a host inside it\\.$`));
            }
            const pair = { ...exampleOptions(), backends: [{ name: "pair", address: "10.91.0.0/31", port: 22 }], probe: { hosts: { "backend-pair": "10.91.0.0" } } };
            assert.deepEqual(checksOf(pair).find((c) => c.flow === "backend-pair")?.curl, ["telnet://10.91.0.0:22", "--ipv4"]);
        });

        it("a probe.hosts address for the configuration address through egressProxy, which never uses it", () => {
            const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            assert.throws(() => checksOf({ ...args, probe: { hosts: { "configuration-address": "10.40.1.5" } } }), /^InputError: Invalid value for probe\.hosts\.configuration-address: "10\.40\.1\.5"\. This flow is not probed: through egressProxy the proxy resolves the configuration host/);
        });
    });

    describe("canaries the plan opens (F1)", () => {
        const canaries = (args: LooseArgs) => checksOf(args).filter((c) => c.flow.startsWith("canary-"));

        it("a canary at an opened address but another port, or the proxy's address at another port, is probed", () => {
            assert.deepEqual(canaries({ ...richArgs(), probe: { enabled: true, mustBeBlocked: ["telnet://10.90.0.5:22", "telnet://10.40.1.5:22"] } }), [
                { flow: "canary-1", target: "10.40.1.5", port: 22, protocol: "TCP", expect: "blocked", kind: "tcp", curl: ["telnet://10.40.1.5:22"] },
                { flow: "canary-2", target: "10.90.0.5", port: 22, protocol: "TCP", expect: "blocked", kind: "tcp", curl: ["telnet://10.90.0.5:22"] },
            ]);
            const proxied = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            assert.deepEqual(canaries({ ...proxied, probe: { enabled: true, mustBeBlocked: ["telnet://10.80.0.9:22"] } }).map((c) => [c.flow, c.curl, c.direct]), [
                ["canary-1", ["telnet://10.80.0.9:22"], undefined],
                ["canary-1-direct", ["telnet://10.80.0.9:22"], true],
            ]);
        });

        it("a backend at the default canary's address and port, no probe key: nothing refused, the default canary a not-probed line saying why", () => {
            const args = { ...exampleOptions(), backends: [{ name: "cf", address: "1.1.1.1", port: 443 }] };
            assert.deepEqual(canaries(args), [
                { flow: "canary-1", target: "1.1.1.1", port: 443, protocol: "TCP", expect: "blocked", notProbed: "the plan opens this destination (flow backend-cf), so it would be allowed by design: set probe.mustBeBlocked to destinations no rule allows" },
            ]);
            assert.deepEqual(canaries({ ...args, probe: { enabled: true } }).map((c) => c.notProbed), [canaries(args)[0].notProbed]);
        });

        it("the default canary's address on another port opened: the default canary is probed", () => {
            assert.deepEqual(canaries({ ...exampleOptions(), backends: [{ name: "cf", address: "1.1.1.1", port: 853 }] }), [CANARY]);
        });

        it("without probe.enabled, a canary the user gave that the plan opens is a not-probed line, not a refusal", () => {
            assert.deepEqual(canaries({ ...richArgs(), probe: { mustBeBlocked: ["telnet://10.90.0.5:8500"] } }).map((c) => c.notProbed), [
                "the plan opens this destination (flow backend-wide), so it would be allowed by design: set probe.mustBeBlocked to destinations no rule allows",
            ]);
        });
    });

    describe("the script", () => {
        it("passes sh -n and shellcheck -s sh at its default severity, for a plain, a rich and a proxied plan", () => {
            const proxied = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined } };
            for (const script of [scriptOf(exampleOptions()), scriptOf(richArgs()), scriptOf(proxied)]) {
                execFileSync("sh", ["-n"], { input: script });
                assert.deepEqual(shellcheck(script), { status: 0, out: "" });
            }
        });

        it("calls curl in one place, with -q first and every call bounded by --max-time, after looking it up", () => {
            const script = scriptOf(richArgs());
            // A command, not a word in a quoted message or a comment.
            const code = (l: string) => l.replace(/#.*$/, "").replace(/'[^']*'/g, "''").replace(/"[^"]*"/g, "\"\"");
            const calls = script.split("\n").filter((l) => /\bcurl\b/.test(code(l)));
            // The first looks curl up, runs nothing (review F7: a missing curl is an error of the run).
            assert.deepEqual(calls, ["if ! command -v curl >/dev/null 2>&1; then", `    out=$(curl -q --silent --output /dev/null --max-time "$timeout" --write-out '%{http_code} %{num_connects} %{http_connect} %{remote_ip}' "$@" </dev/null 2>/dev/null)`]);
        });

        it("is byte-identical for the same plan, whatever the order of the backends", () => {
            const args = richArgs();
            const reversed = { ...args, backends: [...args.backends].reverse() };
            assert.equal(scriptOf(reversed), scriptOf(args));
        });

        it("changes when the plan does", () => {
            assert.notEqual(scriptOf(with_(exampleOptions(), (a) => (a.firewall.configurationAddress = "10.50.0.7"))), scriptOf(exampleOptions()));
        });

        it("for an External instance without aliases, tries the host through DNS and the address through the public VIP", () => {
            const checks = checksOf({ apim: { resourceGroupName: "rg-apim", serviceName: "apim-external" }, firewall: { policyName: "fw", resourceGroupName: "rg", sourceAddresses: ["10.80.0.0/24"] }, cluster: { namespace: "gw" } }, fixture("rest-external-premium.json"));
            assert.equal(checks[0].flow, "configuration-address");
            assert.equal(checks[1].curl?.includes("--resolve"), false);
        });
    });

    describe("values that could reach the shell", () => {
        it("are refused at the args: a name, an image, a host or a canary carrying shell or URL syntax", () => {
            for (const [args, field] of [
                [{ ...exampleOptions(), backends: [{ name: "x", fqdn: "a.example;reboot", port: 443 }] }, "backends[0].fqdn"],
                [{ ...exampleOptions(), backends: [{ name: "x$(id)", fqdn: "a.example", port: 443 }] }, "backends[0].name"],
                [{ ...exampleOptions(), probe: { image: "curl;reboot" } }, "probe.image"],
                [{ ...exampleOptions(), probe: { hosts: { "x'y": "10.0.0.1" } } }, "probe.hosts.x'y"],
                [{ ...exampleOptions(), probe: { hosts: { "configuration-host": "10.0.0.1 --proxy x" } } }, "probe.hosts.configuration-host"],
                [{ ...exampleOptions(), probe: { mustBeBlocked: ["https://example.com/$(id)"] } }, "probe.mustBeBlocked[0]"],
                [{ ...exampleOptions(), probe: { mustBeBlocked: ["https://ex`id`.com/"] } }, "probe.mustBeBlocked[0]"],
                [{ ...exampleOptions(), probe: { mustBeBlocked: ["https://[::1]/"] } }, "probe.mustBeBlocked[0]"],
                [{ ...exampleOptions(), probe: { hosts: { "configuration-host": "::1" } } }, "probe.hosts.configuration-host"],
            ] as const) {
                assert.throws(() => resolveOptions("gw", args), (e: Error) => e.message.startsWith(`Invalid value for ${field}: `), field);
            }
        });

        it("and whatever a plan holds is quoted for sh and escaped for JSON: hostile values come back intact", () => {
            const hostile = "it's $(reboot) `id` \"q\" \\ ; | & > x\n\t\u0001 ü";
            const check: ProbeCheck = { flow: hostile, target: hostile, port: 1, protocol: "UDP", expect: "allowed", notProbed: hostile };
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-quote-"));
            const out = execFileSync("sh", ["-c", renderChecks(hostile, [check, { ...CANARY, curl: ["telnet://127.0.0.1:1"] }], undefined)], { cwd: dir, env: { PATH: process.env.PATH, PROBE_TIMEOUT: "1" } }).toString();
            const [first] = out.split("\n").map((l) => (l === "" ? undefined : JSON.parse(l)));
            assert.deepEqual(first, { flow: hostile, target: hostile, port: 1, protocol: "UDP", expect: "allowed", result: "not-probed", detail: hostile });
            assert.deepEqual(fs.readdirSync(dir), []);
            fs.rmSync(dir, { recursive: true });
        });

        it("egressProxy with a UDP flow is refused at the args: no UDP check can meet a proxy", () => {
            const args = { ...exampleOptions(), egressProxy: { address: "10.80.0.9", port: 3128 }, firewall: { ...exampleOptions().firewall as object, sourceAddresses: undefined },
                backends: [{ name: "statsd", fqdn: "statsd.contoso.example", port: 8125, protocol: "UDP" }] };
            assert.throws(() => resolveOptions("gw", args), /^InputError: Invalid value for backends\[0\]\.protocol: "UDP"\. With egressProxy/);
        });

        it("shQuote: sh reads back exactly the word it was given", () => {
            for (const word of ["", "'", "''", "a'b'c", "$HOME", "`id`", "\\'", "\n", "-n"]) {
                assert.equal(execFileSync("sh", ["-c", `printf %s ${shQuote(word)}`]).toString(), word, JSON.stringify(word));
            }
        });
    });

    describe("a huge plan", () => {
        it("1000 backends with ranges: two checks each, a script far below a ConfigMap's 1 MiB that sh -n accepts, rendered fast", () => {
            const backends = Array.from({ length: 1000 }, (_, i) => ({ name: `b${i}`, address: `10.${100 + Math.floor(i / 250)}.${i % 250}.1`, port: 1000, endPort: 2000 }));
            const started = Date.now();
            const { plan, input } = derive({ ...exampleOptions(), backends });
            const checks = probeChecks(plan, input);
            const script = renderChecks(plan.apimName, checks, undefined);
            assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
            assert.equal(checks.length, 2 + 2000 + 1);
            assert.ok(Buffer.byteLength(script) < 512 * 1024, `${Buffer.byteLength(script)} bytes`);
            execFileSync("sh", ["-n"], { input: script });
        });
    });
});
