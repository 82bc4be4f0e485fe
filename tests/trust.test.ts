// Trust: what a security reviewer tries with hostile and careless inputs, through the built
// command line (cli/main.ts, in process for most cases, as a process where the process boundary
// itself is the point: pipes, exit codes, locales). Every case ends in a tight result or in one
// clean stderr line, exit 2, nothing on stdout.
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { main } from "../cli/main";
import { InputError, redactCredentials } from "../components/errors";
import { CLI, fixturePath, forgetRefusedRegistrations, Sink, scratchFiles, SITE_OPTIONS } from "./helpers";

const REST = fixturePath("rest-external-premium.json");
const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";
const IP_GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/ipGroups/factory-hosts`;

/** Runs the command line in process. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = new Sink();
    const err = new Sink();
    const code = await main(argv, out, err);
    if (code !== 0) {
        forgetRefusedRegistrations();
    }
    return { code, stdout: out.text, stderr: err.text };
}

/** Asserts the refusal contract and returns the one stderr line. */
function refusedWith(result: { code: number; stdout: string; stderr: string }): string {
    assert.equal(result.code, 2, `exit ${result.code}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    const lines = result.stderr.split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 1, `expected one stderr line, got:\n${result.stderr}`);
    assert.ok(lines[0].startsWith("error: "), lines[0]);
    return lines[0];
}

