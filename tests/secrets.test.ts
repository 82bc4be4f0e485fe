// Secrets stay secret end to end (issue 18): a secret input makes every value derived from it
// secret in both components (the group's inputs, the component's outputs), and no refusal, hint
// or field path shows any part of a secret or of a withheld credential; every part of an error
// line is bounded.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RegisteredResource, setApimMocks, settle } from "../cli/apimMocks";
import { runOffline, runOfflineHub } from "../cli/offlineRun";
import { InputError, NO_SECRETS, withSecretsWithheld } from "../components/errors";
import { GatewayEgressRuleCollectionGroup } from "../components/gatewayEgressRuleCollectionGroup";
import { resetPolicyLedger } from "../components/groupWriter";
import { checkKeys, resolveOptions } from "../components/options";
import { secretsIn } from "../components/outputs";
import { SelfHostedGatewayEgress } from "../components/selfHostedGatewayEgress";
import { baseArgs, fixture, forgetRefusedRegistrations, LooseArgs, with_ } from "./helpers";

const RCG = "azure-native:network:FirewallPolicyRuleCollectionGroup";
/** Pulumi's wire form of a secret: its signature key, beside the value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const isWireSecret = (v: unknown) => typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270";
const isSecret = (o: pulumi.Output<unknown>) => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

const REST = () => fixture("rest-external-premium.json"); // fabrikam-apim in rg-apim, VIP 52.164.20.7
const HUB_APIM = { resourceGroupName: "rg-apim", serviceName: "fabrikam-apim" };

function hubArgs(gateway: LooseArgs = {}): LooseArgs {
    return {
        firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" },
        gateways: [
            { name: "site-a", apim: HUB_APIM, sourceAddresses: ["10.80.0.0/24"], ...gateway },
            { name: "site-b", apim: HUB_APIM, sourceAddresses: ["10.81.0.0/24"] },
        ],
    };
}

interface HubRun {
    readonly resources: RegisteredResource[];
    readonly secret: Record<string, boolean>;
}

/** Builds the hub under mocks and reads which of its outputs are secret. */
async function runHub(args: LooseArgs): Promise<HubRun> {
    const resources: RegisteredResource[] = [];
    await setApimMocks({ answer: () => REST() }, resources, "apim-gateway-egress", "secrets");
    resetPolicyLedger();
    const hub = new GatewayEgressRuleCollectionGroup("hub", args);
    const outputs: Record<string, pulumi.Output<unknown>> = { ruleCollectionGroups: hub.ruleCollectionGroups, gateways: hub.gateways, instances: hub.instances, notes: hub.notes };
    await Promise.all([...Object.values(outputs).map(settle), settle(hub.ruleCollectionGroupIds)]);
    const secret = Object.fromEntries(await Promise.all(Object.entries(outputs).map(async ([k, o]) => [k, await isSecret(o)] as const)));
    await pulumi.runtime.disconnect();
    return { resources, secret };
}

async function refusalOf(run: () => Promise<unknown>): Promise<InputError> {
    try {
        await run();
    } catch (e) {
        forgetRefusedRegistrations();
        assert.ok(e instanceof InputError, String(e));
        return e;
    }
    throw new Error("expected a refusal");
}

