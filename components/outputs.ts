// Args that may be Outputs, for the component shells: whether a value can be validated now, its
// value once resolved (or that it stays unknown in this run), a read that is plain for a plain
// value, and a component whose children may be registered only once they resolve. The pure
// layers never see an Output.
import * as pulumi from "@pulumi/pulumi";
import { Secrets } from "./errors";

// The azure-native and kubernetes input types want mutable arrays; the renderers hand out
// read-only data. The shapes are the same: the tests pin them against the SDK's type tokens.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Untyped = any;

/** True when no Output or Promise hides inside `value`: it can be validated right now. */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return false;
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).every(isPlain);
    }
    return true;
}

// Output#promise, Output#isKnown and Output#isSecret are internal to the SDK, but they are how
// its own runtime awaits a value; `apply` would never run for an unknown value, which a writer
// must still see.
interface OutputInternals<T> {
    promise(withUnknowns?: boolean): Promise<T>;
    readonly isKnown: Promise<boolean>;
    readonly isSecret: Promise<boolean>;
}

function pathOf(path: string, key: string | number): string {
    return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/**
 * Where the args hold secret Outputs (`pulumi.secret(...)`, a secret config value, a secret
 * output of another resource), however deep, and the text of what they hold: what a refusal
 * must not show (errors.ts, `withSecretsWithheld`). Unknown values hold nothing to show.
 */
export async function secretsIn(args: unknown): Promise<Secrets> {
    const paths: string[] = [];
    const values = new Set<string>();
    const visit = async (value: unknown, path: string, secret: boolean): Promise<void> => {
        if (pulumi.Output.isInstance(value)) {
            const o = value as unknown as OutputInternals<unknown>;
            const [isSecret, inner] = await Promise.all([o.isSecret, o.promise(true)]);
            if (isSecret && !secret) {
                paths.push(path);
            }
            return visit(inner, path, secret || isSecret);
        }
        if (value instanceof Promise) {
            return visit(await value, path, secret);
        }
        if (secret && (typeof value === "string" || typeof value === "number")) {
            values.add(String(value));
        }
        if (typeof value === "object" && value !== null && !pulumi.isUnknown(value)) {
            await Promise.all(Object.entries(value).map(([k, v]) => visit(v, pathOf(path, Array.isArray(value) ? Number(k) : k), secret)));
        }
    };
    await visit(args, "", false);
    return { paths: paths.sort(), values: [...values].sort() };
}

/**
 * The value of `output` once it resolves; `undefined` when it stays unknown in this run (a
 * preview with inputs from resources not created yet). Rejects when the Output rejects.
 */
export async function knownValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
    const o = output as unknown as OutputInternals<T>;
    const [known, value] = await Promise.all([o.isKnown, o.promise(true)]);
    return known && !pulumi.containsUnknowns(value) ? value : undefined;
}

/**
 * The value of `output` with unknown parts left as Pulumi's `unknown` marker: enough to read the
 * parts that are known (a cluster's flavor beside a namespace from a resource not created yet).
 */
export function valueWithUnknowns<T>(output: pulumi.Output<T>): Promise<T> {
    return (output as unknown as OutputInternals<T>).promise(true);
}

/**
 * `output`, its rejection marked handled. With the inspector on (Pulumi's plugin host enables it
 * for function serialization, runtime/closure/v8Hooks), V8 looks for a handler of every rejected
 * promise by walking all the promises derived from it; a refusal rejects every Output derived
 * from the args, and each path that ends without a handler is walked again from every node above
 * it: exponential in the Outputs' depth (the provider grew past 10 GB and died on one refusal).
 * A handler at each end ends each walk at the first one; the refusal is still reported, through
 * the component's outputs.
 */
export function handled<T>(value: T): T {
    if (pulumi.Output.isInstance(value)) {
        const o = value as unknown as OutputInternals<T> & { allResources(): Promise<unknown> };
        for (const p of [o.promise(true), o.isKnown, o.isSecret, o.allResources()]) {
            p.catch(() => undefined);
        }
    }
    return value;
}

