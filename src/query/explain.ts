/**
 * Why a query returns nothing: re-asks the driver smaller questions (does each dataset search find
 * anything in its collections? does each data ID value have a record? do the rows exist before the
 * `where` clause?) and reports the first parts that are empty, in words.
 */
import type { QueryDriver } from './driver.js'
import type { QueryTree, ResultSpec } from './tree.js'

/**
 * Human-readable reasons why `tree` has no rows for `spec`; empty when it does have rows. Each
 * reason names the part of the query that is already empty on its own.
 */
export async function explainNoResults(
  driver: QueryDriver,
  tree: QueryTree,
  spec: ResultSpec,
): Promise<string[]> {
  if (await driver.anyQuery(tree, spec)) return []
  const reasons: string[] = []
  const universe = driver.universe
  const dataIdSpec = (dimensions: readonly string[]): ResultSpec => ({ kind: 'dataIds', dimensions })

  for (const [name, search] of Object.entries(tree.datasets)) {
    const alone: QueryTree = { dimensions: [], datasets: { [name]: search }, dataId: {}, predicate: null }
    if (!(await driver.anyQuery(alone, { kind: 'datasets', datasetType: name, findFirst: false }))) {
      reasons.push(`No datasets of type '${name}' in collections [${search.collections.join(', ')}].`)
    }
  }
  const governors = Object.fromEntries(
    Object.entries(tree.dataId).filter(([k]) => universe.getElement(k).isGovernor),
  )
  for (const [key, value] of Object.entries(tree.dataId)) {
    const element = universe.getElement(key)
    const context = element.isGovernor ? { [key]: value } : { ...governors, [key]: value }
    const alone: QueryTree = { dimensions: [key], datasets: {}, dataId: context, predicate: null }
    if (!element.hasOwnTable) continue
    if (!(await driver.anyQuery(alone, dataIdSpec([key])))) {
      const given = Object.entries(context)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? `'${v}'` : v}`)
        .join(', ')
      reasons.push(`No '${key}' record with ${given}.`)
    }
  }
  if (reasons.length > 0) return reasons

  if (tree.predicate) {
    const unfiltered: QueryTree = { ...tree, predicate: null }
    if (await driver.anyQuery(unfiltered, spec)) {
      return ['Rows exist without the where expression; the expression excludes every one of them.']
    }
  }
  const hasData = Object.keys(tree.dataId).length > 0
  return [
    Object.keys(tree.datasets).length > 0
      ? 'The datasets found do not match the data IDs of the other dimensions asked for' +
        (hasData ? ' and the data ID given.' : '.')
      : `No dimension records join for ${describe(spec)}${hasData ? ' with the data ID given' : ''}.`,
  ]
}

function describe(spec: ResultSpec): string {
  switch (spec.kind) {
    case 'dataIds':
      return `data IDs of {${spec.dimensions.join(', ')}}`
    case 'dimensionRecords':
      return `'${spec.element}' records`
    case 'datasets':
      return `'${spec.datasetType}' datasets`
  }
}
