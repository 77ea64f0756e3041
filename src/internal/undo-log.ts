/**
 * An undo log: actions that reverse side effects (written files) if a transaction fails.
 */

/** Collects undo actions; `rollback` runs them newest first, ignoring their own failures. */
export class UndoLog {
  private readonly actions: (() => Promise<void> | void)[] = []

  /** Registers how to reverse something just done. */
  push(action: () => Promise<void> | void): void {
    this.actions.push(action)
  }

  /** Runs every action, newest first, and empties the log. */
  async rollback(): Promise<void> {
    while (this.actions.length > 0) {
      const action = this.actions.pop()!
      try {
        await action()
      } catch {
        // Best effort: a leftover file is found later by `butler verify --repair`.
      }
    }
  }

  /** Takes over a nested log's actions (the nested transaction succeeded; the outer one decides). */
  adopt(child: UndoLog): void {
    this.actions.push(...child.actions)
    child.actions.length = 0
  }

  /** Forgets every action (the transaction committed). */
  commit(): void {
    this.actions.length = 0
  }

  /** Number of pending actions. */
  get size(): number {
    return this.actions.length
  }
}
