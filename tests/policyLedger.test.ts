import { strict as assert } from "assert";
import { InputError } from "../components/errors";
import { DEFAULT_MAX_GROUP_BYTES, DEFAULT_PRIORITY_RANGE, FirewallPolicyRef, PlacementOptions } from "../components/options";
import * as fs from "fs";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import * as path from "path";
import * as groupWriter from "../components/groupWriter";
import { GroupRequest, PolicyLedger } from "../components/policyLedger";

const HUB: FirewallPolicyRef = { resourceGroupName: "rg-hub", policyName: "fwpol-hub" };
const SUBSCRIPTION = "11111111-2222-3333-4444-555555555555";

function request(component: string, change: Partial<PlacementOptions> = {}, names = [component]): GroupRequest {
    return {
        component,
        names,
        placement: {
            policy: HUB,
            ruleCollectionGroupName: names[0],
            priorityRange: { ...DEFAULT_PRIORITY_RANGE },
            serializeWrites: true,
            maxGroupBytes: DEFAULT_MAX_GROUP_BYTES,
            maxRuleCollectionGroups: 50,
            limitsGiven: { maxGroupBytes: false, maxRuleCollectionGroups: false },
            allowWithoutDnsProxy: false,
            ...change,
        },
    };
}

/** A promise settled by hand, standing in for an Output that resolves later. */
function later<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
}

