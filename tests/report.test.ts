// The change request, rule by rule: what the firewall and cluster teams review.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseCsv } from "csv-parse/sync";
import { preview } from "../cli/preview";
import { RULE_COLUMNS, RuleRow, rowsToCsv, rowsToMarkdown, rowsToText } from "../components/report";
import { fixturePath, SITE_OPTIONS } from "./helpers";

const REST = fixturePath("rest-external-premium.json");

describe("change request", () => {
    it("has a markdown row per firewall rule with policy, group, priority, collection, rule, type, action and why", async () => {
        const markdown = await preview({ apimFiles: [REST], optionsFile: SITE_OPTIONS, format: "markdown" });
        const lines = markdown.slice(markdown.indexOf("| enforcer |")).split("\n");
        assert.equal(lines[0], "| enforcer | policy | group | priority | collection | rule | type | action | protocol | sources | destinations | ports | purpose | reference |");
        assert.equal(lines[2], "| Azure Firewall | rg-hub/fwpol-hub | apim-shgw-egress | 300 | apim-gateway-network (100) | configuration-address | NetworkRule | Allow | TCP | 10.80.0.0/24 | 52.164.20.7/32 | 443 | configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind fabrikam-apim.configuration.azure-api.net | https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses |");
        assert.equal(lines[3], "| Azure Firewall | rg-hub/fwpol-hub | apim-shgw-egress | 300 | apim-gateway-application (200) | configuration-host | ApplicationRule | Allow | Https | 10.80.0.0/24 | fabrikam-apim.configuration.azure-api.net | 443 | configuration sync, heartbeat, metrics and events (v2 configuration API) | https://learn.microsoft.com/azure/api-management/self-hosted-gateway-overview#connectivity-to-azure |");
    });

    it("has a markdown row per cluster rule, naming the flows it carries", async () => {
        const markdown = await preview({ apimFiles: [REST], optionsFile: SITE_OPTIONS, format: "markdown" });
        const row = markdown.split("\n").find((l) => l.includes("| egress[2] |"));
        assert.equal(row, "| NetworkPolicy | apim-gateway/apim-shgw-egress |  |  | egress[2] | configuration-address configuration-host | egress | Allow | TCP | pods app.kubernetes.io/component=self-hosted-gateway,app.kubernetes.io/instance=azure-api-management-gateway | 52.164.20.7/32 | 443 | configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind fabrikam-apim.configuration.azure-api.net | https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses |");
    });

    it("puts the notes below the table, with the flows blocked in the cluster in one wording", async () => {
        const options = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "apim-egress-report-")), "arm.yaml");
        fs.writeFileSync(options, `${fs.readFileSync(SITE_OPTIONS, "utf8")}features:\n  azureResourceManager: { enabled: true }\n`);
        const markdown = await preview({ apimFiles: [REST], optionsFile: options, format: "markdown" });
        const notes = markdown.slice(markdown.indexOf("\nNotes:\n"));
        // Wrapped at 120 columns under the list marker (issue 18): a markdown reader joins the lines.
        assert.match(notes, /\n- azureresourcemanager-management-azure-com is blocked in the cluster: a NetworkPolicy matches addresses, not names:\n {2}list CIDRs for it in cluster.allowNamedFlowsTo to allow it\n/);
    });

    it("writes CSV with a header that parses back to the same rows", async () => {
        const csv = await preview({ apimFiles: [REST], optionsFile: SITE_OPTIONS, format: "csv" });
        const [header, ...rows] = parseCsv(csv) as string[][];
        assert.deepEqual(header, [...RULE_COLUMNS]);
        assert.deepEqual(rows.map((r) => [r[0], r[4], r[10], r[11]]), [
            ["Azure Firewall", "apim-gateway-network (100)", "52.164.20.7/32", "443"],
            ["Azure Firewall", "apim-gateway-application (200)", "fabrikam-apim.configuration.azure-api.net", "443"],
            ["NetworkPolicy", "egress[0]", "pods k8s-app=kube-dns of namespaces kubernetes.io/metadata.name=kube-system", "53"],
            ["NetworkPolicy", "egress[1]", "pods app.kubernetes.io/component=self-hosted-gateway,app.kubernetes.io/instance=azure-api-management-gateway of apim-gateway", "4290, 4291"],
            ["NetworkPolicy", "egress[2]", "52.164.20.7/32", "443"],
            ["NetworkPolicy", "ingress[0]", "pods app.kubernetes.io/component=self-hosted-gateway,app.kubernetes.io/instance=azure-api-management-gateway", "8080, 8081"],
            ["NetworkPolicy", "ingress[1]", "pods app.kubernetes.io/component=self-hosted-gateway,app.kubernetes.io/instance=azure-api-management-gateway", "4290, 4291"],
        ]);
    });

    it("draws the egress as a Mermaid flowchart: pods, cluster policy, sources, firewall group, each destination", async () => {
        const options = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "apim-egress-mermaid-")), "site.yaml");
        fs.writeFileSync(options, `${fs.readFileSync(SITE_OPTIONS, "utf8")}features:\n  azureResourceManager: { enabled: true }\n  imagePull: { enabled: true, nodeAddresses: [10.20.0.0/22] }\n`);
        assert.equal(await preview({ apimFiles: [REST], optionsFile: options, format: "mermaid" }), [
            "flowchart LR",
            "    p1([\"gateway pods · apim-gateway\"])",
            "    c2{{\"NetworkPolicy apim-gateway/apim-shgw-egress\"}}",
            "    p1 --> c2",
            "    s3[\"from 10.80.0.0/24\"]",
            "    f4{{\"Azure Firewall · rg-hub/fwpol-hub · apim-shgw-egress (300)\"}}",
            "    c2 --> s3",
            "    s3 --> f4",
            "    d5[\"52.164.20.7/32\"]",
            "    f4 -->|\"TCP 443 · configuration-address\"| d5",
            "    d6[\"fabrikam-apim.configuration.azure-api.net\"]",
            "    f4 -->|\"Https 443 · configuration-host\"| d6",
            "    d7[\"management.azure.com\"]",
            "    f4 -.->|\"Https 443 · azureresourcemanager-management-azure-com · blocked in the cluster\"| d7",
            "    s8([\"cluster nodes 10.20.0.0/22\"])",
            "    s8 --> f4",
            "    d9[\"mcr.microsoft.com\"]",
            "    f4 -->|\"Https 443 · imagepull-mcr-microsoft-com\"| d9",
            "    d10[\"*.data.mcr.microsoft.com\"]",
            "    f4 -->|\"Https 443 · imagepull-wildcard-data-mcr-microsoft-com\"| d10",
            "",
        ].join("\n"));
    });

    it("embeds the picture in the markdown, ahead of the table", async () => {
        const markdown = await preview({ apimFiles: [REST], optionsFile: SITE_OPTIONS, format: "markdown" });
        assert.ok(markdown.startsWith("```mermaid\nflowchart LR\n"));
        assert.ok(markdown.indexOf("```\n\n| enforcer |") > 0);
    });

    it("keeps commas, quotes and line breaks intact through a CSV round trip (RFC 4180)", () => {
        const row: RuleRow = {
            enforcer: "Azure Firewall", policy: "rg/fw", group: "g", priority: "300", collection: "c (100)", rule: "backend-orders", type: "NetworkRule", action: "Allow",
            protocol: "TCP", sources: "10.0.0.0/24, 10.0.1.0/24", destinations: "backend \"orders\"", ports: "8443, 9443", purpose: "line one\nline two", reference: "declared by the user",
        };
        const csv = rowsToCsv([row]);
        assert.ok(csv.endsWith("\r\n"));
        assert.deepEqual(parseCsv(csv, { columns: true }), [row]);
    });

    it("escapes pipes and line breaks in markdown cells and notes", () => {
        const row = { ...Object.fromEntries(RULE_COLUMNS.map((c) => [c, ""])), purpose: "a | b\nc" } as unknown as RuleRow;
        assert.deepEqual(rowsToMarkdown([row], ["note | with\npipe"]).split("\n").slice(2), [`|${"  |".repeat(12)} a \\| b c |  |`, "", "Notes:", "", "- note \\| with pipe", ""]);
    });

    it("fits the terminal table in 120 columns, wrapping long cells", async () => {
        const table = await preview({ apimFiles: [REST], optionsFile: SITE_OPTIONS, format: "table" });
        const widest = Math.max(...table.split("\n").filter((l) => !l.startsWith("apim-gateway-egress:") && !l.startsWith("├─") && !l.startsWith("└─")).map((l) => l.length));
        assert.ok(widest <= 120, `a line of ${widest} columns`);
        assert.ok(rowsToText([]).length > 0);
    });
});
