#!/usr/bin/env node
// `apim-gateway-egress`: the one command line, with the subcommands `preview` (the offline
// preview of the components), `verify` (the DNS drift gate) and `probe-script` (the egress probe). Every subcommand follows one
// contract: the whole output on stdout, then the exit code (never cut short on a pipe); bad
// input as one `error: ...` line on stderr and exit 2; the codes in exitCodes.ts.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { distance } from "fastest-levenshtein";
import * as fs from "fs";
import * as path from "path";
import { oneLine } from "../components/errors";
import { ExitCode, EXIT_CODES_HELP, errorLine, exitCodeOf } from "./exitCodes";
import { Format, preview, runPreview } from "./preview";
import { verify, VerifyFormat } from "./verify";

const EXAMPLES = `
Examples:
  apim-gateway-egress preview                      # the embedded example, offline
  az apim show -n contoso-apim -g rg-apim -o json > apim.json
  apim-gateway-egress preview --apim apim.json --options site.yaml --format markdown
  az apim show -n contoso-apim -g rg-apim -o json | apim-gateway-egress preview --apim - --options site.yaml
  apim-gateway-egress preview --hub hub.yaml --apim eu.json --apim us.json --format table
  apim-gateway-egress verify --apim apim.json --options site.yaml --dns-server 10.0.0.4:53
  apim-gateway-egress probe-script --apim apim.json --options site.yaml > probe.sh && PROBE_TIMEOUT=5 sh probe.sh
`;

function version(): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    return manifest.version;
}

/** An enum option: a value outside `allowed` is refused with the nearest allowed one suggested. */
function choice<T extends string>(allowed: readonly T[]): (value: string) => T {
    return (value) => {
        const match = allowed.find((a) => a === value);
        if (match) {
            return match;
        }
        const nearest = [...allowed].sort((a, b) => distance(value.toLowerCase(), a) - distance(value.toLowerCase(), b))[0];
        const hint = distance(value.toLowerCase(), nearest) <= 2 ? ` Did you mean "${nearest}"?` : "";
        throw new InvalidArgumentError(`Allowed values are: ${allowed.join(", ")}.${hint}`);
    };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Writes all of `text`, resolving once the stream has taken it: the exit code comes after. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
    return new Promise((resolve) => (text === "" ? resolve() : stream.write(text, () => resolve())));
}

const SUBSCRIPTION_FROM_ENVIRONMENT = process.env.ARM_SUBSCRIPTION_ID ?? process.env.AZURE_SUBSCRIPTION_ID;

// The flags the subcommands share, declared once; `more` ends a description where one subcommand
// reads the flag further.
const apimOption = (more = "") => new Option("--apim <file>", `APIM document: REST GET body or \`az apim show -o json\` output; \`-\` reads stdin${more}`).argParser(collect).default([]);
const optionsOption = (more = "") => new Option("--options <file>", `YAML or JSON file whose keys are SelfHostedGatewayEgress's args${more}`);
const subscriptionOption = () => new Option("--subscription <id>", "subscription the azure-native provider writes to, for a firewall policy named by ID").default(SUBSCRIPTION_FROM_ENVIRONMENT);
const formatOption = <T extends string>(formats: Record<string, T>, fallback: T) =>
    new Option("--format <format>", `output format: ${Object.values(formats).join(", ")}`).argParser(choice(Object.values(formats))).default(fallback);

/** What the shared flags give, as every subcommand passes it on. */
interface InputFlags {
    apim: string[];
    options?: string;
    subscription?: string;
}

const inputsOf = (o: InputFlags) => ({ apimFiles: o.apim, optionsFile: o.options, subscriptionId: o.subscription });

