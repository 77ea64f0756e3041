#!/usr/bin/env node
/**
 * Entry point of the `butler` command (bin in package.json).
 */
import { runCli } from './program.js'

process.exitCode = await runCli(process.argv)
