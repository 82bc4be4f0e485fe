import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

const repoRoot = path.join(__dirname, "..", "..");

describe("npm package", () => {
    let files: string[];
    before(() => {
        // --ignore-scripts: the suite has compiled already; pack must not run tsc again.
        const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    });

    it("ships the compiled library with its type declarations", () => {
        for (const file of ["dist/components/index.js", "dist/components/index.d.ts", "dist/components/selfHostedGatewayEgress.js", "dist/components/args.d.ts"]) {
            assert.ok(files.includes(file), `${file} is missing`);
        }
    });

    it("ships the CLI with the example it previews by default", () => {
        for (const file of ["dist/cli/main.js", "dist/cli/preview.js", "dist/cli/verify.js", "examples/apim-internal-premium.json", "examples/options.yaml"]) {
            assert.ok(files.includes(file), `${file} is missing`);
        }
    });

    it("ships no tests, TypeScript sources, benchmark or policy pack", () => {
        assert.deepEqual(files.filter((f) => /(^|\/)tests?\/|\.test\.|^bench\/|^dist\/bench\/|^policy\/|^dist\/policy\/|(?<!\.d)\.ts$/.test(f)), []);
    });
});
