// TEST DOUBLE of the azure-native provider, for the engine tests only (never shipped: package.json
// `files` excludes dist/tests). The real provider can be neither built here (its metadata comes
// from a git submodule the Go module proxy does not carry) nor run without Azure, so this Node.js
// provider answers at the plugin boundary in its place: tests/engine/bin/pulumi-resource-azure-native
// puts it on PATH, where the engine finds it as an ambient plugin.
//
// What it IS:
// - the invoke `azure-native:authorization:getClientConfig`, answering the subscription
//   AZURE_NATIVE_DOUBLE_SUBSCRIPTION (default 00000000-0000-0000-0000-000000000000), in which it
//   writes every group;
// - the invoke `azure-native:apimanagement:getApiManagementService`, answered from a JSON document
//   (AZURE_NATIVE_DOUBLE_APIM: a file, or a directory of `<serviceName>.json`) in the flat shape the
//   real invoke returns: the REST body's `properties` lifted to the top level next to `name`,
//   `location`, `sku`, `id`; an unknown service or resource group fails like Azure's 404;
// - the invokes `azure-native:network:getFirewallPolicy` and `getFirewallPolicyRuleCollectionGroup`,
//   answered from the groups it stores (the policy lists them; a group read returns what was
//   written) and, for the policy's own settings (`sku`, `dnsSettings`, `snat`, `basePolicy`), an
//   optional JSON document AZURE_NATIVE_DOUBLE_FIREWALL_POLICY (`az network firewall policy show`
//   output); without it the policy has none of them, as a policy created with no settings;
// - the resource `azure-native:network:FirewallPolicyRuleCollectionGroup`: check (required inputs,
//   autonaming of `ruleCollectionGroupName`), diff (`resourceGroupName`, `firewallPolicyName` and
//   `ruleCollectionGroupName` replace, as in the real provider; anything else updates; equal inputs
//   give no diff), create/update/delete/read against JSON files in AZURE_NATIVE_DOUBLE_STATE, one per
//   group, plus `operations.jsonl`, one line per write, for the tests to assert on;
// - Azure's one-writer-per-policy rule: a write to a policy while another write to it is under way
//   fails with 409 AnotherOperationInProgress (each write takes AZURE_NATIVE_DOUBLE_WRITE_MS,
//   default 200 ms), and priorities outside 100-65000 are refused as Azure refuses them.
// What it is NOT: Azure or the azure-native provider. No other resource or function, no schema
// beyond its name, no firewall policy existence check, no normalization of rule collections the
// way Azure echoes them back, no long-running operations, no authentication, no configuration.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";

export const APIM_READ = "azure-native:apimanagement:getApiManagementService";
export const CLIENT_CONFIG = "azure-native:authorization:getClientConfig";
export const RULE_COLLECTION_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup";
export const FIREWALL_POLICY_READ = "azure-native:network:getFirewallPolicy";
export const RULE_COLLECTION_GROUP_READ = "azure-native:network:getFirewallPolicyRuleCollectionGroup";
/** The engine's marker for a value not known during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SUBSCRIPTION = process.env.AZURE_NATIVE_DOUBLE_SUBSCRIPTION ?? "00000000-0000-0000-0000-000000000000";
const INPUT_KEYS = ["resourceGroupName", "firewallPolicyName", "ruleCollectionGroupName", "priority", "ruleCollections"] as const;
const REPLACE_KEYS: ReadonlySet<string> = new Set(["resourceGroupName", "firewallPolicyName", "ruleCollectionGroupName"]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
    const sort = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sort) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort(v[k])])) : v;
    return JSON.stringify(sort(value)) ?? "undefined";
}

function containsUnknown(value: unknown): boolean {
    return canonical(value).includes(UNKNOWN);
}

function env(name: string): string {
    const value = process.env[name];
    if (!value) {
        throw new Error(`azure-native test double: ${name} is not set`);
    }
    return value;
}

/** Azure's document for one service, flattened the way the azure-native invoke returns it. */
export function apimDocument(source: string, resourceGroupName: string, serviceName: string): Json {
    const file = fs.statSync(source).isDirectory() ? path.join(source, `${serviceName}.json`) : source;
    const notFound = () => new Error(`ResourceNotFound: The Resource 'Microsoft.ApiManagement/service/${serviceName}' under resource group '${resourceGroupName}' was not found (azure-native test double, document ${file}).`);
    if (!fs.existsSync(file)) {
        throw notFound();
    }
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
    const rg = typeof doc.id === "string" ? /\/resourceGroups\/([^/]+)\//i.exec(doc.id)?.[1] : undefined;
    if (String(doc.name).toLowerCase() !== serviceName.toLowerCase() || (rg !== undefined && rg.toLowerCase() !== resourceGroupName.toLowerCase())) {
        throw notFound();
    }
    const { properties, ...top } = doc;
    return isObject(properties) ? { ...top, ...properties } : doc;
}

