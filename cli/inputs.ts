// Reading the CLI's input files: APIM documents (`--apim`), options and hub files (`--options`,
// `--hub`), from a path or `-` for standard input. Every file is bounded before it is parsed (a
// size cap, read in chunks so `/dev/zero` or an endless pipe stops at it) and after (a nesting
// cap); it is parsed by its content, since YAML 1.2 holds JSON; keys JavaScript would treat as
// prototype links, and a key twice in one mapping (JSON or YAML alike), are refused anywhere.
// Any failure is one `InputError` naming the option.
import * as fs from "fs";
import { Document, isMap, isNode, isScalar, isSeq, LineCounter, Pair, parseDocument } from "yaml";
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

/** The reader's tree of a document, with the line of each offset. */
interface Tree {
    document: Document;
    lines: LineCounter;
}

/** The property a mapping key becomes in JavaScript, as the reader converts it (`1`, `"1"` and `1.0` are one). */
function propertyOf(key: unknown): string {
    return isScalar(key) ? (key.value === null ? "" : String(key.value)) : String(key);
}

/**
 * Refuses a key that appears twice in one mapping. JSON.parse keeps the last silently and YAML
 * keeps one too, so `virtualNetworkType: Internal` then `None` would open the public VIP; the
 * keys compare as the properties they become, so `1` and `"1"` are one key. Reads the document
 * the YAML reader built from the text (JSON is YAML 1.2), without recursion.
 */
function checkUniqueKeys(option: string, file: string, { document, lines }: Tree): void {
    // JSON that the YAML reader could not build whole (no case known) would escape the check.
    if (document.errors.length > 0) {
        throw new InputError(option, file, "The JSON cannot be checked for duplicate keys: the YAML 1.2 reader refuses it, so it cannot be an APIM document or an options file.");
    }
    const stack: { node: unknown; path: string }[] = [{ node: document.contents, path: "" }];
    while (stack.length > 0) {
        const { node, path } = stack.pop() as { node: unknown; path: string };
        if (isSeq(node)) {
            node.items.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]` }));
        } else if (isMap(node)) {
            const seen = new Map<string, Pair>();
            for (const pair of node.items) {
                const key = propertyOf(pair.key);
                const at = path ? `${path}.${key}` : key;
                const first = seen.get(key);
                if (first !== undefined) {
                    const where = (p: Pair) => {
                        const { line, col } = lines.linePos(isNode(p.key) && p.key.range ? p.key.range[0] : 0);
                        return `line ${line}, column ${col}`;
                    };
                    throw new InputError(`${option} ${at}`, file, `The key appears twice in one mapping (${where(first)}, and ${where(pair)}): a reader would keep one of them silently. Keep one.`);
                }
                seen.set(key, pair);
                stack.push({ node: pair.value, path: at });
            }
        }
    }
}

/**
 * Parses JSON, or else YAML (a superset), reporting YAML's line and column on failure. JSON is
 * read by JSON.parse, as it always was; the YAML reader's tree of the same text serves the
 * duplicate-key check of both.
 */
function parse(option: string, file: string, text: string): { value: unknown; tree: Tree } {
    const lines = new LineCounter();
    let document: Document;
    try {
        // logLevel "error": the reader logs nothing, yet still reports a second document (it
        // would silently keep the first at "silent").
        document = parseDocument(text, { uniqueKeys: false, prettyErrors: true, logLevel: "error", lineCounter: lines });
    } catch (e) {
        throw new InputError(option, file, e instanceof RangeError ? `The document nests too deeply to read.` : `The file is not valid JSON or YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    let json: { value: unknown } | undefined;
    try {
        json = { value: JSON.parse(text) };
    } catch {
        // Not JSON: read as YAML, whose errors say where.
    }
    // Warnings (an unknown tag, say) would change what a value means: refused like errors.
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem && json === undefined) {
        const at = problem.linePos ? `line ${problem.linePos[0].line}, column ${problem.linePos[0].col}: ` : "";
        // The reader repeats the position at the end of its first line; it is said once, first.
        const what = problem.code === "MULTIPLE_DOCS" ? "a second document starts here: give one document per file"
            : problem.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        throw new InputError(option, file, `The file is not valid JSON or YAML: ${at}${what}`);
    }
    const tree = { document, lines };
    if (json !== undefined) {
        return { value: json.value, tree };
    }
    try {
        return { value: document.toJS({ maxAliasCount: 100 }), tree };
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
    const { value, tree } = parse(option, file, text);
    checkShape(option, file, value);
    checkUniqueKeys(option, file, tree);
    return value;
}

/** Refuses reading stdin for more than one option. */
export function checkOneStdin(files: readonly { option: string; file: string | undefined }[]): void {
    const fromStdin = files.filter((f) => f.file === STDIN);
    if (fromStdin.length > 1) {
        throw new InputError(fromStdin[1].option, STDIN, `Standard input is already read for ${fromStdin[0].option}: only one option can read it.`);
    }
}
