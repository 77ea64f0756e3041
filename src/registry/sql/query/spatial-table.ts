/**
 * The exact half of spatial queries: candidate rows (see `spatial-candidates.ts`) are checked with
 * `Region.overlaps` on their decoded regions, skypix values are checked against (or computed from) the
 * regions, and the combinations of dimension values that pass are written to a temporary table. The
 * query itself then joins that table like any other, so ordering, limits, paging, `count` and `any`
 * stay in SQL and see only rows that pass the exact test.
 */
import { type CreateTableBuilder, type RawBuilder, sql } from 'kysely'
import type { DimensionUniverse } from '../../../dimensions/dimension-universe.js'
import { InvalidQueryError } from '../../../errors.js'
import { decodeRegion, type PixelRange, type Region, UnitVector3d } from '../../../geometry/index.js'
import type { AnyKysely, SqlDialectAdapter } from '../dialect-adapter.js'
import { chunked, type SqlContext } from '../sql-context.js'
import type { Candidates } from './spatial-candidates.js'
import type { SpatialPlan } from './spatial-plan.js'

/** Most pixels one region may contribute to a computed skypix dimension. */
export const MAX_COMPUTED_PIXELS = 1_000_000

/** A temporary table of the dimension values that pass a query's overlaps. */
export interface SpatialTable {
  readonly name: string
  readonly dimensions: readonly string[]
  /** How many rows passed. */
  readonly rows: number
}

/** Reads the rows of a statement page by page. */
export type PageReader = (body: RawBuilder<unknown>) => AsyncIterable<Record<string, unknown>[]>

let tableCounter = 0

/** Checks the candidates of `plan` exactly and writes the passing rows to a new temporary table. */
export async function createSpatialTable(
  ctx: SqlContext,
  db: AnyKysely,
  plan: SpatialPlan,
  candidates: Candidates,
  pages: PageReader,
): Promise<SpatialTable> {
  const name = `butler_spatial_${process.pid}_${++tableCounter}`
  const dims = plan.dimensions
  let t: CreateTableBuilder<string, string> = db.schema.createTable(name).temporary()
  for (const d of dims) t = t.addColumn(d, columnType(ctx.universe, ctx.adapter, d))
  await t.addUniqueConstraint(`${name}_unq`, [...dims]).execute()
  const check = new ExactCheck(plan, candidates)
  const size = Math.max(1, Math.floor(ctx.adapter.maxParameters / dims.length))
  let rows = 0
  try {
    for await (const page of pages(candidates.body)) {
      const out: Record<string, unknown>[] = []
      for (const row of page) check.rows(row, out)
      for (const chunk of chunked(out, size)) {
        const r = await db
          .insertInto(name)
          .values(chunk)
          .onConflict((oc) => oc.doNothing())
          .executeTakeFirst()
        rows += Number(r.numInsertedOrUpdatedRows ?? 0n)
      }
    }
  } catch (error) {
    await dropSpatialTable(db, name).catch(() => {})
    throw error
  }
  return { name, dimensions: dims, rows }
}

/** Drops a table made by `createSpatialTable`. */
export async function dropSpatialTable(db: AnyKysely, name: string): Promise<void> {
  await sql`drop table if exists ${sql.table(name)}`.execute(db)
}

/** The exact test of candidate rows, with decoded regions and computed pixels cached per record. */
class ExactCheck {
  private readonly regions = new Map<string, Region | null>()
  private readonly pixels = new Map<number, Region | null>()
  /** Candidate pixels by region (regions are shared through `regions`, so repeated rows hit). */
  private readonly envelopes = new WeakMap<Region, number[]>()
  private readonly keyColumns: string[][]
  private readonly valueColumns: { dim: string; column: string | undefined }[]
  private readonly skypixConstraints: Region[]
  /** Pixel indices of the points the skypix pixel must hold (exact even for HEALPix). */
  private readonly skypixPoints: number[]

  constructor(
    private readonly plan: SpatialPlan,
    private readonly candidates: Candidates,
  ) {
    const s = plan.skypix?.skypix.name
    this.keyColumns = plan.elements.map((e) => e.required.map((d) => `d${plan.dimensions.indexOf(d)}`))
    this.valueColumns = plan.dimensions.map((dim, i) => ({ dim, column: dim === s ? undefined : `d${i}` }))
    const values = plan.constraints.filter((c) => c.target === 'skypix').map((c) => c.value)
    this.skypixConstraints = values.filter((v): v is Region => !(v instanceof UnitVector3d))
    const pix = plan.skypix?.skypix.pixelization
    this.skypixPoints = pix ? values.flatMap((v) => (v instanceof UnitVector3d ? [pix.index(v)] : [])) : []
  }