describe("secrets: GatewayEgressRuleCollectionGroup keeps what derives from a secret input secret", () => {
    const cases: [string, LooseArgs][] = [
        ["secret sourceAddresses", { sourceAddresses: pulumi.secret(["10.80.0.0/24"]) }],
        ["a secret address nested in the sourceAddresses list", { sourceAddresses: ["10.80.0.0/24", pulumi.secret("10.82.0.0/24")] }],
        ["secret sourceIpGroupIds", { sourceIpGroupIds: pulumi.secret(["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/ipGroups/site-a"]) }],
        ["a secret backend host", { backends: [{ name: "erp", fqdn: pulumi.secret("erp.contoso.example"), port: 8443 }] }],
        ["a secret backend address", { backends: [{ name: "erp", address: pulumi.secret("10.60.0.0/24"), port: 8443 }] }],
        ["a secret gateway name", { name: pulumi.secret("site-a") }],
    ];
    for (const [what, gateway] of cases) {
        it(`${what}: the group's ruleCollections, name and priority are registered as secrets, and every output is secret`, async () => {
            const { resources, secret } = await runHub(hubArgs(gateway));
            const group = resources.find((r) => r.type === RCG) as RegisteredResource;
            assert.deepEqual([isWireSecret(group.inputs.ruleCollections), isWireSecret(group.inputs.ruleCollectionGroupName), isWireSecret(group.inputs.priority)], [true, true, true]);
            assert.deepEqual(secret, { ruleCollectionGroups: true, gateways: true, instances: true, notes: true });
        });
    }

    it("the whole gateways list, or the whole args, secret: the same", async () => {
        for (const args of [{ ...hubArgs(), gateways: pulumi.secret(hubArgs().gateways) }, pulumi.secret(hubArgs())]) {
            const { resources, secret } = await runHub(args as LooseArgs);
            assert.equal(isWireSecret(resources.find((r) => r.type === RCG)?.inputs.ruleCollections), true);
            assert.deepEqual(secret, { ruleCollectionGroups: true, gateways: true, instances: true, notes: true });
        }
    });

    it("a hub without secrets stays plain: inputs and outputs", async () => {
        const { resources, secret } = await runHub(hubArgs());
        const group = resources.find((r) => r.type === RCG) as RegisteredResource;
        assert.deepEqual([isWireSecret(group.inputs.ruleCollections), Array.isArray(group.inputs.ruleCollections), group.inputs.ruleCollectionGroupName], [false, true, "hub"]);
        assert.deepEqual(secret, { ruleCollectionGroups: false, gateways: false, instances: false, notes: false });
    });

    it("a hub whose args are Outputs without secrets stays plain too", async () => {
        const { resources, secret } = await runHub(hubArgs({ sourceAddresses: pulumi.output(["10.80.0.0/24"]) }));
        assert.equal(isWireSecret(resources.find((r) => r.type === RCG)?.inputs.ruleCollections), false);
        assert.deepEqual(secret, { ruleCollectionGroups: false, gateways: false, instances: false, notes: false });
    });
});

describe("secrets: SelfHostedGatewayEgress keeps them too (the same rule)", () => {
    it("a secret source makes the group's ruleCollections secret, a plain one leaves them plain", async () => {
        const secret = await runOffline(REST(), with_(baseArgs(), (a) => (a.firewall.sourceAddresses = pulumi.secret(["10.80.0.0/24"]))) as never, "gw");
        const plain = await runOffline(REST(), baseArgs() as never, "gw");
        const collections = (r: { resources: RegisteredResource[] }) => r.resources.find((x) => x.type === RCG)?.inputs.ruleCollections;
        assert.deepEqual([isWireSecret(collections(secret)), isWireSecret(collections(plain))], [true, false]);
    });
});

describe("secrets: SelfHostedGatewayEgress's outputs", () => {
    it("are secret when a backend host or the group name is, and plain when nothing is", async () => {
        const outputsSecret = async (args: LooseArgs) => {
            await setApimMocks({ answer: () => REST() }, [], "apim-gateway-egress", "secrets");
            resetPolicyLedger();
            const gw = new SelfHostedGatewayEgress("gw", args as never);
            const outputs: pulumi.Output<unknown>[] = [gw.egressPlan, gw.changeRequest, gw.notes, gw.ruleCollectionGroupName, gw.gatewayHelmValues, gw.ruleCollectionGroupId];
            await Promise.all(outputs.map(settle));
            const secret = await Promise.all(outputs.map(isSecret));
            await pulumi.runtime.disconnect();
            return secret;
        };
        assert.deepEqual(await outputsSecret(with_(baseArgs(), (a) => (a.backends = [{ name: "erp", fqdn: pulumi.secret("erp.contoso.example"), port: 8443 }]))), [true, true, true, true, true, true]);
        assert.deepEqual(await outputsSecret(baseArgs()), [false, false, false, false, false, false]);
        // Review F10: the group's ID holds the secret group name.
        assert.deepEqual(await outputsSecret(with_(baseArgs(), (a) => (a.firewall.ruleCollectionGroupName = pulumi.secret("apim-shgw-secret")))), [true, true, true, true, true, true]);
    });
});

