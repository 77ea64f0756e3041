import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { FormatterError, StorageClassError } from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { YamlFormatter } from '../../src/formatters/yaml-formatter.js'
import { pythonSkip, runPython } from './python-helper.js'

const storageClasses = loadDefaultStorageClasses()
const dict = storageClasses.get('StructuredDataDict')
const list = storageClasses.get('StructuredDataList')
const yaml = new YamlFormatter()

const SAMPLE = {
  name: 'calexp',
  flags: ['yes', 'no', 'on', 'off', 'null', '2020-01-01', '0777', '1e3', '1.5e3', '1.5e+3'],
  nested: { a: 1, b: 2.5, c: true, d: null, e: [{ f: 'g' }] },
  shared: [1, 2],
  again: [1, 2],
}

describe('YamlFormatter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yaml-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('round-trips dicts and lists, keeping look-alike strings as strings', async () => {
    const [bytes] = await yaml.toBytes(SAMPLE, { storageClass: dict, writeParameters: {} })
    assert.ok(bytes)
    assert.deepEqual((await yaml.fromBytes(bytes, { storageClass: dict, readParameters: {} })).value, SAMPLE)
    const [listBytes] = await yaml.toBytes([1, 'a', { b: [] }], { storageClass: list, writeParameters: {} })
    assert.deepEqual((await yaml.fromBytes(listBytes!, { storageClass: list, readParameters: {} })).value, [
      1,
      'a',
      { b: [] },
    ])
  })

  it('reads unquoted values by YAML 1.1 rules, keeping timestamps as strings', async () => {
    const text = 'a: 1e3\nb: 2020-01-01\nc: on\nd: 1.5e+3\ne: 0x10\nf: 1.5e3\n'
    const { value } = await yaml.fromBytes(new TextEncoder().encode(text), {
      storageClass: dict,
      readParameters: {},
    })
    assert.deepEqual(value, { a: '1e3', b: '2020-01-01', c: true, d: 1500, e: 16, f: '1.5e3' })
  })

  it('writes no anchors/aliases for repeated objects', async () => {
    const shared = { x: 1 }
    const [bytes] = await yaml.toBytes({ a: shared, b: shared }, { storageClass: dict, writeParameters: {} })
    assert.doesNotMatch(new TextDecoder().decode(bytes), /[&*]/)
  })

  it('reports corrupt YAML and wrong content as FormatterError, wrong objects as StorageClassError', async () => {
    const read = (text: string) =>
      yaml.fromBytes(new TextEncoder().encode(text), { storageClass: dict, readParameters: {} })
    await assert.rejects(
      read('a: [1, 2\nb: {'),
      (e: Error) => e instanceof FormatterError && /invalid YAML/.test(e.message),
    )
    await assert.rejects(read('- 1\n- 2\n'), /holds array/)
    await assert.rejects(yaml.toBytes('text', { storageClass: dict, writeParameters: {} }), StorageClassError)
  })

  it('PyYAML (the reference reader) reads our output with the same values', {
    skip: pythonSkip('yaml'),
  }, async () => {
    const path = join(dir, 'sample.yaml')
    writeFileSync(path, (await yaml.toBytes(SAMPLE, { storageClass: dict, writeParameters: {} }))[0]!)
    const out = runPython(
      'import sys, json, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
      path,
    )
    assert.deepEqual(JSON.parse(out), SAMPLE)
    // And we read PyYAML's output.
    const written = runPython(
      `import sys, json, yaml\nsys.stdout.write(yaml.safe_dump(json.loads(sys.argv[1])))`,
      JSON.stringify(SAMPLE),
    )
    assert.deepEqual(
      (await yaml.fromBytes(new TextEncoder().encode(written), { storageClass: dict, readParameters: {} }))
        .value,
      SAMPLE,
    )
  })
})
