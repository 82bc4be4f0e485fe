// The command line's help, pinned byte for byte: the program's and each subcommand's `--help`,
// as a user reads it on a pipe (80 columns: commander wraps to the terminal only on a TTY). The
// flags are declared once for the subcommands that share them; this text is what they must print.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import { CLI } from "./helpers";

/**
 * stdout, stderr and the exit code of the built command line on `args`, stdout a pipe; without the
 * subscription variables, which `--subscription` would show as its default.
 */
function help(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    const env = { ...process.env };
    delete env.ARM_SUBSCRIPTION_ID;
    delete env.AZURE_SUBSCRIPTION_ID;
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => resolve({ stdout, stderr, code: error ? Number(error.code) : 0 }));
    });
}

/** The exit codes' table, which the program's help and verify's both end with. */
const EXIT_CODES = [
    "Exit codes (every command):",
    "  0  done; verify: every name resolved, the configuration host to the VIP only",
    "  1  verify: mismatch, a name resolves to an address the rules do not carry (wins over 3)",
    "  2  bad input: one \"error: ...\" line on stderr naming the field and the value",
    "  3  verify: a name is unresolvable (NXDOMAIN, no A record at the end of its CNAME chain,",
    "     a CNAME loop, timeout, server failure)",
    "  4  unexpected failure (a bug): one \"error: unexpected failure: ...\" line",
];

const EXPECTED: Record<string, readonly string[]> = {
    "": [
        "Usage: apim-gateway-egress [options] [command]",
        "",
        "Least-privilege Azure Firewall and cluster egress for Azure API Management",
        "self-hosted gateways: offline preview, DNS drift gate and egress probe.",
        "",
        "Options:",
        "  -V, --version           print the version",
        "  -h, --help              display help for command",
        "",
        "Commands:",
        "  preview [options]       Run the components under Pulumi's mock runtime against",
        "                          APIM documents on disk and print what they would",
        "                          register. Without files: the embedded example.",
        "  verify [options]        Resolve the plan's names through DNS and check that",
        "                          the configuration host resolves to the VIP the rules",
        "                          carry.",
        "  probe-script [options]  Print the egress probe of the plan, as the component's",
        "                          probeScript output holds it: a POSIX sh script that",
        "                          uses curl alone and prints one JSON line per check.",
        "                          Without files: the embedded example.",
        "  help [command]          display help for command",
        "",
        "Examples:",
        "  apim-gateway-egress preview                      # the embedded example, offline",
        "  az apim show -n contoso-apim -g rg-apim -o json > apim.json",
        "  apim-gateway-egress preview --apim apim.json --options site.yaml --format markdown",
        "  az apim show -n contoso-apim -g rg-apim -o json | apim-gateway-egress preview --apim - --options site.yaml",
        "  apim-gateway-egress preview --hub hub.yaml --apim eu.json --apim us.json --format table",
        "  apim-gateway-egress verify --apim apim.json --options site.yaml --dns-server 10.0.0.4:53",
        "  apim-gateway-egress probe-script --apim apim.json --options site.yaml > probe.sh && PROBE_TIMEOUT=5 sh probe.sh",
        "",
        ...EXIT_CODES,
        "",
    ],
    "preview": [
        "Usage: apim-gateway-egress preview [options]",
        "",
        "Run the components under Pulumi's mock runtime against APIM documents on disk",
        "and print what they would register. Without files: the embedded example.",
        "",
        "Options:",
        "  --apim <file>                    APIM document: REST GET body or `az apim show",
        "                                   -o json` output; `-` reads stdin; repeat with",
        "                                   --hub (default: [])",
        "  --options <file>                 YAML or JSON file whose keys are",
        "                                   SelfHostedGatewayEgress's args (apim defaults",
        "                                   to the document's instance)",
        "  --hub <file>                     YAML or JSON file whose keys are",
        "                                   GatewayEgressRuleCollectionGroup's args",
        "  --subscription <id>              subscription the azure-native provider writes",
        "                                   to, for a firewall policy named by ID",
        "  --firewall-policy <file>         target policy (and its parent): `az network",
        "                                   firewall policy show -o json` output; without",
        "                                   it the policy is not read (default: [])",
        "  --rule-collection-groups <file>  the policy's groups: `az network firewall",
        "                                   policy rule-collection-group list -o json`",
        "                                   output (default: [])",
        "  --format <format>                output format: table, json, markdown, csv,",
        "                                   mermaid, helm-values (default: \"table\")",
        "  -h, --help                       display help for command",
    ],
    "verify": [
        "Usage: apim-gateway-egress verify [options]",
        "",
        "Resolve the plan's names through DNS and check that the configuration host",
        "resolves to the VIP the rules carry.",
        "",
        "Options:",
        "  --apim <file>             APIM document: REST GET body or `az apim show -o",
        "                            json` output; `-` reads stdin (default: [])",
        "  --options <file>          YAML or JSON file whose keys are",
        "                            SelfHostedGatewayEgress's args",
        "  --subscription <id>       subscription the azure-native provider writes to,",
        "                            for a firewall policy named by ID",
        "  --dns-server <host:port>  DNS server to ask (HOST an IP address); default: the",
        "                            system resolver",
        "  --format <format>         output format: table, json (default: \"table\")",
        "  -h, --help                display help for command",
        "",
        ...EXIT_CODES,
        "",
    ],
    "probe-script": [
        "Usage: apim-gateway-egress probe-script [options]",
        "",
        "Print the egress probe of the plan, as the component's probeScript output holds",
        "it: a POSIX sh script that uses curl alone and prints one JSON line per check.",
        "Without files: the embedded example.",
        "",
        "Options:",
        "  --apim <file>        APIM document: REST GET body or `az apim show -o json`",
        "                       output; `-` reads stdin (default: [])",
        "  --options <file>     YAML or JSON file whose keys are",
        "                       SelfHostedGatewayEgress's args",
        "  --subscription <id>  subscription the azure-native provider writes to, for a",
        "                       firewall policy named by ID",
        "  -h, --help           display help for command",
    ],
};

describe("the command line's --help", () => {
    for (const [command, lines] of Object.entries(EXPECTED)) {
        it(`prints ${command ? `${command} --help` : "--help"} byte for byte, on stdout alone, with exit 0`, async () => {
            const result = await help(command ? [command, "--help"] : ["--help"]);
            assert.equal(result.stdout, `${lines.join("\n")}\n`);
            assert.equal(result.stderr, "");
            assert.equal(result.code, 0);
        });
    }
});