interface Stored {
    id: string;
    outs: Json;
}

export class Store {
    private readonly busy = new Set<string>();

    constructor(private readonly dir: string, private readonly writeMs: number) {
        fs.mkdirSync(dir, { recursive: true });
    }

    static policyId(inputs: Json): string {
        return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName)}/providers/Microsoft.Network/firewallPolicies/${String(inputs.firewallPolicyName)}`;
    }

    static id(inputs: Json): string {
        return `${Store.policyId(inputs)}/ruleCollectionGroups/${String(inputs.ruleCollectionGroupName)}`;
    }

    /** The groups stored for a policy (Azure compares IDs without regard to case). */
    groups(policyId: string): Stored[] {
        const prefix = `${policyId}/ruleCollectionGroups/`.toLowerCase();
        return fs.readdirSync(this.dir).filter((f) => f.endsWith(".json"))
            .map((f) => JSON.parse(fs.readFileSync(path.join(this.dir, f), "utf8")) as Stored)
            .filter((g) => g.id.toLowerCase().startsWith(prefix));
    }

    private file(id: string): string {
        return path.join(this.dir, `${id.split("/").slice(4).join("~").replace(/[^A-Za-z0-9_.~-]/g, "_")}.json`);
    }

    read(id: string): Stored | undefined {
        const file = this.file(id);
        return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Stored) : undefined;
    }

    /** One write to one policy, refused while another write to the same policy is under way. */
    async write(op: "create" | "update" | "delete", urn: string, id: string, outs: Json | undefined): Promise<void> {
        const policy = id.split("/ruleCollectionGroups/")[0];
        if (this.busy.has(policy)) {
            this.log({ op, urn, id, result: "409 AnotherOperationInProgress" });
            throw new Error(`AnotherOperationInProgress: Another operation on this or dependent resource is in progress. (409; azure-native test double: a write to ${policy} was already under way)`);
        }
        this.busy.add(policy);
        try {
            await new Promise((resolve) => setTimeout(resolve, this.writeMs));
            if (outs === undefined) {
                fs.rmSync(this.file(id), { force: true });
            } else {
                fs.writeFileSync(this.file(id), `${JSON.stringify({ id, outs }, null, 2)}\n`);
            }
            this.log({ op, urn, id, result: "ok" });
        } finally {
            this.busy.delete(policy);
        }
    }

    private log(entry: Json): void {
        fs.appendFileSync(path.join(this.dir, "operations.jsonl"), `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
    }
}

/** The resource's own type: a child's URN holds its parents' types too (`parent$child`). */
function typeOf(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

function nameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

function requireType(urn: string): void {
    if (typeOf(urn) !== RULE_COLLECTION_GROUP) {
        throw new Error(`the azure-native test double implements ${RULE_COLLECTION_GROUP} only, not ${typeOf(urn)}`);
    }
}

function checkAzureLimits(inputs: Json): void {
    const priority = inputs.priority;
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 100 || priority > 65000) {
        throw new Error(`FirewallPolicyRuleCollectionGroupInvalidPriority: priority ${String(priority)} must be an integer from 100 to 65000 (azure-native test double)`);
    }
}

function outputs(inputs: Json): Json {
    return {
        ...Object.fromEntries(INPUT_KEYS.filter((k) => inputs[k] !== undefined).map((k) => [k, inputs[k]])),
        name: inputs.ruleCollectionGroupName,
        etag: crypto.createHash("sha256").update(canonical(inputs)).digest("hex").slice(0, 16),
        type: "Microsoft.Network/FirewallPolicies/RuleCollectionGroups",
        provisioningState: "Succeeded",
        azureApiVersion: "2024-05-01",
    };
}

/** The policy as the invoke returns it: its settings from `settingsFile`, its groups from the store. */
export function firewallPolicyDocument(store: Store, inputs: Json, settingsFile: string | undefined): Json {
    const id = Store.policyId(inputs);
    const settings = settingsFile ? JSON.parse(fs.readFileSync(settingsFile, "utf8")) as Json : {};
    const { sku, dnsSettings, snat, basePolicy } = settings;
    return {
        ...(sku === undefined ? {} : { sku }), ...(dnsSettings === undefined ? {} : { dnsSettings }),
        ...(snat === undefined ? {} : { snat }), ...(basePolicy === undefined ? {} : { basePolicy }),
        id, name: inputs.firewallPolicyName, type: "Microsoft.Network/FirewallPolicies", provisioningState: "Succeeded", azureApiVersion: "2024-05-01",
        ruleCollectionGroups: store.groups(id).map((g) => ({ id: g.id })),
    };
}

