// Every text format keeps to 120 columns (README: `table` fits 120 columns): notes, summaries
// and cells wrap at word boundaries under a hanging indent, and nothing is cut — joined back,
// the wrapped text is the text.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_APIM_FILE, preview, PreviewRequest, runPreview } from "../cli/preview";
import { hanging, markdownListItem } from "../components/textWrap";
import { fixturePath } from "./helpers";

const WIDTH = 120;
const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));
/** The lines after `title`, up to the next blank line, with hanging continuations joined back at their spaces. */
function section(text: string, title: string): string[] {
    const lines = text.split("\n");
    const start = lines.indexOf(title) + 1;
    const end = lines.indexOf("", start + 1);
    return lines.slice(start, end).filter((l) => l !== "").reduce<string[]>((all, l) => (l.startsWith("  ") ? [...all.slice(0, -1), `${all[all.length - 1]} ${l.trimStart()}`] : [...all, l]), []);
}

describe("text width (120 columns)", () => {
    let tmp = "";
    const file = (name: string, content: string) => {
        fs.writeFileSync(path.join(tmp, name), content);
        return path.join(tmp, name);
    };
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "apim-egress-width-"));
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Options whose notes are 148 to 312 columns long unwrapped: FQDN network rules, the firewall's DNS, flows blocked in the cluster. */
    const longNotes = () => file("long-notes.yaml", [
        "apim: { resourceGroupName: rg-apim, serviceName: contoso-apim }",
        "firewall: { policyName: fwpol-hub, resourceGroupName: rg-hub, ruleStyle: both, sourceAddresses: [10.80.0.0/24] }",
        "cluster: { namespace: apim-gateway }",
        "backends: [{ name: orders, fqdn: orders.contoso.internal, port: 8443, protocol: tcp }]",
        "features: { azureResourceManager: { enabled: true }, imagePull: { enabled: true, nodeAddresses: [10.20.0.0/22] } }",
        "",
    ].join("\n"));
    const longNotesRequest = (): Omit<PreviewRequest, "format"> => ({ apimFiles: [DEFAULT_APIM_FILE], optionsFile: longNotes() });

    /** A hub of four gateways with long names in one group whose name is long too. */
    const longHub = (): Omit<PreviewRequest, "format"> => {
        const gateway = (name: string, instance: string) => `  - { name: ${name}, apim: { resourceGroupName: rg-apim, serviceName: ${instance} }, sourceAddresses: [10.${80 + name.length}.0.0/24] }`;
        const hub = file("hub.yaml", [
            "firewall: { policyName: fwpol-hub, resourceGroupName: rg-hub, ruleCollectionGroupName: apim-self-hosted-gateways-of-the-contoso-landing-zone-in-west-europe }",
            "gateways:",
            gateway("berlin-factory-floor-gateway-number-one", "fabrikam-apim"),
            gateway("lyon-factory-floor-gateway-number-two-b", "fabrikam-apim"),
            gateway("turin-factory-floor-gateway-number-three", "contoso-dev"),
            gateway("austin-factory-floor-gateway-number-four", "contoso-dev"),
            "",
        ].join("\n"));
        return { hubFile: hub, apimFiles: [fixturePath("rest-external-premium.json"), fixturePath("az-internal-developer.json")] };
    };

    it("fits the embedded example's table, its resource tree included", async () => {
        const table = await preview({ apimFiles: [], format: "table" });
        assert.ok(widest(table) <= WIDTH, `a line of ${widest(table)} columns`);
    });

    it("wraps notes of 148 to 406 columns in the table, and joined back they are the component's notes", async () => {
        const request = longNotesRequest();
        const result = await runPreview(request);
        assert.equal(result.kind, "gateway");
        const o = result.kind === "gateway" ? result.run.outputs : undefined;
        const notes = [...(o?.notes ?? []), ...(o?.notEnforceableInCluster ?? []).map((n) => `${n.flow} is blocked in the cluster: ${n.reason}`)];
        assert.deepEqual(notes.map((n) => `- ${n}`.length), [312, 404, 406, 330, 175, 148]);
        const table = await preview({ ...request, format: "table" });
        assert.ok(widest(table) <= WIDTH, `a line of ${widest(table)} columns`);
        assert.deepEqual(section(table, "Notes:"), notes.map((n) => `- ${n}`));
    });

    it("wraps the same notes in markdown under the list marker", async () => {
        const markdown = await preview({ ...longNotesRequest(), format: "markdown" });
        const notes = markdown.slice(markdown.indexOf("\nNotes:\n") + 1);
        assert.ok(widest(notes) <= WIDTH, `a line of ${widest(notes)} columns`);
        const result = await runPreview(longNotesRequest());
        const o = result.kind === "gateway" ? result.run.outputs : undefined;
        assert.deepEqual(section(notes, "Notes:"), [...(o?.notes ?? []), ...(o?.notEnforceableInCluster ?? []).map((n) => `${n.flow} is blocked in the cluster: ${n.reason}`)].map((n) => `- ${n}`));
        assert.ok(notes.split("\n").every((l) => !/^ {2}[^A-Za-z]/.test(l)), "a continuation line starts with a letter, so it never begins another markdown block");
    });

    it("fits a hub preview with long names, every gateway still named in the summary", async () => {
        const table = await preview({ ...longHub(), format: "table" });
        assert.ok(widest(table) <= WIDTH, `a line of ${widest(table)} columns`);
        const summary = section(table, "First deployment: 1 rule collection group write.");
        assert.deepEqual(summary, ["- apim-self-hosted-gateways-of-the-contoso-landing-zone-in-west-europe (priority 300, 3.4 KB) holds 4 gateways: austin-factory-floor-gateway-number-four, berlin-factory-floor-gateway-number-one, lyon-factory-floor-gateway-number-two-b, turin-factory-floor-gateway-number-three"]);
    });

    it("fits the hub summary of the markdown view", async () => {
        const markdown = await preview({ ...longHub(), format: "markdown" });
        const summary = markdown.slice(0, markdown.indexOf("```mermaid"));
        assert.ok(widest(summary) <= WIDTH, `a line of ${widest(summary)} columns`);
    });

    describe("hanging", () => {
        it("breaks at spaces and indents the lines after the first", () => {
            assert.deepEqual(hanging("- one two three four", "  ", 10), ["- one two", "  three", "  four"]);
        });

        it("splits a word longer than a line before a separator, keeping every character", () => {
            assert.deepEqual(hanging("- contoso-apim.configuration.azure-api.net", "  ", 20), ["- contoso-apim", "  .configuration", "  .azure-api.net"]);
        });

        it("splits a word without separators at the line's end", () => {
            assert.deepEqual(hanging("abcdefghijkl", "  ", 5), ["abcde", "  fgh", "  ijk", "  l"]);
        });
    });

    describe("markdownListItem", () => {
        it("breaks only before a word that starts with a letter", () => {
            assert.deepEqual(markdownListItem("alpha beta - gamma 1. delta # epsilon", 14), ["- alpha beta -", "  gamma 1.", "  delta #", "  epsilon"]);
        });

        it("keeps a stretch without such a word on one line rather than split it", () => {
            assert.deepEqual(markdownListItem("see /subscriptions/0000/resourceGroups/rg", 12), ["- see /subscriptions/0000/resourceGroups/rg"]);
        });
    });
});
