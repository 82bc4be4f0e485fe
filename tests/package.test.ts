import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
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

    it("ships the testing helpers, the options files' JSON Schemas, the license and the changelog", () => {
        for (const file of ["dist/testing/index.js", "dist/testing/index.d.ts", "schema/options.schema.json", "schema/hub.schema.json", "LICENSE", "CHANGELOG.md"]) {
            assert.ok(files.includes(file), `${file} is missing`);
        }
    });

    it("declares its Pulumi SDKs as ranges a consumer's versions satisfy, the lockfile pinning what CI tests", () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { dependencies: Record<string, string> };
        const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
        for (const sdk of ["@pulumi/pulumi", "@pulumi/azure-native", "@pulumi/kubernetes"]) {
            assert.match(manifest.dependencies[sdk], /^\^\d+\.\d+\.\d+$/, sdk);
            assert.match(lock.packages[`node_modules/${sdk}`].version, /^\d+\.\d+\.\d+$/, sdk);
        }
    });

    it("ships no tests, TypeScript sources, benchmark or policy pack", () => {
        assert.deepEqual(files.filter((f) => /(^|\/)tests?\/|\.test\.|^bench\/|^dist\/bench\/|^policy\/|^dist\/policy\/|(?<!\.d)\.ts$/.test(f)), []);
    });
});
