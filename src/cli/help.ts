/**
 * Help text shared by the commands.
 */

/** The "Examples:" block shown after a command's options (kept unwrapped so commands stay copyable). */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`
}
