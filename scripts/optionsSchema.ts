// Generates schema/options.schema.json and schema/hub.schema.json: the JSON Schemas of an options
// file (SelfHostedGatewayEgress's args) and a hub file (GatewayEgressRuleCollectionGroup's), for
// editors (`# yaml-language-server: $schema=...`) and for the validator's structural checks.
// They come from the schema Pulumi's analyzer derives from components/args.ts, the same one the
// other languages' SDKs are generated from, so the args are written down once.
// `npm run build` runs it; tests/analyzer.test.ts fails when the committed files are stale.
import * as fs from "fs";
import * as path from "path";

const repoRoot = path.join(__dirname, "..", "..");

interface PulumiProperty {
    type?: string;
    $ref?: string;
    items?: PulumiProperty;
    additionalProperties?: PulumiProperty;
    description?: string;
}

interface PulumiType {
    type: string;
    description?: string;
    properties?: Record<string, PulumiProperty>;
    required?: string[];
    enum?: { name: string; value: string | number; description?: string }[];
}

interface PulumiSchema {
    name: string;
    resources: Record<string, { description?: string; inputProperties: Record<string, PulumiProperty>; requiredInputs?: string[] }>;
    types: Record<string, PulumiType>;
}

type JsonSchema = Record<string, unknown>;

/** The name of a type of the package from a Pulumi `$ref` (`#/types/<pkg>:index:<Name>`). */
function typeName(ref: string): string {
    return ref.slice(ref.lastIndexOf(":") + 1);
}

function property(p: PulumiProperty): JsonSchema {
    const described = p.description ? { description: p.description } : {};
    if (p.$ref) {
        return { $ref: `#/definitions/${typeName(p.$ref)}`, ...described };
    }
    if (p.type === "array") {
        return { type: "array", items: property(p.items ?? {}), ...described };
    }
    if (p.type === "object") {
        return { type: "object", additionalProperties: property(p.additionalProperties ?? {}), ...described };
    }
    return { ...(p.type ? { type: p.type === "integer" ? "integer" : p.type } : {}), ...described };
}

function object(properties: Record<string, PulumiProperty>, required: readonly string[] | undefined, description: string | undefined): JsonSchema {
    return {
        type: "object",
        ...(description ? { description } : {}),
        properties: Object.fromEntries(Object.entries(properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, property(v)])),
        ...(required && required.length > 0 ? { required: [...required].sort() } : {}),
        additionalProperties: false,
    };
}

/** The definitions `root` reaches, by name. */
function reachable(schema: PulumiSchema, roots: readonly PulumiProperty[]): string[] {
    const seen = new Set<string>();
    const visit = (p: PulumiProperty | undefined): void => {
        if (!p) {
            return;
        }
        if (p.$ref) {
            const name = typeName(p.$ref);
            if (!seen.has(name)) {
                seen.add(name);
                const t = schema.types[p.$ref.slice("#/types/".length)];
                Object.values(t?.properties ?? {}).forEach(visit);
            }
        }
        visit(p.items);
        visit(p.additionalProperties);
    };
    roots.forEach(visit);
    return [...seen].sort();
}

/**
 * The JSON Schema (draft-07) of the args of the component `token`: unknown keys refused at every
 * level, enums with their values, descriptions from the JSDoc.
 */
export function toJsonSchema(schema: PulumiSchema, token: string, title: string, rootRequired = true): JsonSchema {
    const resource = schema.resources[token];
    const definitions = Object.fromEntries(reachable(schema, Object.values(resource.inputProperties)).map((name) => {
        const t = schema.types[`${schema.name}:index:${name}`];
        return [name, t.enum
            ? { type: t.type, enum: t.enum.map((e) => e.value), ...(t.description ? { description: t.description } : {}) }
            : object(t.properties ?? {}, t.required, t.description)];
    }));
    return {
        $schema: "http://json-schema.org/draft-07/schema#",
        title,
        ...object(resource.inputProperties, rootRequired ? resource.requiredInputs : undefined, resource.description),
        definitions,
    };
}

// An options file may leave `apim` out: the preview takes it from the APIM document.
export const SCHEMA_FILES = {
    options: { token: "apim-gateway-egress:index:SelfHostedGatewayEgress", file: "schema/options.schema.json", title: "apim-gateway-egress options file (SelfHostedGatewayEgress args)", rootRequired: false },
    hub: { token: "apim-gateway-egress:index:GatewayEgressRuleCollectionGroup", file: "schema/hub.schema.json", title: "apim-gateway-egress hub file (GatewayEgressRuleCollectionGroup args)", rootRequired: true },
} as const;

/** The package's Pulumi schema, as `pulumi package add` derives it. Takes seconds: it type-checks the SDKs' declarations. */
export async function packageSchema(): Promise<PulumiSchema> {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ComponentProvider, getPulumiComponents } = require("@pulumi/pulumi/provider/experimental") as typeof import("@pulumi/pulumi/provider/experimental");
    const components = getPulumiComponents(require(repoRoot));
    /* eslint-enable @typescript-eslint/no-require-imports */
    const provider = new ComponentProvider({ name: "apim-gateway-egress", dirname: repoRoot, components });
    return JSON.parse(await provider.getSchema()) as PulumiSchema;
}

export function schemaText(schema: JsonSchema): string {
    return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
    void packageSchema().then((schema) => {
        for (const { token, file, title, rootRequired } of Object.values(SCHEMA_FILES)) {
            fs.mkdirSync(path.join(repoRoot, path.dirname(file)), { recursive: true });
            fs.writeFileSync(path.join(repoRoot, file), schemaText(toJsonSchema(schema, token, title, rootRequired)));
            process.stdout.write(`wrote ${file}\n`);
        }
    });
}
