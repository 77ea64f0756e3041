/**
 * When to refresh a table's planner statistics after writes: at the first insert a process sees,
 * then whenever the table at least doubled (by 100 rows or more) since. A planner without statistics
 * guesses (PostgreSQL: 200 distinct values per column; SQLite: ignores most indexes), which at scale
 * turns joins with small dimension tables into nested loops; PostgreSQL's autovacuum comes a minute or
 * more later and never for tables of a few rows.
 */
const MIN_ROWS = 100
const GROWTH = 1

interface Growth {
  added: number
  known: number
  busy: boolean
}

/** Counts rows written per table and runs `analyze` when the rule above says so. */
export class StatisticsRefresher {
  private readonly growth = new Map<string, Growth>()
  private readonly knownRows: (table: string) => Promise<number>
  private readonly analyze: (table: string) => Promise<void>

  /**
   * @param knownRows rows the engine's statistics last counted in a table (0 when never taken)
   * @param analyze takes fresh statistics of a table
   */
  constructor(knownRows: (table: string) => Promise<number>, analyze: (table: string) => Promise<void>) {
    this.knownRows = knownRows
    this.analyze = analyze
  }

  /** Notes that `rows` rows were committed to `table`; analyzes it when due. */
  async note(table: string, rows: number): Promise<void> {
    let g = this.growth.get(table)
    if (!g) {
      g = { added: 0, known: await this.knownRows(table), busy: false }
      this.growth.set(table, g)
    }
    g.added += rows
    const threshold = g.known === 0 ? 1 : Math.max(MIN_ROWS, g.known * GROWTH)
    if (g.busy || g.added < threshold) return
    g.busy = true
    try {
      await this.analyze(table)
      g.known += g.added
      g.added = 0
    } catch {
      // Statistics only help the planner; a failure (not the owner, a busy lock) changes no result.
    } finally {
      g.busy = false
    }
  }
}
