/**
 * The registry's tables (see `docs/registry-schema.md`): static tables, one table per dimension
 * element that has records (plus a `<element>_skypix_overlap` table per element with a region), one
 * `dataset_tags_NNNNNNNN` table per dimension group of dataset types, and one `dataset_calibs_NNNNNNNN`
 * table per dimension group of calibration dataset types.
 */
import { type ColumnDataType, type CreateTableBuilder, sql } from 'kysely'
import type { FieldConfig } from '../../dimensions/dimension-config.js'
import type { DimensionElement } from '../../dimensions/dimension-element.js'
import type { DimensionGroup } from '../../dimensions/dimension-group.js'
import type { DimensionUniverse } from '../../dimensions/dimension-universe.js'
import type { AnyKysely, SqlDialectAdapter } from './dialect-adapter.js'
import { keyColumns, TIMESPAN_BEGIN, TIMESPAN_END } from './dimension-columns.js'
import { hasOverlapTable, overlapTableName } from './skypix.js'

/**
 * Version of the schema this code writes; a database with another major version is refused (2.0.0
 * added collection chains and calibration tables, 3.0.0 the skypix overlap tables; there is no
 * migration from older versions). 3.1.0 stores dataset IDs as `uuid` in PostgreSQL, leaves out the
 * row-by-row foreign keys of `dataset` and the tag tables (the registry checks and locks the rows
 * they refer to once per write instead), adds per-dimension tag indexes and the validity exclusion
 * constraint of PostgreSQL calibration tables; this code reads and writes 3.0.0 databases unchanged.
 * 3.2.0 adds the provenance tables (`createProvenanceTables`), which opening an older 3.x database
 * creates.
 */
export const SCHEMA_VERSION = '3.2.0'
/** `butler_attributes` key of the schema version. */
export const SCHEMA_VERSION_KEY = 'schema_version'
/** `butler_attributes` key of the universe config (JSON). */
export const UNIVERSE_CONFIG_KEY = 'config:dimensions.json'

