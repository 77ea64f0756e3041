/**
 * Which composite datasets are written disassembled (one file per component) rather than as one file.
 *
 * Config (`datastore.composites` in `butler.yaml`), as in the reference:
 * `{ default: false, disassembled: { calexp: true, ExposureF: true, 'instrument<HSC>': { ... } } }`.
 * Keys of `disassembled` follow the usual lookup order (dataset type, dimensions, storage class); the
 * first match wins, else `default`. Only storage classes with real components can be disassembled.
 */

import { type LookupSubject, lookupConfig } from '../datasets/lookup-keys.js'
import type { StorageClass } from '../datasets/storage-class.js'
import { ConfigError } from '../errors.js'

/** The `composites` section of a datastore config. */
export interface CompositesConfig {
  /** Whether composites without a matching key are disassembled (default false). */
  readonly default?: boolean
  /** Lookup key -> whether to disassemble; `instrument<NAME>` sections may nest the same keys. */
  readonly disassembled?: Readonly<Record<string, boolean | Readonly<Record<string, boolean>>>>
}

/** Decides per dataset whether a composite is disassembled. */
export class CompositesPolicy {
  readonly #default: boolean
  readonly #entries: Readonly<Record<string, unknown>>

  constructor(config: CompositesConfig = {}) {
    this.#default = config.default ?? false
    const entries: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(config.disassembled ?? {})) {
      if (key === '__null__') continue // the reference's placeholder entry
      if (typeof value === 'boolean') entries[key] = value
      else if (key.startsWith('instrument<') && typeof value === 'object' && value !== null) {
        for (const [inner, v] of Object.entries(value)) {
          if (typeof v !== 'boolean') {
            throw new ConfigError(`datastore.composites.disassembled.${key}.${inner} must be true or false`)
          }
        }
        entries[key] = value
      } else {
        throw new ConfigError(`datastore.composites.disassembled.${key} must be true or false`)
      }
    }
    this.#entries = entries
  }

  /** True when a dataset of this subject and storage class is written one file per component. */
  shouldDisassemble(subject: LookupSubject, storageClass: StorageClass): boolean {
    if (!storageClass.isComposite()) return false
    return lookupConfig<boolean>(this.#entries, subject) ?? this.#default
  }
}
