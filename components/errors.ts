// The one error type for bad input. Every refusal names the field and the value it received,
// so a pipeline log line is enough to fix the input: the CLI prints `message` alone, no stack.

/** Bad input: `field` is a dotted path into the APIM document or the component args. */
export class InputError extends Error {
    constructor(
        readonly field: string,
        readonly value: unknown,
        readonly expectation: string,
    ) {
        super(`Invalid value for ${field}: ${describeValue(value)}. ${expectation}`);
        this.name = "InputError";
    }
}

/** Renders a received value for a message: short, single-line, never a whole document. */
export function describeValue(value: unknown): string {
    if (value === undefined) {
        return "(missing)";
    }
    const text = typeof value === "string" ? JSON.stringify(value)
        : typeof value === "number" || typeof value === "bigint" ? String(value)
        : safeJson(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function safeJson(value: unknown): string {
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}
