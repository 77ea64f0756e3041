/**
 * Progress bars for long operations, drawn on stderr only when it is a terminal.
 */
import { SingleBar } from 'cli-progress'

/** A progress indicator; a no-op when stderr is not a terminal or `--no-progress` was given. */
export interface Progress {
  increment(by?: number): void
  stop(): void
}

let enabled = true

/** Turns progress bars off (`--no-progress`). */
export function setProgressEnabled(value: boolean): void {
  enabled = value
}

/** Starts a bar for `total` steps, or a no-op when bars are off, stderr is not a TTY or the job is small. */
export function startProgress(label: string, total: number, minimum = 2): Progress {
  if (!enabled || !process.stderr.isTTY || total < minimum) return { increment() {}, stop() {} }
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total}`,
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  })
  bar.start(total, 0)
  return {
    increment: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  }
}
