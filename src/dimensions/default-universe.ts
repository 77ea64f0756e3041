/**
 * The default dimension universe shipped with the package.
 */
import { readPackageFile } from '../internal/package-files.js'
import { DimensionUniverse } from './dimension-universe.js'

let cached: DimensionUniverse | undefined

/** The package's default universe (`config/dimensions.yaml`, equivalent to reference version 8). */
export function defaultUniverse(): DimensionUniverse {
  cached ??= DimensionUniverse.fromYaml(readPackageFile('config/dimensions.yaml'), 'config/dimensions.yaml')
  return cached
}
