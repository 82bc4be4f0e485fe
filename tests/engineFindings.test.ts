// What the real engine (npm run test:engine) found that the mocks did not, pinned here so the
// fast suite keeps it fixed.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RunError } from "@pulumi/pulumi/errors";
import { RegisteredResource, runOffline } from "../cli/offlineRun";
import { InputError } from "../components/errors";
import { TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { baseArgs, forgetRefusedRegistrations, unmaskedExample, with_ } from "./helpers";

describe("what the real engine found", () => {
    it("a refusal is a RunError to Pulumi's program runner, which prints its message alone, no stack", () => {
        assert.equal(RunError.isInstance(new InputError("cluster.namespace", "Factory_1", "A namespace is a DNS-1123 label.")), true);
    });

    it("a refusal keeps its message when the SDK's serialization of a child's inputs meets it", async () => {
        const refusal = new InputError("cluster.namespace", "Factory_1", "A namespace is a DNS-1123 label.");
        const rejected = pulumi.output(Promise.reject(refusal));
        // What rpc.serializeProperties does for each resource input that awaited the rejected Output.
        const { serializeProperties } = require("@pulumi/pulumi/runtime/rpc") as { serializeProperties(label: string, props: Record<string, unknown>): Promise<unknown> }; // eslint-disable-line @typescript-eslint/no-require-imports
        await assert.rejects(serializeProperties("first", { metadata: rejected }), (e: Error) => e === refusal);
        await assert.rejects(serializeProperties("second", { resourceGroupName: rejected }), (e: Error) => e === refusal);
        assert.equal(refusal.message, "Invalid value for cluster.namespace: \"Factory_1\". A namespace is a DNS-1123 label.");
    });

    it("an arg that arrives as an Output is refused before any child is registered", async () => {
        const registered: RegisteredResource[] = [];
        const args = with_(baseArgs(), (a) => (a.cluster.namespace = "Factory_1"));
        await assert.rejects(runOffline(unmaskedExample(), { ...args, cluster: pulumi.output(args.cluster) } as never, "gw", { resources: registered }),
            (e: Error) => e.message === "Invalid value for cluster.namespace: \"Factory_1\". A namespace is a DNS-1123 label: at most 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.");
        forgetRefusedRegistrations();
        await new Promise((resolve) => setTimeout(resolve, 25));
        assert.deepEqual(registered.map((r) => r.type), [TYPE_TOKEN]);
    });
});