describe("secrets: refusals withhold them", () => {
    const WITHHELD = "(withheld: the value is secret)";

    it("names the field of a secret source with host bits set and withholds the value and the hint", async () => {
        const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.firewall.sourceAddresses = [pulumi.secret("10.80.0.1/24")])) as never, "gw"));
        assert.equal(e.message, `Invalid value for firewall.sourceAddresses[0]: ${WITHHELD}. Host bits are set.`);
    });

    it("withholds a secret backend address that tips the destinations together, in the field and in the list", async () => {
        const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.backends = [{ name: "plant", address: pulumi.secret("11.0.0.0/8"), port: 8443 }])) as never, "gw"));
        assert.equal(e.message, `Invalid value for backends[0].address: ${WITHHELD}. Together the destinations the rules open by address (52.164.20.7/32, (secret)) hold 16,777,217 addresses, as many as a /7 network: more than one network of firewall.minimumPrefixLength (8) holds (16,777,216). Name the networks the flows need.`);
    });

    it("withholds a secret hub source the same way, under its gateway's path", async () => {
        const e = await refusalOf(() => runOfflineHub([REST()], hubArgs({ sourceAddresses: pulumi.secret(["10.80.0.1/24"]) }) as never, "hub"));
        assert.equal(e.message, `Invalid value for gateways[0].sourceAddresses[0]: ${WITHHELD}. Host bits are set.`);
    });

    it("withholds a secret gateway name listed twice, and the name in the other gateway's refusal", async () => {
        const args = hubArgs({ name: pulumi.secret("site-b") });
        const e = await refusalOf(() => runOfflineHub([REST()], args as never, "hub"));
        assert.equal(e.message, `Invalid value for gateways[1].name: ${WITHHELD}. Gateway names must be unique (without regard to case): gateways[0] has it too.`);
    });

    it("withholds a whole secret firewall section's refused value", async () => {
        const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.firewall = pulumi.secret({ ...a.firewall, sourceAddresses: ["0.0.0.0/0"] }))) as never, "gw"));
        assert.equal(e.message, `Invalid value for firewall.sourceAddresses[0]: ${WITHHELD}. A /0 network is broader than firewall.minimumPrefixLength (8): it holds 4,294,967,296 addresses. Name the networks the flow needs.`);
    });

    it("withholds a secret policy ID's subscription when the provider writes to another", async () => {
        const policyId = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-hub/providers/Microsoft.Network/firewallPolicies/fwpol-hub";
        const args = { ...baseArgs(), firewall: { policyId: pulumi.secret(policyId), sourceAddresses: ["10.80.0.0/24"] } };
        const e = await refusalOf(() => runOffline(REST(), args as never, "gw", { subscriptionId: "99999999-2222-3333-4444-555555555555" }));
        assert.ok(!e.message.includes("11111111"), e.message);
        assert.equal(e.message, `Invalid value for firewall.policyId: ${WITHHELD}. The policy is in subscription (secret), but the azure-native provider of this component writes to subscription 99999999-2222-3333-4444-555555555555: pass a provider for subscription (secret) in the component's options (providers: { "azure-native": ... }), or name a policy of subscription 99999999-2222-3333-4444-555555555555.`);
    });

    it("withholds a secret cluster flavor, read before the rest to know the children", async () => {
        const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.cluster.flavor = pulumi.secret("calico-secret"))) as never, "gw"));
        assert.equal(e.message, `Invalid value for cluster.flavor: ${WITHHELD}. Allowed values are: kubernetes, openshift, cilium.`);
    });

    // The nearest allowed value is derived from the value: it goes with it (review F7).
    for (const [what, edit, field, expectation] of [
        ["a misspelled secret rule style", (a: LooseArgs) => (a.firewall.ruleStyle = pulumi.secret("fqdnn")), "firewall.ruleStyle", "Allowed values are: ip, fqdn, both."],
        ["a misspelled secret cluster flavor", (a: LooseArgs) => (a.cluster.flavor = pulumi.secret("ciliumm")), "cluster.flavor", "Allowed values are: kubernetes, openshift, cilium."],
        ["a misspelled secret region", (a: LooseArgs) => (a.features = { entraId: { enabled: true, region: pulumi.secret("westeuropp") } }), "features.entraId.region", "Expected the programmatic name of an Azure region, such as \"westeurope\"."],
    ] as const) {
        it(`${what}: no "Did you mean"`, async () => {
            const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), edit) as never, "gw"));
            assert.equal(e.message, `Invalid value for ${field}: ${WITHHELD}. ${expectation}`);
        });
    }

    it("the same misspellings in plain values keep the hint, after what is allowed", async () => {
        const e = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.firewall.ruleStyle = "fqdnn")) as never, "gw"));
        assert.equal(e.message, 'Invalid value for firewall.ruleStyle: "fqdnn". Allowed values are: ip, fqdn, both. Did you mean "fqdn"?');
    });

    // Review F8: a secret's plain words are not cut out of the field path or the fixed text.
    it("keeps the field path and the fixed text whole when a secret value's words appear in them", async () => {
        const image = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.probe = { enabled: true, image: pulumi.secret("zz secret image") })) as never, "gw"));
        assert.equal(image.message, `Invalid value for probe.image: ${WITHHELD}. Expected an image reference such as "registry.example.com/mirror/curlimages/curl:8.11.1": lowercase repository, optional tag and digest.`);
        const group = await refusalOf(() => runOffline(REST(), with_(baseArgs(), (a) => (a.firewall.ruleCollectionGroupName = pulumi.secret("zz secret bad name"))) as never, "gw"));
        assert.equal(group.message, `Invalid value for firewall.ruleCollectionGroupName: ${WITHHELD}. A rule collection group name has 1-80 letters, digits, "_", "." and "-", starts with a letter or digit and ends with a letter, digit or "_".`);
    });

    // Review F9: the key of a secret object is part of the secret.
    it("withholds an unknown key refused inside a secret gateway", async () => {
        const gateway = { ...hubArgs().gateways[0], sourceAdresses: ["10.80.0.0/24"] } as Record<string, unknown>;
        delete gateway.sourceAddresses;
        const e = await refusalOf(() => runOfflineHub([REST()], { ...hubArgs(), gateways: [pulumi.secret(gateway)] } as never, "hub"));
        assert.equal(e.message, `Invalid value for gateways[0].(withheld key): ${WITHHELD}. Unknown key. Allowed keys are: apim, backends, configurationAddress, features, gatewayAuth, name, ruleStyle, sourceAddresses, sourceIpGroupIds.`);
    });

    it("reads an unknown Output (a preview) as holding nothing to show, and still finds the secrets beside it", async () => {
        const args = { a: pulumi.output(pulumi.unknown), b: pulumi.secret(["10.80.0.0/24"]), c: [pulumi.secret(pulumi.output(pulumi.unknown))] };
        assert.deepEqual(await secretsIn(args), { paths: ["b", "c[0]"], values: ["10.80.0.0/24"] });
    });

    it("withholds a secret group name the policy ledger refuses as taken by another component", async () => {
        await setApimMocks({ answer: () => REST() }, [], "apim-gateway-egress", "secrets");
        resetPolicyLedger();
        const firewall = (name: unknown) => ({ ...baseArgs().firewall, ruleCollectionGroupName: name });
        new SelfHostedGatewayEgress("first", { ...baseArgs(), firewall: firewall("shared-egress-group") } as never);
        const second = new SelfHostedGatewayEgress("second", { ...baseArgs(), firewall: firewall(pulumi.secret("shared-egress-group")) } as never);
        const e = await refusalOf(() => settle(second.priority));
        await pulumi.runtime.disconnect();
        assert.equal(e.message, `Invalid value for firewall.ruleCollectionGroupName: ${WITHHELD}. Component "first" already writes a rule collection group of that name to policy fwpol-hub in rg-hub: each group needs its own.`);
    });

    it("leaves a refusal of a plain field alone beside a secret one", () => {
        assert.throws(() => withSecretsWithheld({ paths: ["firewall.sourceAddresses"], values: ["10.80.0.0/24"] }, () => resolveOptions("gw", with_(baseArgs(), (a) => (a.cluster.namespace = "Bad_NS")))),
            (e: unknown) => e instanceof InputError && e.message.startsWith('Invalid value for cluster.namespace: "Bad_NS". '));
    });

    it("finds secrets however deep, in arrays and objects, and reads nothing from plain values", async () => {
        const args = { a: [1, pulumi.secret({ k: "v", n: [2] })], b: pulumi.output({ c: pulumi.secret("s3cret") }), d: "plain" };
        // pulumi.output of an object holding a secret is secret as a whole, as Pulumi carries it.
        assert.deepEqual(await secretsIn(args), { paths: ["a[1]", "b"], values: ["2", "s3cret", "v"] });
        assert.deepEqual(await secretsIn({ plain: ["x"] }), NO_SECRETS);
    });
});

