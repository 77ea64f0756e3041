/**
 * Configuration lookup for a dataset type, in the reference priority order.
 *
 * Templates, formatters, constraints and composites configs are maps whose keys name a dataset type, a
 * parent dataset type, a dimension set (`physical_filter+detector+exposure`) or a storage class. The
 * first key with an entry wins; an `instrument<NAME>` section, when the data ID has an instrument,
 * overrides the plain keys at each step; `default` is the fallback.
 */

/** What a lookup needs to know about the dataset being configured. */
export interface LookupSubject {
  /** Full dataset type name, possibly with a component (`calexp.wcs`). */
  readonly datasetTypeName: string
  /** Storage class of the dataset type (or component). */
  readonly storageClassName: string
  /** Storage class of the parent, for components. */
  readonly parentStorageClassName?: string | undefined
  /** Instrument value of the data ID, if it has one. */
  readonly instrument?: string | undefined
  /**
   * Whether a `+`-joined dimensions key denotes this dataset type's dimensions. Keys are compared as
   * dimension groups (after expanding required and implied dimensions), so the caller supplies this.
   */
  readonly matchesDimensionsKey: (key: string) => boolean
}

/** Finds the first configured value for a subject in a lookup map (or its `default`). */
export function lookupConfig<T>(
  config: Readonly<Record<string, unknown>>,
  subject: LookupSubject,
): T | undefined {
  const section = subject.instrument ? config[`instrument<${subject.instrument}>`] : undefined
  const sections: Record<string, unknown>[] = []
  if (section && typeof section === 'object') sections.push(section as Record<string, unknown>)
  sections.push(config as Record<string, unknown>)
  const names = [subject.datasetTypeName]
  const dot = subject.datasetTypeName.indexOf('.')
  if (dot > 0) names.push(subject.datasetTypeName.slice(0, dot))
  const storageClasses = [subject.storageClassName]
  if (subject.parentStorageClassName) storageClasses.push(subject.parentStorageClassName)

  for (const name of names) {
    for (const s of sections) if (Object.hasOwn(s, name)) return s[name] as T
  }
  for (const s of sections) {
    for (const key of Object.keys(s)) {
      if (key.includes('+') && subject.matchesDimensionsKey(key)) return s[key] as T
    }
  }
  for (const sc of storageClasses) {
    for (const s of sections) if (Object.hasOwn(s, sc)) return s[sc] as T
  }
  for (const s of sections) if (Object.hasOwn(s, 'default')) return s.default as T
  return undefined
}
