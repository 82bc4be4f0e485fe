// The one sort order of the project: by UTF-16 code unit, as `<` compares strings, never by the
// machine's locale (`localeCompare` sorts "aa" after "z" under da_DK). Every output — JSON, CSV,
// markdown, resource inputs — is sorted with it, so it is byte-identical on every machine.

/** Compares two strings by code unit, whatever the locale. */
export function byCodePoint(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
