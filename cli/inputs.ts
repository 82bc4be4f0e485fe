// Reading the CLI's input files: APIM documents (`--apim`), options and hub files (`--options`,
// `--hub`), from a path or `-` for standard input. Every file is bounded before it is parsed (a
// size cap, read in chunks so `/dev/zero` or an endless pipe stops at it) and after (a nesting
// cap); it is parsed by its content, since YAML 1.2 holds JSON; keys JavaScript would treat as
// prototype links are refused anywhere. Any failure is one `InputError` naming the option.
import * as fs from "fs";
import { parseDocument } from "yaml";
import { InputError } from "../components/errors";

/** Larger than any APIM document or options file seen (a 50-region instance is about 60 KB). */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** Deeper than any APIM document (about 6) or options file (about 5) nests. */
const MAX_INPUT_DEPTH = 32;

const STDIN = "-";
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Reads at most `limit + 1` bytes of `file` (a path, or `-` for stdin). */
function readBounded(option: string, file: string, limit: number): Buffer {
    let fd: number;
    try {
        fd = file === STDIN ? 0 : fs.openSync(file, "r");
    } catch (e) {
        throw new InputError(option, file, `The file cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
        const chunk = Buffer.alloc(64 * 1024);
        for (;;) {
            let n: number;
            try {
                n = fs.readSync(fd, chunk, 0, chunk.length, null);
            } catch (e) {
                // A non-blocking stdin with nothing yet: wait for it rather than fail.
                if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
                    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
                    continue;
                }
                throw new InputError(option, file, `The file cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"}).`);
            }
            if (n === 0) {
                break;
            }
            chunks.push(Buffer.from(chunk.subarray(0, n)));
            total += n;
            if (total > limit) {
                throw new InputError(option, file, `The file holds more than ${limit} bytes: it cannot be an APIM document or an options file.`);
            }
        }
    } finally {
        if (fd !== 0) {
            fs.closeSync(fd);
        }
    }
    return Buffer.concat(chunks);
}

/** Refuses nesting past `MAX_INPUT_DEPTH` and prototype keys, without recursion. */
function checkShape(option: string, file: string, value: unknown): void {
    const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: "" }];
    while (stack.length > 0) {
        const { value: v, depth, path } = stack.pop() as { value: unknown; depth: number; path: string };
        if (typeof v !== "object" || v === null) {
            continue;
        }
        if (depth >= MAX_INPUT_DEPTH) {
            throw new InputError(option, file, `The document nests deeper than ${MAX_INPUT_DEPTH} levels (at ${path || "the top"}): it cannot be an APIM document or an options file.`);
        }
        for (const key of Object.getOwnPropertyNames(v)) {
            const at = Array.isArray(v) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
            if (PROTOTYPE_KEYS.has(key) && !Array.isArray(v)) {
                throw new InputError(`${option} ${at}`, key, "This key is reserved by JavaScript and never an arg or a field of an APIM document.");
            }
            if (!(Array.isArray(v) && key === "length")) {
                stack.push({ value: (v as Record<string, unknown>)[key], depth: depth + 1, path: at });
            }
        }
    }
}

/** Parses JSON, or else YAML (a superset), reporting YAML's line and column on failure. */
function parse(option: string, file: string, text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        // Not JSON: read as YAML, whose errors say where.
    }
    let document;
    try {
        document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, logLevel: "silent" });
    } catch (e) {
        throw new InputError(option, file, e instanceof RangeError ? `The document nests too deeply to read.` : `The file is not valid JSON or YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    // Warnings (an unknown tag, say) would change what a value means: refused like errors.
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) {
        const at = problem.linePos ? `line ${problem.linePos[0].line}, column ${problem.linePos[0].col}: ` : "";
        // The reader repeats the position at the end of its first line; it is said once, first.
        const what = problem.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new InputError(option, file, `The file is not valid JSON or YAML: ${at}${what}`);
    }
    try {
        return document.toJS({ maxAliasCount: 100 });
    } catch (e) {
        throw new InputError(option, file, e instanceof RangeError ? "The document nests too deeply to read." : `The file cannot be read as data: ${(e as Error).message.split("\n")[0]}`);
    }
}

/** Reads a JSON or YAML document from a path, or `-` for stdin. Throws one `InputError` naming `option`. */
export function readDocument(option: string, file: string): unknown {
    const bytes = readBounded(option, file, MAX_INPUT_BYTES);
    const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
    if (text.trim() === "") {
        throw new InputError(option, file, "The file is empty.");
    }
    const value = parse(option, file, text);
    checkShape(option, file, value);
    return value;
}

/** Refuses reading stdin for more than one option. */
export function checkOneStdin(files: readonly { option: string; file: string | undefined }[]): void {
    const fromStdin = files.filter((f) => f.file === STDIN);
    if (fromStdin.length > 1) {
        throw new InputError(fromStdin[1].option, STDIN, `Standard input is already read for ${fromStdin[0].option}: only one option can read it.`);
    }
}