describe("trust (the built command line)", () => {
    const scratch = scratchFiles("apim-egress-trust-");
    const file = scratch.file;
    before(scratch.before);
    after(scratch.after);

    describe("nothing unasked reaches a firewall", () => {
        it("takes nothing from the embedded example once --options is given: no 10.80.0.0/24, no fwpol-hub, no example group or priority", async () => {
            const options = file("ip-groups-only.yaml", `firewall:\n  policyName: fwpol-site\n  resourceGroupName: rg-site\n  sourceIpGroupIds: ["${IP_GROUP}"]\ncluster:\n  namespace: gw\n`);
            const { code, stdout } = await cli("preview", "--apim", REST, "--options", options, "--format", "json");
            assert.equal(code, 0);
            for (const example of ["10.80.0.0/24", "fwpol-hub", "rg-hub", "apim-shgw-factory1", "apim-gateway\""]) {
                assert.ok(!stdout.includes(example), `the output holds ${example}`);
            }
            const group = (JSON.parse(stdout) as { resources: { type: string; inputs: Record<string, unknown> }[] }).resources.find((r) => r.type === "azure-native:network:FirewallPolicyRuleCollectionGroup");
            // Group name and priority by the component's documented rules: its name, the lowest free priority from 300.
            assert.deepEqual([group?.inputs.firewallPolicyName, group?.inputs.resourceGroupName, group?.inputs.ruleCollectionGroupName, group?.inputs.priority], ["fwpol-site", "rg-site", "apim-shgw-egress", 300]);
        });

        it("refuses options without a firewall policy in one line, instead of borrowing the example's", async () => {
            const options = file("no-policy.yaml", `firewall:\n  sourceIpGroupIds: ["${IP_GROUP}"]\ncluster:\n  namespace: gw\n`);
            assert.equal(refusedWith(await cli("preview", "--apim", REST, "--options", options)), "error: Invalid value for firewall.policyName: (missing). Name the firewall policy by firewall.policyId, or by firewall.policyName and firewall.resourceGroupName.");
        });

        it("refuses an apim.serviceName that the --apim document does not describe", async () => {
            const options = file("other-instance.yaml", "apim: { resourceGroupName: rg-apim, serviceName: contoso-apim }\nfirewall: { policyName: fw, resourceGroupName: rg, sourceAddresses: [10.80.0.0/24] }\ncluster: { namespace: gw }\n");
            assert.match(refusedWith(await cli("preview", "--apim", REST, "--options", options)), /^error: Invalid value for apim\.serviceName: "contoso-apim"\. No --apim document describes this instance/);
        });
    });

    describe("the right target", () => {
        const byId = (subscription: string) => file(`by-id-${subscription.slice(0, 4)}.yaml`, `firewall:\n  policyId: /subscriptions/${subscription}/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub\n  sourceAddresses: [10.80.0.0/24]\ncluster:\n  namespace: gw\n`);

        it("refuses a policy ID in another subscription than the provider's, naming both", async () => {
            const line = refusedWith(await cli("preview", "--apim", REST, "--options", byId(SUBSCRIPTION), "--subscription", "99999999-2222-3333-4444-555555555555"));
            assert.match(line, /^error: Invalid value for firewall\.policyId: "\/subscriptions\/11111111-2222-3333-4444-555555555555\/resourceGroups\/rg-hub\/pr\.\.\.\. The policy is in subscription 11111111-2222-3333-4444-555555555555, but the azure-native provider of this component writes to subscription 99999999-2222-3333-4444-555555555555/);
        });

        it("refuses a policy ID when the provider's subscription is unknown, instead of dropping it", async () => {
            const saved = [process.env.ARM_SUBSCRIPTION_ID, process.env.AZURE_SUBSCRIPTION_ID];
            const line = refusedWith(await cli("preview", "--apim", REST, "--options", byId(SUBSCRIPTION)));
            assert.deepEqual(saved, [undefined, undefined], "this spec expects no subscription in the environment");
            assert.match(line, /^error: Invalid value for --subscription: \(missing\)\. A policy named by ID is checked against the subscription/);
        });

        it("writes to a policy ID in the provider's subscription", async () => {
            const { code, stdout } = await cli("preview", "--apim", REST, "--options", byId(SUBSCRIPTION), "--subscription", SUBSCRIPTION.toUpperCase(), "--format", "json");
            assert.equal(code, 0);
            assert.match(stdout, /"firewallPolicyName": "fwpol-hub"/);
        });
    });

    describe("no secret is echoed", () => {
        const PASSWORD = "Tr0ub4dor-and-3";

        it("withholds a Redis connection string with a password in externalCache.host", async () => {
            const options = file("redis.yaml", `firewall: { policyName: fw, resourceGroupName: rg, sourceAddresses: [10.80.0.0/24] }\ncluster: { namespace: gw }\nfeatures:\n  externalCache: { enabled: true, host: "contoso.redis.cache.windows.net:6380,password=${PASSWORD},ssl=True" }\n`);
            const line = refusedWith(await cli("preview", "--apim", REST, "--options", options));
            assert.equal(line, "error: Invalid value for features.externalCache.host: (withheld: it carries a credential). Expected a host name or an IPv4 address alone: the port goes in features.externalCache.port, and credentials belong to the gateway's own configuration.");
        });

        it("withholds a gatewayUrl with user-info", async () => {
            const apim = file("userinfo.json", fs.readFileSync(REST, "utf8").replace("https://fabrikam-apim.azure-api.net", `https://admin:${PASSWORD}@fabrikam-apim.azure-api.net`));
            const line = refusedWith(await cli("preview", "--apim", apim, "--options", SITE_OPTIONS));
            assert.equal(line, "error: Invalid value for properties.gatewayUrl: (withheld: it carries a credential). Expected an https URL such as \"https://contoso.azure-api.net\", without a user name or password.");
        });

        it("withholds a gateway token pasted where a host belongs", async () => {
            const token = "GatewayKey berlin-gw&202612010000&kW3p0Zq9X1vL8nR2tY6uA4sD7fG5hJ3kL9zX2cV8bN1mQ4wE6rT0yU5iO7pA3sD==";
            const options = file("token.yaml", `firewall: { policyName: fw, resourceGroupName: rg, sourceAddresses: [10.80.0.0/24] }\ncluster: { namespace: gw }\nfeatures:\n  externalCache: { enabled: true, host: "${token}" }\n`);
            const line = refusedWith(await cli("preview", "--apim", REST, "--options", options));
            assert.ok(!line.includes("kW3p0Zq9"), line);
            assert.match(line, /^error: Invalid value for features\.externalCache\.host: \(withheld: it carries a credential\)\./);
        });

        it("withholds an access key pasted bare, padded or not", () => {
            const padded = "q9X1vL8nR2tY6uA4sD7fG5hJ3kL9zX2cV8bN1mQ4wE6=";
            const unpadded = "Zq9X1vL8nR2tY6uA4sD7fG5hJ3kL9zX2cV8bN1mQ4wE6rT0yU5iO7pA3sD";
            for (const key of [padded, unpadded]) {
                assert.equal(new InputError("backends[0].fqdn", key, "Expected a host name.").message, "Invalid value for backends[0].fqdn: (withheld: it carries a credential). Expected a host name.");
            }
        });

        // Review F6: keys whose name ends in a credential word after `_` or `-`, `:` for `=`, and tokens of known forms.
        it("withholds credentials in the forms people paste from environments, headers and key files", () => {
            const pasted = [
                "db_password=hunter2xyz",
                "AZURE_CLIENT_SECRET=abc123def456",
                "password:hunter2xyz",
                "x-api-key: 0123456789abcdef",
                "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
                "ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "AKIAIOSFODNN7EXAMPLE",
            ];
            assert.deepEqual(pasted.map((v) => new InputError("firewall.ruleStyle", v, "Allowed values are: ip, fqdn, both.").message),
                pasted.map(() => "Invalid value for firewall.ruleStyle: (withheld: it carries a credential). Allowed values are: ip, fqdn, both."));
        });

        it("takes no field name, withheld value or sentence with a colon for a credential", () => {
            const texts = [
                "Invalid value for gatewayAuth.tokenEndpoint: \"https://login.example\". Expected an https URL.",
                "Invalid value for gatewayAuth.token: (withheld: the value is secret). Expected a string.",
                "the gateway token: see the chart's gateway.auth values",
            ];
            assert.deepEqual(texts.map(redactCredentials), texts);
        });

        it("escapes bidirectional controls, so a log line reads as it is (review F14)", () => {
            assert.equal(new InputError("firewall.ruleStyle", "ip\u202efdqn\u2066", "Allowed values are: ip, fqdn, both.").message,
                "Invalid value for firewall.ruleStyle: \"ip\\u202efdqn\\u2066\". Allowed values are: ip, fqdn, both.");
        });

        it("takes no resource ID, URL or sentence for a credential, however long its names", () => {
            const name80 = "ContosoHubFirewallPolicy2026ProductionWestEuropeFactoryNetworkSegment0123456789A";
            const texts = [
                `/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rghub/providers/Microsoft.Network/firewallPolicies/${name80}`,
                "https://contosologs.blob.core.windows.net/container/q9X1vL8nR2tY6uA4sD7fG5hJ3kL9zX2cV8bN1mQ4wE6==",
                `${name80}.configuration.azure-api.net`,
                "GatewayKey is required in the Authorization header",
            ];
            assert.deepEqual(texts.map(redactCredentials), texts);
        });

        it("escapes a newline in a key, so no second line reaches a pipeline log as a command", async () => {
            const options = file("newline-key.json", JSON.stringify({ firewall: { "policyName\n##vso[task.setvariable variable=x]y": "fw" } }));
            const line = refusedWith(await cli("preview", "--apim", REST, "--options", options));
            assert.ok(!line.includes("##vso["), line);
            assert.match(line, /^error: Invalid value for firewall\.policyName\\u000a##vso\\\[task\.setvariable/);
        });
    });

    describe("complete outputs", () => {
        it("writes JSON over 64 KiB whole through a pipe, exit code after it", async function () {
            this.timeout(30000);
            const backends = Array.from({ length: 60 }, (_, i) => `  - { name: backend-${i}, fqdn: backend-${i}.orders.factory.example, port: 8443 }`).join("\n");
            const options = file("many-backends.yaml", `${fs.readFileSync(SITE_OPTIONS, "utf8")}backends:\n${backends}\n`);
            const child = spawn(process.execPath, [CLI, "preview", "--apim", REST, "--options", options, "--format", "json"], { stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
            const code = await new Promise((resolve) => child.on("close", resolve));
            assert.equal(code, 0);
            assert.ok(stdout.length > 64 * 1024, `${stdout.length} bytes`);
            assert.equal((JSON.parse(stdout) as { outputs: { egressPlan: unknown[] } }).outputs.egressPlan.length, 62);
        });
    });

    describe("the same output on every machine", () => {
        // Two processes under two locales, the second with every input list permuted: every format byte for byte.
        it("gives byte-identical output under da_DK and en_US, for permuted inputs, in every format", function () {
            this.timeout(60000);
            const options = (order: (list: string[]) => string[]) => file(`ordered-${order.name}.yaml`, [
                "firewall:", "  policyName: fwpol-hub", "  resourceGroupName: rg-hub", `  sourceAddresses: [${order(["10.80.0.0/24", "10.81.0.0/24", "10.9.0.0/16"]).join(", ")}]`,
                "cluster:", "  namespace: gw", "  flavor: openshift", "  namespaceIsDedicated: true", `  allowNamedFlowsTo: [${order(["13.64.0.0/11", "20.33.0.0/16"]).join(", ")}]`,
                "features:", `  storage: { enabled: true, accountNames: [${order(["zzlogs", "aatraces", "mmquota"]).join(", ")}] }`,
                `  eventHubs: { enabled: true, namespaces: [${order(["Zeta-logs", "alpha-logs"]).join(", ")}] }`,
                "backends:", ...order(["  - { name: zz-erp, address: 10.60.0.0/24, port: 9000 }", "  - { name: aa-orders, fqdn: orders.factory.example, port: 443 }", "  - { name: ab-statsd, address: 10.70.0.9, port: 8125, protocol: UDP }"]),
            ].join("\n"));
            const asGiven = options(function asGiven(l) { return l; });
            const reversed = options(function reversed(l) { return [...l].reverse(); });
            const script = (optionsFile: string) => `
                const { main } = require(${JSON.stringify(path.join(__dirname, "..", "cli", "main.js"))});
                const { Writable } = require("stream");
                (async () => {
                    const results = { locale: new Intl.Collator().resolvedOptions().locale };
                    for (const format of ["json", "table", "markdown", "csv"]) {
                        let text = "";
                        const out = new Writable({ write(c, e, d) { text += c; d(); } });
                        await main(["preview", "--apim", ${JSON.stringify(REST)}, "--options", ${JSON.stringify(optionsFile)}, "--format", format], out, process.stderr);
                        results[format] = text;
                    }
                    process.stdout.write(JSON.stringify(results));
                })();`;
            const run = (lang: string, optionsFile: string) => {
                const r = spawnSync(process.execPath, ["-e", script(optionsFile)], { encoding: "utf8", env: { ...process.env, LANG: lang, LC_ALL: lang }, maxBuffer: 64 * 1024 * 1024 });
                assert.equal(r.status, 0, r.stderr);
                return JSON.parse(r.stdout) as Record<string, string>;
            };
            const danish = run("da_DK.UTF-8", asGiven);
            const american = run("en_US.UTF-8", reversed);
            assert.deepEqual([danish.locale, american.locale], ["da-DK", "en-US"], "the locales did not take effect");
            for (const format of ["json", "table", "markdown", "csv"]) {
                assert.ok(danish[format].length > 500, format);
                assert.equal(american[format], danish[format], `${format} differs`);
            }
        });
    });

    describe("bounded inputs", () => {
        it("refuses /dev/zero as an APIM document at the size cap", async () => {
            assert.equal(refusedWith(await cli("preview", "--apim", "/dev/zero", "--options", SITE_OPTIONS)), "error: Invalid value for --apim: \"/dev/zero\". The file holds more than 4194304 bytes: it cannot be an APIM document or an options file.");
        });

        it("refuses a location that cannot be a region, before it becomes a service tag", async () => {
            const apim = file("bang-location.json", fs.readFileSync(REST, "utf8").replace("\"location\": \"North Europe\"", "\"location\": \"!!!\""));
            assert.match(refusedWith(await cli("preview", "--apim", apim, "--options", SITE_OPTIONS)), /^error: Invalid value for location: "!!!"\. An Azure location is letters, digits and spaces/);
        });

        it("accepts a wildcard custom Proxy hostname: it names what clients call, not a destination", async () => {
            const apim = file("wildcard-proxy.json", fs.readFileSync(REST, "utf8").replace("\"hostName\": \"fabrikam-apim.azure-api.net\"", "\"hostName\": \"*.api.fabrikam.example\""));
            const { code, stdout } = await cli("preview", "--apim", apim, "--options", SITE_OPTIONS, "--format", "csv");
            assert.equal(code, 0);
            assert.ok(!stdout.includes("api.fabrikam.example"));
        });
    });
});
