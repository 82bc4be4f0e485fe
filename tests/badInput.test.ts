// Issue "Robustness": the bad-input matrix. Every row breaks one thing — in the APIM document,
// in the component args, or in the files given to the CLI — and pins the field path and the
// value text the refusal must name. Component rows run the real component under Pulumi mocks
// with a registration sink and also check that no child resource was registered; a handful of
// rows run the CLI itself and check its one-line stderr contract.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "util";
import { settle } from "../cli/apimMocks";
import { main } from "../cli/main";
import { RegisteredResource, runOffline } from "../cli/offlineRun";
import { runPreview } from "../cli/preview";
import { InputError } from "../components/errors";
import { TYPE_TOKEN } from "../components/selfHostedGatewayEgress";
import { baseArgs, CLI, fixture, fixturePath, forgetRefusedRegistrations, LooseArgs, scratchFiles, Sink, SITE_OPTIONS, with_ } from "./helpers";

/** The value text of a string in a refusal: JSON-quoted, as `describeValue` renders it. */
const q = (s: string) => JSON.stringify(s);

const REST = () => fixture("rest-external-premium.json"); // External, publicIPAddresses ["52.164.20.7"]
const AZ = () => fixture("az-internal-developer.json"); // Internal, privateIpAddresses ["10.50.2.4"]
const SECRET = "s3cr3t-GatewayKey-0123456789==";

