/**
 * Reading a dataset from its stored artifacts, whatever the datastore: choosing the artifact (the whole
 * file, or one component's file of a disassembled composite), letting the formatter read what it can
 * natively (a component, some columns, a bounding box) from a random-access source, extracting
 * components, applying the remaining read parameters in memory, reassembling disassembled composites
 * and converting to the storage class the caller asked for.
 *
 * A datastore supplies only `open`: a `ByteSource` over one recorded artifact.
 */

import type { DatasetRef } from '../datasets/dataset-ref.js'
import type { StorageClass, StorageClassFactory } from '../datasets/storage-class.js'
import type { StoredFileInfo } from '../datasets/stored-file-info.js'
import { DatasetNotFoundError } from '../errors.js'
import type { ByteSource } from '../formatters/byte-source.js'
import type { Formatter, FormatterReadResult } from '../formatters/formatter.js'
import type { FormatterFactory } from '../formatters/formatter-factory.js'
import type { DatastoreGetOptions } from './datastore.js'

/** A source over one artifact, and how to let it go. */
export interface OpenedArtifact {
  readonly source: ByteSource
  close(): Promise<void>
}

/** What the reader needs from a datastore. */
export interface DatasetReaderHost {
  /** Name of the datastore, for messages. */
  readonly name: string
  readonly storageClasses: StorageClassFactory
  readonly formatters: FormatterFactory
  /** Opens one recorded artifact (checking its recorded size, and checksum when asked). */
  open(record: StoredFileInfo, options: { readonly verifyChecksum: boolean }): Promise<OpenedArtifact>
}

type Params = Readonly<Record<string, unknown>>

const NO_PARAMS: Params = Object.freeze({})

/**
 * Reads `ref` (a dataset or a component of one) from its records, returning an instance of
 * `options.storageClass` when given, else of the ref's dataset type's storage class.
 */
export async function readDataset(
  host: DatasetReaderHost,
  ref: DatasetRef,
  records: readonly StoredFileInfo[] | undefined,
  options: DatastoreGetOptions = {},
): Promise<unknown> {
  if (!records || records.length === 0) {
    throw new DatasetNotFoundError(`Dataset ${ref} has no artifact in ${host.name}`)
  }
  const factory = host.storageClasses
  const wanted = factory.get(options.storageClass ?? ref.datasetType.storageClassName)
  const params = options.parameters ?? NO_PARAMS
  const verifyChecksum = options.verifyChecksum ?? false
  const whole = records.find((r) => r.component === '')
  const component = ref.datasetType.component

  if (component === undefined) {
    if (whole) {
      const { value, storageClass } = await readRecord(host, whole, params, undefined, verifyChecksum)
      return convert(factory, value, storageClass, wanted)
    }
    const composite = factory.get(ref.datasetType.storageClassName)
    const assembled = await assemble(host, composite, records, params, verifyChecksum)
    return convert(factory, assembled, composite, wanted)
  }

  const own = records.find((r) => r.component === component)
  if (own) {
    const { value, storageClass } = await readRecord(host, own, params, undefined, verifyChecksum)
    return convert(factory, value, storageClass, wanted)
  }
  if (whole) {
    const { value, storageClass } = await readRecord(host, whole, params, component, verifyChecksum)
    return convert(factory, value, storageClass, wanted)
  }
  // A component of a disassembled composite that has no file of its own.
  const parentName = ref.datasetType.parentStorageClassName
  const parent = factory.get(parentName ?? ref.datasetType.storageClassName)
  const componentClass = factory.get(parent.componentClassName(component))
  if (Object.hasOwn(parent.components, component)) {
    throw new DatasetNotFoundError(
      `Dataset ${ref} has no stored component '${component}' in ${host.name} (stored: ${storedComponents(records)})`,
    )
  }
  // A derived component: compute it from one real component that derives the same thing (the bbox of
  // an exposure is its image's), else from the reassembled whole.
  for (const record of records) {
    const partClass = factory.get(record.storageClass)
    if (Object.hasOwn(partClass.derivedComponents, component)) {
      const { value, storageClass } = await readRecord(host, record, params, component, verifyChecksum)
      return convert(factory, value, storageClass, wanted)
    }
  }
  const assembled = await assemble(host, parent, records, NO_PARAMS, verifyChecksum)
  const value = componentClass.handleParameters(parent.getComponent(assembled, component), nonEmpty(params))
  return convert(factory, value, componentClass, wanted)
}

