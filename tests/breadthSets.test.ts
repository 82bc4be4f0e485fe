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
import { baseArgs, fixture, with_ } from "./helpers";

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
            { name: "low", address: "10.0.0.0/8", port: 1, endPort: 32766 },
            { name: "high", address: "10.0.0.0/8", port: 32768, endPort: 65535 },
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
