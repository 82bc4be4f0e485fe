// Text layout for every text format: lines of at most 120 columns (README: `table` fits 120
// columns), wrapped at spaces under a hanging indent, a word longer than a line split before a
// separator; nothing is ever cut. Pure string functions.

/** The width every text format keeps to (README: `table` fits 120 columns). */
export const TEXT_WIDTH = 120;

/**
 * Where a word is split to fill `room`: before its last `.`, `-`, `/`, `=` or `,` that keeps the
 * piece within it, so a continuation starts with the separator and reads as one
 * (`contoso-apim` / `.configuration`); -1 without one.
 */
function splitPoint(word: string, room: number): number {
    const head = word.slice(0, room + 1);
    const at = Math.max(...[".", "-", "/", "=", ","].map((c) => head.lastIndexOf(c)));
    return at >= 1 ? at : -1;
}

/**
 * Splits `text` into lines of at most `width` (`later` for lines after the first), at spaces
 * where it can. A word longer than a whole line is split, filling the line it starts on, so
 * nothing is cut.
 */
export function wrap(text: string, width: number, later = width): string[] {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
        for (let rest = word; rest.length > 0;) {
            // At least one column a line, so that every pass takes something.
            const max = Math.max(1, lines.length === 0 ? width : later);
            const room = line === "" ? max : max - line.length - 1;
            const at = rest.length > max ? splitPoint(rest, room) : -1;
            if (rest.length <= room) {
                line = line === "" ? rest : `${line} ${rest}`;
                rest = "";
            } else if (at > 0) {
                lines.push(line === "" ? rest.slice(0, at) : `${line} ${rest.slice(0, at)}`);
                line = "";
                rest = rest.slice(at);
            } else if (line !== "") {
                lines.push(line);
                line = "";
            } else {
                lines.push(rest.slice(0, max));
                rest = rest.slice(max);
            }
        }
    }
    return line === "" && lines.length > 0 ? lines : [...lines, line];
}

/**
 * `text` as lines of at most `width` columns, the lines after the first indented by `indent`
 * (a list item's hanging indent): notes and summaries of every text format.
 */
export function hanging(text: string, indent: string, width = TEXT_WIDTH): string[] {
    return wrap(text, width, width - indent.length).map((l, i) => (i === 0 ? l : `${indent}${l}`));
}

/**
 * A markdown list item wrapped the same way, broken only before a word that starts with a
 * letter: a continuation line starting with `-`, `#`, `>`, `1.`, `<` or a fence would begin
 * another block. A stretch with no such word stays on one line rather than be split.
 */
export function markdownListItem(text: string, width = TEXT_WIDTH): string[] {
    const units: string[] = [];
    for (const word of text.split(" ")) {
        if (units.length > 0 && !/^[A-Za-z]/.test(word)) {
            units[units.length - 1] += ` ${word}`;
        } else {
            units.push(word);
        }
    }
    const lines: string[] = [];
    for (const unit of units) {
        const last = lines.length - 1;
        // Every line gives two columns to the marker or the indent.
        if (last >= 0 && lines[last].length + 1 + unit.length <= width - 2) {
            lines[last] += ` ${unit}`;
        } else {
            lines.push(unit);
        }
    }
    return lines.map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`));
}
