import { strict as assert } from "assert";
import { parse as parseCsv } from "csv-parse/sync";
import { preview } from "../cli/preview";
import { MATRIX_COLUMNS, MatrixRow, matrixToCsv } from "../components/report";
import { fixturePath, SITE_OPTIONS } from "./helpers";

describe("egress matrix", () => {
    it("has a markdown row for the configuration endpoint on port 443", async () => {
        const markdown = await preview({ apimFiles: [fixturePath("rest-external-premium.json")], optionsFile: SITE_OPTIONS, format: "markdown" });
        const lines = markdown.trimEnd().split("\n");
        assert.equal(lines[0], "| source | destination | protocol | ports | purpose | feature | enforcedBy | reference |");
        assert.equal(lines[2], "| 10.80.0.0/24 | 52.164.20.7/32 | TCP | 443 | configuration sync, heartbeat, metrics and events (v2 configuration API): the VIP behind fabrikam-apim.configuration.azure-api.net | required: configuration | firewall: apim-gateway-network/configuration-address; cluster: NetworkPolicy/apim-shgw-egress/egress[2] | https://learn.microsoft.com/azure/api-management/api-management-howto-ip-addresses |");
    });

    it("writes CSV with a header that parses back to the same rows", async () => {
        const csv = await preview({ apimFiles: [fixturePath("rest-external-premium.json")], optionsFile: SITE_OPTIONS, format: "csv" });
        const [header, ...rows] = parseCsv(csv) as string[][];
        assert.deepEqual(header, [...MATRIX_COLUMNS]);
        assert.deepEqual(rows.map((r) => [r[1], r[3], r[5]]), [
            ["52.164.20.7/32", "443", "required: configuration"],
            ["fabrikam-apim.configuration.azure-api.net", "443", "required: configuration"],
        ]);
    });

    it("keeps commas, quotes and line breaks intact through a CSV round trip (RFC 4180)", () => {
        const row: MatrixRow = {
            source: "10.0.0.0/24, 10.0.1.0/24", destination: "backend \"orders\"", protocol: "TCP", ports: "8443, 9443",
            purpose: "line one\nline two", feature: "optional: backend", enforcedBy: "firewall: a; cluster: b", reference: "declared by the user",
        };
        const csv = matrixToCsv([row]);
        assert.ok(csv.endsWith("\r\n"));
        assert.deepEqual(parseCsv(csv, { columns: true }), [row]);
    });
});
