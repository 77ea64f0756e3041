/**
 * Access to the files this package ships (default configs under `config/`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | undefined

/** The package's root folder (the one holding package.json), from source or compiled code alike. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('Cannot find the package root of data-butler')
    dir = parent
  }
  root = dir
  return dir
}

/** Reads a file shipped with the package, by its path relative to the package root. */
export function readPackageFile(relativePath: string): string {
  return readFileSync(join(packageRoot(), relativePath), 'utf8')
}
