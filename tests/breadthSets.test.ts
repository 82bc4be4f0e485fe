// The breadth rule over sets (issue 18): the networks of one field and the ports one destination
// is reached on are measured as a whole, in the component (components/peers.ts, options.ts,
// egressPlan.ts) and in the policy pack (policy/breadth.ts) alike.
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { normalizeApim } from "../components/apimFacts";
import { buildEgressPlan } from "../components/egressPlan";
import { InputError } from "../components/errors";
import { resolveHubOptions, resolveOptions } from "../components/options";
import { addressCount, boundedNetworkSet, everyPortOf, tcp, udp } from "../components/peers";
import { setBreadth } from "../policy/breadth";
import { baseArgs, fixture, LooseArgs, with_ } from "./helpers";

const toIp = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** A network of `prefix` bits cut into pieces: each piece split again at up to four more bits. */
const partitionOf = (prefix: number) => fc.tuple(fc.nat(2 ** Math.min(prefix, 30) - 1), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 6 })).map(([block, cuts]) => {
    const base = prefix === 0 ? 0 : (block % 2 ** prefix) * 2 ** (32 - prefix);
    const parts: string[] = [];
    const split = (start: number, length: number, depth: number): void => {
        const more = cuts[depth];
        if (more === undefined || more === 0 || length + more > 32) {
            parts.push(`${toIp(start)}/${length}`);
            return;
        }
        // The first piece is split further, the others stay whole: every piece count is reached.
        const step = 2 ** (32 - length - more);
        for (let i = 0; i < 2 ** more; i++) {
            if (i === 0) {
                split(start, length + more, depth + 1);
            } else {
                parts.push(`${toIp(start + i * step)}/${length + more}`);
            }
        }
    };
    split(base, prefix, 0);
    return parts;
});

const refused = (networks: readonly string[], minimum: number) => {
    try {
        boundedNetworkSet("firewall.sourceAddresses", networks, networks, minimum);
        return false;
    } catch (e) {
        assert.ok(e instanceof InputError);
        return true;
    }
};

