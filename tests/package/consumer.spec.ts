// The packed library in a consumer's own project, as a platform engineer installs it beside their
// Pulumi: the consumer pins other releases of the Pulumi SDKs than this repository's lockfile, and
// npm must dedupe them to one copy each; the CLI and the component must then work there.
// Slow (it installs the SDKs from the npm registry): `npm run test:package`, run by CI.
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const repoRoot = path.join(__dirname, "..", "..", "..");
/** Releases the consumer pins: all inside the package's ranges, none the lockfile's. */
const CONSUMER_PINS = { "@pulumi/pulumi": "3.245.0", "@pulumi/azure-native": "3.26.0", "@pulumi/kubernetes": "4.34.0" };

function run(command: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the packed library in a consumer project", function () {
    this.timeout(900_000);
    let consumer: string;

    before(() => {
        consumer = fs.mkdtempSync(path.join(os.tmpdir(), "apim-egress-consumer-"));
        // The tarball as npm publish would make it; the suite has compiled already.
        const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", consumer], { cwd: repoRoot, encoding: "utf8" })) as { filename: string }[];
        fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "factory-landing-zone", private: true, dependencies: CONSUMER_PINS }, null, 2));
        const install = run("npm", ["install", "--ignore-scripts", ...Object.entries(CONSUMER_PINS).map(([p, v]) => `${p}@${v}`), path.join(consumer, packed[0].filename)], consumer);
        assert.equal(install.status, 0, install.stderr);
    });

    after(() => fs.rmSync(consumer, { recursive: true, force: true }));

    for (const sdk of Object.keys(CONSUMER_PINS)) {
        it(`holds one copy of ${sdk}, the consumer's`, () => {
            const copies = run("find", ["node_modules", "-path", `*/${sdk}/package.json`, "-not", "-path", "*/node_modules/*/node_modules/*/node_modules/*"], consumer).stdout.trim().split("\n").filter((l) => l !== "");
            assert.deepEqual(copies, [`node_modules/${sdk}/package.json`]);
            const version = (JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", sdk, "package.json"), "utf8")) as { version: string }).version;
            assert.equal(version, CONSUMER_PINS[sdk as keyof typeof CONSUMER_PINS]);
        });
    }

    it("runs npx apim-gateway-egress --version", () => {
        const r = run("npx", ["--no-install", "apim-gateway-egress", "--version"], consumer);
        const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
        assert.deepEqual([r.status, r.stdout], [0, `${version}\n`]);
    });

    it("previews the embedded example as a Mermaid picture", () => {
        const r = run("npx", ["--no-install", "apim-gateway-egress", "preview", "--format", "mermaid"], consumer);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^flowchart LR\n/);
        assert.match(r.stdout, /-->\|"TCP 443 · configuration-address"\| d\d+\n/);
    });

    it("shows verify's help with the exit codes", () => {
        const r = run("npx", ["--no-install", "apim-gateway-egress", "verify", "--help"], consumer);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Usage: apim-gateway-egress verify \[options\]/);
        assert.match(r.stdout, /3 {2}verify: a name is unresolvable/);
    });

    it("builds the component in a consumer's unit test, with the package's testing helpers", () => {
        fs.writeFileSync(path.join(consumer, "program.test.js"), `
            const assert = require("assert");
            const { setApimMocks, settle, resetPolicyLedger } = require("apim-gateway-egress/testing");
            (async () => {
                const document = require("apim-gateway-egress/package.json") && require(require.resolve("apim-gateway-egress/package.json").replace("package.json", "examples/apim-internal-premium.json"));
                const resources = [];
                await setApimMocks({ answer: () => document }, resources, "factory", "test");
                resetPolicyLedger();
                const { SelfHostedGatewayEgress } = require("apim-gateway-egress");
                const egress = new SelfHostedGatewayEgress("site", {
                    apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" },
                    firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"] },
                    cluster: { namespace: "apim-gateway" },
                });
                assert.strictEqual(await settle(egress.configurationAddress), "10.40.1.5");
                await settle(egress.ruleCollectionGroupId);
                console.log(resources.map((r) => r.type).sort().join(" "));
            })().catch((e) => { console.error(e); process.exitCode = 1; });
        `);
        const r = run(process.execPath, ["program.test.js"], consumer);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "apim-gateway-egress:index:SelfHostedGatewayEgress azure-native:network:FirewallPolicyRuleCollectionGroup kubernetes:networking.k8s.io/v1:NetworkPolicy\n");
    });
});
