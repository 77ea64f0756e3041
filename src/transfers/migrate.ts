/**
 * Migrations of export files written for older `daf_butler` dimension universes, applied on import as
 * the reference does, so their records fit universe 8.
 */
import type { DimensionUniverse } from '../dimensions/dimension-universe.js'
import { taiNsToCalendar } from '../time/tai.js'
import type {
  DatasetTypeEntry,
  DimensionEntry,
  ExportEntry,
  ExportFile,
  RecordObject,
} from './export-file.js'

/** The file rewritten for the current universe, and what the caller should be told. */
export interface MigratedFile {
  readonly file: ExportFile
  readonly warnings: string[]
}

/**
 * Rewrites the records and dataset types of a file from an older universe of the `daf_butler`
 * namespace (the steps apply only where the target universe has the newer layout):
 * - < 1: `visit.seeing` is dropped; a missing `visit.day_obs` is the TAI date of `datetime_begin`;
 * - < 2: `visit.visit_system` moves into `visit_system_membership` records (and `visit_definition`
 *   and dataset types lose `visit_system` where `visit` is present);
 * - < 6: `exposure.group_name` becomes `group` (with a synthesized `group` record), `group_id` goes,
 *   and `day_obs` records are synthesized for the day_obs values of exposures and visits, without a
 *   timespan: the instrument's day-obs offset lives in instrument code we do not have (a warning says so).
 * Universes 6 and 7 differ from 8 only by nullable fields and new elements, so need nothing.
 */
export function migrateExportFile(file: ExportFile, universe: DimensionUniverse): MigratedFile {
  const v = file.universeVersion
  const warnings: string[] = []
  if (file.universeNamespace !== universe.namespace) {
    warnings.push(
      `The file was written for universe namespace '${file.universeNamespace}', not '${universe.namespace}'; records are read as they are`,
    )
    return { file, warnings }
  }
  if (v > universe.version) {
    warnings.push(
      `The file was written for universe version ${v}, newer than this repository's ${universe.version}`,
    )
  }
  if (v >= 6) return { file, warnings }

  const has = (element: string, field?: string): boolean =>
    universe.has(element) && (field === undefined || universe.getElement(element).field(field) !== undefined)
  const dropSeeing = v < 1 && has('visit') && !has('visit', 'seeing')
  const addVisitDayObs = v < 1 && has('visit', 'day_obs')
  const moveVisitSystem = v < 2 && has('visit_system_membership')
  const makeGroups = has('exposure', 'group') && has('group')
  const makeDayObs = has('day_obs')

  const data: ExportEntry[] = []
  const extra = new Map<string, RecordObject[]>()
  const addExtra = (element: string, record: RecordObject) => {
    const list = extra.get(element) ?? extra.set(element, []).get(element)!
    list.push(record)
  }
  const dayObs = new Map<string, RecordObject>()
  const noteDayObs = (record: RecordObject) => {
    const value = record.day_obs
    if (!makeDayObs || value === null || value === undefined) return
    dayObs.set(JSON.stringify([record.instrument, value]), { instrument: record.instrument, id: value })
  }
  for (const entry of file.data) {
    if (entry.type === 'dataset_type') {
      data.push(migrateDatasetType(entry, moveVisitSystem))
      continue
    }
    if (entry.type !== 'dimension') {
      data.push(entry)
      continue
    }
    const records = entry.records.map((r) => ({ ...r }))
    if (entry.element === 'visit') {
      for (const r of records) {
        if (dropSeeing) delete r.seeing
        if (moveVisitSystem && 'visit_system' in r) {
          if (r.visit_system !== null && r.visit_system !== undefined) {
            addExtra('visit_system_membership', {
              instrument: r.instrument,
              visit_system: r.visit_system,
              visit: r.id,
            })
          }
          delete r.visit_system
        }
        if (
          addVisitDayObs &&
          (r.day_obs === undefined || r.day_obs === null) &&
          typeof r.datetime_begin === 'bigint'
        ) {
          const c = taiNsToCalendar(r.datetime_begin)
          r.day_obs = c.year * 10_000 + c.month * 100 + c.day
        }
        noteDayObs(r)
      }
    } else if (entry.element === 'visit_definition' && moveVisitSystem) {
      for (const r of records) delete r.visit_system
    } else if (entry.element === 'exposure') {
      for (const r of records) {
        if (makeGroups && 'group_name' in r) {
          r.group = r.group_name
          delete r.group_name
          if (r.group !== null && r.group !== undefined) {
            addExtra('group', { instrument: r.instrument, name: r.group })
          }
        }
        if (makeGroups) delete r.group_id
        noteDayObs(r)
      }
    }
    data.push({ ...entry, records } satisfies DimensionEntry)
  }
  if (dayObs.size > 0) {
    for (const r of dayObs.values()) addExtra('day_obs', r)
    const instruments = [...new Set([...dayObs.values()].map((r) => String(r.instrument)))].sort()
    warnings.push(
      `Synthesized day_obs records without timespans for exposures/visits exported before day_obs was a dimension (instrument${instruments.length === 1 ? '' : 's'}: ${instruments.join(', ')})`,
    )
  }
  const extraEntries: DimensionEntry[] = [...extra].map(([element, records]) => ({
    type: 'dimension',
    element,
    records: dedupe(records),
    origin: `'${element}' records made by the migration from universe ${v}`,
  }))
  // Appended, so entry indices in messages still match the file; records are inserted in universe order.
  return { file: { ...file, data: [...data, ...extraEntries] }, warnings }
}

function migrateDatasetType(entry: DatasetTypeEntry, moveVisitSystem: boolean): DatasetTypeEntry {
  const dims = entry.dimensions
  if (moveVisitSystem && dims.includes('visit') && dims.includes('visit_system')) {
    return { ...entry, dimensions: dims.filter((d) => d !== 'visit_system') }
  }
  return entry
}

function dedupe(records: RecordObject[]): RecordObject[] {
  const seen = new Map<string, RecordObject>()
  for (const r of records) seen.set(JSON.stringify(r), r)
  return [...seen.values()]
}
