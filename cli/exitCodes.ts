// The command line's one exit-code table and its one error line, for every subcommand: a
// pipeline tells the outcomes apart by code, and reads one line on stderr for the reason.
import { InputError, oneLine, redactCredentials } from "../components/errors";

export const ExitCode = {
    /** Done; for verify, every name resolved and the configuration host to the VIP only. */
    Ok: 0,
    /** verify: a name resolves to an address the rules do not carry (wins over Unresolvable). */
    Mismatch: 1,
    /** Bad input: files, args, options of the command. */
    BadInput: 2,
    /** verify: a name could not be resolved; nothing proven wrong, nothing proven right. */
    Unresolvable: 3,
    /** Unexpected failure (a bug): kept apart so a crash never reads as a finding. */
    Failure: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `
Exit codes (every command):
  0  done; verify: every name resolved, the configuration host to the VIP only
  1  verify: mismatch, a name resolves to an address the rules do not carry (wins over 3)
  2  bad input: one "error: ..." line on stderr naming the field and the value
  3  verify: a name is unresolvable (NXDOMAIN, no A record at the end of its CNAME chain,
     a CNAME loop, timeout, server failure)
  4  unexpected failure (a bug): one "error: unexpected failure: ..." line
`;

/** One line for stderr: the message of an InputError, else a short description of a bug. */
export function errorLine(error: unknown): string {
    if (error instanceof InputError) {
        return `error: ${error.message}`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `error: unexpected failure: ${oneLine(redactCredentials(message.split("\n")[0]))}`;
}

/** The exit code of a refusal or a failure. */
export function exitCodeOf(error: unknown): ExitCode {
    return error instanceof InputError ? ExitCode.BadInput : ExitCode.Failure;
}
