/**
 * The data ID and validity time of a lookup of a calibration dataset type.
 */
import type { DatasetType } from '../datasets/dataset-type.js'
import { DataCoordinate, type DataId } from '../dimensions/data-coordinate.js'
import type { DataIdValue } from '../dimensions/dimension-record.js'
import { CalibrationLookupError } from '../errors.js'
import type { Registry } from '../registry/registry.js'
import { Timespan } from '../time/timespan.js'

/** What a calibration lookup starts from. */
export interface CalibrationQuery {
  readonly parent: DatasetType
  readonly dataId: DataId | undefined
  readonly collections: readonly string[]
  /** An explicit validity time; wins over the data ID's. */
  readonly timespan: Timespan | undefined
}

/**
 * The data ID may have more dimensions than the dataset type (`bias` with `{instrument, detector,
 * exposure}`): the time is the query's timespan if given, else that of the first temporal dimension
 * record of the expanded data ID (exposure, visit, day_obs). Without one, a search through
 * CALIBRATION collections is a `CalibrationLookupError`; RUN and TAGGED collections are still searched
 * without a time.
 */
export async function calibrationLookup(
  registry: Registry,
  defaults: Readonly<Record<string, DataIdValue>>,
  query: CalibrationQuery,
): Promise<{ dataId: DataCoordinate; timespan: Timespan | undefined }> {
  const { parent, collections } = query
  let timespan = query.timespan
  const given = query.dataId ?? {}
  const keys =
    given instanceof DataCoordinate
      ? given.dimensions.names
      : Object.keys(given).filter((k) => (given as Record<string, unknown>)[k] !== undefined)
  const group = registry.universe.group([...keys, ...parent.dimensions.names])
  let full = DataCoordinate.standardize(given, { dimensions: group, defaults })
  if (!timespan && group.temporalFamilies.length > 0) {
    full = full.hasRecords ? full : await registry.expandDataId(full)
    timespan = temporalTimespan(full)
  }
  const own = DataCoordinate.standardize(full.mapping, { dimensions: parent.dimensions })
  if (!timespan) {
    const path = await registry.flattenCollections(collections)
    const calibrations = path.filter((c) => c.type === 'CALIBRATION').map((c) => `'${c.name}'`)
    if (calibrations.length > 0) {
      throw new CalibrationLookupError(
        `'${parent.name}' is a calibration dataset type and the search path has CALIBRATION ` +
          `collection(s) ${calibrations.join(', ')}: a lookup there needs a time. Give a timespan, ` +
          `or a data ID with a dimension that has one (e.g. exposure or visit), not just ${full}`,
      )
    }
  }
  return { dataId: own, timespan }
}

/**
 * The timespan of the first temporal dimension record of an expanded data ID, in the order the
 * universe lists its temporal families' members (exposure, visit, day_obs in the default universe).
 */
function temporalTimespan(dataId: DataCoordinate): Timespan | undefined {
  for (const members of Object.values(dataId.universe.temporalFamilies)) {
    for (const member of members) {
      if (!dataId.dimensions.elements.some((e) => e.name === member)) continue
      const t = dataId.record(member)?.get('timespan')
      if (t instanceof Timespan && !t.isEmpty) return t
    }
  }
  return undefined
}