function groupDocument(store: Store, inputs: Json): Json {
    const stored = store.read(Store.id(inputs));
    if (!stored) {
        throw new Error(`ResourceNotFound: rule collection group ${String(inputs.ruleCollectionGroupName)} of ${Store.policyId(inputs)} was not found (azure-native test double)`);
    }
    return { ...stored.outs, id: stored.id };
}

export function makeProvider(store: Store, apimSource: () => string): provider.Provider {
    return {
        version: "3.28.0+test-double",
        schema: JSON.stringify({ name: "azure-native", description: "azure-native TEST DOUBLE (tests/engine/azureNativeDouble.ts)" }),

        async invoke(token: string, inputs: Json): Promise<provider.InvokeResult> {
            if (token === CLIENT_CONFIG) {
                return { outputs: { subscriptionId: SUBSCRIPTION, tenantId: SUBSCRIPTION, clientId: SUBSCRIPTION, objectId: SUBSCRIPTION } };
            }
            if (token === FIREWALL_POLICY_READ) {
                return { outputs: firewallPolicyDocument(store, inputs, process.env.AZURE_NATIVE_DOUBLE_FIREWALL_POLICY) };
            }
            if (token === RULE_COLLECTION_GROUP_READ) {
                return { outputs: groupDocument(store, inputs) };
            }
            if (token !== APIM_READ) {
                throw new Error(`the azure-native test double answers ${APIM_READ}, ${FIREWALL_POLICY_READ}, ${RULE_COLLECTION_GROUP_READ} and ${CLIENT_CONFIG} only, not ${token}`);
            }
            return { outputs: apimDocument(apimSource(), String(inputs.resourceGroupName), String(inputs.serviceName)) };
        },

        async check(urn: string, olds: Json, news: Json): Promise<provider.CheckResult> {
            requireType(urn);
            const failures = ["resourceGroupName", "firewallPolicyName"]
                .filter((k) => news[k] === undefined || news[k] === "")
                .map((k) => ({ property: k, reason: `missing required property '${k}'` }));
            const inputs = { ...news };
            if (inputs.ruleCollectionGroupName === undefined) {
                inputs.ruleCollectionGroupName = olds.ruleCollectionGroupName ?? `${nameOf(urn)}${crypto.randomBytes(4).toString("hex")}`;
            }
            return { inputs, failures };
        },

        async diff(_id: string, _urn: string, olds: Json, news: Json): Promise<provider.DiffResult> {
            const changed = INPUT_KEYS.filter((k) => containsUnknown(news[k]) || canonical(news[k]) !== canonical(olds[k]));
            return { changes: changed.length > 0, replaces: changed.filter((k) => REPLACE_KEYS.has(k)) };
        },

        async create(urn: string, inputs: Json): Promise<provider.CreateResult> {
            requireType(urn);
            checkAzureLimits(inputs);
            const id = Store.id(inputs);
            const outs = outputs(inputs);
            await store.write("create", urn, id, outs);
            return { id, outs };
        },

        async read(id: string, urn: string): Promise<provider.ReadResult> {
            requireType(urn);
            const stored = store.read(id);
            // An empty id tells the engine the group is gone.
            return stored ? { id: stored.id, props: stored.outs } : { id: "", props: {} };
        },

        async update(id: string, urn: string, _olds: Json, news: Json): Promise<provider.UpdateResult> {
            requireType(urn);
            checkAzureLimits(news);
            const outs = outputs(news);
            await store.write("update", urn, id, outs);
            return { outs };
        },

        async delete(id: string, urn: string): Promise<void> {
            requireType(urn);
            await store.write("delete", urn, id, undefined);
        },
    };
}

if (require.main === module) {
    const store = new Store(env("AZURE_NATIVE_DOUBLE_STATE"), Number(process.env.AZURE_NATIVE_DOUBLE_WRITE_MS ?? "200"));
    provider.main(makeProvider(store, () => env("AZURE_NATIVE_DOUBLE_APIM")), process.argv.slice(2)).catch((e: unknown) => {
        process.stderr.write(`azure-native test double: ${String(e)}\n`);
        process.exit(1);
    });
}
