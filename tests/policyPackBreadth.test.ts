// The measures every policy of the pack uses (policy/breadth.ts): the one prefix rule, the name
// rule and the port rule, value in, verdict out, plus properties over random networks.
import { strict as assert } from "assert";
import * as fc from "fast-check";
import {
    addressBreadth,
    coversEveryPort,
    DEFAULT_PREFIX_LIMITS,
    holds,
    nameBreadth,
    parsePortRange,
    PrefixLimits,
    setBreadth,
    urlHost,
} from "../policy/breadth";

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
// Global unicast IPv6 (2000::/3), which never holds an IPv4-embedding prefix.
const ipv6 = fc.tuple(fc.integer({ min: 0x2000, max: 0x3fff }), fc.array(fc.nat(0xffff), { minLength: 7, maxLength: 7 }))
    .map(([first, rest]) => [first, ...rest].map((h) => h.toString(16)).join(":"));

function limits(ipv4Minimum: number, ipv6Minimum = DEFAULT_PREFIX_LIMITS.ipv6): PrefixLimits {
    return { ipv4: ipv4Minimum, ipv6: ipv6Minimum };
}

describe("policy pack breadth: the prefix rule", () => {
    it("flags any IPv4 prefix shorter than the minimum and no prefix at or above it", () => {
        fc.assert(fc.property(ipv4, fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), (address, prefix, minimum) => {
            const breadth = addressBreadth(`${address}/${prefix}`, limits(minimum), false);
            assert.deepEqual(breadth, prefix < minimum ? { kind: "broad", phrase: `a /${prefix} network` } : undefined);
        }));
    });

    it("flags any IPv6 prefix shorter than the IPv6 minimum and no prefix at or above it", () => {
        // From /3 on, a network of 2000::/3 holds no IPv4-embedding prefix (those have their own specs).
        fc.assert(fc.property(ipv6, fc.integer({ min: 3, max: 128 }), fc.integer({ min: 0, max: 128 }), (address, prefix, minimum) => {
            const breadth = addressBreadth(`${address}/${prefix}`, limits(8, minimum), false);
            assert.deepEqual(breadth, prefix < minimum ? { kind: "broad", phrase: `a /${prefix} IPv6 network` } : undefined);
        }));
    });

    it("flags an IPv4 range wider than a network of the minimum prefix, and no narrower range", () => {
        fc.assert(fc.property(fc.nat(2 ** 32 - 1), fc.nat(2 ** 32 - 1), fc.integer({ min: 0, max: 32 }), (a, b, minimum) => {
            const [first, last] = a <= b ? [a, b] : [b, a];
            const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
            const count = last - first + 1;
            const broad = addressBreadth(`${dotted(first)}-${dotted(last)}`, limits(minimum), true) !== undefined;
            assert.equal(broad, count > 2 ** (32 - minimum), `${count} addresses, minimum /${minimum}`);
        }));
    });

    it("reads each half of the IPv4 space as a /1 network", () => {
        assert.deepEqual(addressBreadth("0.0.0.0/1", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /1 network" });
        assert.deepEqual(addressBreadth("128.0.0.0/1", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /1 network" });
    });

    it("reads a /0 with host bits as a /0 network", () => {
        assert.deepEqual(addressBreadth("10.0.0.0/0", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /0 network" });
    });

    it("reads 0.0.0.1-255.255.255.255 as a range as wide as a /0", () => {
        assert.deepEqual(addressBreadth("0.0.0.1-255.255.255.255", DEFAULT_PREFIX_LIMITS, true), { kind: "broad", phrase: "a range of 4294967295 addresses, as wide as a /0" });
    });

    it("reads 10.0.0.0-10.255.255.255 as a range no wider than a /8", () => {
        assert.equal(addressBreadth("10.0.0.0 - 10.255.255.255", DEFAULT_PREFIX_LIMITS, true), undefined);
    });

    it("refuses a range whose last address comes before its first", () => {
        assert.deepEqual(addressBreadth("10.0.0.9-10.0.0.1", DEFAULT_PREFIX_LIMITS, true), { kind: "unreadable", phrase: "a range whose last address comes before its first" });
    });

    it("reads ::ffff:0:0/96 as every IPv4 address", () => {
        assert.deepEqual(addressBreadth("::ffff:0:0/96", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /96 IPv6 network that holds ::ffff:0:0/96, every IPv4 address" });
    });

    it("reads ::/64 as holding every IPv4-mapped address", () => {
        assert.deepEqual(addressBreadth("::/64", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /64 IPv6 network that holds ::ffff:0:0/96, every IPv4 address" });
    });

    it("reads a NAT64 /100 by the IPv4 network it maps", () => {
        assert.deepEqual(addressBreadth("64:ff9b::a00:0/100", DEFAULT_PREFIX_LIMITS, false), { kind: "broad", phrase: "a /100 IPv6 network that maps the IPv4 network 0.0.0.0/4" });
    });

    it("passes an IPv4-mapped /120, which maps an IPv4 /24", () => {
        assert.equal(addressBreadth("::ffff:10.40.1.0/120", DEFAULT_PREFIX_LIMITS, false), undefined);
    });

    it("reads * as any address", () => {
        assert.deepEqual(addressBreadth("*", DEFAULT_PREFIX_LIMITS, true), { kind: "broad", phrase: "any address" });
    });

    it("passes single addresses of both families", () => {
        assert.equal(addressBreadth("10.40.1.5", DEFAULT_PREFIX_LIMITS, false), undefined);
        assert.equal(addressBreadth("2001:db8::5", DEFAULT_PREFIX_LIMITS, false), undefined);
    });

    for (const value of ["10.0.0.0/8/24", "010.0.0.0/8", "10/8", "0x0a.0.0.0/8", "0.0.0.0/33", "fe80::1%eth0/64", "10.0.0.0/8 trailing", ""]) {
        it(`refuses ${JSON.stringify(value)} as no network it can read`, () => {
            assert.deepEqual(addressBreadth(value, DEFAULT_PREFIX_LIMITS, false), { kind: "unreadable", phrase: "not a network this pack can read" });
        });
    }

    it("refuses a value that is not a string", () => {
        assert.deepEqual(addressBreadth(167772160, DEFAULT_PREFIX_LIMITS, true), { kind: "unreadable", phrase: "not an address, network, range or service tag this pack can read" });
    });

    it("reads the Internet, AzureCloud and regional AzureCloud tags as any host, in any case", () => {
        assert.deepEqual(addressBreadth("INTERNET", DEFAULT_PREFIX_LIMITS, true), { kind: "broad", phrase: "the Internet service tag, every public address" });
        assert.deepEqual(addressBreadth("AzureCloud", DEFAULT_PREFIX_LIMITS, true), { kind: "broad", phrase: "the AzureCloud service tag, every public address of Azure, any tenant's" });
        assert.deepEqual(addressBreadth("AzureCloud.WestEurope", DEFAULT_PREFIX_LIMITS, true), { kind: "broad", phrase: "the AzureCloud.WestEurope service tag, every public address of Azure in the region, any tenant's" });
    });

    it("passes the service tags of one service", () => {
        for (const tag of ["Storage.WestEurope", "AzureActiveDirectory", "MicrosoftContainerRegistry", "AzureFrontDoor.FirstParty"]) {
            assert.equal(addressBreadth(tag, DEFAULT_PREFIX_LIMITS, true), undefined, tag);
        }
    });

    it("reads service tags only where Azure Firewall takes them", () => {
        assert.deepEqual(addressBreadth("Storage.WestEurope", DEFAULT_PREFIX_LIMITS, false), { kind: "unreadable", phrase: "not a network this pack can read" });
    });

    it("passes every prefix, and *, when both minimums are 0", () => {
        assert.equal(addressBreadth("0.0.0.0/0", limits(0, 0), false), undefined);
        assert.equal(addressBreadth("*", limits(0, 0), true), undefined);
    });
});

describe("policy pack breadth: the name rule", () => {
    for (const [name, phrase] of [
        ["*", "matches every host name"],
        ["*.com", "matches every host name under \"com\""],
        ["*.*", "matches every host name"],
        ["*com", "matches every host name"],
        ["contoso.*", "matches every host name"],
        ["*.*.com.", "matches every host name under \"com\""],
    ]) {
        it(`flags ${JSON.stringify(name)}: ${phrase}`, () => {
            assert.deepEqual(nameBreadth(name), { kind: "broad", phrase });
        });
    }

    it("passes exact names and wildcards over a registered domain", () => {
        for (const name of ["contoso.com", "*.contoso.com", "*.*.contoso.com", "sub*.contoso.com", "*.data.mcr.microsoft.com"]) {
            assert.equal(nameBreadth(name), undefined, name);
        }
    });

    it("passes a wildcard over a two-label public suffix (documented limit: no Public Suffix List)", () => {
        assert.equal(nameBreadth("*.co.uk"), undefined);
    });

    it("takes the host of a target URL", () => {
        assert.equal(urlHost("https://*.com:443/path/*"), "*.com");
        assert.equal(urlHost("www.contoso.com/a/*"), "www.contoso.com");
    });
});

describe("policy pack breadth: the port rule", () => {
    it("reads *, single ports and ranges", () => {
        assert.deepEqual(parsePortRange("*"), [0, 65535]);
        assert.deepEqual(parsePortRange("443"), [443, 443]);
        assert.deepEqual(parsePortRange(" 5671 - 5672 "), [5671, 5672]);
    });

    it("refuses an inverted range, a port above 65535 and text", () => {
        assert.equal(parsePortRange("9000-8000"), undefined);
        assert.equal(parsePortRange("65536"), undefined);
        assert.equal(parsePortRange("https"), undefined);
    });

    it("finds every port in any spelling that covers 1-65535", () => {
        assert.equal(coversEveryPort([[1, 65535]]), true);
        assert.equal(coversEveryPort([[0, 65535]]), true);
        assert.equal(coversEveryPort([[1, 32767], [32768, 65535]]), true);
        assert.equal(coversEveryPort([[40000, 65535], [1, 40000]]), true);
    });

    it("finds a gap", () => {
        assert.equal(coversEveryPort([[1, 32766], [32768, 65535]]), false);
        assert.equal(coversEveryPort([[2, 65535]]), false);
        assert.equal(coversEveryPort([]), false);
    });

    it("holds for any split of 1-65535 into two ranges", () => {
        fc.assert(fc.property(fc.integer({ min: 1, max: 65533 }), fc.boolean(), (split, gap) => {
            const second: [number, number] = [gap ? split + 2 : split + 1, 65535];
            assert.equal(coversEveryPort([[1, split], second]), !gap);
        }));
    });
});

/** `network` (a.b.c.d/p) cut into networks at each given longer prefix: a partition of it. */
function partition(base: number, prefix: number, cuts: readonly number[]): string[] {
    const parts: string[] = [];
    const split = (start: number, length: number, depth: number): void => {
        const cut = cuts[depth];
        if (cut === undefined || cut <= length || length >= 32) {
            parts.push(`${[24, 16, 8, 0].map((s) => (start >>> s) & 255).join(".")}/${length}`);
            return;
        }
        const next = Math.min(cut, 32, length + 4);
        const step = 2 ** (32 - next);
        for (let i = 0; i < 2 ** (next - length); i++) {
            split(start + i * step, next, depth + 1);
        }
    };
    split(base, prefix, 0);
    return parts;
}

describe("policy pack breadth: the rule over sets", () => {
    it("refuses 256 /8 networks, every IPv4 address, and says what they add up to", () => {
        const all = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
        assert.deepEqual(setBreadth(all, DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "256 IPv4 networks that together hold 4294967296 addresses, as many as a /0" });
    });

    it("refuses two /8 networks, as many addresses as a /7", () => {
        assert.deepEqual(setBreadth(["10.0.0.0/8", "11.0.0.0/8"], DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "2 IPv4 networks that together hold 33554432 addresses, as many as a /7" });
    });

    it("counts overlaps and duplicates once: a /8 with networks inside it passes", () => {
        assert.equal(setBreadth(["10.0.0.0/8", "10.1.0.0/16", "10.0.0.0/8", "10.2.3.4"], DEFAULT_PREFIX_LIMITS), undefined);
    });

    it("adds up /32s, ranges and networks alike", () => {
        assert.equal(setBreadth(["10.0.0.1", "10.0.0.2"], limits(31)), undefined);
        assert.deepEqual(setBreadth(["10.0.0.1", "10.0.0.3", "10.0.0.2"], limits(31)), { kind: "broad", phrase: "3 IPv4 networks that together hold 3 addresses, as many as a /30" });
        assert.deepEqual(setBreadth(["10.0.0.0-10.255.255.255", "11.0.0.0/9"], DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "2 IPv4 networks that together hold 25165824 addresses, as many as a /7" });
    });

    it("leaves values refused alone, service tags and unreadable text to the single-value rule", () => {
        assert.equal(setBreadth(["0.0.0.0/1", "128.0.0.0/1", "Storage.WestEurope", "10.0.0.0/8/24"], DEFAULT_PREFIX_LIMITS), undefined);
    });

    it("measures IPv6 by its own minimum", () => {
        assert.deepEqual(setBreadth(["2001:db8::/32", "2001:db9::/32"], DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "2 IPv6 networks that together hold 158456325028528675187087900672 addresses, as many as a /31 IPv6 network" });
        assert.equal(setBreadth(["2001:db8::/32", "10.0.0.0/8"], DEFAULT_PREFIX_LIMITS), undefined);
    });

    it("counts IPv4 written as IPv6 with IPv4: 256 mapped /104s, or /8s half of each spelling, are every IPv4 address", () => {
        const mapped = Array.from({ length: 256 }, (_, i) => `::ffff:${i}.0.0.0/104`);
        assert.equal(addressBreadth(mapped[10], DEFAULT_PREFIX_LIMITS, false), undefined);
        assert.deepEqual(setBreadth(mapped, DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "256 IPv4 networks that together hold 4294967296 addresses, as many as a /0" });
        assert.deepEqual(setBreadth(["10.0.0.0/8", "64:ff9b::b00:0/104"], DEFAULT_PREFIX_LIMITS), { kind: "broad", phrase: "2 IPv4 networks that together hold 33554432 addresses, as many as a /7" });
        assert.equal(setBreadth(["10.0.0.0/8", "::ffff:10.0.0.0/104"], DEFAULT_PREFIX_LIMITS), undefined);
    });

    it("refuses any partition of a network one prefix shorter than the minimum", () => {
        fc.assert(fc.property(fc.nat(127), fc.integer({ min: 2, max: 16 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }), (block, minimum, cuts) => {
            const prefix = minimum - 1;
            const base = (block % 2 ** prefix) * 2 ** (32 - prefix);
            const parts = partition(base, prefix, cuts.map((c) => minimum + c - 1));
            fc.pre(parts.length > 1);
            assert.equal(setBreadth(parts, limits(minimum))?.kind, "broad");
        }));
    });

    it("passes any partition of a network of the minimum prefix", () => {
        fc.assert(fc.property(fc.nat(255), fc.integer({ min: 1, max: 16 }), fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }), (block, minimum, cuts) => {
            const base = (block % 2 ** minimum) * 2 ** (32 - minimum);
            assert.equal(setBreadth(partition(base, minimum, cuts.map((c) => minimum + c)), limits(minimum)), undefined);
        }));
    });

    it("holds: a network holds the networks and addresses inside it, and nothing else", () => {
        assert.equal(holds("10.0.0.0/8", "10.1.0.0/16"), true);
        assert.equal(holds("10.0.0.0/8", "10.0.0.5"), true);
        assert.equal(holds("10.1.0.0/16", "10.0.0.0/8"), false);
        assert.equal(holds("10.0.0.0/8", "Storage"), false);
    });
});
