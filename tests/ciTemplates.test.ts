// The CI templates users copy (examples/ci): valid YAML that reads the instance, runs the drift
// gate and previews with the policy pack.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

const dir = path.join(__dirname, "..", "..", "examples", "ci");

for (const file of ["github-actions.yml", "azure-pipelines.yml"]) {
    describe(`examples/ci/${file}`, () => {
        const text = fs.readFileSync(path.join(dir, file), "utf8");

        it("is valid YAML", () => {
            assert.equal(typeof parseYaml(text), "object");
        });

        it("reads the instance with az apim show, runs verify, previews the change request and the stack with the policy pack", () => {
            for (const step of ["az apim show", "apim-gateway-egress verify --apim apim.json", "apim-gateway-egress preview --apim apim.json", "cd policy && npm ci"]) {
                assert.ok(text.includes(step), step);
            }
            assert.ok(/policyPacks: policy|--policy-pack policy/.test(text));
        });
    });
}
