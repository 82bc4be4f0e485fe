import { strict as assert } from "assert";
import { normalizeApim } from "../components/apimFacts";
import { Cloud } from "../components/catalog";
import { fixture, maskedExample, unmaskedExample, with_ } from "./helpers";

describe("normalizeApim", () => {
    describe("document shapes", () => {
        it("reads the REST GET body, properties nested", () => {
            const facts = normalizeApim(fixture("rest-external-premium.json"));
            assert.equal(facts.name, "fabrikam-apim");
            assert.equal(facts.sku, "Premium");
            assert.equal(facts.virtualNetworkType, "External");
            assert.deepEqual(facts.primary, { location: "North Europe", region: "northeurope", privateIpAddresses: [], publicIpAddresses: ["52.164.20.7"] });
        });

        it("reads `az apim show -o json`, flat with privateIpAddresses", () => {
            const facts = normalizeApim(fixture("az-internal-developer.json"));
            assert.equal(facts.sku, "Developer");
            assert.equal(facts.virtualNetworkType, "Internal");
            assert.deepEqual(facts.primary.privateIpAddresses, ["10.50.2.4"]);
            assert.equal(facts.configurationAddress, "10.50.2.4");
        });

        it("reads the azure-native invoke result, flat with privateIPAddresses", () => {
            const rest = fixture("rest-external-premium.json");
            const flat = { ...rest, ...(rest.properties as object), properties: undefined };
            assert.deepEqual(normalizeApim(flat), normalizeApim(rest));
        });

        it("reads additional locations, sorted by region", () => {
            const facts = normalizeApim(unmaskedExample());
            assert.deepEqual(facts.additionalLocations, [
                { location: "West US 2", region: "westus2", privateIpAddresses: ["10.0.1.6"], publicIpAddresses: ["40.78.79.187"] },
            ]);
        });
    });

    describe("configuration endpoint", () => {
        it("uses the private VIP of the primary location in Internal mode", () => {
            const facts = normalizeApim(unmaskedExample());
            assert.equal(facts.configurationAddress, "172.26.0.5");
            assert.equal(facts.configurationHost, "apimservice1.configuration.azure-api.net");
        });

        it("uses the public VIP in External mode", () => {
            assert.equal(normalizeApim(fixture("rest-external-premium.json")).configurationAddress, "52.164.20.7");
        });

        it("uses the public VIP when there is no VNet", () => {
            assert.equal(normalizeApim(fixture("rest-none-custom-config-host.json")).configurationAddress, "20.119.8.44");
        });

        it("takes the ConfigurationApi custom hostname, lower-cased", () => {
            const facts = normalizeApim(fixture("rest-none-custom-config-host.json"));
            assert.equal(facts.configurationHost, "config.tailspin.example.com");
            assert.equal(facts.configurationHostIsCustom, true);
        });

        it("treats a missing virtualNetworkType as None", () => {
            const facts = normalizeApim(with_(fixture("rest-external-premium.json"), (d) => delete d.properties.virtualNetworkType));
            assert.equal(facts.virtualNetworkType, "None");
        });
    });

    describe("clouds", () => {
        const inDomain = (domain: string) =>
            normalizeApim(with_(fixture("rest-external-premium.json"), (d) => (d.properties.gatewayUrl = `https://fabrikam-apim.${domain}`)));

        it("derives the public cloud from azure-api.net", () => {
            const facts = inDomain("azure-api.net");
            assert.equal(facts.cloud.cloud, Cloud.Public);
            assert.deepEqual(facts.warnings, []);
        });

        it("derives US Government from azure-api.us, warning that the host pattern is unconfirmed", () => {
            const facts = inDomain("azure-api.us");
            assert.equal(facts.cloud.cloud, Cloud.UsGovernment);
            assert.equal(facts.configurationHost, "fabrikam-apim.configuration.azure-api.us");
            assert.match(facts.warnings[0], /no Microsoft document confirms it/);
        });

        it("derives China from azure-api.cn", () => {
            const facts = inDomain("azure-api.cn");
            assert.equal(facts.cloud.cloud, Cloud.China);
            assert.equal(facts.configurationHost, "fabrikam-apim.configuration.azure-api.cn");
        });
    });

    describe("refusals", () => {
        const refuses = (document: unknown, message: string) => assert.throws(() => normalizeApim(document), (e: Error) => {
            assert.equal(e.message, message);
            return true;
        });

        it("refuses Azure's masked example, naming the field and value", () => {
            refuses(maskedExample(), "Invalid value for properties.privateIPAddresses[0]: \"172.XX.0.5\". Expected an IPv4 address of four decimal octets 0-255, such as \"10.0.0.5\" (masked addresses like \"172.XX.0.5\" are not addresses).");
        });

        it("refuses a Basic SKU, naming the supported ones", () => {
            refuses(with_(fixture("rest-external-premium.json"), (d) => (d.sku.name = "Basic")),
                "Invalid value for sku.name: \"Basic\". The self-hosted gateway is available in the Developer and Premium tiers only. Allowed values are: Developer, Premium.");
        });

        it("refuses a Consumption SKU", () => {
            assert.throws(() => normalizeApim(with_(fixture("rest-external-premium.json"), (d) => (d.sku.name = "Consumption"))), /sku\.name: "Consumption"/);
        });

        it("refuses a missing gatewayUrl", () => {
            refuses(with_(fixture("rest-external-premium.json"), (d) => delete d.properties.gatewayUrl),
                "Invalid value for properties.gatewayUrl: (missing). This field is required.");
        });

        it("refuses a gatewayUrl outside the APIM domains", () => {
            assert.throws(() => normalizeApim(with_(fixture("rest-external-premium.json"), (d) => (d.properties.gatewayUrl = "https://api.contoso.com"))),
                /properties\.gatewayUrl: "https:\/\/api\.contoso\.com"\. Expected a host in an API Management domain: azure-api\.net, azure-api\.us, azure-api\.cn\./);
        });

        it("refuses an unknown VNet type", () => {
            refuses(with_(fixture("rest-external-premium.json"), (d) => (d.properties.virtualNetworkType = "Hybrid")),
                "Invalid value for properties.virtualNetworkType: \"Hybrid\". Allowed values are: None, External, Internal.");
        });

        it("refuses an Internal instance without a private VIP", () => {
            refuses(with_(fixture("az-internal-developer.json"), (d) => (d.privateIpAddresses = [])),
                "Invalid value for privateIpAddresses: []. An Internal-mode instance must report its private VIP: expected one IPv4 address.");
        });

        it("refuses an External instance without a public VIP", () => {
            assert.throws(() => normalizeApim(with_(fixture("rest-external-premium.json"), (d) => delete d.properties.publicIPAddresses)), /properties\.publicIPAddresses: \(missing\)/);
        });

        it("refuses an IPv6 VIP", () => {
            assert.throws(() => normalizeApim(with_(fixture("az-internal-developer.json"), (d) => (d.privateIpAddresses = ["fd00::5"]))), /privateIpAddresses\[0\]: "fd00::5"\. IPv6 is not supported here/);
        });

        it("refuses an out-of-range octet", () => {
            assert.throws(() => normalizeApim(with_(fixture("az-internal-developer.json"), (d) => (d.privateIpAddresses = ["10.0.0.256"]))), /privateIpAddresses\[0\]: "10\.0\.0\.256"/);
        });

        it("refuses 0.0.0.0 as a VIP", () => {
            refuses(with_(fixture("az-internal-developer.json"), (d) => (d.privateIpAddresses = ["0.0.0.0"])),
                "Invalid value for privateIpAddresses[0]: \"0.0.0.0\". The address is in the unspecified range, where no service answers: expected the instance's real VIP.");
        });

        it("refuses a loopback VIP", () => {
            assert.throws(() => normalizeApim(with_(fixture("rest-external-premium.json"), (d) => (d.properties.publicIPAddresses = ["127.0.0.1"]))), /properties\.publicIPAddresses\[0\]: "127\.0\.0\.1"\. The address is in the loopback range/);
        });

        it("refuses a masked address in an additional location", () => {
            const doc = with_(unmaskedExample(), (d) => (d.properties.additionalLocations[0].privateIPAddresses = ["10.0.X.6"]));
            assert.throws(() => normalizeApim(doc), /properties\.additionalLocations\[0\]\.privateIPAddresses\[0\]: "10\.0\.X\.6"/);
        });

        it("refuses a document that is not an object", () => {
            refuses([], "Invalid value for APIM document: []. Expected the JSON object of an API Management service (REST GET body or `az apim show -o json`).");
        });

        it("refuses a field given twice with different values", () => {
            const doc = with_(fixture("az-internal-developer.json"), (d) => (d.privateIPAddresses = ["10.9.9.9"]));
            assert.throws(() => normalizeApim(doc), /privateIPAddresses: "privateIpAddresses, privateIPAddresses"\. The document holds this field twice/);
        });

        it("refuses two ConfigurationApi hostnames", () => {
            const doc = with_(fixture("rest-none-custom-config-host.json"), (d) => d.properties.hostnameConfigurations.push({ type: "ConfigurationApi", hostName: "config2.tailspin.example.com" }));
            assert.throws(() => normalizeApim(doc), /Expected at most one hostname of type ConfigurationApi/);
        });

        it("refuses a wildcard hostname", () => {
            const doc = with_(fixture("rest-none-custom-config-host.json"), (d) => (d.properties.hostnameConfigurations[1].hostName = "*.tailspin.example.com"));
            assert.throws(() => normalizeApim(doc), /hostnameConfigurations\[1\]\.hostName: "\*\.tailspin\.example\.com"\. Wildcard names are not allowed here/);
        });
    });

    describe("warnings", () => {
        it("warns about the retired stv1 platform", () => {
            const facts = normalizeApim(with_(fixture("rest-external-premium.json"), (d) => (d.properties.platformVersion = "stv1")));
            assert.match(facts.warnings[0], /runs on the stv1 compute platform, which is retired/);
        });
    });
});