describe("credentials and size: every part of a refusal is bounded and withheld where it must be", () => {
    // An Azure access key: 88 characters of base64, a "/" inside, ending in "==".
    const KEY = "k1ZpQ9xW3vR7tY2uI8oP4aS6dF0gH5jK3lZ1xC7vB9nM2qW4eR6tY8uI0oP2aS4dF/gH6jK8lZ0xC2vB4nM6q==";

    it("quotes no part of a withheld credential in a did-you-mean hint", () => {
        assert.throws(() => resolveOptions("gw", with_(baseArgs(), (a) => (a.firewall.configurationAddress = KEY))), (e: unknown) =>
            e instanceof InputError && e.message === "Invalid value for firewall.configurationAddress: (withheld: it carries a credential). Expected a single IPv4 address, not a network.");
    });

    it("still gives the hint for a value it shows", () => {
        assert.throws(() => resolveOptions("gw", with_(baseArgs(), (a) => (a.firewall.configurationAddress = "10.0.0.5/32"))), (e: unknown) =>
            e instanceof InputError && e.message === 'Invalid value for firewall.configurationAddress: "10.0.0.5/32". Expected a single IPv4 address, not a network. Did you mean "10.0.0.5"?');
    });

    it("withholds a credential used as a YAML or JSON key in the field path, and its hint", () => {
        for (const key of [KEY, KEY.replace(/[/=]/g, "A"), "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey=abcdEFGH1234"]) {
            assert.throws(() => checkKeys("firewall", { [key]: 1 }, ["sourceAddresses"]), (e: unknown) => {
                assert.ok(e instanceof InputError);
                assert.ok(!e.message.includes(key.slice(0, 12)) && !e.message.includes(key.slice(-12)), e.message);
                assert.ok(e.message.startsWith("Invalid value for firewall.(withheld key): (withheld: it carries a credential). Unknown key."), e.message);
                return true;
            });
        }
    });

    it("gives a short line for a 1 MB key: the key is cut in the path, with an ellipsis and its length", () => {
        const key = "x".repeat(1024 * 1024);
        assert.throws(() => checkKeys("firewall", { [key]: 1 }, ["sourceAddresses"]), (e: unknown) => {
            assert.ok(e instanceof InputError);
            assert.ok(e.message.length < 400, `${e.message.length} characters`);
            assert.ok(e.message.startsWith(`Invalid value for firewall.${"x".repeat(24)}... (1,048,576 characters): "${"x".repeat(76)}.... Unknown key.`), e.message.slice(0, 200));
            return true;
        });
    });

    it("bounds a long path and a long expectation", () => {
        const e = new InputError(`a.${"b.".repeat(500)}c`, 1, "y".repeat(5000));
        assert.ok(e.message.length < 1300, `${e.message.length}`);
        assert.ok(e.message.includes("... (1,003 characters)") && e.message.includes("... (5,000 characters)"), e.message);
    });
});