/** Creates the tables that do not depend on the universe or on dataset types. */
export async function createStaticTables(db: AnyKysely, adapter: SqlDialectAdapter): Promise<void> {
  const { autoIncrementType, bigintType, uuidType } = adapter
  await db.schema
    .createTable('butler_attributes')
    .addColumn('name', 'varchar(1024)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('collection')
    .addColumn('collection_id', autoIncrementType, (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('type', 'smallint', (c) => c.notNull().check(sqlCheck('type between 1 and 4')))
    .addColumn('doc', 'text')
    .execute()
  await db.schema
    .createTable('collection_chain')
    .addColumn('parent', bigintType, (c) =>
      c.notNull().references('collection.collection_id').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (c) => c.notNull())
    // No cascade: a collection cannot go while a chain lists it.
    .addColumn('child', bigintType, (c) => c.notNull().references('collection.collection_id'))
    .addPrimaryKeyConstraint('collection_chain_pk', ['parent', 'position'])
    .addUniqueConstraint('collection_chain_unq', ['parent', 'child'])
    .execute()
  await db.schema.createIndex('collection_chain_child_idx').on('collection_chain').column('child').execute()
  await db.schema
    .createTable('run')
    .addColumn('collection_id', bigintType, (c) =>
      c.primaryKey().references('collection.collection_id').onDelete('cascade'),
    )
    .addColumn('host', 'varchar(128)')
    .addColumn(TIMESPAN_BEGIN, bigintType)
    .addColumn(TIMESPAN_END, bigintType)
    .execute()
  await db.schema
    .createTable('dimension_group')
    .addColumn('id', autoIncrementType, (c) => c.primaryKey())
    .addColumn('names', 'text', (c) => c.notNull().unique())
    .execute()
  await db.schema
    .createTable('dataset_type')
    .addColumn('id', autoIncrementType, (c) => c.primaryKey())
    .addColumn('name', 'varchar(128)', (c) => c.notNull().unique())
    .addColumn('storage_class', 'varchar(64)', (c) => c.notNull())
    .addColumn('dimensions_key', bigintType, (c) => c.notNull().references('dimension_group.id'))
    .addColumn('is_calibration', 'boolean', (c) => c.notNull())
    .addColumn('tag_table', 'varchar(128)', (c) => c.notNull())
    .addColumn('calib_table', 'varchar(128)')
    .execute()
  await db.schema
    .createTable('dataset')
    .addColumn('id', uuidType, (c) => c.primaryKey())
    // No foreign keys to dataset_type and run: checked once per write (see SqlDatasets.write).
    .addColumn('dataset_type_id', bigintType, (c) => c.notNull())
    .addColumn('run_id', bigintType, (c) => c.notNull())
    .addColumn('ingest_date', bigintType, (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('dataset_run_idx')
    .on('dataset')
    .columns(['run_id', 'dataset_type_id'])
    .execute()
  await db.schema
    .createTable('dataset_location')
    .addColumn('datastore_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('dataset_id', uuidType, (c) => c.notNull().references('dataset.id'))
    .addPrimaryKeyConstraint('dataset_location_pk', ['dataset_id', 'datastore_name'])
    .execute()
  await db.schema
    .createTable('dataset_location_trash')
    .addColumn('id', autoIncrementType, (c) => c.primaryKey())
    .addColumn('datastore_name', 'varchar(256)', (c) => c.notNull())
    .addColumn('dataset_id', uuidType, (c) => c.notNull())
    .addUniqueConstraint('dataset_location_trash_unq', ['dataset_id', 'datastore_name'])
    .execute()
  await db.schema
    .createTable('file_datastore_records')
    .addColumn('dataset_id', uuidType, (c) => c.notNull())
    .addColumn('component', 'varchar(32)', (c) => c.notNull())
    .addColumn('path', 'varchar(256)', (c) => c.notNull())
    .addColumn('formatter', 'varchar(128)', (c) => c.notNull())
    .addColumn('storage_class', 'varchar(64)', (c) => c.notNull())
    .addColumn('checksum', 'varchar(128)')
    .addColumn('file_size', bigintType, (c) => c.notNull())
    .addPrimaryKeyConstraint('file_datastore_records_pk', ['dataset_id', 'component'])
    .execute()
  await db.schema
    .createIndex('file_datastore_records_path_idx')
    .on('file_datastore_records')
    .column('path')
    .execute()
  await createProvenanceTables(db, adapter)
}

/** Names of the provenance tables (schema 3.2.0). */
export const PROVENANCE_TABLES = ['dataset_provenance', 'dataset_provenance_input'] as const

/**
 * Creates the provenance tables where they are missing: one `dataset_provenance` row per dataset
 * with recorded provenance (task, quantum, extras as JSON text) and one `dataset_provenance_input`
 * row per input, in order. Inputs are references, not foreign keys: an input may be removed later
 * or live in another repository, so its run and dataset type are kept beside its UUID. Neither
 * table has a foreign key to `dataset`; removing datasets deletes their rows (see
 * docs/registry-schema.md). The index on `input_id` serves "what was made from this dataset".
 */
export async function createProvenanceTables(
  db: AnyKysely,
  adapter: SqlDialectAdapter,
  /** Column type of dataset IDs: that of `dataset.id` (older PostgreSQL registries store text). */
  uuidType: ColumnDataType = adapter.uuidType,
): Promise<void> {
  await db.schema
    .createTable('dataset_provenance')
    .ifNotExists()
    .addColumn('dataset_id', uuidType, (c) => c.primaryKey())
    .addColumn('task', 'text')
    .addColumn('quantum_id', uuidType)
    .addColumn('extras', 'text')
    .execute()
  await db.schema
    .createTable('dataset_provenance_input')
    .ifNotExists()
    .addColumn('dataset_id', uuidType, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('input_id', uuidType, (c) => c.notNull())
    .addColumn('input_run', 'text', (c) => c.notNull())
    .addColumn('input_dataset_type', 'text', (c) => c.notNull())
    .addColumn('extras', 'text')
    .addPrimaryKeyConstraint('dataset_provenance_input_pk', ['dataset_id', 'position'])
    .execute()
  await db.schema
    .createIndex('dataset_provenance_input_idx')
    .ifNotExists()
    .on('dataset_provenance_input')
    .column('input_id')
    .execute()
}

/**
 * Creates one table per element that has records of its own, in universe order, and the skypix overlap
 * table of each element with a region.
 */
export async function createElementTables(
  db: AnyKysely,
  adapter: SqlDialectAdapter,
  universe: DimensionUniverse,
): Promise<void> {
  for (const element of universe.elements) {
    if (!element.hasOwnTable) continue
    let t: CreateTableBuilder<string, string> = db.schema.createTable(element.name)
    for (const f of element.fields) {
      if (f.role === 'timespan') {
        t = t.addColumn(TIMESPAN_BEGIN, adapter.bigintType).addColumn(TIMESPAN_END, adapter.bigintType)
      } else if (f.role === 'region') {
        t = t.addColumn(f.name, adapter.blobType)
      } else {
        const nullable =
          f.role === 'implied' || f.role === 'metadata' ? f.nullable || f.role === 'implied' : false
        t = t.addColumn(f.name, columnType(f, adapter), (c) => (nullable ? c : c.notNull()))
      }
    }
    const key = keyColumns(element)
    t = t.addPrimaryKeyConstraint(`${element.name}_pk`, key)
    for (const alt of element.keys.slice(1)) {
      t = t.addUniqueConstraint(`${element.name}_${alt.name}_unq`, [
        ...element.requiredDependencies,
        alt.name,
      ])
    }
    for (const dep of element.requiredDependencies) {
      const target = universe.getElement(dep)
      if (!target.hasOwnTable) continue
      t = t.addForeignKeyConstraint(
        `${element.name}_fk_${dep}`,
        [...target.required],
        dep,
        keyColumns(target),
      )
    }
    await t.execute()
    if (hasOverlapTable(element)) await createOverlapTable(db, adapter, element)
  }
}

/**
 * Creates the overlap table of a spatial element: one row per record and common skypix pixel
 * (`htm7`) of the envelope of the record's region, keyed by the element's required dimensions (named
 * after the dimensions), with an index on the pixel for lookups by position.
 */
async function createOverlapTable(
  db: AnyKysely,
  adapter: SqlDialectAdapter,
  element: DimensionElement,
): Promise<void> {
  const name = overlapTableName(element.name)
  let t: CreateTableBuilder<string, string> = db.schema.createTable(name)
  for (const d of element.required) {
    const key = d === element.name ? element.primaryKey! : element.field(d)!
    t = t.addColumn(d, columnType(key, adapter), (c) => c.notNull())
  }
  t = t
    .addColumn('skypix_system', 'varchar(16)', (c) => c.notNull())
    .addColumn('skypix_level', 'smallint', (c) => c.notNull())
    .addColumn('skypix_index', adapter.bigintType, (c) => c.notNull())
    .addPrimaryKeyConstraint(`${name}_pk`, [
      ...element.required,
      'skypix_system',
      'skypix_level',
      'skypix_index',
    ])
    .addForeignKeyConstraint(`${name}_fk`, [...element.required], element.name, keyColumns(element), (fk) =>
      fk.onDelete('cascade'),
    )
  await t.execute()
  await db.schema
    .createIndex(`${name}_idx`)
    .on(name)
    .columns(['skypix_system', 'skypix_level', 'skypix_index'])
    .execute()
}

/** Creates the tag table of one dimension group: one row per dataset per collection it belongs to. */
export async function createTagTable(
  db: AnyKysely,
  adapter: SqlDialectAdapter,
  name: string,
  group: DimensionGroup,
): Promise<void> {
  let t = datasetColumns(db.schema.createTable(name).ifNotExists(), adapter, group, false)
  t = t
    .addPrimaryKeyConstraint(`${name}_pk`, ['dataset_id', 'collection_id'])
    .addUniqueConstraint(`${name}_unq`, ['dataset_type_id', 'collection_id', ...group.required])
  await t.execute()
  // The unique constraint serves data IDs constrained from the left of `group.required`; each
  // dimension whose key is not a prefix of it gets an index of its own, e.g. (dataset_type_id,
  // instrument, visit) beside (..., instrument, detector, visit), as `visit = 123` queries need.
  for (const dim of group.required) {
    const key = group.universe.getElement(dim).required
    if (key.every((k, i) => group.required[i] === k)) continue
    await db.schema
      .createIndex(`${name}_${dim}_idx`)
      .ifNotExists()
      .on(name)
      .columns(['dataset_type_id', ...key])
      .execute()
  }
}

/**
 * Creates the calibration table of one dimension group: one row per validity range of a dataset in a
 * CALIBRATION collection. Ranges are half-open `[validity_begin, validity_end)` in TAI nanoseconds;
 * the rule that ranges of one type + data ID in one collection never overlap is checked by the code
 * and, where the engine can (PostgreSQL), enforced by the database too.
 */
export async function createCalibTable(
  db: AnyKysely,
  adapter: SqlDialectAdapter,
  name: string,
  group: DimensionGroup,
): Promise<void> {
  const existed = await adapter.hasTable(name, db)
  let t = datasetColumns(
    db.schema
      .createTable(name)
      .ifNotExists()
      .addColumn('id', adapter.autoIncrementType, (c) => c.primaryKey()),
    adapter,
    group,
    true,
  )
  t = t
    .addColumn(VALIDITY_BEGIN, adapter.bigintType, (c) => c.notNull())
    .addColumn(VALIDITY_END, adapter.bigintType, (c) => c.notNull())
  await t.execute()
  await db.schema
    .createIndex(`${name}_idx`)
    .ifNotExists()
    .on(name)
    .columns(['dataset_type_id', 'collection_id', ...group.required])
    .execute()
  await db.schema.createIndex(`${name}_dataset_idx`).ifNotExists().on(name).column('dataset_id').execute()
  if (!existed && adapter.excludeOverlappingValidity) {
    await adapter.excludeOverlappingValidity(db, name, [
      'dataset_type_id',
      'collection_id',
      ...group.required,
    ])
  }
}

/**
 * The columns a tag or calibration table starts with: dataset type, dataset, collection, data ID.
 * Calibration tables have foreign keys to the dataset (cascade), its type and the collection (cascade).
 * Tag tables, the bulk of the registry, have none, since PostgreSQL checks them row by row: writers
 * check and lock the rows they refer to once per statement, and removals delete tag rows themselves
 * (see docs/registry-schema.md, "Writers and foreign keys").
 */
function datasetColumns(
  table: CreateTableBuilder<string, string>,
  adapter: SqlDialectAdapter,
  group: DimensionGroup,
  foreignKeys: boolean,
): CreateTableBuilder<string, string> {
  let t = table
    .addColumn('dataset_type_id', adapter.bigintType, (c) =>
      foreignKeys ? c.notNull().references('dataset_type.id') : c.notNull(),
    )
    .addColumn('dataset_id', adapter.uuidType, (c) =>
      foreignKeys ? c.notNull().references('dataset.id').onDelete('cascade') : c.notNull(),
    )
    .addColumn('collection_id', adapter.bigintType, (c) =>
      foreignKeys ? c.notNull().references('collection.collection_id').onDelete('cascade') : c.notNull(),
    )
  for (const dim of group.required) {
    t = t.addColumn(dim, columnType(group.universe.getDimension(dim).primaryKey!, adapter), (c) =>
      c.notNull(),
    )
  }
  return t
}

/** Begin column of a validity range in a calibration table. */
export const VALIDITY_BEGIN = 'validity_begin'
/** End column of a validity range in a calibration table. */
export const VALIDITY_END = 'validity_end'

/** The calibration table name of an interned dimension group ID. */
export function calibTableName(dimensionsKey: number): string {
  return `dataset_calibs_${String(dimensionsKey).padStart(8, '0')}`
}

/** The tag table name of an interned dimension group ID. */
export function tagTableName(dimensionsKey: number): string {
  return `dataset_tags_${String(dimensionsKey).padStart(8, '0')}`
}

function columnType(field: FieldConfig, adapter: SqlDialectAdapter): ColumnDataType {
  switch (field.type) {
    case 'int':
      return adapter.bigintType
    case 'float':
      return adapter.floatType
    case 'bool':
      return 'boolean'
    case 'hash':
      return adapter.blobType
    case 'string':
      return `varchar(${field.length ?? 256})` as ColumnDataType
  }
}

function sqlCheck(expression: string) {
  return sql.raw<boolean>(expression)
}
