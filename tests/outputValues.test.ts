// What a component registers as its outputs (components/outputs.ts, outputValues): a known,
// non-secret Output as its value, which Pulumi would serialize it as; a secret or unknown one as
// the Output itself, so that the registration keeps it secret or unknown.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { outputValues } from "../components/outputs";

describe("the outputs a component registers", () => {
    before(() => pulumi.runtime.setMocks({ newResource: (r) => ({ id: `${r.name}-id`, state: r.inputs }), call: (c) => c.inputs }, "output-values", "test", true));

    it("registers a known, non-secret Output as its value", async () => {
        assert.deepEqual(await outputValues({ plan: pulumi.output([{ flow: "configuration", ports: [443] }]), none: pulumi.output(undefined) }), { plan: [{ flow: "configuration", ports: [443] }], none: undefined });
    });

    it("registers a secret Output as the Output itself", async () => {
        const secret = pulumi.secret("10.0.0.5");
        assert.equal((await outputValues({ address: secret })).address, secret);
    });

    it("registers an unknown Output, or one holding an unknown part, as the Output itself", async () => {
        const unknown = pulumi.output(pulumi.unknown);
        const part = pulumi.output({ name: "np", namespace: pulumi.unknown });
        const values = await outputValues({ unknown, part });
        assert.equal(values.unknown, unknown);
        assert.equal(values.part, part);
    });
});
