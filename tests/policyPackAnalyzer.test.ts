// The pack loaded the way `pulumi preview --policy-pack policy` loads it: the analyzer plugin runs
// @pulumi/pulumi's run-policy-pack from the pack's own node_modules (ts-node type-checks
// policy/index.ts with policy/tsconfig.json), and the engine talks gRPC to the port it prints.
// This spec plays the engine, with the pack's own gRPC and protobuf copies. It needs
// `npm ci` in policy/ and skips without it (the rest of the suite tests the policies directly).
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import { createRequire } from "module";
import * as path from "path";
import { firewallNoOpenDestinations } from "../policy/policies";

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");
const INSTALLED = fs.existsSync(path.join(POLICY_DIR, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"));

// Loosely typed: these modules come from policy/node_modules, which the root tsc does not see.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Loose = any;

const EnforcementLevel = { ADVISORY: 0, MANDATORY: 1 } as const;

describe("policy pack under the analyzer protocol (policy/node_modules)", function () {
    this.timeout(120_000);
    let pack: ChildProcess | undefined;
    let client: Loose;
    let pb: Loose;
    let Struct: Loose;
    let Empty: Loose;

    before(async function () {
        if (!INSTALLED) {
            this.skip();
        }
        const load = createRequire(path.join(POLICY_DIR, "package.json"));
        const grpc = load("@grpc/grpc-js");
        const services = load("@pulumi/pulumi/proto/analyzer_grpc_pb.js");
        pb = load("@pulumi/pulumi/proto/analyzer_pb.js");
        Struct = load("google-protobuf/google/protobuf/struct_pb.js").Struct;
        Empty = load("google-protobuf/google/protobuf/empty_pb.js").Empty;
        const child = spawn(process.execPath, [path.join("node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack"), "127.0.0.1:1", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
        pack = child;
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            let err = "";
            child.stdout?.on("data", (d: Buffer) => {
                out += d.toString();
                const line = /^(\d+)\s*$/m.exec(out);
                if (line) {
                    resolve(line[1]);
                }
            });
            child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
            child.on("exit", (code) => reject(new Error(`the pack exited with ${code} before printing its port: ${err}`)));
        });
        const Client = grpc.makeGenericClientConstructor(services.AnalyzerService, "Analyzer");
        client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    function call<T>(method: string, request: unknown): Promise<T> {
        return new Promise((resolve, reject) => client[method](request, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
    }

    function options(): Loose {
        return new pb.AnalyzerResourceOptions();
    }

    function analyzeRequest(type: string, props: Record<string, unknown>): Loose {
        const request = new pb.AnalyzeRequest();
        request.setType(type);
        request.setName("subject");
        request.setUrn(`urn:pulumi:engine::probe::${type}::subject`);
        request.setProperties(Struct.fromJavaScript(props));
        request.setOptions(options());
        return request;
    }

    // The analyzer server sends each message after the policy's description and a line break.
    function diagnostics(response: Loose): [string, number, string][] {
        return response.getDiagnosticsList().map((d: Loose) => [d.getPolicyname(), d.getEnforcementlevel(), d.getMessage()]);
    }

    const described = (message: string) => `${firewallNoOpenDestinations.description}\n${message}`;

    const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
    const rcg = (destination: string) => ({
        priority: 300,
        ruleCollections: [{
            ruleCollectionType: "FirewallPolicyFilterRuleCollection", name: "c", priority: 100, action: { type: "Allow" },
            rules: [{ ruleType: "NetworkRule", name: "r", ipProtocols: ["TCP"], sourceAddresses: ["10.80.0.0/24"], destinationAddresses: [destination], destinationPorts: ["443"] }],
        }],
    });

    it("describes the pack: its name, version, policies, levels and prefix config", async () => {
        const info: Loose = await call("getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "apim-gateway-egress-guard");
        assert.equal(info.getVersion(), JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version);
        const policies = info.getPoliciesList().map((p: Loose) => [p.getName(), p.getEnforcementlevel(), Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}).sort()]);
        const prefix = ["minimumIpv6PrefixLength", "minimumPrefixLength"];
        assert.deepEqual(policies, [
            ["azure-firewall-no-open-destinations", EnforcementLevel.MANDATORY, prefix],
            ["network-policy-no-open-egress", EnforcementLevel.MANDATORY, prefix],
            ["azure-firewall-priority-range", EnforcementLevel.MANDATORY, []],
            ["network-policy-broad-egress-opt-in", EnforcementLevel.ADVISORY, prefix],
            ["azure-firewall-fqdn-network-rules-need-dns-proxy", EnforcementLevel.ADVISORY, []],
            ["broad-egress-backed-by-egress-firewall", EnforcementLevel.MANDATORY, prefix],
        ]);
    });

    it("reports a /1 destination as a mandatory violation", async () => {
        const response = await call("analyze", analyzeRequest(RCG, rcg("0.0.0.0/1")));
        assert.deepEqual(diagnostics(response), [[
            "azure-firewall-no-open-destinations",
            EnforcementLevel.MANDATORY,
            described('ruleCollections[0].rules[0] ("r") destinationAddresses: received "0.0.0.0/1" (a /1 network); allowed: IPv4 networks and ranges of /8 or longer, IPv6 of /32 or longer, and service tags of one service; fix: name the networks the rule needs.'),
        ]]);
    });

    it("reports an annotated NetworkPolicy without its EgressFirewall deny from the stack policy", async () => {
        const resource = (type: string, name: string, props: Record<string, unknown>) => {
            const r = new pb.AnalyzerResource();
            r.setType(type);
            r.setName(name);
            r.setUrn(`urn:pulumi:engine::probe::${type}::${name}`);
            r.setProperties(Struct.fromJavaScript(props));
            r.setOptions(options());
            return r;
        };
        const request = new pb.AnalyzeStackRequest();
        request.setResourcesList([
            resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "gw", {
                metadata: { name: "gw", namespace: "apim-gateway", annotations: { "apim-gateway-egress/broad-egress": "narrowed by the EgressFirewall" } },
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] }] },
            }),
            resource("kubernetes:k8s.ovn.org/v1:EgressFirewall", "gw", { metadata: { name: "default", namespace: "apim-gateway" }, spec: { egress: [] } }),
        ]);
        const response = await call("analyzeStack", request);
        assert.deepEqual(diagnostics(response).map(([name, level]) => [name, level]), [["broad-egress-backed-by-egress-firewall", EnforcementLevel.MANDATORY]]);
    });

    it("takes another minimum from the policy config the engine sends", async () => {
        const configure = new pb.ConfigureAnalyzerRequest();
        const config = new pb.PolicyConfig();
        config.setEnforcementlevel(EnforcementLevel.MANDATORY);
        config.setProperties(Struct.fromJavaScript({ minimumPrefixLength: 16 }));
        configure.getPolicyconfigMap().set("azure-firewall-no-open-destinations", config);
        await call("configure", configure);
        const response = await call("analyze", analyzeRequest(RCG, rcg("10.16.0.0/12")));
        assert.deepEqual(diagnostics(response).map(([, , message]) => message), [
            described('ruleCollections[0].rules[0] ("r") destinationAddresses: received "10.16.0.0/12" (a /12 network); allowed: IPv4 networks and ranges of /16 or longer, IPv6 of /32 or longer, and service tags of one service; fix: name the networks the rule needs.'),
        ]);
    });
});
