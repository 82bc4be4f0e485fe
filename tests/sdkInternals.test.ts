// The SDK internals the components lean on, each pinned by what the components need of it, so
// that a newer @pulumi/pulumi (npm run test:sdk-latest) that changes one fails here, naming the
// internal, rather than somewhere deep in a component spec. Users: components/outputs.ts
// (Output#promise, Output#isKnown, Output#isSecret, the `initialize` ordering of lateChildren), groupWriter.ts
// (runtime/state getStore), cli/apimMocks.ts (Output#promise).
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeState from "@pulumi/pulumi/runtime/state";
import { childrenRegistered, knownValue, lateChildren, valueWithUnknowns } from "../components/outputs";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SDK_VERSION = (require("@pulumi/pulumi/package.json") as { version: string }).version;

function changed(internal: string, what: string): string {
    return `@pulumi/pulumi ${SDK_VERSION} changed the internal ${internal}: ${what}; the components rely on it (see tests/sdkInternals.test.ts)`;
}

interface OutputInternals {
    promise?: unknown;
    isKnown?: unknown;
}

describe("SDK internals the components rely on", () => {
    before(() => pulumi.runtime.setMocks({ newResource: (r) => ({ id: `${r.name}-id`, state: r.inputs }), call: (c) => c.inputs }, "sdk-internals", "test", true));

    it("Output#promise(withUnknowns) resolves a known value, and an unknown one as the unknown marker", async () => {
        const known = pulumi.output(5) as unknown as OutputInternals;
        assert.equal(typeof known.promise, "function", changed("Output#promise", "it is no longer a method of an Output"));
        assert.equal(await (known.promise as (w?: boolean) => Promise<unknown>).call(known, true), 5, changed("Output#promise", "promise(true) no longer resolves a known Output's value"));
        assert.ok(pulumi.isUnknown(await valueWithUnknowns(pulumi.output(pulumi.unknown))), changed("Output#promise", "promise(true) no longer resolves an unknown Output as the unknown marker"));
    });

    it("Output#isKnown is a promise of whether the value is known", async () => {
        const o = pulumi.output("x") as unknown as OutputInternals;
        assert.ok(o.isKnown instanceof Promise, changed("Output#isKnown", "it is no longer a Promise"));
        assert.equal(await o.isKnown, true, changed("Output#isKnown", "it no longer resolves true for a known value"));
        assert.equal(await (pulumi.output(pulumi.unknown) as unknown as OutputInternals).isKnown, false, changed("Output#isKnown", "it no longer resolves false for an unknown value"));
        assert.equal(await knownValue(pulumi.output(pulumi.unknown)), undefined, changed("Output#isKnown", "knownValue no longer reads an unknown Output as undefined"));
        assert.deepEqual(await knownValue(pulumi.output({ a: 1 })), { a: 1 }, changed("Output#isKnown", "knownValue no longer reads a known Output's value"));
    });

    it("Output#isSecret is a promise of whether the value is secret", async () => {
        const o = pulumi.secret("x") as unknown as { isSecret?: unknown };
        assert.ok(o.isSecret instanceof Promise, changed("Output#isSecret", "it is no longer a Promise"));
        assert.equal(await o.isSecret, true, changed("Output#isSecret", "it no longer resolves true for a secret"));
        assert.equal(await (pulumi.output("x") as unknown as { isSecret: Promise<boolean> }).isSecret, false, changed("Output#isSecret", "it no longer resolves false for a plain value"));
    });

    it("runtime/state getStore returns one store per run, and withLocalStorage a new one", () => {
        const state = runtimeState as unknown as { getStore?: () => Record<symbol, unknown>; withLocalStorage?: <T>(f: () => T) => T };
        assert.equal(typeof state.getStore, "function", changed("runtime/state getStore", "the module no longer exports it"));
        const getStore = state.getStore as () => Record<symbol, unknown>;
        const key = Symbol("sdk-internals");
        getStore()[key] = "this run";
        assert.equal(getStore()[key], "this run", changed("runtime/state getStore", "two calls in one run return different stores"));
        assert.equal(typeof state.withLocalStorage, "function", changed("runtime/state withLocalStorage", "the module no longer exports it"));
        assert.equal((state.withLocalStorage as <T>(f: () => T) => T)(() => getStore()[key]), undefined, changed("runtime/state getStore", "a new run (withLocalStorage) shares the store of the one before"));
        Reflect.deleteProperty(getStore(), key);
    });

    it("ComponentResource#initialize: a dependent waits for its promise, then reads the children registered until it settles", async () => {
        class Late extends pulumi.ComponentResource {
            constructor(name: string) {
                super("sdk-internals:index:Late", name, {});
            }

            protected override initialize(): Promise<undefined> {
                return lateChildren(this);
            }

            report(children: Promise<unknown>): void {
                childrenRegistered(this, children, this.getData());
            }
        }
        class Child extends pulumi.CustomResource {
            constructor(name: string, parent: pulumi.Resource) {
                super("sdk-internals:index:Child", name, {}, { parent });
            }
        }
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const dependsOn = require("@pulumi/pulumi/runtime/dependsOn") as { getAllTransitivelyReferencedResourceURNs?: (r: Set<pulumi.Resource>, exclude: Set<pulumi.Resource>) => Promise<Set<string>> };
        assert.equal(typeof dependsOn.getAllTransitivelyReferencedResourceURNs, "function", changed("runtime/dependsOn getAllTransitivelyReferencedResourceURNs", "the module no longer exports how a dependent's component dependencies are expanded"));
        const expand = dependsOn.getAllTransitivelyReferencedResourceURNs as NonNullable<typeof dependsOn.getAllTransitivelyReferencedResourceURNs>;
        const component = new Late("late");
        let release!: () => void;
        component.report(new Promise<void>((resolve) => (release = resolve)));
        // The dependent's expansion starts before the child exists, as for a resource declared
        // right after the component; the child comes later, then the component reports it.
        const expanding = expand(new Set([component]), new Set());
        await new Promise((resolve) => setImmediate(resolve));
        const child = new Child("child", component);
        release();
        const urns = await expanding;
        const childUrn = await (child.urn as unknown as { promise(): Promise<string> }).promise();
        assert.ok(urns.has(childUrn), changed("ComponentResource#initialize ordering", `a dependent of a component no longer waits for initialize's promise before reading its children (got ${[...urns].join(", ") || "none"}, not ${childUrn})`));
    });
});