describe("breadth over sets: the component", () => {
    it("counts every address once: overlaps, duplicates and networks inside others", () => {
        assert.equal(addressCount(["10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8", "10.2.3.4/32"]), 2 ** 24);
        assert.equal(addressCount(["10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"]), 3);
        assert.equal(addressCount(Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`)), 2 ** 32);
        assert.equal(addressCount([]), 0);
    });

    it("refuses any partition of a network one prefix shorter than the minimum", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), fc.context(), (minimum, ctx) => {
            fc.assert(fc.property(partitionOf(minimum - 1), (parts) => {
                ctx.log(JSON.stringify(parts));
                assert.equal(refused(parts, minimum), true);
            }), { numRuns: 5 });
        }), { numRuns: 40 });
    });

    it("accepts any partition of a network of the minimum prefix", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 24 }), (minimum) => {
            fc.assert(fc.property(partitionOf(minimum), (parts) => assert.equal(refused(parts, minimum), false)), { numRuns: 5 });
        }), { numRuns: 40 });
    });

    it("judges a set of networks exactly as the policy pack does", () => {
        const network = fc.tuple(fc.nat(2 ** 32 - 1), fc.integer({ min: 6, max: 32 })).map(([n, p]) => `${toIp(p === 0 ? 0 : Math.floor(n / 2 ** (32 - p)) * 2 ** (32 - p))}/${p}`);
        fc.assert(fc.property(fc.array(network, { minLength: 2, maxLength: 8 }), fc.integer({ min: 6, max: 12 }), (networks, minimum) => {
            const narrow = networks.filter((n) => Number(n.split("/")[1]) >= minimum);
            fc.pre(narrow.length > 1);
            assert.equal(refused(narrow, minimum), setBreadth(narrow, { ipv4: minimum, ipv6: 32 }) !== undefined);
        }));
    });

    it("finds every port of a protocol, in pieces or whole, and nothing short of it", () => {
        assert.equal(everyPortOf([tcp(1, 65535)]), "TCP");
        assert.equal(everyPortOf([tcp(32768, 65535), tcp(1, 32767)]), "TCP");
        assert.equal(everyPortOf([udp(1, 40000), udp(30000, 65535), tcp(443)]), "UDP");
        assert.equal(everyPortOf([tcp(1, 32766), tcp(32768, 65535)]), undefined);
        assert.equal(everyPortOf([tcp(1, 40000), udp(40001, 65535)]), undefined);
        assert.equal(everyPortOf([tcp(2, 65535)]), undefined);
    });

    it("keeps 0.0.0.0/0 written out in ingressFrom and allowNamedFlowsTo working as the documented opt-in", () => {
        const options = resolveOptions("gw", with_(baseArgs(), (a) => Object.assign(a.cluster, { ingressFrom: ["0.0.0.0/0", "10.0.0.0/8", "11.0.0.0/8"], allowNamedFlowsTo: ["0.0.0.0/0"] })));
        assert.deepEqual([options.cluster.ingressFrom, options.cluster.allowNamedFlowsTo], [["0.0.0.0/0", "10.0.0.0/8", "11.0.0.0/8"], ["0.0.0.0/0"]]);
    });

    it("accepts backends whose ports to one destination leave a port out", () => {
        const options = resolveOptions("gw", with_(baseArgs(), (a) => (a.backends = [
            { name: "low", address: "10.0.0.0/9", port: 1, endPort: 32766 },
            { name: "high", address: "10.0.0.0/9", port: 32768, endPort: 65535 },
        ])));
        const plan = buildEgressPlan(normalizeApim(fixture("rest-external-premium.json")), options);
        assert.deepEqual(plan.flows.filter((f) => f.feature === "backend").map((f) => f.id), ["backend-high", "backend-low"]);
    });

    it("names the hub gateway's own backends when they add up to every port", () => {
        const hub = resolveHubOptions("hub", {
            firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" },
            gateways: [{ name: "factory", apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" }, sourceAddresses: ["10.80.0.0/24"], backends: [{ name: "low", address: "10.0.0.0/8", port: 1, endPort: 32767 }, { name: "high", address: "10.0.0.0/8", port: 32768, endPort: 65535 }] }],
        });
        assert.throws(() => buildEgressPlan(normalizeApim(fixture("rest-external-premium.json")), hub.gateways[0].options), (e: unknown) =>
            e instanceof InputError && e.field === "gateways[0].backends" && e.message === 'Invalid value for gateways[0].backends: ["high","low"]. Together the flows backend-high, backend-low reach 10.0.0.0/8 on every TCP port (1-65535): name the ports each backend uses.');
    });
});

describe("breadth over sets: the destinations together, in the component and the pack alike", () => {
    // rest-external-premium.json's VIP is 52.164.20.7: the configuration rule opens its /32.
    const VIP = "52.164.20.7/32";
    const tail = "hold 16,777,217 addresses, as many as a /7 network: more than one network of firewall.minimumPrefixLength (8) holds (16,777,216). Name the networks the flows need.";
    const planOf = (change: (a: LooseArgs) => void) => buildEgressPlan(normalizeApim(fixture("rest-external-premium.json")), resolveOptions("gw", with_(baseArgs(), change)));
    const packSays = (networks: readonly string[]) => setBreadth(networks, { ipv4: 8, ipv6: 32 });
    const cases: [string, (a: LooseArgs) => void, string, string, readonly string[]][] = [
        ["a backend /8 beside the VIP", (a) => (a.backends = [{ name: "plant", address: "11.0.0.0/8", port: 8443 }]), "backends[0].address", "11.0.0.0/8", [VIP, "11.0.0.0/8"]],
        ["the external cache's /8 beside the VIP", (a) => (a.features = { externalCache: { enabled: true, host: "11.0.0.0/8", port: 6380 } }), "features.externalCache.host", "11.0.0.0/8", [VIP, "11.0.0.0/8"]],
        ["a backend /8 and the OpenTelemetry sink's /8", (a) => {
            a.features = { openTelemetry: { enabled: true, collectorUri: "http://11.0.0.4:4317", address: "11.0.0.0/8" } };
            a.backends = [{ name: "a", address: "10.0.0.0/8", port: 443 }];
        }, "features.openTelemetry.address", "11.0.0.0/8", [VIP, "11.0.0.0/8"]],
    ];
    for (const [what, change, field, value, networks] of cases) {
        it(`refuses ${what} in one line naming the network that tips the sum, as the pack does`, () => {
            assert.throws(() => planOf(change), (e: unknown) => e instanceof InputError && e.field === field
                && e.message === `Invalid value for ${field}: "${value}". Together the destinations the rules open by address (${networks.join(", ")}) ${tail}` && !e.message.includes("\n"));
            assert.notEqual(packSays(networks), undefined);
        });
    }

    it("accepts a /9 backend beside the VIP, as the pack does", () => {
        const plan = planOf((a) => (a.backends = [{ name: "plant", address: "11.0.0.0/9", port: 8443 }]));
        const networks = plan.flows.filter((f) => f.destination.kind === "cidr").map((f) => f.destination.value);
        assert.deepEqual(networks, [VIP, "11.0.0.0/9"]);
        assert.equal(packSays(networks), undefined);
    });

    it("measures a hub gateway's own destinations and names its field", () => {
        const hub = resolveHubOptions("hub", {
            firewall: { policyName: "fwpol-hub", resourceGroupName: "rg-hub" },
            gateways: [{ name: "a", apim: { resourceGroupName: "rg-apim", serviceName: "contoso-apim" }, sourceAddresses: ["10.81.0.0/24"], backends: [{ name: "plant", address: "11.0.0.0/8", port: 8443 }] }],
        });
        assert.throws(() => buildEgressPlan(normalizeApim(fixture("rest-external-premium.json")), hub.gateways[0].options), (e: unknown) =>
            e instanceof InputError && e.message === `Invalid value for gateways[0].backends[0].address: "11.0.0.0/8". Together the destinations the rules open by address (${VIP}, 11.0.0.0/8) ${tail}`);
    });
});
