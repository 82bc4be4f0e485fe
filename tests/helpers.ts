// Test data shared by the specs: fixture loading and a complete, valid set of component args.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { parse as parseYaml } from "yaml";

const repoRoot = path.join(__dirname, "..", "..");

/** A fixture from tests/fixtures, parsed. */
export function fixture(name: string): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(repoRoot, "tests", "fixtures", name), "utf8"));
}

// Copied from shared/fixtures so that a clone alone runs the tests.
export const MASKED_FIXTURE = path.join(repoRoot, "tests", "fixtures", "rest-get-multiregion-internal-masked.json");

/** Azure's own masked REST example, parsed. */
export function maskedExample(): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(MASKED_FIXTURE, "utf8"));
}

/** The masked example with its masks replaced by real addresses: a valid Internal, two-region instance. */
export function unmaskedExample(): Record<string, unknown> {
    const text = fs.readFileSync(MASKED_FIXTURE, "utf8")
        .replace("137.XXX.11.74", "137.117.11.74")
        .replace("172.XX.0.5", "172.26.0.5")
        .replace("40.XXX.79.187", "40.78.79.187")
        .replace("10.0.X.6", "10.0.1.6");
    return JSON.parse(text);
}

export function fixturePath(name: string): string {
    return path.join(repoRoot, "tests", "fixtures", name);
}

/** Options for any fixture document: a policy, one source network, a namespace; `apim` comes from the document. */
export const SITE_OPTIONS = fixturePath("site-options.yaml");

/** The embedded example's options (examples/options.yaml), parsed: the base of option files written by specs. */
export function exampleOptions(): Record<string, unknown> {
    return parseYaml(fs.readFileSync(path.join(repoRoot, "examples", "options.yaml"), "utf8"));
}

/** The built command line. */
export const CLI = path.join(repoRoot, "dist", "cli", "main.js");

/** Deep copy with changes: `with_(doc, d => { d.x = 1; })`. */
export function with_<T>(value: T, change: (copy: any) => void): T { // eslint-disable-line @typescript-eslint/no-explicit-any
    const copy = structuredClone(value);
    change(copy);
    return copy;
}

/**
 * A refused run leaves the registrations that waited on the rejected input unsettled, as a
 * failed `pulumi up` does; the runtime would report them as leaks when mocha exits. Forget them.
 */
export function forgetRefusedRegistrations(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@pulumi/pulumi/runtime/debuggable").leakedPromises();
}

// The args are built loosely typed so that specs can break them on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseArgs = any;

/** Minimal valid args: the firewall policy by name, one source network, a gateway namespace. */
export function baseArgs(): LooseArgs {
    return {
        apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" },
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"] },
        cluster: { namespace: "apim-gateway" },
    };
}

/** Every feature on, and backends by address, by name, with ranges narrow and wide. */
export function richArgs(flavor: string, cluster: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" },
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub", sourceAddresses: ["10.80.0.0/24"] },
        cluster: { namespace: "apim-gateway", flavor, ...(flavor === "openshift" ? { namespaceIsDedicated: true } : {}), ...cluster },
        features: {
            storage: { enabled: true, accountNames: ["contosotraces", "contosoquota"] },
            azureResourceManager: { enabled: true },
            entraId: { enabled: true },
            applicationInsights: { enabled: true, ingestionEndpoint: "https://northeurope-2.in.applicationinsights.azure.com/", liveEndpoint: "https://northeurope.livediagnostics.monitor.azure.com/" },
            eventHubs: { enabled: true, namespaces: ["contoso-logs"] },
            externalCache: { enabled: true, host: "10.50.2.4", port: 6380 },
            imagePull: { enabled: true, nodeAddresses: ["10.80.0.0/24"] },
        },
        backends: [
            { name: "orders", address: "10.60.0.0/24", port: 8443, endPort: 8450 },
            { name: "inventory", fqdn: "inventory.contoso.example", port: 443 },
            { name: "statsd", address: "10.70.0.9", port: 8125, protocol: "UDP" },
            { name: "legacy-erp", address: "192.168.10.0/24", port: 9000, endPort: 9100 },
            { name: "billing", fqdn: "billing.contoso.example", port: 8000, endPort: 8010 },
        ],
    };
}

/** A scratch folder for files a spec writes, and the writer. */
export function scratchFiles(prefix: string): { dir: () => string; file: (name: string, text: string) => string; before: () => void; after: () => void } {
    let dir = "";
    return {
        dir: () => dir,
        file: (name, text) => {
            const p = path.join(dir, name);
            fs.writeFileSync(p, text);
            return p;
        },
        before: () => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        },
        after: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
}

/** A stream that keeps what is written to it: a command line's stdout or stderr, in process. */
export class Sink extends Writable {
    text = "";
    _write(chunk: Buffer, _encoding: string, done: () => void): void {
        this.text += chunk.toString("utf8");
        done();
    }
}