/** `n` distinct, valid /32 sources: 10.x.y.z. */
function manyAddresses(n: number): string[] {
    return Array.from({ length: n }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
}

interface Row {
    /** What is wrong, as a test title. */
    readonly what: string;
    /** The APIM document the mocks answer with. */
    readonly document: unknown;
    /** The component args. */
    readonly args: LooseArgs;
    /** Where the error comes from: synchronous arg validation, or the resolved (async) inputs. */
    readonly stage: "args" | "document" | "output-args";
    readonly field: string;
    /** The value exactly as the message renders it (strings JSON-quoted). */
    readonly value: string;
    /** More text the message must contain, e.g. a did-you-mean hint. */
    readonly mentions?: string;
    /** Text the message must never contain (a secret's value). */
    readonly never?: string;
}

/** A row that breaks the APIM document; the args stay valid. */
function doc(what: string, base: () => Record<string, unknown>, change: (d: LooseArgs) => unknown, field: string, value: string, mentions?: string): Row {
    let document: unknown = base();
    const replaced = change(document);
    if (replaced !== undefined) {
        document = replaced;
    }
    return { what, document, args: baseArgs(), stage: "document", field, value, mentions };
}

/** A row that breaks the args; the document stays valid. */
function arg(what: string, change: (a: LooseArgs) => void, field: string, value: string, extra: Partial<Pick<Row, "mentions" | "never">> = {}): Row {
    return { what, document: REST(), args: with_(baseArgs(), change), stage: "args", field, value, ...extra };
}

/** A row whose args are refused once the plan is built: what adds up with the instance's own flows. */
function planArg(what: string, change: (a: LooseArgs) => void, field: string, value: string, mentions: string): Row {
    return { what, document: REST(), args: with_(baseArgs(), change), stage: "document", field, value, mentions };
}

/** Every /8 network: together every IPv4 address. */
const SLASH_8S = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
const cut = (v: unknown) => `${JSON.stringify(v).slice(0, 77)}...`;

/** A row whose bad arg hides inside an Output: refused when it resolves, still before any child. */
function outputArg(what: string, section: "firewall" | "features" | "backends", change: (a: LooseArgs) => void, field: string, value: string): Row {
    const args = with_(baseArgs(), change);
    return { what, document: REST(), args: { ...args, [section]: pulumi.output(args[section]) }, stage: "output-args", field, value };
}

const ROWS: Row[] = [
    // ---- the APIM document: shape and types ----
    doc("a null document", REST, () => null, "APIM document", "null"),
    doc("a list of services (`az apim list` instead of `az apim show`)", AZ, (d) => [d], "APIM document", JSON.stringify([AZ()]).slice(0, 77) + "..."),
    doc("a missing name", REST, (d) => void delete d.name, "name", "(missing)"),
    doc("a numeric name", REST, (d) => void (d.name = 42), "name", "42"),
    doc("a name with an underscore", REST, (d) => void (d.name = "fabrikam_apim"), "name", q("fabrikam_apim")),
    doc("an empty location", REST, (d) => void (d.location = "  "), "location", q("  ")),
    doc("a null sku", REST, (d) => void (d.sku = null), "sku", "null"),
    doc("the Consumption tier", REST, (d) => void (d.sku.name = "Consumption"), "sku.name", q("Consumption"), "Developer and Premium tiers only"),
    doc("an az document in the Basic tier", AZ, (d) => void (d.sku.name = "Basic"), "sku.name", q("Basic")),
    doc("properties given as a list", REST, (d) => void (d.properties = []), "properties", "[]"),
    doc("an unknown virtualNetworkType", REST, (d) => void (d.properties.virtualNetworkType = "Hybrid"), "properties.virtualNetworkType", q("Hybrid"), "None, External, Internal"),
    doc("a numeric virtualNetworkType", REST, (d) => void (d.properties.virtualNetworkType = 1), "properties.virtualNetworkType", "1"),
    doc("an http gatewayUrl", REST, (d) => void (d.properties.gatewayUrl = "http://fabrikam-apim.azure-api.net"), "properties.gatewayUrl", q("http://fabrikam-apim.azure-api.net")),
    doc("a gatewayUrl without a scheme", REST, (d) => void (d.properties.gatewayUrl = "fabrikam-apim.azure-api.net"), "properties.gatewayUrl", q("fabrikam-apim.azure-api.net")),
    doc("a gatewayUrl outside every APIM domain", REST, (d) => void (d.properties.gatewayUrl = "https://fabrikam.example.com"), "properties.gatewayUrl", q("https://fabrikam.example.com"), "azure-api.net"),
    doc("a missing gatewayUrl in an az document", AZ, (d) => void delete d.gatewayUrl, "gatewayUrl", "(missing)"),
    doc("a non-string platformVersion", REST, (d) => void (d.properties.platformVersion = 2), "properties.platformVersion", "2"),
    // ---- the APIM document: addresses ----
    doc("an IPv6 public VIP", REST, (d) => void (d.properties.publicIPAddresses = ["2603:1020:5:1::9"]), "properties.publicIPAddresses[0]", q("2603:1020:5:1::9"), "IPv6 is not supported"),
    doc("a CIDR where the VIP address belongs", REST, (d) => void (d.properties.publicIPAddresses = ["52.164.20.7/32"]), "properties.publicIPAddresses[0]", q("52.164.20.7/32"), "Did you mean \"52.164.20.7\"?"),
    doc("an out-of-range octet", REST, (d) => void (d.properties.publicIPAddresses = ["52.164.20.256"]), "properties.publicIPAddresses[0]", q("52.164.20.256")),
    doc("a masked address", REST, (d) => void (d.properties.publicIPAddresses = ["52.XXX.20.7"]), "properties.publicIPAddresses[0]", q("52.XXX.20.7"), "masked"),
    doc("an address with three octets", REST, (d) => void (d.properties.publicIPAddresses = ["52.164.20"]), "properties.publicIPAddresses[0]", q("52.164.20")),
    doc("an address as a number", REST, (d) => void (d.properties.publicIPAddresses = [883168263]), "properties.publicIPAddresses[0]", "883168263"),
    doc("a null address", REST, (d) => void (d.properties.publicIPAddresses = [null]), "properties.publicIPAddresses[0]", "null"),
    doc("a bare string where the address list belongs", REST, (d) => void (d.properties.publicIPAddresses = "52.164.20.7"), "properties.publicIPAddresses", q("52.164.20.7"), "Expected a list"),
    doc("no public VIP in External mode", REST, (d) => void (d.properties.publicIPAddresses = []), "properties.publicIPAddresses", "[]"),
    doc("no private VIP in Internal mode (az spelling kept in the path)", AZ, (d) => void (d.privateIpAddresses = []), "privateIpAddresses", "[]"),
    doc("an IPv6 private VIP in an az document", AZ, (d) => void (d.privateIpAddresses = ["fd00:50:2::4"]), "privateIpAddresses[0]", q("fd00:50:2::4")),
    doc("a bad address at index 1000 of a huge list", REST, (d) => void (d.properties.publicIPAddresses = [...manyAddresses(1000), "10.0.0.999"]), "properties.publicIPAddresses[1000]", q("10.0.0.999")),
    doc("one field spelled twice with different values", REST, (d) => void (d.properties.publicIpAddresses = ["52.164.20.8"]), "properties.publicIPAddresses", q("publicIPAddresses, publicIpAddresses"), "twice"),
    doc("an IPv6 address in an additional location", REST, (d) => void (d.properties.additionalLocations = [{ location: "West Europe", publicIPAddresses: ["2603:1020::1"] }]), "properties.additionalLocations[0].publicIPAddresses[0]", q("2603:1020::1")),
    doc("an additional location without a location", REST, (d) => void (d.properties.additionalLocations = [{ publicIPAddresses: ["20.1.2.3"] }]), "properties.additionalLocations[0].location", "(missing)"),
    // ---- the APIM document: hostnames ----
    doc("a wildcard ConfigurationApi hostname", REST, (d) => void d.properties.hostnameConfigurations.push({ type: "ConfigurationApi", hostName: "*.fabrikam.example.com" }), "properties.hostnameConfigurations[1].hostName", q("*.fabrikam.example.com"), "Wildcard"),
    doc("a hostname with an empty label", REST, (d) => void d.properties.hostnameConfigurations.push({ type: "ConfigurationApi", hostName: "config..fabrikam.example.com" }), "properties.hostnameConfigurations[1].hostName", q("config..fabrikam.example.com")),
    doc("a hostname with an underscore", REST, (d) => void d.properties.hostnameConfigurations.push({ type: "Proxy", hostName: "api_gw.fabrikam.example.com" }), "properties.hostnameConfigurations[1].hostName", q("api_gw.fabrikam.example.com")),
    doc("a single-label hostname", REST, (d) => void d.properties.hostnameConfigurations.push({ type: "ConfigurationApi", hostName: "localhost" }), "properties.hostnameConfigurations[1].hostName", q("localhost")),
    doc("a hostname entry without a type", REST, (d) => void d.properties.hostnameConfigurations.push({ hostName: "config.fabrikam.example.com" }), "properties.hostnameConfigurations[1].type", "(missing)"),
    doc("two ConfigurationApi hostnames", REST, (d) => void d.properties.hostnameConfigurations.push({ type: "ConfigurationApi", hostName: "b.fabrikam.example.com" }, { type: "ConfigurationApi", hostName: "a.fabrikam.example.com" }), "properties.hostnameConfigurations", JSON.stringify(["a.fabrikam.example.com", "b.fabrikam.example.com"]), "at most one"),
    doc("a hostname entry that is a string", REST, (d) => void (d.properties.hostnameConfigurations = ["config.fabrikam.example.com"]), "properties.hostnameConfigurations[0]", q("config.fabrikam.example.com")),

    // ---- the args: unknown and secret keys ----
    arg("a misspelled firewall.priority", (a) => (a.firewall.priorty = 400), "firewall.priorty", q("priorty"), { mentions: "Did you mean \"priority\"?" }),
    arg("a misspelled top-level firewall", (a) => { a.firewal = a.firewall; delete a.firewall; }, "firewal", q("firewal"), { mentions: "Did you mean \"firewall\"?" }),
    arg("a misspelled feature", (a) => (a.features = { storgae: { enabled: true } }), "features.storgae", q("storgae"), { mentions: "Did you mean \"storage\"?" }),
    arg("a misspelled backend endPort", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 443, endport: 444 }]), "backends[0].endport", q("endport"), { mentions: "Did you mean \"endPort\"?" }),
    arg("a gateway token in the args", (a) => (a.gatewayToken = SECRET), "gatewayToken", q("(not shown)"), { never: SECRET }),
    arg("a storage account key", (a) => (a.features = { storage: { enabled: true, accountNames: ["contosologs"], accountKey: SECRET } }), "features.storage.accountKey", q("(not shown)"), { never: SECRET }),
    arg("a password in the cluster args", (a) => (a.cluster.password = SECRET), "cluster.password", q("(not shown)"), { never: SECRET }),
    // ---- the args: firewall ----
    arg("no firewall at all", (a) => delete a.firewall, "firewall", "(missing)"),
    arg("a firewall given as a string", (a) => (a.firewall = "fwpol-hub"), "firewall", q("fwpol-hub"), { mentions: "Expected an object" }),
    arg("both policyId and policyName", (a) => (a.firewall.policyId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub"), "firewall.policyId", q("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub").slice(0, 77) + "...", { mentions: "Only one of" }),
    arg("a policyId of another resource type", (a) => { delete a.firewall.policyName; delete a.firewall.resourceGroupName; a.firewall.policyId = "/subscriptions/x/fw"; }, "firewall.policyId", q("/subscriptions/x/fw")),
    arg("a policyName without its resource group", (a) => delete a.firewall.resourceGroupName, "firewall.resourceGroupName", "(missing)"),
    arg("a priority below 100", (a) => (a.firewall.priority = 99), "firewall.priority", "99"),
    arg("a priority above 65000", (a) => (a.firewall.priority = 65001), "firewall.priority", "65001"),
    arg("a priority given as a string", (a) => (a.firewall.priority = "300"), "firewall.priority", q("300")),
    arg("a fractional priority", (a) => (a.firewall.priority = 300.5), "firewall.priority", "300.5"),
    arg("a NaN priority (Number() of an unset variable)", (a) => (a.firewall.priority = Number(undefined)), "firewall.priority", "NaN"),
    arg("an unknown ruleStyle", (a) => (a.firewall.ruleStyle = "dns"), "firewall.ruleStyle", q("dns"), { mentions: "ip, fqdn, both" }),
    arg("a rule collection group name ending in a hyphen", (a) => (a.firewall.ruleCollectionGroupName = "apim-shgw-"), "firewall.ruleCollectionGroupName", q("apim-shgw-")),
    arg("a rule collection group name of 81 characters", (a) => (a.firewall.ruleCollectionGroupName = "r".repeat(81)), "firewall.ruleCollectionGroupName", `"${"r".repeat(76)}...`),
    arg("an IPv6 source network", (a) => (a.firewall.sourceAddresses = ["fd00:80::/64"]), "firewall.sourceAddresses[0]", q("fd00:80::/64")),
    arg("a source CIDR with host bits set", (a) => (a.firewall.sourceAddresses = ["10.80.0.1/24"]), "firewall.sourceAddresses[0]", q("10.80.0.1/24"), { mentions: "Did you mean \"10.80.0.0/24\"?" }),
    // A hint names only a value the same validator takes (issue 18: "0.0.0.0/4" was suggested, then refused).
    arg("a source with host bits set in a network too broad: refused for breadth, no hint", (a) => (a.firewall.sourceAddresses = ["1.2.3.4/4"]), "firewall.sourceAddresses[0]", q("1.2.3.4/4"), { mentions: "broader than firewall.minimumPrefixLength (8)", never: "Did you mean" }),
    // Review F5: the hint is checked against the whole list.
    arg("host bits set, the network meant already listed: no hint of a duplicate", (a) => (a.firewall.sourceAddresses = ["10.80.0.0/24", "10.80.0.1/24"]), "firewall.sourceAddresses[1]", q("10.80.0.1/24"), { mentions: "Host bits are set.", never: "Did you mean" }),
    arg("host bits set, the network meant too broad with the rest: no hint", (a) => (a.firewall.sourceAddresses = ["10.0.0.0/8", "11.0.0.1/8"]), "firewall.sourceAddresses[1]", q("11.0.0.1/8"), { mentions: "Host bits are set.", never: "Did you mean" }),
    arg("node addresses the same way", (a) => (a.features = { imagePull: { enabled: true, nodeAddresses: ["10.0.0.0/8", "11.0.0.1/8"] } }), "features.imagePull.nodeAddresses[1]", q("11.0.0.1/8"), { mentions: "Host bits are set.", never: "Did you mean" }),
    arg("host bits set beside other networks the meant one fits: the hint stays", (a) => (a.firewall.sourceAddresses = ["10.81.0.0/24", "10.80.0.1/24"]), "firewall.sourceAddresses[1]", q("10.80.0.1/24"), { mentions: "Host bits are set. Did you mean \"10.80.0.0/24\"?" }),
    arg("a configurationAddress written as a /32: the hint names the address", (a) => (a.firewall.configurationAddress = "10.60.0.4/32"), "firewall.configurationAddress", q("10.60.0.4/32"), { mentions: "not a network. Did you mean \"10.60.0.4\"?" }),
    arg("a configurationAddress of 0.0.0.0/32: no hint of the unspecified address", (a) => (a.firewall.configurationAddress = "0.0.0.0/32"), "firewall.configurationAddress", q("0.0.0.0/32"), { mentions: "not a network.", never: "Did you mean" }),
    arg("a masked configurationAddress written as a /32: no hint of the masked address", (a) => (a.firewall.configurationAddress = "10.60.X.4/32"), "firewall.configurationAddress", q("10.60.X.4/32"), { mentions: "not a network.", never: "Did you mean" }),
    arg("a misspelled key beside firewall.enabled false: no hint of a key refused then", (a) => (a.firewall = { enabled: false, polcyName: "fwpol-hub" }), "firewall.polcyName", q("polcyName"), { mentions: "Unknown key. Allowed keys are: enabled, minimumPrefixLength, configurationAddress.", never: "Did you mean" }),
    arg("a misspelled configurationAddress beside firewall.enabled false: the hint names it", (a) => (a.firewall = { enabled: false, configurationAdress: "10.60.0.4" }), "firewall.configurationAdress", q("configurationAdress"), { mentions: "Did you mean \"configurationAddress\"?" }),
    arg("a source prefix of 33", (a) => (a.firewall.sourceAddresses = ["10.80.0.0/33"]), "firewall.sourceAddresses[0]", q("10.80.0.0/33")),
    arg("a source with an out-of-range octet", (a) => (a.firewall.sourceAddresses = ["10.80.300.0/24"]), "firewall.sourceAddresses[0]", q("10.80.300.0/24")),
    arg("a source of 0.0.0.0/0", (a) => (a.firewall.sourceAddresses = ["10.80.0.0/24", "0.0.0.0/0"]), "firewall.sourceAddresses[1]", q("0.0.0.0/0"), { mentions: "broader than firewall.minimumPrefixLength (8)" }),
    arg("a source of 0.0.0.0/1 (half the Internet)", (a) => (a.firewall.sourceAddresses = ["0.0.0.0/1", "128.0.0.0/1"]), "firewall.sourceAddresses[0]", q("0.0.0.0/1"), { mentions: "2,147,483,648 addresses" }),
    arg("a source of /7, under the default minimum of 8", (a) => (a.firewall.sourceAddresses = ["10.0.0.0/7"]), "firewall.sourceAddresses[0]", q("10.0.0.0/7")),
    arg("a source /16 under a raised minimumPrefixLength of 20", (a) => Object.assign(a.firewall, { sourceAddresses: ["10.80.0.0/16"], minimumPrefixLength: 20 }), "firewall.sourceAddresses[0]", q("10.80.0.0/16"), { mentions: "firewall.minimumPrefixLength (20)" }),
    arg("a minimumPrefixLength of 0", (a) => (a.firewall.minimumPrefixLength = 0), "firewall.minimumPrefixLength", "0", { mentions: "from 1 to 32" }),
    arg("a CIDR with trailing garbage (10.0.0.0/8/24)", (a) => (a.firewall.sourceAddresses = ["10.0.0.0/8/24"]), "firewall.sourceAddresses[0]", q("10.0.0.0/8/24"), { mentions: "one \"/\"" }),
    arg("a backend of 128.0.0.0/1", (a) => (a.backends = [{ name: "half", address: "128.0.0.0/1", port: 443 }]), "backends[0].address", q("128.0.0.0/1")),
    arg("an external cache of 0.0.0.0/1", (a) => (a.features = { externalCache: { enabled: true, host: "0.0.0.0/1" } }), "features.externalCache.host", q("0.0.0.0/1")),
    arg("allowNamedFlowsTo of 0.0.0.0/1 (only 0.0.0.0/0 itself is the explicit opt-in)", (a) => (a.cluster.allowNamedFlowsTo = ["0.0.0.0/1"]), "cluster.allowNamedFlowsTo[0]", q("0.0.0.0/1")),
    arg("a source listed twice", (a) => (a.firewall.sourceAddresses = ["10.80.0.0/24", "10.80.0.0/24"]), "firewall.sourceAddresses[1]", q("10.80.0.0/24"), { mentions: "twice" }),
    arg("a source listed twice in two spellings", (a) => (a.firewall.sourceAddresses = ["10.80.0.5", "10.80.0.5/32"]), "firewall.sourceAddresses[1]", q("10.80.0.5/32"), { mentions: "twice" }),
    arg("a null source", (a) => (a.firewall.sourceAddresses = [null]), "firewall.sourceAddresses[0]", "null"),
    arg("sources given as one string", (a) => (a.firewall.sourceAddresses = "10.80.0.0/24"), "firewall.sourceAddresses", q("10.80.0.0/24"), { mentions: "Expected a list" }),
    arg("no source at all", (a) => (a.firewall.sourceAddresses = []), "firewall.sourceAddresses", "[]"),
    arg("1001 sources", (a) => (a.firewall.sourceAddresses = manyAddresses(1001)), "firewall.sourceAddresses", q("1001 items"), { mentions: "At most 1000" }),
    arg("an IP Group ID of another resource type", (a) => (a.firewall.sourceIpGroupIds = ["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/ipGroup/x"]), "firewall.sourceIpGroupIds[0]", q("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/ipGroup/x").slice(0, 77) + "..."),
    // ---- the args: cluster ----
    arg("an unknown cluster flavor", (a) => (a.cluster.flavor = "calico"), "cluster.flavor", q("calico"), { mentions: "kubernetes, openshift, cilium" }),
    arg("cluster.enabled as a string", (a) => (a.cluster.enabled = "yes"), "cluster.enabled", q("yes")),
    arg("no gateway namespace", (a) => delete a.cluster.namespace, "cluster.namespace", "(missing)"),
    arg("a namespace with uppercase and underscore", (a) => (a.cluster.namespace = "Apim_Gateway"), "cluster.namespace", q("Apim_Gateway")),
    arg("openshift without a dedicated namespace", (a) => (a.cluster.flavor = "openshift"), "cluster.namespaceIsDedicated", "(missing)"),
    arg("a wildcard in allowNamedFlowsTo", (a) => (a.cluster.allowNamedFlowsTo = ["*"]), "cluster.allowNamedFlowsTo[0]", q("*")),
    arg("an IPv6 network in allowNamedFlowsTo", (a) => (a.cluster.allowNamedFlowsTo = ["::/0"]), "cluster.allowNamedFlowsTo[0]", q("::/0")),
    arg("an ingress namespace listed twice", (a) => (a.cluster.ingressNamespaces = ["ingress-nginx", "ingress-nginx"]), "cluster.ingressNamespaces[1]", q("ingress-nginx")),
    arg("a pod label key with a space", (a) => (a.cluster.podLabels = { "app name": "gw" }), "cluster.podLabels", q("app name")),
    arg("a pod label value that is a number", (a) => (a.cluster.podLabels = { app: 7 }), "cluster.podLabels.app", "7"),
    // ---- the args: features ----
    arg("storage on with no account and no service tag", (a) => (a.features = { storage: { enabled: true } }), "features.storage.accountNames", "(missing)"),
    arg("a storage account name with uppercase", (a) => (a.features = { storage: { enabled: true, accountNames: ["ContosoLogs"] } }), "features.storage.accountNames[0]", q("ContosoLogs")),
    arg("a storage account given as its blob host", (a) => (a.features = { storage: { enabled: true, accountNames: ["contosologs.blob.core.windows.net"] } }), "features.storage.accountNames[0]", q("contosologs.blob.core.windows.net")),
    arg("a storage account listed twice", (a) => (a.features = { storage: { enabled: true, accountNames: ["contosologs", "contosologs"] } }), "features.storage.accountNames[1]", q("contosologs")),
    arg("a wildcard Event Hubs namespace", (a) => (a.features = { eventHubs: { enabled: true, namespaces: ["*.servicebus.windows.net"] } }), "features.eventHubs.namespaces[0]", q("*.servicebus.windows.net")),
    arg("an Event Hubs namespace listed twice, differently cased", (a) => (a.features = { eventHubs: { enabled: true, namespaces: ["contoso-logs", "Contoso-Logs"] } }), "features.eventHubs.namespaces[1]", q("Contoso-Logs")),
    arg("a wildcard cache host", (a) => (a.features = { externalCache: { enabled: true, host: "*.redis.cache.windows.net" } }), "features.externalCache.host", q("*.redis.cache.windows.net"), { mentions: "Wildcard" }),
    arg("a cache address with an out-of-range octet", (a) => (a.features = { externalCache: { enabled: true, host: "10.20.0.256" } }), "features.externalCache.host", q("10.20.0.256")),
    arg("an IPv6 cache address", (a) => (a.features = { externalCache: { enabled: true, host: "fd00:20::10" } }), "features.externalCache.host", q("fd00:20::10")),
    arg("a cache port of 0", (a) => (a.features = { externalCache: { enabled: true, host: "cache.contoso.example", port: 0 } }), "features.externalCache.port", "0"),
    arg("a cache on without a host", (a) => (a.features = { externalCache: { enabled: true } }), "features.externalCache.host", "(missing)"),
    arg("a display name as the Entra region", (a) => (a.features = { entraId: { enabled: true, region: "West Europe" } }), "features.entraId.region", q("West Europe")),
    arg("imagePull.enabled as a string", (a) => (a.features = { imagePull: { enabled: "true" } }), "features.imagePull.enabled", q("true")),
    arg("a feature given as a boolean", (a) => (a.features = { azureResourceManager: true }), "features.azureResourceManager", "true"),
    // ---- the args: backends ----
    arg("a backend port of 0", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 0 }]), "backends[0].port", "0"),
    arg("a backend port given as a string", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: "443" }]), "backends[0].port", q("443")),
    arg("a backend endPort below its port", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 8443, endPort: 8080 }]), "backends[0].endPort", "8080"),
    arg("a backend endPort above 65535", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 8443, endPort: 70000 }]), "backends[0].endPort", "70000"),
    arg("a backend with both address and fqdn", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", fqdn: "orders.contoso.example", port: 443 }]), "backends[0].address", q("10.1.0.0/24")),
    arg("a backend with neither address nor fqdn", (a) => (a.backends = [{ name: "orders", port: 443 }]), "backends[0].address", "(missing)"),
    arg("a backend with a wildcard fqdn", (a) => (a.backends = [{ name: "orders", fqdn: "*.contoso.example", port: 443 }]), "backends[0].fqdn", q("*.contoso.example")),
    arg("a backend with an address in its fqdn", (a) => (a.backends = [{ name: "orders", fqdn: "10.1.0.4", port: 443 }]), "backends[0].fqdn", q("10.1.0.4")),
    arg("a backend with a host name as its address", (a) => (a.backends = [{ name: "orders", address: "orders.contoso.example", port: 443 }]), "backends[0].address", q("orders.contoso.example")),
    arg("a backend with an unknown protocol", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 443, protocol: "ICMP" }]), "backends[0].protocol", q("ICMP")),
    arg("a backend name with uppercase", (a) => (a.backends = [{ name: "Orders", address: "10.1.0.0/24", port: 443 }]), "backends[0].name", q("Orders")),
    arg("two backends with one name", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 443 }, { name: "orders", fqdn: "orders.contoso.example", port: 443 }]), "backends[1].name", q("orders"), { mentions: "unique" }),
    arg("a null backend", (a) => (a.backends = [null]), "backends[0]", "null"),
    arg("backends given as an object", (a) => (a.backends = { orders: { address: "10.1.0.0/24", port: 443 } }), "backends", JSON.stringify({ orders: { address: "10.1.0.0/24", port: 443 } })),
    arg("1001 backends", (a) => (a.backends = manyAddresses(1001).map((address, i) => ({ name: `b${i}`, address, port: 443 }))), "backends", q("1001 items")),
    // ---- the args: breadth over sets ----
    arg("256 /8 sources, every IPv4 address", (a) => (a.firewall.sourceAddresses = SLASH_8S), "firewall.sourceAddresses", cut(SLASH_8S), { mentions: "Together these 256 networks hold 4,294,967,296 addresses, as many as a /0 network: more than one network of firewall.minimumPrefixLength (8) holds (16,777,216)." }),
    arg("two /8 sources, as many addresses as a /7", (a) => (a.firewall.sourceAddresses = ["10.0.0.0/8", "11.0.0.0/8"]), "firewall.sourceAddresses", JSON.stringify(["10.0.0.0/8", "11.0.0.0/8"]), { mentions: "as many as a /7 network" }),
    arg("five /32 sources under a minimumPrefixLength of 30", (a) => Object.assign(a.firewall, { sourceAddresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"], minimumPrefixLength: 30 }), "firewall.sourceAddresses", JSON.stringify(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]), { mentions: "Together these 5 networks hold 5 addresses, as many as a /29 network" }),
    arg("256 /8 networks as ingressFrom", (a) => (a.cluster.ingressFrom = SLASH_8S), "cluster.ingressFrom", cut(SLASH_8S), { mentions: "as many as a /0 network" }),
    arg("two /8 networks as allowNamedFlowsTo", (a) => (a.cluster.allowNamedFlowsTo = ["10.0.0.0/8", "11.0.0.0/8"]), "cluster.allowNamedFlowsTo", JSON.stringify(["10.0.0.0/8", "11.0.0.0/8"]), { mentions: "as many as a /7 network" }),
    arg("two /8 networks as the nodes' addresses", (a) => (a.features = { imagePull: { enabled: true, nodeAddresses: ["10.0.0.0/8", "11.0.0.0/8"] } }), "features.imagePull.nodeAddresses", JSON.stringify(["10.0.0.0/8", "11.0.0.0/8"]), { mentions: "as many as a /7 network" }),
    arg("256 /8 backends", (a) => (a.backends = SLASH_8S.map((address, i) => ({ name: `b${i}`, address, port: 443 }))), "backends", cut(SLASH_8S.map((address, i) => ({ name: `b${i}`, address, port: 443 }))), { mentions: "Together these 256 networks hold 4,294,967,296 addresses" }),
    planArg("a backend on ports 1-65535", (a) => (a.backends = [{ name: "all", address: "10.1.0.0/24", port: 1, endPort: 65535 }]), "backends[0].endPort", "65535", "The backend reaches 10.1.0.0/24 on every TCP port (1-65535): name the ports it uses."),
    planArg("two backends to one /8 on 1-32767 and 32768-65535", (a) => (a.backends = [{ name: "low", address: "10.0.0.0/8", port: 1, endPort: 32767 }, { name: "high", address: "10.0.0.0/8", port: 32768, endPort: 65535 }]), "backends", JSON.stringify(["high", "low"]), "Together the flows backend-high, backend-low reach 10.0.0.0/8 on every TCP port (1-65535): name the ports each backend uses."),
    planArg("a backend inside another's network on the other ports", (a) => (a.backends = [{ name: "wide", address: "10.0.0.0/8", port: 1, endPort: 32767 }, { name: "inner", address: "10.1.0.0/16", port: 32768, endPort: 65535 }]), "backends", JSON.stringify(["inner", "wide"]), "reach 10.1.0.0/16 on every TCP port (1-65535)"),
    planArg("a backend to the VIP on every port but the configuration's 443", (a) => (a.backends = [{ name: "below", address: "52.164.20.7", port: 1, endPort: 442 }, { name: "above", address: "52.164.20.7", port: 444, endPort: 65535 }]), "backends", JSON.stringify(["above", "below"]), "Together the flows configuration-address, backend-above, backend-below reach 52.164.20.7/32 on every TCP port (1-65535)"),
    planArg("two backends to one name on every UDP port", (a) => (a.backends = [{ name: "low", fqdn: "stats.contoso.example", port: 1, endPort: 40000, protocol: "UDP" }, { name: "high", fqdn: "stats.contoso.example", port: 40001, endPort: 65535, protocol: "UDP" }]), "backends", JSON.stringify(["high", "low"]), "reach stats.contoso.example on every UDP port (1-65535)"),
    // ---- the args: the rest ----
    arg("the v1 gateway", (a) => (a.gatewayMajorVersion = 1), "gatewayMajorVersion", "1", { mentions: "2023-10-01" }),
    arg("a missing APIM service name", (a) => delete a.apim.serviceName, "apim.serviceName", "(missing)"),
    arg("a numeric APIM resource group", (a) => (a.apim.resourceGroupName = 7), "apim.resourceGroupName", "7"),
    arg("a collector URI with credentials, never echoed", (a) => (a.features = { openTelemetry: { enabled: true, collectorUri: "http://gw:s3cr3t@otel-collector:4317", inCluster: { namespace: "observability" } } }), "features.openTelemetry.collectorUri", q("(not shown)"), { never: "s3cr3t" }),
    arg("an in-cluster pod label key with a bad prefix", (a) => (a.features = { externalCache: { enabled: true, inCluster: { namespace: "cache", podLabels: { "Bad_Prefix/app": "redis" } } } }), "features.externalCache.inCluster.podLabels", q("Bad_Prefix/app")),
    // ---- the args inside Outputs: refused on resolution, still before any child ----
    outputArg("a priority above 65000 inside an Output", "firewall", (a) => (a.firewall.priority = 70000), "firewall.priority", "70000"),
    outputArg("a misspelled key inside an Output", "firewall", (a) => (a.firewall.sourceAdresses = ["10.80.0.0/24"]), "firewall.sourceAdresses", q("sourceAdresses")),
    outputArg("an in-cluster namespace that is no DNS-1123 label inside an Output", "backends", (a) => (a.backends = [{ name: "orders", inCluster: { namespace: "Shop_1" }, port: 8080 }]), "backends[0].inCluster.namespace", q("Shop_1")),
    outputArg("a StatsD endpoint without a port inside an Output", "features", (a) => (a.features = { statsd: { enabled: true, endpoint: "udp://statsd-server", inCluster: { namespace: "monitoring" } } }), "features.statsd.endpoint", q("udp://statsd-server")),
    outputArg("a backend endPort below its port inside an Output", "backends", (a) => (a.backends = [{ name: "orders", address: "10.1.0.0/24", port: 9000, endPort: 8999 }]), "backends[0].endPort", "8999"),
];

function prefixOf(row: Pick<Row, "field" | "value">): string {
    return `Invalid value for ${row.field}: ${row.value}. `;
}

/** Runs the component and returns its refusal and what was registered, late registrations included. */
async function refuse(row: Row): Promise<{ error: unknown; registered: RegisteredResource[] }> {
    const registered: RegisteredResource[] = [];
    try {
        await runOffline(row.document, row.args, "gw", { resources: registered });
    } catch (error) {
        forgetRefusedRegistrations();
        if (row.stage !== "args") {
            // Registrations still in flight when the error surfaced would land now.
            await new Promise((resolve) => setTimeout(resolve, 25));
        }
        return { error, registered };
    }
    throw new assert.AssertionError({ message: `expected a refusal naming ${row.field}, but the component ran and registered: ${registered.map((r) => r.type).join(", ")}` });
}

function assertRefusal(error: unknown, row: Pick<Row, "field" | "value" | "mentions" | "never">): void {
    assert.ok(error instanceof InputError, `expected an InputError, got ${error instanceof Error ? `${error.name}: ${JSON.stringify(error.message)}` : String(error)}`);
    assert.ok(error.message.startsWith(prefixOf(row)), `message does not start with ${JSON.stringify(prefixOf(row))}:\n  ${error.message}`);
    assert.equal(error.field, row.field);
    assert.ok(!error.message.includes("\n"), "the message must be one line");
    if (row.mentions) {
        assert.ok(error.message.includes(row.mentions), `message lacks ${JSON.stringify(row.mentions)}:\n  ${error.message}`);
    }
    if (row.never) {
        assert.ok(!error.message.includes(row.never), "the message echoes the secret");
        assert.ok(!JSON.stringify(error.value).includes(row.never), "the error's value holds the secret");
    }
}

describe("bad input", () => {
    it("the matrix holds at least 40 rows, each naming a distinct case", () => {
        assert.ok(ROWS.length >= 40, `${ROWS.length} rows`);
        assert.equal(new Set(ROWS.map((r) => r.what)).size, ROWS.length);
    });

    for (const stage of ["document", "args", "output-args"] as const) {
        describe(`the component refuses bad ${stage === "document" ? "APIM documents" : stage === "args" ? "args" : "args inside Outputs"}`, () => {
            for (const row of ROWS.filter((r) => r.stage === stage)) {
                it(`${row.what}: names ${row.field} = ${row.value}`, async () => {
                    const { error, registered } = await refuse(row);
                    assertRefusal(error, row);
                    // Arg errors are thrown before the component itself registers; document errors
                    // and args resolved later may leave the component, never a child.
                    const types = registered.map((r) => r.type);
                    if (stage === "args") {
                        assert.deepEqual(types, []);
                    } else {
                        assert.ok(types.length <= 1 && types.every((t) => t === TYPE_TOKEN), `registered: ${types.join(", ")}`);
                    }
                });
            }
        });
    }

    // Every row again, through the built command line in process (cli/main.ts: its argument
    // parsing, file reading, refusal contract), the args written as an options file. Outputs
    // become their plain values: a file holds no Output. The command line also checks that the
    // args describe the document's instance, so a row whose document has no usable service name
    // may be refused there first; its refusal must still be one clean line.
    describe("every row through the built command line (in process)", () => {
        const scratch = scratchFiles("apim-egress-matrix-");
        before(scratch.before);
        after(scratch.after);
        const usableName = (d: unknown) => typeof (d as { name?: unknown })?.name === "string" && /^[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?$/.test((d as { name: string }).name);

        ROWS.forEach((row, i) => {
            it(`${row.what}: exit 2, one stderr line, no stack trace, nothing on stdout`, async function () {
                const args = Object.fromEntries(await Promise.all(Object.entries(row.args as Record<string, unknown>).map(async ([k, v]) => [k, pulumi.Output.isInstance(v) ? await settle(v) : v])));
                // A value JSON cannot hold (NaN, undefined in a list) cannot reach the command line.
                if (!isDeepStrictEqual(JSON.parse(JSON.stringify(args)), args)) {
                    this.skip();
                }
                // The args name the document's instance, unless the row is about them.
                if (isDeepStrictEqual(args.apim, baseArgs().apim) && usableName(row.document)) {
                    delete args.apim;
                }
                const apim = scratch.file(`apim-${i}.json`, JSON.stringify(row.document));
                const options = scratch.file(`options-${i}.json`, JSON.stringify(args));
                const out = new Sink();
                const err = new Sink();
                const code = await main(["preview", "--apim", apim, "--options", options, "--format", "json"], out, err);
                forgetRefusedRegistrations();
                const lines = err.text.split("\n").filter((l) => l !== "");
                assert.deepEqual([code, out.text, lines.length], [2, "", 1], err.text);
                assert.ok(lines[0].startsWith("error: Invalid value for "), lines[0]);
                assert.ok(!/^\s+at /m.test(err.text), "a stack trace");
                if (row.stage !== "document" || usableName(row.document)) {
                    assert.ok(lines[0].startsWith(`error: ${prefixOf(row)}`), `expected ${JSON.stringify(prefixOf(row))}, got:\n  ${lines[0]}`);
                }
                if (row.never) {
                    assert.ok(!err.text.includes(row.never), "the secret is echoed");
                }
            });
        });
    });

    describe("the CLI", () => {
        const scratch = scratchFiles("apim-egress-bad-input-");
        const file = scratch.file;
        before(scratch.before);
        after(scratch.after);

        const POLICY_ID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub";
        const hubWithPolicyId = () => file("hub-policy-id.yaml", `firewall: { policyId: ${POLICY_ID} }\ngateways:\n  - { name: site-a, apim: { resourceGroupName: rg-apim, serviceName: fabrikam-apim }, sourceAddresses: [10.1.0.0/24] }\n`);

        // In-process: the files as the CLI reads them (runPreview is what main calls).
        describe("reading files", () => {
            type Request = { apimFiles: string[]; optionsFile?: string; hubFile?: string };
            const REST_FILE = () => fixturePath("rest-external-premium.json");
            const HUB_FILE = () => file("hub.yaml", "firewall: { policyName: fw, resourceGroupName: rg }\ngateways:\n  - { name: a, apim: { resourceGroupName: rg-apim, serviceName: fabrikam-apim }, sourceAddresses: [10.80.0.0/24] }\n");
            const cases: { what: string; request: () => Request; field: string; value: (request: Request) => string; mentions?: string }[] = [
                { what: "a missing --apim file", request: () => ({ apimFiles: [path.join(scratch.dir(), "missing.json")] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "ENOENT" },
                { what: "a directory as --apim", request: () => ({ apimFiles: [scratch.dir()] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "EISDIR" },
                { what: "an --apim file that is neither JSON nor YAML", request: () => ({ apimFiles: [file("trailing-comma.json", "{\"name\": \"contoso\",,}")] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "not valid JSON or YAML: line 1, column" },
                { what: "an empty --apim file", request: () => ({ apimFiles: [file("empty.json", "")] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "The file is empty." },
                { what: "an --options file that is not YAML", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("unclosed-flow.yaml", "firewall:\n  priority: [300\n") }), field: "--options", value: (r) => q(r.optionsFile as string), mentions: "not valid JSON or YAML: line" },
                { what: "an --options file holding a list", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("list.yaml", "- firewall\n- cluster\n") }), field: "--options", value: (r) => q(r.optionsFile as string) },
                { what: "an --options file with a YAML tag the reader does not know", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("tag.yaml", "firewall: !vault secret/fw\n") }), field: "--options", value: (r) => q(r.optionsFile as string), mentions: "line 1, column 11" },
                { what: "an --options file of the example's name with a .txt extension, read by its content", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("options.txt", "firewall:\n  policyName: fw\n  resourceGroupName: rg\n  sourceAddresses: [10.80.0.0/24]\n  priority: x\n") }), field: "firewall.priority", value: () => q("x") },
                { what: "--options without --apim", request: () => ({ apimFiles: [], optionsFile: SITE_OPTIONS }), field: "--apim", value: () => "(missing)", mentions: "only a preview without files shows the embedded example" },
                { what: "--apim alone, with no firewall policy anywhere", request: () => ({ apimFiles: [REST_FILE()] }), field: "firewall", value: () => "(missing)", mentions: "This arg is required" },
                { what: "an apim.serviceName the document does not describe", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("other-instance.yaml", "apim: { resourceGroupName: rg-apim, serviceName: contoso-apim }\nfirewall: { policyName: fw, resourceGroupName: rg, sourceAddresses: [10.80.0.0/24] }\n") }), field: "apim.serviceName", value: () => q("contoso-apim"), mentions: "the documents describe fabrikam-apim in rg-apim" },
                { what: "an apim.resourceGroupName the document does not describe", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("other-group.yaml", "apim: { resourceGroupName: rg-other, serviceName: FABRIKAM-APIM }\nfirewall: { policyName: fw, resourceGroupName: rg, sourceAddresses: [10.80.0.0/24] }\n") }), field: "apim.resourceGroupName", value: () => q("rg-other") },
                { what: "a document nested 5,000 levels deep", request: () => ({ apimFiles: [file("deep.json", `${"[".repeat(5000)}${"]".repeat(5000)}`)] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "nests deeper than 32 levels" },
                { what: "a document over 4 MiB", request: () => ({ apimFiles: [file("huge.json", `{"publicIPAddresses": [${Array.from({ length: 400000 }, () => "\"10.0.0.1\"").join(",")}]}`)] }), field: "--apim", value: (r) => q(r.apimFiles[0]), mentions: "more than 4194304 bytes" },
                // Ambiguous inputs (issue 18): a reader would keep one of two values silently.
                { what: "an APIM document in JSON with virtualNetworkType twice", request: () => ({ apimFiles: [file("twice.json", fs.readFileSync(REST_FILE(), "utf8").replace(/"virtualNetworkType": "([^"]+)"/, "\"virtualNetworkType\": \"Internal\",\n    \"virtualNetworkType\": \"$1\""))] }), field: "--apim properties.virtualNetworkType", value: (r) => q(r.apimFiles[0]), mentions: "The key appears twice in one mapping (line 13, column 5, and line 14, column 5): a reader would keep one of them silently." },
                { what: "an options file in JSON with a key twice inside a list", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("twice-in-list.json", "{\"backends\": [{\"name\": \"a\", \"port\": 443},\n {\"name\": \"b\",\n  \"name\": \"c\"}]}") }), field: "--options backends[1].name", value: (r) => q(r.optionsFile as string), mentions: "(line 2, column 3, and line 3, column 3)" },
                { what: "an options file in YAML with 1 and \"1\", one property in JavaScript", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("one-and-one.yaml", "cluster:\n  podLabels:\n    1: a\n    \"1\": b\n") }), field: "--options cluster.podLabels.1", value: (r) => q(r.optionsFile as string), mentions: "(line 3, column 5, and line 4, column 5)" },
                { what: "an --options file of two YAML documents, of which a reader would keep the first", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("two-documents.yaml", "firewall: { priority: 300 }\n---\nfirewall: { priority: 400 }\n") }), field: "--options", value: (r) => q(r.optionsFile as string), mentions: "The file is not valid JSON or YAML: line 2, column 1: a second document starts here: give one document per file" },
                { what: "two --apim documents of one instance, its name in another case", request: () => ({ hubFile: HUB_FILE(), apimFiles: [REST_FILE(), file("upper.json", fs.readFileSync(REST_FILE(), "utf8").replace(/"name": "fabrikam-apim"/, "\"name\": \"FABRIKAM-APIM\""))] }), field: "--apim", value: (r) => q(r.apimFiles[1]), mentions: `This document and ${REST_FILE()} both describe APIM instance FABRIKAM-APIM in resource group rg-apim: give one document per instance.` },
                { what: "a policyId and no --subscription", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("policy-id.yaml", `firewall: { policyId: ${POLICY_ID}, sourceAddresses: [10.80.0.0/24] }\ncluster: { namespace: apim-gateway }\n`) }), field: "--subscription", value: () => "(missing)", mentions: "pass --subscription" },
                { what: "a hub file with a policyId and no --subscription", request: () => ({ apimFiles: [REST_FILE()], hubFile: hubWithPolicyId() }), field: "--subscription", value: () => "(missing)", mentions: "pass --subscription" },
                { what: "an options file with a __proto__ key", request: () => ({ apimFiles: [REST_FILE()], optionsFile: file("proto.json", "{\"firewall\": {\"__proto__\": {\"policyName\": \"x\"}}}") }), field: "--options firewall.__proto__", value: () => q("__proto__"), mentions: "reserved by JavaScript" },
            ];
            for (const c of cases) {
                it(`${c.what}: names ${c.field} and the path`, async () => {
                    const request = c.request();
                    let error: unknown;
                    try {
                        await runPreview(request);
                    } catch (e) {
                        forgetRefusedRegistrations();
                        error = e;
                    }
                    assertRefusal(error, { field: c.field, value: c.value(request), mentions: c.mentions });
                });
            }
        });

        // Spawned: exit code, one stderr line, no stack, nothing on stdout. Few spawns (each loads
        // the Pulumi SDK, about a second), all at once; the rows above cover the rest in-process.
        describe("as a process", () => {
            interface Spawned { status: number | null; stdout: string; stderr: string }
            const runs: { what: string; argv: () => string[]; field: string; value: () => string; mentions?: string; never?: string; result?: Spawned }[] = [];
            let apimPath = "";
            let nullPath = "";
            let ipv6Path = "";
            let typoPath = "";
            let tokenPath = "";
            let badYamlPath = "";
            let hubPath = "";
            runs.push(
                { what: "a missing --apim file", argv: () => ["--apim", path.join(scratch.dir(), "nope.json"), "--format", "json"], field: "--apim", value: () => q(path.join(scratch.dir(), "nope.json")) },
                { what: "an --options file that is not YAML", argv: () => ["--apim", apimPath, "--options", badYamlPath, "--format", "table"], field: "--options", value: () => q(badYamlPath), mentions: "not valid JSON or YAML: line 2, column 14: Nested mappings are not allowed in compact mappings" },
                { what: "a misspelled option", argv: () => ["--apim", apimPath, "--options", typoPath, "--format", "csv"], field: "firewall.priorty", value: () => q("priorty"), mentions: "Did you mean \"priority\"?" },
                { what: "a gateway token in the options", argv: () => ["--apim", apimPath, "--options", tokenPath, "--format", "json"], field: "gatewayToken", value: () => q("(not shown)"), never: SECRET },
                { what: "an IPv6 VIP in the document (refused after the component registered)", argv: () => ["--apim", ipv6Path, "--options", SITE_OPTIONS, "--format", "markdown"], field: "properties.publicIPAddresses[0]", value: () => q("2603:1020:5:1::9") },
                { what: "a document that is JSON null", argv: () => ["--apim", nullPath, "--format", "json"], field: "APIM document", value: () => "null" },
                // The hub's groups once waited on the refused check: 51 promises leaked, exit 1.
                { what: "a hub file with a policyId and no --subscription", argv: () => ["--hub", hubPath, "--apim", apimPath, "--format", "json"], field: "--subscription", value: () => "(missing)" },
            );

            before(async function () {
                this.timeout(60000);
                apimPath = file("apim.json", JSON.stringify(REST()));
                nullPath = file("null.json", "null\n");
                ipv6Path = file("ipv6.json", JSON.stringify(with_(REST(), (d) => (d.properties.publicIPAddresses = ["2603:1020:5:1::9"]))));
                typoPath = file("typo.yaml", "firewall:\n  priorty: 400\n");
                tokenPath = file("token.yaml", `gatewayToken: "${SECRET}"\n`);
                badYamlPath = file("bad.yaml", "cluster:\n  namespace: apim-gateway\n   flavor: openshift\n");
                hubPath = hubWithPolicyId();
                // No subscription from the environment either.
                const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "ARM_SUBSCRIPTION_ID" && k !== "AZURE_SUBSCRIPTION_ID"));
                await Promise.all(runs.map(async (r) => {
                    r.result = await new Promise<Spawned>((resolve, reject) => {
                        const child = spawn(process.execPath, [CLI, "preview", ...r.argv()], { stdio: ["ignore", "pipe", "pipe"], env });
                        let stdout = "";
                        let stderr = "";
                        child.stdout.on("data", (d) => (stdout += d));
                        child.stderr.on("data", (d) => (stderr += d));
                        child.on("error", reject);
                        child.on("close", (status) => resolve({ status, stdout, stderr }));
                    });
                }));
            });

            it("spawns at most 8 processes", () => {
                assert.ok(runs.length <= 8, `${runs.length} spawns`);
            });

            for (const r of runs) {
                it(`${r.what}: exit 2, one stderr line naming ${r.field}, no stack, empty stdout`, () => {
                    const { status, stdout, stderr } = r.result as Spawned;
                    const lines = stderr.split("\n").filter((l) => l !== "");
                    const prefix = `error: ${prefixOf({ field: r.field, value: r.value() })}`;
                    assert.deepEqual(lines.filter((l) => /^\s*at /.test(l)), [], "stack trace on stderr");
                    assert.equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`);
                    assert.ok(lines[0].startsWith("error: Invalid value for "), lines[0]);
                    assert.ok(lines[0].startsWith(prefix), `expected ${JSON.stringify(prefix)}, got:\n  ${lines[0]}`);
                    if (r.mentions) {
                        assert.ok(lines[0].includes(r.mentions), lines[0]);
                    }
                    if (r.never) {
                        assert.ok(!stderr.includes(r.never) && !stdout.includes(r.never), "the secret is echoed");
                    }
                    assert.equal(stdout, "");
                    assert.equal(status, 2);
                });
            }
        });
    });
});
