// The DNS stub client `verify` uses (cli/dnsQuery.ts): how an answer section is read — the CNAME
// chain, its bound, ambiguous and foreign records — as a pure function, and the transport against
// a real server on 127.0.0.1: stray replies, refused ports, several servers.
import { strict as assert } from "assert";
import * as dgram from "dgram";
import { canonicalName, DnsServer, interpretAnswer, MAX_CNAME_LINKS, nameProblem, parseServerAddress, presentationName, resolveA } from "../cli/dnsQuery";
import { a, cname, TestDnsServer } from "./dnsTestServer";

const Q = "gw.example";
const FAST = { timeoutMs: 300, tries: 1 };
const ADDRESS = "10.7.7.7";

/** `links` CNAMEs from Q: Q → n1.example → ... → n<links>.example, then an A record there. */
function chainOf(links: number) {
    const names = [Q, ...Array.from({ length: links }, (_, i) => `n${i + 1}.example`)];
    return { names, records: [...names.slice(1).map((n, i) => cname(names[i], n)), a(names[names.length - 1], "10.1.2.3")] };
}

describe("dnsQuery: reading an answer (interpretAnswer)", () => {
    it("takes the asked name's A records, sorted numerically, without repeats", () => {
        assert.deepEqual(interpretAnswer(Q, "NOERROR", [a(Q, "10.0.0.10"), a(Q, "10.0.0.9"), a(Q, "10.0.0.10")]), { ok: true, addresses: ["10.0.0.9", "10.0.0.10"], cnames: [] });
    });

    it("follows the chain by owner name, whatever the records' order", () => {
        const records = [a("b.example", "10.1.1.1"), cname("a.example", "b.example"), cname(Q, "a.example")];
        assert.deepEqual(interpretAnswer(Q, "NOERROR", records), { ok: true, addresses: ["10.1.1.1"], cnames: ["a.example", "b.example"] });
    });

    it(`follows a chain of ${MAX_CNAME_LINKS} CNAME links`, () => {
        const { names, records } = chainOf(MAX_CNAME_LINKS);
        assert.deepEqual(interpretAnswer(Q, "NOERROR", records), { ok: true, addresses: ["10.1.2.3"], cnames: names.slice(1) });
    });

    it(`refuses a chain of ${MAX_CNAME_LINKS + 1} links, naming the bound`, () => {
        const { names, records } = chainOf(MAX_CNAME_LINKS + 1);
        assert.deepEqual(interpretAnswer(Q, "NOERROR", records), {
            ok: false,
            cause: `CNAME chain ${names.slice(0, MAX_CNAME_LINKS + 1).join(" → ")} → ... is longer than ${MAX_CNAME_LINKS} links (not followed further)`,
        });
    });

    it("reports a loop back to a name in the middle of the chain", () => {
        const records = [cname(Q, "a.example"), cname("a.example", "b.example"), cname("b.example", "a.example")];
        assert.deepEqual(interpretAnswer(Q, "NOERROR", records), { ok: false, cause: "CNAME loop gw.example → a.example → b.example → a.example" });
    });

    it("refuses two CNAMEs at one name as ambiguous", () => {
        assert.deepEqual(interpretAnswer(Q, "NOERROR", [cname(Q, "b.example"), cname(Q, "a.example"), a("a.example", "10.1.1.1")]), {
            ok: false,
            cause: "gw.example has 2 CNAME records (a.example, b.example): an ambiguous answer",
        });
    });

    it("refuses a CNAME beside A records at one name as ambiguous", () => {
        assert.deepEqual(interpretAnswer(Q, "NOERROR", [cname(Q, "a.example"), a(Q, "10.9.9.9"), a("a.example", "10.1.1.1")]), {
            ok: false,
            cause: "gw.example has both a CNAME record and A records: an ambiguous answer",
        });
    });

    it("names foreign A records when a chain ends without its own", () => {
        assert.deepEqual(interpretAnswer(Q, "NOERROR", [cname(Q, "a.example"), a("x.example", "10.9.9.9"), a("w.example", "10.9.9.8")]), {
            ok: false,
            cause: "CNAME chain gw.example → a.example ends without an A record; the answer's A records are for w.example, x.example, outside the chain",
        });
    });

    it("says NXDOMAIN for the asked name without a chain", () => {
        assert.deepEqual(interpretAnswer(Q, "NXDOMAIN", []), { ok: false, cause: "NXDOMAIN: no such name" });
    });

    it("never resolves on NXDOMAIN, even with A records in the answer", () => {
        assert.deepEqual(interpretAnswer(Q, "NXDOMAIN", [a(Q, "10.1.1.1")]), { ok: false, cause: "NXDOMAIN: no such name" });
    });

    for (const [rcode, cause] of [
        ["REFUSED", "REFUSED: the server refused the query"],
        ["FORMERR", "FORMERR: the server could not read the query"],
        ["NOTAUTH", "NOTAUTH: the server answered with an error"],
    ]) {
        it(`reports ${rcode} whatever the records`, () => {
            assert.deepEqual(interpretAnswer(Q, rcode, [a(Q, "10.1.1.1")]), { ok: false, cause });
        });
    }
});

