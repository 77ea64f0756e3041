#!/usr/bin/env node
/**
 * Entry point of the `butler` command (bin in package.json; `npm run build` bundles it into
 * dist/butler.mjs so it starts without resolving hundreds of modules).
 */
import { runCli } from './program.js'

// `butler query-datasets ... | head` closes the pipe early: stop quietly instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    throw error
  })
}

process.exitCode = await runCli(process.argv)
