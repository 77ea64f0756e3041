/**
 * Loads the package's own storage class definitions (`config/storage-classes.yaml`).
 */
import { StorageClassFactory } from '../datasets/storage-class.js'
import { ConfigError } from '../errors.js'
import { readPackageFile } from '../internal/package-files.js'

/** Path of the default storage class config, relative to the package root. */
export const DEFAULT_STORAGE_CLASSES_PATH = 'config/storage-classes.yaml'

let cachedText: string | undefined

/** Returns a new factory holding the default storage classes (the YAML is read once per process). */
export function loadDefaultStorageClasses(): StorageClassFactory {
  if (cachedText === undefined) {
    try {
      cachedText = readPackageFile(DEFAULT_STORAGE_CLASSES_PATH)
    } catch (cause) {
      throw new ConfigError(`Cannot read the default storage classes (${DEFAULT_STORAGE_CLASSES_PATH})`, {
        cause,
      })
    }
  }
  return StorageClassFactory.fromYaml(cachedText)
}
