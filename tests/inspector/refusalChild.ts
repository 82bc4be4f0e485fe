// Child process of refusalUnderInspector.test.ts: a refusal arriving through Output args, with the
// inspector on as Pulumi's plugin host turns it on (runtime/closure/v8Hooks). Prints the refusal.
import * as pulumi from "@pulumi/pulumi";
import { setApimMocks, settle } from "../../cli/apimMocks";
import { resetPolicyLedger } from "../../components/groupWriter";
import { SelfHostedGatewayEgress } from "../../components/selfHostedGatewayEgress";
import { baseArgs, fixture } from "../helpers";

async function main(): Promise<void> {
    await (require("@pulumi/pulumi/runtime/closure/v8Hooks") as { isInitializedAsync(): Promise<void> }).isInitializedAsync(); // eslint-disable-line @typescript-eslint/no-require-imports
    await setApimMocks({ answer: () => fixture("rest-external-premium.json") }, [], "apim-gateway-egress", "inspector");
    resetPolicyLedger();
    const args = baseArgs();
    const component = new SelfHostedGatewayEgress("gw", { ...args, firewall: pulumi.output(args.firewall), cluster: pulumi.output({ namespace: "Factory_1" }) });
    // Each output read in turn (its urn aside), as the provider serializes the construct response.
    const messages = new Set<string>();
    for (const output of Object.entries(component).filter(([k, v]) => k !== "urn" && pulumi.Output.isInstance(v)).map(([, v]) => v)) {
        await settle(output as pulumi.Output<unknown>).then(() => messages.add("accepted"), (e: Error) => messages.add(e.message));
    }
    process.stdout.write(`${[...messages].join("\n")}\n`);
}

void main();