describe("PolicyLedger", () => {
    describe("with every value known at construction", () => {
        it("places the first group on a policy with nothing to wait for", () => {
            const claim = new PolicyLedger<string>().claim(request("a", { priority: 500 }));
            assert.deepEqual(claim.placements, [{ name: "a", priority: 500 }]);
            assert.deepEqual(claim.after, []);
        });

        it("chains each writer after the last group of the previous writer on the same policy", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            ledger.claim(request("b", {}, ["b", "b-2"])).written(["rcg-b", "rcg-b-2"]);
            assert.deepEqual(ledger.claim(request("c")).after, ["rcg-b-2"]);
        });

        it("keeps policies apart, matching names without regard to case", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            assert.deepEqual(ledger.claim(request("b", { policy: { resourceGroupName: "rg-spoke", policyName: "fwpol-hub" } })).after, []);
            assert.deepEqual(ledger.claim(request("c", { policy: { resourceGroupName: "RG-HUB", policyName: "FWPOL-HUB" } })).after, ["rcg-a"]);
        });

        it("takes a policy given by ID and the same policy given by name as one", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a", { policy: { ...HUB, subscriptionId: SUBSCRIPTION } })).written(["rcg-a"]);
            assert.deepEqual(ledger.claim(request("b", { policy: { resourceGroupName: "Rg-Hub", policyName: "FwPol-Hub" } })).after, ["rcg-a"]);
            assert.throws(() => ledger.claim(request("a")), /firewall\.ruleCollectionGroupName: "a"\. Component "a" already writes/);
        });

        it("does not chain a writer that opts out, but chains the next one after it and its predecessor", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            const b = ledger.claim(request("b", { serializeWrites: false }));
            b.written(["rcg-b"]);
            assert.deepEqual(b.after, []);
            assert.deepEqual(ledger.claim(request("c")).after, ["rcg-a", "rcg-b"]);
        });

        it("keeps the chain whole across writers that opt out one after another", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            ledger.claim(request("b", { serializeWrites: false })).written(["rcg-b"]);
            ledger.claim(request("c", { serializeWrites: false })).written(["rcg-c"]);
            assert.deepEqual(ledger.claim(request("d")).after, ["rcg-a", "rcg-b", "rcg-c"]);
        });

        it("places a writer's further groups after its given priority, wherever the range is", () => {
            const ledger = new PolicyLedger<string>();
            const range = { start: 300, end: 1000 };
            assert.deepEqual(ledger.claim(request("above", { priority: 5000, priorityRange: range }, ["above", "above-2"])).placements, [{ name: "above", priority: 5000 }, { name: "above-2", priority: 5010 }]);
            assert.deepEqual(ledger.claim(request("below", { priority: 100, priorityRange: range }, ["below", "below-2"])).placements, [{ name: "below", priority: 100 }, { name: "below-2", priority: 110 }]);
            assert.deepEqual(ledger.claim(request("at-end", { priority: 1000, priorityRange: range }, ["at-end", "at-end-2"])).placements, [{ name: "at-end", priority: 1000 }, { name: "at-end-2", priority: 1010 }]);
        });

        it("keeps the further groups of an allocated writer within the range, and refuses past its end", () => {
            const ledger = new PolicyLedger<string>();
            const range = { start: 300, end: 320 };
            assert.deepEqual(ledger.claim(request("a", { priorityRange: range }, ["a", "a-2"])).placements, [{ name: "a", priority: 300 }, { name: "a-2", priority: 310 }]);
            assert.throws(() => ledger.claim(request("b", { priorityRange: range }, ["b", "b-2"])),
                /^InputError: Invalid value for firewall\.priorityRange: \{"start":300,"end":320\}\. No free priority is left between 321 and 320 in steps of 10 on policy fwpol-hub in rg-hub for group b-2: widen the range\.$/);
        });

        it("says which group holds a priority a writer gives, when it is another writer's further group", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("hub", { priority: 300 }, ["hub", "hub-2"]));
            assert.throws(() => ledger.claim(request("site", { priority: 310 })),
                /^InputError: Invalid value for firewall\.priority: 310\. Component "hub" already uses that priority on policy fwpol-hub in rg-hub \(rule collection group "hub-2", one of its further groups, placed after its first at 300\): priorities order the groups, so each must be unique\.$/);
        });

        it("advises a priority of its own when the holder's was allocated", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("first"));
            assert.throws(() => ledger.claim(request("second", { priority: 300 })), /\(rule collection group "first", allocated from its priorityRange in construction order: give it a priority of its own to keep it fixed\)/);
        });

        it("allocates the lowest free multiple of 10 in the range, for each group of a writer", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a", { priority: 300 }));
            ledger.claim(request("b", { priority: 320 }));
            assert.deepEqual(ledger.claim(request("c", {}, ["c", "c-2", "c-3"])).placements, [{ name: "c", priority: 310 }, { name: "c-2", priority: 330 }, { name: "c-3", priority: 340 }]);
            assert.deepEqual(ledger.claim(request("d", { priorityRange: { start: 305, end: 400 } })).placements, [{ name: "d", priority: 350 }]);
        });

        it("refuses a priority another writer holds on the policy", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("site-a", { priority: 300 }, ["apim-a"]));
            assert.throws(() => ledger.claim(request("site-b", { priority: 300 }, ["apim-b"])), (e: InputError) => {
                assert.equal(e.message, "Invalid value for firewall.priority: 300. Component \"site-a\" already uses that priority on policy fwpol-hub in rg-hub (rule collection group \"apim-a\"): priorities order the groups, so each must be unique.");
                return true;
            });
        });

        it("refuses a group name another writer writes on the policy", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("site-a", {}, ["apim"]));
            assert.throws(() => ledger.claim(request("site-b", {}, ["APIM"])), /firewall\.ruleCollectionGroupName: "APIM"\. Component "site-a" already writes a rule collection group of that name/);
        });

        it("refuses when the range is full", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a", { priority: 300 }));
            assert.throws(() => ledger.claim(request("b", { priorityRange: { start: 300, end: 309 } })), /firewall\.priorityRange: \{"start":300,"end":309\}\. No free priority is left between 300 and 309/);
        });

        it("refuses more groups on a policy than maxRuleCollectionGroups, counting every writer's", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a", {}, ["a", "a-2"]));
            assert.throws(() => ledger.claim(request("b", { maxRuleCollectionGroups: 3 }, ["b", "b-2"])), (e: InputError) => {
                assert.equal(e.message, "Invalid value for firewall.maxRuleCollectionGroups: 3. This program would write 4 rule collection groups to policy fwpol-hub in rg-hub (2 of them for \"b\"); the policy accepts 3 here (Azure: 50 for policies created before July 2022, 60 after). Put the gateways of one policy into one GatewayEgressRuleCollectionGroup.");
                return true;
            });
        });

        it("counts the groups already on the policy, once by name, also those this program writes", () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a"));
            const hub = { ...request("hub", { maxRuleCollectionGroups: 3 }), existingGroups: ["A", "hub", "platform"] };
            assert.deepEqual(ledger.claim(hub).placements, [{ name: "hub", priority: 310 }]);
            const full = new PolicyLedger<string>();
            full.claim(request("a"));
            assert.throws(() => full.claim({ ...request("hub", { maxRuleCollectionGroups: 2 }), existingGroups: ["A", "hub", "platform"] }), (e: InputError) => {
                assert.equal(e.message, "Invalid value for firewall.maxRuleCollectionGroups: 2. This program would write 2 rule collection groups to policy fwpol-hub in rg-hub, which already holds 1 others (platform); the policy accepts 2 here (Azure: 50 for policies created before July 2022, 60 after). Remove the policy's groups nobody uses, or raise firewall.maxRuleCollectionGroups (60 on a policy created after July 2022).");
                return true;
            });
        });
    });

    describe("with values known only later (Outputs)", () => {
        it("allocates priorities in claim order, whatever order the values resolve in", async () => {
            const ledger = new PolicyLedger<string>();
            const first = later<GroupRequest>();
            const second = later<GroupRequest>();
            const a = ledger.claim(first.promise);
            const b = ledger.claim(second.promise);
            const c = ledger.claim(request("c"));
            second.resolve(request("b"));
            first.resolve(request("a"));
            assert.deepEqual(await Promise.all([a.placements, b.placements, c.placements]), [[{ name: "a", priority: 300 }], [{ name: "b", priority: 310 }], [{ name: "c", priority: 320 }]]);
        });

        it("serializes writers on one policy known only later", async () => {
            const ledger = new PolicyLedger<string>();
            const claims = ["a", "b", "c"].map((n) => ledger.claim(Promise.resolve(request(n))));
            claims.forEach((claim, i) => claim.written([`rcg-${"abc"[i]}`]));
            assert.deepEqual(await Promise.all(claims.map((c) => c.after)), [[], ["rcg-a"], ["rcg-b"]]);
        });

        it("refuses a collision once the values resolve, and places the writers after it", async () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a"));
            const duplicate = ledger.claim(Promise.resolve(request("b", {}, ["A"])));
            const next = ledger.claim(request("c"));
            await assert.rejects(Promise.resolve(duplicate.placements), /^InputError: Invalid value for firewall\.ruleCollectionGroupName: "A"\. Component "a" already writes/);
            assert.deepEqual(await next.placements, [{ name: "c", priority: 310 }]);
        });

        it("chains a writer whose policy stays unknown after every earlier writer, and every later one after it", async () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            ledger.claim(request("b", { policy: { resourceGroupName: "rg-spoke", policyName: "fwpol-spoke" } })).written(["rcg-b"]);
            const unknown = ledger.claim(Promise.resolve(undefined));
            unknown.written(["rcg-u"]);
            const after = ledger.claim(request("c", { policy: { resourceGroupName: "rg-other", policyName: "fwpol-other" } }));
            assert.deepEqual([...(await unknown.after)].sort(), ["rcg-a", "rcg-b"]);
            assert.deepEqual(await after.after, ["rcg-u"]);
            assert.equal(await unknown.placements, undefined);
        });

        it("passes a writer's predecessors on when it writes nothing", async () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            ledger.claim(Promise.resolve(request("b"))).written([]);
            assert.deepEqual(await ledger.claim(request("c")).after, ["rcg-a"]);
        });

        it("keeps a writer that writes nothing (null) out of the chain", async () => {
            const ledger = new PolicyLedger<string>();
            ledger.claim(request("a")).written(["rcg-a"]);
            const none = ledger.claim(Promise.resolve(null));
            assert.deepEqual(await none.placements, []);
            assert.deepEqual(await ledger.claim(request("c")).after, ["rcg-a"]);
        });
    });

    describe("shared by the program", () => {
        it("is one ledger for two copies of the package loaded in one program", async () => {
            // A landing-zone library and the stack may each install their own copy.
            const components = path.dirname(require.resolve("../components/groupWriter"));
            const second = fs.mkdtempSync(path.join(path.dirname(components), "second-copy-"));
            fs.cpSync(components, second, { recursive: true });
            const copy = (await import(path.join(second, "groupWriter.js"))) as typeof groupWriter;
            fs.rmSync(second, { recursive: true, force: true });
            assert.notEqual(copy.claimGroups, groupWriter.claimGroups);
            groupWriter.resetPolicyLedger();
            // The ledger holds resources; a name stands in for one.
            groupWriter.claimGroups(request("a")).written(["rcg-a"] as never[]);
            assert.deepEqual(copy.claimGroups(request("b")).after, ["rcg-a"]);
            assert.throws(() => copy.claimGroups(request("a")), /Component "a" already writes/);
            groupWriter.resetPolicyLedger();
        });

        // The SDK's per-run store, internal as the component's own use of it.
        const state = runtimeState as unknown as { getStore(): Record<symbol, unknown>; withLocalStorage<T>(f: () => T): T };

        it("refuses to write beside a copy whose ledger is of another version", () => {
            state.getStore()[Symbol.for("apim-gateway-egress.policyLedger")] = { version: 1, ledger: new PolicyLedger<string>() };
            assert.throws(() => groupWriter.claimGroups(request("a")), /^Error: Two copies of apim-gateway-egress with different policy ledgers \(versions 1 and 2\) write rule collection groups in this program/);
            groupWriter.resetPolicyLedger();
        });

        it("starts anew for each run, as the Automation API runs an inline program twice in one process", () => {
            groupWriter.resetPolicyLedger();
            groupWriter.claimGroups(request("a"));
            assert.deepEqual(state.withLocalStorage(() => groupWriter.claimGroups(request("a")).placements), [{ name: "a", priority: 300 }]);
            assert.throws(() => groupWriter.claimGroups(request("a")), /Component "a" already writes/);
            groupWriter.resetPolicyLedger();
        });
    });
});