/**
 * Defines each of `makers` on `component` as a property whose Output is made on its first read,
 * and marked handled then. An Output costs the SDK a dozen promises and a Proxy, and most programs
 * read few of a component's reports: for a landing zone of a thousand sites, made up front, the
 * reports nobody read were about a tenth of the program's CPU (bench/). The properties stay
 * declared on the class (`declare`), where Pulumi's schema analyzer finds them.
 */
export function lazyOutputs<C extends object>(component: C, makers: { [K in keyof C]?: () => C[K] }): void {
    for (const [key, make] of Object.entries(makers) as [string, () => unknown][]) {
        let made: unknown;
        // Writable and configurable as the field it stands for: a test double may replace it.
        Object.defineProperty(component, key, {
            enumerable: true,
            configurable: true,
            get: () => (made ??= handled(make())),
            set: (value: unknown) => {
                made = value;
            },
        });
    }
}

/** A plain value is read now; an Output when it resolves. */
export function read<T, U>(value: T | pulumi.Output<T>, f: (v: T) => U): U | pulumi.Output<U> {
    return pulumi.Output.isInstance(value) ? value.apply(f) : f(value);
}

const LATE_CHILDREN = new WeakMap<object, (children: Promise<unknown>) => void>();

// For a resource that depends on a component, Pulumi reads the component's children once the
// promise of its `initialize` settles (`runtime/dependsOn` in the SDK). A component whose children
// are registered only once Outputs resolve returns `lateChildren(this)` from `initialize` and
// reports them with `childrenRegistered`, so that a dependent (the gateway's chart release) waits
// for every child. (The components extend ComponentResource directly, as Pulumi's schema analyzer
// requires, so this is a pair of functions rather than a base class.)

/** What the component's `initialize` returns: settles as the children given to `childrenRegistered` do. */
export function lateChildren(component: object): Promise<undefined> {
    // Runs inside the base constructor, before the component's own fields exist: hence the WeakMap.
    return new Promise((resolve, reject) => LATE_CHILDREN.set(component, (children) => children.then(() => resolve(undefined), reject)));
}

/**
 * Reports that the component's children are registered: now (a plain value), or when `children`
 * settles. A refusal rejects `data` (the component's `getData()`), so that nothing depending on the
 * component is created either; the refusal itself is reported on the component's outputs.
 */
export function childrenRegistered(component: object, children: unknown, data: Promise<unknown>): void {
    LATE_CHILDREN.get(component)?.(Promise.resolve(children));
    data.catch(() => undefined);
}

/**
 * `value` with each of `placeholders` replaced by Pulumi's unknown marker, and each list holding
 * one of `lists` unknown as a whole: a plain input with unknown parts, which Pulumi shows as
 * unknown there and known elsewhere (an Output holding an unknown part is unknown whole).
 */
export function markUnknown(value: unknown, placeholders: ReadonlySet<string>, lists: ReadonlySet<string>): unknown {
    if (typeof value === "string") {
        return placeholders.has(value) ? pulumi.unknown : value;
    }
    if (Array.isArray(value)) {
        return value.some((v) => typeof v === "string" && lists.has(v)) ? pulumi.unknown : value.map((v) => markUnknown(v, placeholders, lists));
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markUnknown(v, placeholders, lists)]));
    }
    return value;
}

/**
 * The outputs to register, each known, non-secret Output as its value and every other as it is:
 * the same registration (Pulumi serializes a known, non-secret Output as its value), without the
 * SDK's per-Output serialization, which captures a stack trace for each (runtime/rpc.js).
 */
export async function outputValues(outputs: Record<string, pulumi.Output<unknown>>): Promise<Record<string, unknown>> {
    return Object.fromEntries(await Promise.all(Object.entries(outputs).map(async ([key, output]) => {
        const o = output as unknown as OutputInternals<unknown>;
        const [known, secret, value] = await Promise.all([o.isKnown, o.isSecret, o.promise(true)]);
        return [key, known && !secret && !pulumi.containsUnknowns(value) ? value : output] as const;
    })));
}