/**
 * Reads one artifact; with `component`, only that component of what it holds. Returns the value and
 * the storage class it is an instance of (the record's, or the component's).
 */
async function readRecord(
  host: DatasetReaderHost,
  record: StoredFileInfo,
  params: Params,
  component: string | undefined,
  verifyChecksum: boolean,
): Promise<{ value: unknown; storageClass: StorageClass }> {
  const factory = host.storageClasses
  const stored = factory.get(record.storageClass)
  const target = component === undefined ? stored : factory.get(stored.componentClassName(component))
  target.validateParameters(params)
  const formatter = host.formatters.getByName(record.formatter)
  // Formatters that cannot read a component alone read the whole, without the component's parameters.
  const native = component === undefined || formatter.readsComponents === true
  const ctx = {
    storageClass: stored,
    readParameters: native ? params : NO_PARAMS,
    location: record.path,
    ...(component === undefined ? {} : { component }),
  }
  const opened = await host.open(record, { verifyChecksum })
  let result: FormatterReadResult
  try {
    result = await readWith(formatter, opened.source, ctx)
  } finally {
    await opened.close()
  }
  let value = result.value
  let applied = native ? result.appliedParameters : []
  if (component !== undefined && !result.component) {
    value = stored.getComponent(value, component)
    applied = []
  }
  const remaining = Object.fromEntries(Object.entries(params).filter(([k]) => !applied.includes(k)))
  return { value: target.handleParameters(value, nonEmpty(remaining)), storageClass: target }
}

function readWith(
  formatter: Formatter,
  source: ByteSource,
  ctx: Parameters<Formatter['fromBytes']>[1],
): Promise<FormatterReadResult> {
  if (formatter.readFrom) return formatter.readFrom(source, ctx)
  return source.readAll().then((bytes) => formatter.fromBytes(bytes, ctx))
}

/**
 * Reads every component file of a disassembled composite concurrently and assembles them. A read
 * parameter goes to each component whose storage class accepts it (a `bbox` to the image, mask and
 * variance); parameters no component accepts are applied to the assembled object.
 */
async function assemble(
  host: DatasetReaderHost,
  composite: StorageClass,
  records: readonly StoredFileInfo[],
  params: Params,
  verifyChecksum: boolean,
): Promise<unknown> {
  const factory = host.storageClasses
  composite.validateParameters(params)
  const handled = new Set<string>()
  const parts = await Promise.all(
    records.map(async (record) => {
      if (!Object.hasOwn(composite.components, record.component)) {
        throw new DatasetNotFoundError(
          `Stored component '${record.component}' is not a component of storage class '${composite.name}'`,
        )
      }
      const partClass = factory.get(record.storageClass)
      const own: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(params)) {
        if (partClass.parameters.includes(k)) {
          own[k] = v
          handled.add(k)
        }
      }
      const { value, storageClass } = await readRecord(host, record, own, undefined, verifyChecksum)
      const expected = factory.get(composite.components[record.component]!)
      return [record.component, await convert(factory, value, storageClass, expected)] as const
    }),
  )
  const assembled = composite.assemble(Object.fromEntries(parts))
  const remaining = Object.fromEntries(Object.entries(params).filter(([k]) => !handled.has(k)))
  return composite.handleParameters(assembled, nonEmpty(remaining))
}

function convert(
  factory: StorageClassFactory,
  value: unknown,
  from: StorageClass,
  to: StorageClass,
): unknown | Promise<unknown> {
  if (from === to || from.name === to.name) return value
  return factory.convert(value, from, to)
}

function nonEmpty(params: Params): Params | undefined {
  return Object.keys(params).length > 0 ? params : undefined
}

function storedComponents(records: readonly StoredFileInfo[]): string {
  return records.map((r) => r.component || '(whole)').join(', ')
}
