import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LookupSubject } from '../../src/datasets/lookup-keys.js'
import { FormatterError } from '../../src/errors.js'
import { loadDefaultStorageClasses } from '../../src/formatters/default-storage-classes.js'
import { FormatterFactory } from '../../src/formatters/formatter-factory.js'
import { JsonFormatter } from '../../src/formatters/json-formatter.js'

const storageClasses = loadDefaultStorageClasses()

function subject(
  datasetTypeName: string,
  storageClassName: string,
  extra: { instrument?: string; dimensions?: string[]; parentStorageClassName?: string } = {},
): LookupSubject {
  const dims = new Set(extra.dimensions ?? [])
  return {
    datasetTypeName,
    storageClassName,
    parentStorageClassName: extra.parentStorageClassName,
    instrument: extra.instrument,
    matchesDimensionsKey: (key) => {
      const parts = key.split('+')
      return parts.length === dims.size && parts.every((p) => dims.has(p))
    },
  }
}

describe('FormatterFactory', () => {
  it('uses the built-in default of each storage class, and of the runtime type for inherited ones', () => {
    const factory = new FormatterFactory({ storageClasses })
    const expected: Record<string, string> = {
      StructuredDataDict: 'JsonFormatter',
      StructuredDataList: 'JsonFormatter',
      Text: 'TextFormatter',
      Bytes: 'BytesFormatter',
      int: 'JsonFormatter',
      float: 'JsonFormatter',
      NumpyArray: 'NpyFormatter',
      ArrowTable: 'ParquetFormatter',
      Thumbnail: 'NpyFormatter',
      ArrowColumnList: 'JsonFormatter',
    }
    for (const [sc, name] of Object.entries(expected)) {
      assert.equal(factory.getFormatter(subject('x', sc)).formatter.name, name, sc)
    }
    assert.throws(
      () => factory.getFormatter(subject('x', 'ArrowSchema')),
      /No formatter configured for dataset type 'x'/,
    )
    assert.throws(() => new FormatterFactory().getFormatter(subject('x', 'Thumbnail')), FormatterError)
  })

  it('selects by dataset type, parent, dimensions, storage class and instrument section, in that order', () => {
    const config = {
      calexp: 'YamlFormatter',
      'deepCoadd+x': 'TextFormatter',
      'visit+detector': 'NpyFormatter',
      StructuredDataDict: { formatter: 'JsonFormatter', parameters: { indent: 2 } },
      'instrument<HSC>': { StructuredDataDict: 'YamlFormatter', calexp: 'TextFormatter' },
    }
    const factory = new FormatterFactory({ config, storageClasses })
    const pick = (s: LookupSubject) => factory.getFormatter(s)
    assert.equal(pick(subject('calexp', 'NumpyArray')).formatter.name, 'YamlFormatter', 'dataset type')
    assert.equal(pick(subject('calexp.wcs', 'StructuredDataDict')).formatter.name, 'YamlFormatter', 'parent')
    assert.equal(
      pick(subject('src', 'StructuredDataDict', { dimensions: ['detector', 'visit'] })).formatter.name,
      'NpyFormatter',
      'dimensions beat storage class',
    )
    const bySc = pick(subject('metrics', 'StructuredDataDict'))
    assert.equal(bySc.formatter.name, 'JsonFormatter', 'storage class')
    assert.deepEqual(bySc.writeParameters, { indent: 2 })
    assert.equal(
      pick(subject('metrics', 'StructuredDataDict', { instrument: 'HSC' })).formatter.name,
      'YamlFormatter',
    )
    assert.equal(pick(subject('calexp', 'NumpyArray', { instrument: 'HSC' })).formatter.name, 'TextFormatter')
    assert.equal(
      pick(subject('calexp', 'NumpyArray', { instrument: 'LSSTCam' })).formatter.name,
      'YamlFormatter',
    )
    assert.equal(
      pick(subject('thing.part', 'Text', { parentStorageClassName: 'StructuredDataDict' })).formatter.name,
      'JsonFormatter',
      'parent storage class',
    )
  })

  it('merges per-formatter default write parameters under entry parameters, and accepts a fallback default', () => {
    const factory = new FormatterFactory({
      config: {
        default: {
          'lsst.daf.butler.formatters.parquet.ParquetFormatter': { compression: 'zstd', rowGroupSize: 10 },
        },
        big: { formatter: 'ParquetFormatter', parameters: { rowGroupSize: 100 } },
      },
    })
    assert.deepEqual(factory.getFormatter(subject('t', 'ArrowTable')).writeParameters, {
      compression: 'zstd',
      rowGroupSize: 10,
    })
    assert.deepEqual(factory.getFormatter(subject('big', 'ArrowTable')).writeParameters, {
      compression: 'zstd',
      rowGroupSize: 100,
    })
    const fallback = new FormatterFactory({ config: { default: 'YamlFormatter' } })
    assert.equal(fallback.getFormatter(subject('anything', 'Unknown')).formatter.name, 'YamlFormatter')
  })

  it('configures the bytes extension through parameters', () => {
    const factory = new FormatterFactory({
      config: { raw: { formatter: 'BytesFormatter', parameters: { extension: '.fits' } } },
    })
    assert.equal(factory.getFormatter(subject('raw', 'Bytes')).formatter.extension, '.fits')
    assert.equal(factory.getFormatter(subject('other', 'Bytes')).formatter.extension, '.bin')
  })

  it('resolves recorded names, including the reference Python class names', () => {
    const factory = new FormatterFactory()
    assert.equal(factory.getByName('NpyFormatter').name, 'NpyFormatter')
    assert.equal(factory.getByName('lsst.daf.butler.formatters.json.JsonFormatter').name, 'JsonFormatter')
    assert.equal(factory.getByName('lsst.daf.butler.formatters.yaml.YamlFormatter').name, 'YamlFormatter')
    assert.equal(
      factory.getByName('lsst.daf.butler.formatters.parquet.ParquetFormatter').name,
      'ParquetFormatter',
    )
    assert.throws(
      () => factory.getByName('lsst.daf.butler.formatters.pickle.PickleFormatter'),
      (e: Error) =>
        e instanceof FormatterError && /PickleFormatter.*known formatters: BytesFormatter/.test(e.message),
    )
  })

  it('accepts plug-in formatters and rejects bad config up front', () => {
    const plugin = new FormatterFactory({
      formatters: { MyFormatter: () => Object.assign(new JsonFormatter(), { name: 'MyFormatter' }) },
      aliases: { 'my.python.Formatter': 'MyFormatter' },
      config: { mine: 'MyFormatter' },
    })
    assert.equal(plugin.getFormatter(subject('mine', 'int')).formatter.name, 'MyFormatter')
    assert.equal(plugin.getByName('my.python.Formatter').name, 'MyFormatter')
    for (const config of [
      { calexp: 'NoSuchFormatter' },
      { calexp: { formatter: 'JsonFormatter', parameters: 3 } },
      { calexp: 42 },
      { 'instrument<HSC>': { calexp: 'Nope' } },
      { default: { JsonFormatter: 'indent' } },
    ]) {
      assert.throws(() => new FormatterFactory({ config }), FormatterError, JSON.stringify(config))
    }
  })
})