/** Runs the command line on `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<ExitCode> {
    let code: ExitCode = ExitCode.Ok;
    let output = "";
    const messages: string[] = [];
    const program = new Command("apim-gateway-egress")
        .description("Least-privilege Azure Firewall and cluster egress for Azure API Management self-hosted gateways: offline preview, DNS drift gate and egress probe.")
        .version(version(), "-V, --version", "print the version")
        .addHelpText("after", `${EXAMPLES}${EXIT_CODES_HELP}`)
        .showSuggestionAfterError(true)
        .exitOverride()
        .configureOutput({ writeOut: (s) => void (output += s), writeErr: (s) => void messages.push(s) });

    program.command("preview")
        .description("Run the components under Pulumi's mock runtime against APIM documents on disk and print what they would register. Without files: the embedded example.")
        .addOption(apimOption("; repeat with --hub"))
        .addOption(optionsOption(" (apim defaults to the document's instance)"))
        .option("--hub <file>", "YAML or JSON file whose keys are GatewayEgressRuleCollectionGroup's args")
        .addOption(subscriptionOption())
        .option("--firewall-policy <file>", "target policy (and its parent): `az network firewall policy show -o json` output; without it the policy is not read", collect, [])
        .option("--rule-collection-groups <file>", "the policy's groups: `az network firewall policy rule-collection-group list -o json` output", collect, [])
        .addOption(formatOption(Format, Format.Table))
        .action(async (o: InputFlags & { hub?: string; firewallPolicy: string[]; ruleCollectionGroups: string[]; format: Format }) => {
            output += await preview({ ...inputsOf(o), hubFile: o.hub, firewallPolicyFiles: o.firewallPolicy, ruleCollectionGroupFiles: o.ruleCollectionGroups, format: o.format });
        });

    program.command("verify")
        .description("Resolve the plan's names through DNS and check that the configuration host resolves to the VIP the rules carry.")
        .addOption(apimOption())
        .addOption(optionsOption())
        .addOption(subscriptionOption())
        .option("--dns-server <host:port>", "DNS server to ask (HOST an IP address); default: the system resolver")
        .addOption(formatOption(VerifyFormat, VerifyFormat.Table))
        .addHelpText("after", EXIT_CODES_HELP)
        .action(async (o: InputFlags & { dnsServer?: string; format: VerifyFormat }) => {
            // Its verdict (0, 1, 3) is a result; a refusal or a failure is thrown, and mapped below as preview's.
            const result = await verify({ ...inputsOf(o), dnsServer: o.dnsServer, format: o.format });
            output += result.output;
            code = result.code;
        });

    program.command("probe-script")
        .description("Print the egress probe of the plan, as the component's probeScript output holds it: a POSIX sh script that uses curl alone and prints one JSON line per check. Without files: the embedded example.")
        .addOption(apimOption())
        .addOption(optionsOption())
        .addOption(subscriptionOption())
        .action(async (o: InputFlags) => {
            // Without --hub the preview runs the gateway component: the script is its output.
            const result = await runPreview(inputsOf(o));
            output += result.kind === "gateway" ? result.run.outputs.probeScript : "";
        });

    try {
        await program.parseAsync([...argv], { from: "user" });
    } catch (e) {
        if (e instanceof CommanderError) {
            // Help and version end with code 0; every other refusal of the command line is bad input.
            code = e.exitCode === 0 ? ExitCode.Ok : ExitCode.BadInput;
        } else {
            // The one error path of every subcommand: bad input exits 2, a bug 4.
            code = exitCodeOf(e);
            messages.push(errorLine(e));
        }
    }
    await write(out, output);
    if (messages.length > 0) {
        // Commander puts its suggestion on a line of its own: one line, always.
        await write(err, `${oneLine(messages.join(" ").replace(/\s*\n\s*/g, " ").trim())}\n`);
    }
    return code;
}

if (require.main === module) {
    // A rejected apply also rejects the registrations that wait on it; the first error has
    // already been reported, so the echoes are dropped rather than printed as stack traces.
    process.on("unhandledRejection", () => undefined);
    let settled = false;
    // A run that never settles (a bug: work left waiting on a refused value) still ends in the
    // table, as one line and exit 4, not as the SDK's report of leaked promises and exit 1.
    process.on("beforeExit", () => {
        if (!settled) {
            settled = true;
            process.stderr.write(`${errorLine(new Error("the run stopped with work unfinished"))}\n`);
            process.exitCode = ExitCode.Failure;
        }
    });
    void main(process.argv.slice(2)).then((code) => {
        settled = true;
        process.exitCode = code;
    });
}
