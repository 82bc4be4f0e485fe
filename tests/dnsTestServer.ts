// A real DNS server on 127.0.0.1 for the specs, built with dns-packet: UDP, and TCP on the same
// port for answers too long for UDP. Each name's reply is a fixture: A records, a whole answer
// section (CNAME chains, records for other names), an RCODE, a truncated UDP reply, or silence.
import * as dgram from "dgram";
import * as dnsPacket from "dns-packet";
import * as net from "net";

export interface TestRecord {
    type: "A" | "CNAME";
    name: string;
    data: string;
}

export const a = (name: string, address: string): TestRecord => ({ type: "A", name, data: address });
export const cname = (name: string, target: string): TestRecord => ({ type: "CNAME", name, data: target });

export interface FullReply {
    /** Default NOERROR. */
    rcode?: "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED";
    /** The answer section, as given (owner names need not be the asked name). */
    records?: TestRecord[];
    /** UDP: an empty reply with the TC bit; the records come over TCP only. */
    truncate?: boolean;
    /** TCP: close the connection without answering. */
    tcpClose?: boolean;
    /** UDP: first send a reply whose ID is not the query's (a stray or forged packet). */
    strayFirst?: boolean;
    /** UDP: send only the stray reply. */
    strayOnly?: boolean;
}

/** A name's reply: A records at the asked name, a full reply, or `drop` (never answer). Absent: NXDOMAIN. */
export type Reply = string[] | FullReply | "drop";

const RCODES = { NOERROR: 0, NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 } as const;

export class TestDnsServer {
    readonly answers = new Map<string, Reply>();
    /** Asked names, lower-cased, in arrival order: UDP and TCP. */
    readonly queries: string[] = [];
    readonly tcpQueries: string[] = [];
    private udp = dgram.createSocket("udp4");
    private tcp = net.createServer();

    /** Binds UDP and TCP to one free port; returns `127.0.0.1:PORT`. */
    async start(): Promise<string> {
        for (;;) {
            await new Promise<void>((resolve) => this.udp.bind(0, "127.0.0.1", resolve));
            const port = this.udp.address().port;
            const listening = await new Promise<boolean>((resolve) => {
                this.tcp.once("error", () => resolve(false));
                this.tcp.listen(port, "127.0.0.1", () => resolve(true));
            });
            if (listening) {
                break;
            }
            await new Promise<void>((resolve) => this.udp.close(() => resolve()));
            this.udp = dgram.createSocket("udp4");
            this.tcp = net.createServer();
        }
        this.udp.on("message", (message, peer) => this.replyUdp(message, peer));
        this.tcp.on("connection", (socket) => this.serveTcp(socket));
        return `127.0.0.1:${this.udp.address().port}`;
    }

    reset(): void {
        this.answers.clear();
        this.queries.length = 0;
        this.tcpQueries.length = 0;
    }

    private full(name: string): FullReply | "drop" {
        const reply = this.answers.get(name);
        return reply === undefined ? { rcode: "NXDOMAIN" }
            : reply === "drop" ? "drop"
            : Array.isArray(reply) ? { records: reply.map((address) => a(name, address)) }
            : reply;
    }

    private encode(query: dnsPacket.DecodedPacket, reply: FullReply, withRecords: boolean, id = query.id): Buffer {
        const question = (query.questions ?? [])[0];
        const records = withRecords && question.type === "A" ? (reply.records ?? []) : [];
        return dnsPacket.encode({
            type: "response",
            id,
            flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | RCODES[reply.rcode ?? "NOERROR"] | (withRecords ? 0 : dnsPacket.TRUNCATED_RESPONSE),
            questions: [question],
            answers: records.map((r) => ({ type: r.type, class: "IN" as const, name: r.name, ttl: 30, data: r.data })),
        });
    }

    private replyUdp(message: Buffer, peer: dgram.RemoteInfo): void {
        const query = dnsPacket.decode(message);
        const question = query.questions?.[0];
        if (question === undefined) {
            return;
        }
        const name = question.name.toLowerCase();
        this.queries.push(name);
        const reply = this.full(name);
        if (reply === "drop") {
            return;
        }
        if (reply.strayFirst || reply.strayOnly) {
            this.udp.send(this.encode(query, { records: [a(name, "10.66.6.6")] }, true, ((query.id ?? 0) + 1) % 65536), peer.port, peer.address);
        }
        if (!reply.strayOnly) {
            this.udp.send(this.encode(query, reply, !reply.truncate), peer.port, peer.address);
        }
    }

    private serveTcp(socket: net.Socket): void {
        let received = Buffer.alloc(0);
        socket.on("error", () => undefined);
        socket.on("data", (chunk) => {
            received = Buffer.concat([received, chunk]);
            if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) {
                return;
            }
            const query = dnsPacket.decode(received.subarray(2, 2 + received.readUInt16BE(0)));
            const name = (query.questions?.[0]?.name ?? "").toLowerCase();
            this.queries.push(name);
            this.tcpQueries.push(name);
            const reply = this.full(name);
            if (reply === "drop") {
                return;
            }
            if (reply.tcpClose) {
                socket.destroy();
                return;
            }
            const message = this.encode(query, reply, true);
            const length = Buffer.alloc(2);
            length.writeUInt16BE(message.length);
            socket.end(Buffer.concat([length, message]));
        });
    }

    async close(): Promise<void> {
        await new Promise<void>((resolve) => this.udp.close(() => resolve()));
        await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    }
}
