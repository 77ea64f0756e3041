/**
 * Collection edits that take several registry steps: removing collections (in dependency order,
 * optionally unlinking them from their parent chains) and editing a chain's children. Callers run
 * them inside one registry transaction.
 */
import type { ChainEdit } from '../butler.js'
import { CollectionTypeError, InputError, MissingCollectionError } from '../errors.js'
import type { Registry } from '../registry/registry.js'

/**
 * Removes TAGGED, CHAINED and CALIBRATION collections. RUNs are refused (they go with their
 * datasets). A collection still listed by a chain is refused unless that chain is removed in the same
 * call or `removeFromParents` unlinks it first.
 */
export async function removeCollections(
  registry: Registry,
  names: readonly string[],
  options: { readonly removeFromParents?: boolean },
): Promise<void> {
  const pending = [...new Set(names)]
  for (const name of pending) {
    const record = await registry.getCollection(name)
    if (record.type === 'RUN') {
      throw new CollectionTypeError(
        `Collection '${name}' is a RUN; remove it, with its datasets, by removing the run`,
      )
    }
  }
  // A chain removed in the same call stops blocking its children once it is gone.
  while (pending.length > 0) {
    let removed = false
    for (const name of [...pending]) {
      const parents = await registry.getCollectionParentChains(name)
      if (!options.removeFromParents && parents.some((p) => pending.includes(p) && p !== name)) continue
      if (options.removeFromParents) await unlinkFromParents(registry, name, parents)
      await registry.removeCollection(name)
      pending.splice(pending.indexOf(name), 1)
      removed = true
    }
    // Nothing could go: let the registry refuse the first one with its message.
    if (!removed) await registry.removeCollection(pending[0]!)
  }
}

/**
 * Applies a chain edit and returns the new children. `redefine`, `extend` and `prepend` create a
 * missing chain; every child named must exist; the registry refuses cycles.
 */
export async function editCollectionChain(
  registry: Registry,
  parent: string,
  edit: ChainEdit,
): Promise<string[]> {
  let current: string[]
  const creates = edit.mode === 'redefine' || edit.mode === 'extend' || edit.mode === 'prepend'
  try {
    current = await registry.getCollectionChain(parent)
  } catch (error) {
    if (!(error instanceof MissingCollectionError) || !creates) throw error
    await registry.registerCollection(parent, 'CHAINED')
    current = []
  }
  let next: string[]
  if (edit.mode === 'pop') {
    next = popPositions(parent, current, edit.positions ?? [0])
  } else {
    const children = edit.flatten
      ? (await registry.flattenCollections(edit.children)).map((c) => c.name)
      : [...edit.children]
    // Every child named must exist, even when removing.
    for (const child of children) await registry.getCollection(child)
    const given = new Set(children)
    const others = current.filter((c) => !given.has(c))
    next =
      edit.mode === 'redefine'
        ? children
        : edit.mode === 'extend'
          ? [...others, ...children]
          : edit.mode === 'prepend'
            ? [...children, ...others]
            : others
  }
  await registry.setCollectionChain(parent, next)
  return registry.getCollectionChain(parent)
}

/** The children left after dropping `positions` (negative ones count from the end). */
function popPositions(parent: string, current: readonly string[], positions: readonly number[]): string[] {
  const drop = new Set<number>()
  for (const p of positions) {
    const i = p < 0 ? current.length + p : p
    if (!Number.isInteger(p) || i < 0 || i >= current.length) {
      throw new InputError(`Cannot pop position ${p} of chain '${parent}': it has ${current.length} children`)
    }
    drop.add(i)
  }
  return current.filter((_, i) => !drop.has(i))
}

/** Removes a collection from every chain that lists it (or from `parents`, when known). */
export async function unlinkFromParents(
  registry: Registry,
  name: string,
  parents?: readonly string[],
): Promise<void> {
  for (const parent of parents ?? (await registry.getCollectionParentChains(name))) {
    const children = await registry.getCollectionChain(parent)
    await registry.setCollectionChain(
      parent,
      children.filter((c) => c !== name),
    )
  }
}