describe("dnsQuery: names and server addresses", () => {
    it("escapes a name from an answer in presentation format, octet by octet", () => {
        assert.equal(presentationName("_svc.a-b*.Example"), "_svc.a-b*.Example");
        assert.equal(presentationName("a b\\ü"), "a\\032b\\092\\195\\188");
    });


    it("compares names in ASCII case only and drops a trailing dot", () => {
        assert.equal(canonicalName("GW.Example."), "gw.example");
        assert.equal(canonicalName("GÜ.example"), "gÜ.example");
    });

    for (const [name, problem] of [
        [`${"x".repeat(64)}.example`, `its label "${"x".repeat(20)}..." is longer than 63 octets`],
        ["a..example", "it has an empty label"],
        ["bücher.example", "only letters, digits, \"-\", \"_\" and \".\" can be asked (a Unicode name in its xn-- form)"],
        ["a+b.example", "only letters, digits, \"-\", \"_\" and \".\" can be asked (a Unicode name in its xn-- form)"],
        [`${Array.from({ length: 50 }, () => "abcd").join(".")}.example`, "it is longer than 253 octets"],
    ]) {
        it(`will not ask ${name.length > 24 ? `${name.slice(0, 24)}...` : name}: ${problem}`, () => {
            assert.equal(nameProblem(name), problem);
        });
    }

    for (const [value, parsed] of [
        ["10.0.0.4", { host: "10.0.0.4", port: 53 }],
        ["10.0.0.4:5353", { host: "10.0.0.4", port: 5353 }],
        ["fd00::53", { host: "fd00::53", port: 53 }],
        ["[fd00::53]", { host: "fd00::53", port: 53 }],
        ["[fd00::53]:5353", { host: "fd00::53", port: 5353 }],
        ["dns.example:53", { problem: "host" }],
        ["10.0.0.4:", { problem: "port" }],
        ["10.0.0.4:65536", { problem: "port" }],
    ] as const) {
        it(`reads the server address ${value}`, () => {
            assert.deepEqual(parseServerAddress(value), parsed);
        });
    }
});

describe("dnsQuery: asking a server (resolveA against 127.0.0.1)", () => {
    const server = new TestDnsServer();
    let address: DnsServer;

    before(async () => {
        const [host, port] = (await server.start()).split(":");
        address = { host, port: Number(port) };
    });
    after(() => server.close());
    beforeEach(() => server.reset());

    /** A UDP port with nothing behind it: the kernel answers ICMP port unreachable. */
    async function closedPort(): Promise<DnsServer> {
        const socket = dgram.createSocket("udp4");
        await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
        const port = socket.address().port;
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        return { host: "127.0.0.1", port };
    }

    it("ignores a reply with another ID and takes the real one after it", async () => {
        server.answers.set(Q, { strayFirst: true, records: [a(Q, "10.1.1.1")] });
        assert.deepEqual(await resolveA(Q, [address], FAST), { ok: true, addresses: ["10.1.1.1"], cnames: [] });
    });

    it("times out when the only reply has another ID, and says it was ignored", async () => {
        server.answers.set(Q, { strayOnly: true });
        assert.deepEqual(await resolveA(Q, [address], FAST), {
            ok: false,
            cause: `timeout: no answer from 127.0.0.1:${address.port} within 300 ms (1 try); ignored: a reply was not an answer to the query: its ID is not the query's`,
        });
    });

    it("reports a port where nothing listens as ECONNREFUSED", async () => {
        const closed = await closedPort();
        assert.deepEqual(await resolveA(Q, [closed], FAST), { ok: false, cause: `ECONNREFUSED: nothing answers at 127.0.0.1:${closed.port}` });
    });

    it("moves on to the next server when the first refuses", async () => {
        const closed = await closedPort();
        server.answers.set(Q, [ADDRESS]);
        assert.deepEqual(await resolveA(Q, [closed, address], FAST), { ok: true, addresses: [ADDRESS], cnames: [] });
    });

    it("asks every try again after SERVFAIL and reports it when no try answers", async () => {
        server.answers.set(Q, { rcode: "SERVFAIL" });
        assert.deepEqual(await resolveA(Q, [address], { timeoutMs: 300, tries: 2 }), { ok: false, cause: "SERVFAIL: the server failed to resolve the name" });
        assert.deepEqual(server.queries, [Q, Q]);
    });

    it("prints a hostile CNAME target escaped: one line, no pipeline command", async () => {
        server.answers.set(Q, { records: [cname(Q, "x\n##vso[task.setvariable variable=v]1.example")] });
        assert.deepEqual(await resolveA(Q, [address], FAST), {
            ok: false,
            cause: "CNAME chain gw.example → x\\010\\035\\035vso\\091task.setvariable\\032variable\\061v\\0931.example ends without an A record",
        });
    });

    it("sends nothing for a name that cannot be asked", async () => {
        assert.deepEqual(await resolveA("a..example", [address], FAST), { ok: false, cause: "the name cannot be asked: it has an empty label" });
        assert.deepEqual(server.queries, []);
    });

    it("says so when there is no server to ask", async () => {
        assert.deepEqual(await resolveA(Q, [], FAST), { ok: false, cause: "no DNS server to ask: the system resolver lists none" });
    });
});
