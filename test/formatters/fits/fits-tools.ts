/**
 * Independent FITS tools for cross-checks: HEASARC's `fitsverify` and Debian's astropy (run with
 * `/usr/bin/python3`, not the `python3` on PATH, which may be another Python without astropy).
 */
import { spawnSync } from 'node:child_process'

/** The Python that has Debian's astropy. */
export const SYSTEM_PYTHON = '/usr/bin/python3'

const availability = new Map<string, boolean>()

function available(name: string, probe: () => boolean): boolean {
  let ok = availability.get(name)
  if (ok === undefined) {
    ok = probe()
    availability.set(name, ok)
  }
  return ok
}

/** A skip reason when the tool is missing; in CI (which installs it) throws instead, so the test fails. */
function skipUnless(ok: boolean, what: string, how: string): string | false {
  if (ok) return false
  if (process.env.CI) throw new Error(`CI must provide ${what} (${how} failed)`)
  return `${what} is not available (${how} failed)`
}

/** Skip reason (or false) for tests that need `fitsverify`. */
export function fitsverifySkip(): string | false {
  const ok = available('fitsverify', () => {
    const r = spawnSync('fitsverify', ['-h'], { stdio: 'ignore' })
    return r.error === undefined
  })
  return skipUnless(ok, 'fitsverify', 'running fitsverify')
}

/** Skip reason (or false) for tests that need astropy. */
export function astropySkip(): string | false {
  const ok = available('astropy', () => {
    const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import astropy.io.fits'], { stdio: 'ignore' })
    return r.status === 0
  })
  return skipUnless(ok, 'astropy for /usr/bin/python3', `${SYSTEM_PYTHON} -c "import astropy.io.fits"`)
}

/** The result of `fitsverify` on one file. */
export interface FitsverifyResult {
  readonly warnings: number
  readonly errors: number
  /** The full report, to print when a check fails. */
  readonly output: string
}

/** Runs `fitsverify` (all checks, warnings included) and parses its summary line. */
export function fitsverify(path: string): FitsverifyResult {
  const r = spawnSync('fitsverify', [path], { encoding: 'utf8' })
  const output = `${r.stdout}\n${r.stderr}`
  const m = /Verification found (\d+) warning\(s\) and (\d+) error\(s\)/.exec(output)
  // A file CFITSIO cannot even open aborts the verification without a summary.
  if (!m && /Abort Verification: Fatal Error/.test(output)) return { warnings: 0, errors: 1, output }
  if (!m) throw new Error(`fitsverify printed no summary:\n${output}`)
  return { warnings: Number(m[1]), errors: Number(m[2]), output }
}

/** Runs a Python script with astropy's Python and returns its stdout, failing with its stderr. */
export function runAstropy(script: string, ...args: string[]): string {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`${SYSTEM_PYTHON} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

/**
 * Python helpers shared by the astropy scripts: `dump_header(h)` lists the cards as
 * `[keyword, type, text, comment]` (integers as text so JSON keeps all digits, floats as repr) and
 * `dump_array(a)` gives `{dtype, shape, b64}` with the elements little-endian.
 */
export const PY_DUMP = `
import base64, json, sys, warnings
import numpy as np
from astropy.io import fits
warnings.simplefilter('ignore')

def dump_value(v):
    if v is None or isinstance(v, fits.card.Undefined):
        return ['null', '']
    if isinstance(v, (bool, np.bool_)):
        return ['bool', 'T' if v else 'F']
    if isinstance(v, (int, np.integer)):
        return ['int', str(int(v))]
    if isinstance(v, (float, np.floating)):
        return ['float', repr(float(v))]
    return ['str', str(v)]

def dump_header(h):
    out = []
    for card in h.cards:
        t, text = dump_value(card.value)
        if card.keyword in ('COMMENT', 'HISTORY', ''):
            t, text = 'commentary', str(card.value)
        out.append([card.keyword, t, text, card.comment])
    return out

def dump_array(a):
    a = np.asarray(a)
    le = a.astype(a.dtype.newbyteorder('<'))
    return {'dtype': a.dtype.name, 'shape': list(a.shape), 'b64': base64.b64encode(np.ascontiguousarray(le).tobytes()).decode()}
`