  /** Appends the table rows of one candidate row that pass: none, one, or one per skypix pixel. */
  rows(row: Record<string, unknown>, out: Record<string, unknown>[]): void {
    const { plan } = this
    const regions: Region[] = []
    for (let i = 0; i < plan.elements.length; i++) {
      const r = this.region(i, row)
      if (!r) return
      regions.push(r)
    }
    for (const c of plan.constraints) {
      if (c.target !== 'skypix' && !regions[c.target]!.overlaps(c.value)) return
    }
    for (const [a, b] of plan.joins) if (!regions[a]!.overlaps(regions[b]!)) return
    const base: Record<string, unknown> = {}
    for (const { dim, column } of this.valueColumns) if (column) base[dim] = row[column]
    const part = plan.skypix
    if (!part) {
      out.push(base)
      return
    }
    const linked = part.linked.map((i) => regions[i]!)
    for (const index of this.candidatePixels(row, linked)) {
      const pixel = this.pixel(index)
      if (!pixel) continue
      if (
        this.skypixPoints.every((p) => p === index) &&
        linked.every((r) => r.overlaps(pixel)) &&
        this.skypixConstraints.every((v) => pixel.overlaps(v))
      ) {
        out.push({ ...base, [part.skypix.name]: index })
      }
    }
  }

  private region(i: number, row: Record<string, unknown>): Region | null {
    const key = `${i}\u0000${this.keyColumns[i]!.map((c) => String(row[c])).join('\u0000')}`
    let r = this.regions.get(key)
    if (r === undefined) {
      const bytes = row[`g${i}`]
      r = bytes instanceof Uint8Array ? decodeRegion(bytes) : null
      if (this.regions.size > 100_000) this.regions.clear()
      this.regions.set(key, r)
    }
    return r
  }

  private pixel(index: number): Region | null {
    let p = this.pixels.get(index)
    if (p === undefined) {
      try {
        p = this.plan.skypix!.skypix.pixelization.pixel(index)
      } catch {
        // Not a pixel of this level (a bad value in a dataset's data ID): it overlaps nothing.
        p = null
      }
      if (this.pixels.size > 100_000) this.pixels.clear()
      this.pixels.set(index, p)
    }
    return p
  }

  /** The skypix values to test: the row's own, or the pixels of the envelope of a region it must overlap. */
  private candidatePixels(row: Record<string, unknown>, linked: Region[]): number[] {
    if (this.candidates.skypixInSql) return [Number(row.s0)]
    const part = this.plan.skypix!
    if (this.skypixPoints.length > 0) return [this.skypixPoints[0]!]
    const source = linked[0] ?? this.skypixConstraints[0]
    if (!source) return []
    const cached = this.envelopes.get(source)
    if (cached) return cached
    const pix = part.skypix.pixelization
    const allowed = this.candidates.allowed
    const ranges = allowed ? intersect(pix.envelope(source), allowed) : pix.envelope(source)
    let count = 0
    for (const [a, b] of ranges) count += b - a
    if (count > MAX_COMPUTED_PIXELS) {
      throw new InvalidQueryError(
        `A region covers more than ${MAX_COMPUTED_PIXELS} pixels of ${part.skypix.name}: constrain the query more or use a coarser level`,
      )
    }
    const out: number[] = []
    for (const [a, b] of ranges) for (let i = a; i < b; i++) out.push(i)
    this.envelopes.set(source, out)
    return out
  }
}

/** The intersection of two sorted, merged lists of half-open ranges. */
function intersect(x: readonly PixelRange[], y: readonly PixelRange[]): PixelRange[] {
  const out: PixelRange[] = []
  let i = 0
  let j = 0
  while (i < x.length && j < y.length) {
    const [a, b] = x[i]!
    const [c, d] = y[j]!
    const lo = Math.max(a, c)
    const hi = Math.min(b, d)
    if (lo < hi) out.push([lo, hi])
    if (b < d) i++
    else j++
  }
  return out
}

function columnType(universe: DimensionUniverse, adapter: SqlDialectAdapter, dimension: string) {
  const key = universe.getDimension(dimension).primaryKey!
  return key.type === 'int' ? adapter.bigintType : 'text'
}
