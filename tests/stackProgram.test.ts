import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { resetPolicyLedger } from "../components/groupWriter";
import { unmaskedExample } from "./helpers";

const repoRoot = path.join(__dirname, "..", "..");

describe("stack program (index.ts)", () => {
    const registered: { type: string; inputs: Record<string, unknown> }[] = [];
    let program: Record<string, pulumi.Output<unknown>>;

    before(async () => {
        await pulumi.runtime.setMocks({
            newResource: (r) => {
                registered.push({ type: r.type, inputs: r.inputs });
                return { id: `${r.name}-id`, state: r.inputs };
            },
            call: () => unmaskedExample(),
        }, "apim-gateway-egress", "internal-premium", false);
        // The example stack file, with the defaults of Pulumi.yaml beneath it, as `pulumi up` would.
        const project = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));
        const stack = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.internal-premium.yaml"), "utf8"));
        const config: Record<string, string> = {};
        for (const [key, spec] of Object.entries(project.config as Record<string, { default?: unknown }>)) {
            if (spec.default !== undefined) {
                config[`apim-gateway-egress:${key}`] = typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default);
            }
        }
        for (const [key, value] of Object.entries(stack.config as Record<string, unknown>)) {
            config[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
        pulumi.runtime.setAllConfig(config);
        resetPolicyLedger();
        program = require("../index"); // eslint-disable-line @typescript-eslint/no-require-imports
        await new Promise<void>((resolve) => pulumi.all([program.egressPlan, program.ruleCollectionGroupId]).apply(() => resolve()));
    });

    it("declares a type, a description and, for optional keys, a default for every config key", () => {
        const project = parseYaml(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8"));
        for (const [key, spec] of Object.entries(project.config as Record<string, { type?: string; description?: string; default?: unknown }>)) {
            assert.ok(spec.type, `${key} has no type`);
            assert.ok(spec.description, `${key} has no description`);
        }
    });

    it("builds the rule collection group from the stack's config", () => {
        const rcg = registered.find((r) => r.type === "azure-native:network:FirewallPolicyRuleCollectionGroup");
        assert.deepEqual([rcg?.inputs.firewallPolicyName, rcg?.inputs.resourceGroupName, rcg?.inputs.ruleCollectionGroupName, rcg?.inputs.priority],
            ["fwpol-hub", "rg-hub", "apim-shgw-factory1", 300]);
    });

    it("adds the declared backend to the plan", async () => {
        const plan = await new Promise<{ id: string; destination: string; ports: string }[]>((resolve) => program.egressPlan.apply((p) => resolve(p as never)));
        assert.deepEqual(plan.map((f) => [f.id, f.destination, f.ports]), [
            ["configuration-address", "172.26.0.5/32", "443"],
            ["configuration-host", "apimservice1.configuration.azure-api.net", "443"],
            ["backend-orders-api", "10.90.4.0/24", "8443"],
        ]);
    });
});
