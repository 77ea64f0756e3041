/**
 * Spatial queries, checked against brute force done here on the decoded regions: region constants
 * (POINT, CIRCLE, BOX, POLYGON, REGION, binds), joins between spatial families (visit/detector with
 * tract/patch), skypix dimensions at the common and other levels, and the overlap tables kept in step
 * with inserts, replacements and syncs. Uses ci_hsc-subset.yaml with patches made here (the fixture
 * has only a tract), and base.yaml + spatial.yaml.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  Box,
  Circle,
  ConvexPolygon,
  DataCoordinate,
  DatasetType,
  type DirectButler,
  decodeRegion,
  HealpixPixelization,
  HtmPixelization,
  LonLat,
  openButler,
  type Pixelization,
  type Region,
  type SpatialValue,
  UnitVector3d,
} from '../../src/index.js'
import { createSqlRegistry } from '../../src/registry/sql/create-sql-registry.js'
import { commonSkypix, overlapIndices } from '../../src/registry/sql/skypix.js'
import { importFile } from '../../src/transfers/import-file.js'
import { fixture, fixturesSkip } from '../fixtures.js'
import {
  createTestRepository,
  DATABASES,
  freshSchema,
  PG_TEST_URL,
  selectRegistryRows,
} from '../support/databases.js'

const skip = fixturesSkip()
const SKYMAP = 'discrete/ci_hsc'

/** Regions of an element's records by data ID string (`visit/detector`, `tract/patch`). */
async function regionsOf(butler: DirectButler, element: string, keys: readonly string[]) {
  const out = new Map<string, Region>()
  for (const r of await butler.registry.fetchDimensionRecords(element)) {
    const bytes = r.get('region')
    if (bytes instanceof Uint8Array) out.set(keys.map((k) => String(r.get(k))).join('/'), decodeRegion(bytes))
  }
  return out
}

/** Keys of `regions` overlapping `value`, sorted. */
function overlapping(regions: Map<string, Region>, value: SpatialValue): string[] {
  return [...regions]
    .filter(([, r]) => r.overlaps(value))
    .map(([k]) => k)
    .sort()
}

/** Pixel indices (at the pixelization's level) overlapping `region`, found by testing `candidates`. */
function pixelsOverlapping(pix: Pixelization, region: Region, candidates: Iterable<number>): number[] {
  return [...candidates].filter((i) => pix.pixel(i).overlaps(region)).sort((a, b) => a - b)
}

function* rangeIndices(ranges: readonly (readonly [number, number])[]) {
  for (const [a, b] of ranges) for (let i = a; i < b; i++) yield i
}

function code(expected: string, message?: RegExp) {
  return (e: { code?: string; message: string }) => {
    assert.equal(e.code, expected, e.message)
    if (message) assert.match(e.message, message)
    return true
  }
}

for (const db of DATABASES) {
  describe(`spatial queries on ci_hsc-subset.yaml (${db.name})`, { skip: skip || db.skip }, () => {
    let dir = ''
    let butler: DirectButler
    let vdrs = new Map<string, Region>()
    let visits = new Map<string, Region>()
    let patches = new Map<string, Region>()
    const ids = async (dims: string[], options: object, keys = dims) =>
      (await butler.queryDataIds(dims, options).toArray())
        .map((d) => keys.map((k) => String(d.get(k))).join('/'))
        .sort()

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-spatial-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), { dataIdDefaults: { instrument: 'HSC', skymap: SKYMAP } })
      for (const f of ['ci_hsc-subset.yaml', 'ci_hsc-subset-skymap.yaml']) {
        await importFile(butler, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
      // A 6 x 6 grid of box patches over the tract's bounding box.
      const [tract] = await butler.registry.fetchDimensionRecords('tract')
      const box = decodeRegion(tract!.get('region') as Uint8Array).boundingBox()
      const n = 6
      const lon0 = box.lon.a
      const dLon = box.lon.size() / n
      const dLat = (box.latB - box.latA) / n
      const records = []
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const lonA = (lon0 + x * dLon) % (2 * Math.PI)
          const lonB = (lon0 + (x + 1) * dLon) % (2 * Math.PI)
          const region = Box.fromRadians(lonA, box.latA + y * dLat, lonB, box.latA + (y + 1) * dLat)
          records.push({
            skymap: SKYMAP,
            tract: 0,
            id: y * n + x,
            cell_x: x,
            cell_y: y,
            region: region.encode(),
          })
        }
      }
      await butler.insertDimensionRecords('patch', records)
      vdrs = await regionsOf(butler, 'visit_detector_region', ['visit', 'detector'])
      visits = await regionsOf(butler, 'visit', ['id'])
      patches = await regionsOf(butler, 'patch', ['tract', 'id'])
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('indexes every region by the common pixels it may overlap', async () => {
      const common = new HtmPixelization(7)
      const repo = join(dir, 'repo')
      const rows = (await selectRegistryRows(
        db,
        repo,
        'select visit, detector, skypix_index from visit_detector_region_skypix_overlap',
      )) as { visit: number; detector: number; skypix_index: number }[]
      const stored = new Map<string, Set<number>>()
      for (const r of rows) {
        const key = `${r.visit}/${r.detector}`
        stored.set(key, (stored.get(key) ?? new Set()).add(r.skypix_index))
      }
      assert.equal(stored.size, vdrs.size)
      for (const [key, region] of vdrs) {
        const exact = pixelsOverlapping(common, region, rangeIndices(common.envelope(region)))
        assert.ok(exact.length > 0)
        for (const p of exact) assert.ok(stored.get(key)!.has(p), `${key} misses htm7 ${p}`)
      }
      const [patchRows] = await selectRegistryRows(db, repo, 'select count(*) as n from patch_skypix_overlap')
      assert.ok(Number(patchRows?.n) >= patches.size)
    })

    it('joins visit/detector regions to patches both ways, as brute force does', async () => {
      const pairs: string[] = []
      for (const [vd, r] of vdrs) for (const [tp, p] of patches) if (r.overlaps(p)) pairs.push(`${vd}/${tp}`)
      pairs.sort()
      assert.ok(pairs.length > vdrs.size, 'detectors overlap several patches')
      assert.deepEqual(await ids(['visit', 'detector', 'tract', 'patch'], {}), pairs)
      const [vd] = [...vdrs.keys()]
      const [visit, detector] = vd!.split('/').map(Number)
      const found = await ids(
        ['patch'],
        { where: 'visit = :v AND detector = :d', bind: { v: visit, d: detector } },
        ['tract', 'patch'],
      )
      assert.deepEqual(found, overlapping(patches, vdrs.get(vd!)!))
      const busiest = [...patches].sort(
        (a, b) => overlapping(vdrs, b[1]).length - overlapping(vdrs, a[1]).length,
      )[0]!
      const back = await ids(['visit', 'detector'], {
        where: 'patch = :p',
        bind: { p: Number(busiest[0].split('/')[1]) },
      })
      assert.deepEqual(back, overlapping(vdrs, busiest[1]))
      assert.ok(back.length > 1)
      // An explicit join between visits (not detectors) and patches replaces the implicit one.
      const explicit = await ids(
        ['visit', 'detector', 'patch'],
        { where: 'visit.region OVERLAPS patch.region' },
        ['visit', 'patch'],
      )
      const visitPatches = [...visits].flatMap(([v, r]) =>
        overlapping(patches, r).map((tp) => `${v}/${tp.split('/')[1]}`),
      )
      assert.deepEqual([...new Set(explicit)], [...new Set(visitPatches)].sort())
    })

    it('constrains regions with POINT, CIRCLE, BOX, POLYGON, REGION and bound regions or points', async () => {
      const c = [...vdrs.values()][0]!.boundingCircle().center
      const { lon: ra, lat: dec } = LonLat.fromVector(c)
      const cases: [string, Record<string, unknown>, SpatialValue][] = [
        [`POINT(${ra}, ${dec})`, {}, c],
        [`CIRCLE(${ra}, ${dec}, 0.2)`, {}, Circle.fromDegrees(ra, dec, 0.2)],
        [`BOX(${ra}, ${dec}, 0.5, 0.1)`, {}, Box.fromCenterDegrees(ra, dec, 0.5, 0.1)],
        [
          `POLYGON(${ra - 0.2}, ${dec - 0.2}, ${ra + 0.2}, ${dec - 0.2}, ${ra}, ${dec + 0.1})`,
          {},
          ConvexPolygon.fromLonLatDegrees([ra - 0.2, dec - 0.2, ra + 0.2, dec - 0.2, ra, dec + 0.1]),
        ],
        [`REGION('CIRCLE ${ra} ${dec} 0.3')`, {}, Circle.fromDegrees(ra, dec, 0.3)],
        [':r', { r: Circle.fromDegrees(ra, dec, 0.25) }, Circle.fromDegrees(ra, dec, 0.25)],
        [':p', { p: new LonLat(ra, dec) }, UnitVector3d.fromLonLatDegrees(ra, dec)],
        [':p', { p: c }, c],
      ]
      for (const [text, bind, value] of cases) {
        const expected = overlapping(vdrs, value)
        assert.ok(expected.length > 0, text)
        const where = `visit_detector_region.region OVERLAPS ${text}`
        assert.deepEqual(await ids(['visit', 'detector'], { where, bind }), expected, text)
        const records = await butler
          .queryDimensionRecords('visit', { where: `${text} OVERLAPS visit.region`, bind })
          .toArray()
        assert.deepEqual(records.map((r) => String(r.get('id'))).sort(), overlapping(visits, value), text)
      }
      assert.deepEqual(await ids(['visit'], { where: 'visit.region OVERLAPS POINT(0, 89)' }), [])
    })

    it('relates skypix dimensions to regions at the common level and others', async () => {
      const [visitKey, visitRegion] = [...visits][0]!
      const visit = Number(visitKey)
      const htm7 = new HtmPixelization(7)
      const pixels7 = pixelsOverlapping(htm7, visitRegion, rangeIndices(htm7.envelope(visitRegion)))
      const found7 = await butler
        .queryDataIds(['htm7'], { where: 'visit = :v', bind: { v: visit } })
        .toArray()
      assert.deepEqual(
        found7.map((d) => d.get('htm7')).sort((a, b) => Number(a) - Number(b)),
        pixels7,
      )
      for (const p of pixels7.slice(0, 3)) {
        const pixel = htm7.pixel(p)
        assert.deepEqual(
          await ids(['visit', 'detector'], { where: 'htm7 = :p', bind: { p } }),
          overlapping(vdrs, pixel),
        )
        assert.deepEqual(await ids(['visit'], { dataId: { htm7: p } }), overlapping(visits, pixel))
      }
      const htm5 = new HtmPixelization(5)
      const htm9 = new HtmPixelization(9)
      const healpix4 = new HealpixPixelization(4)
      const expectations: [string, Pixelization, Iterable<number>][] = [
        ['htm5', htm5, rangeIndices(htm5.universe())],
        ['htm9', htm9, rangeIndices(htm9.envelope(visitRegion))],
        ['healpix4', healpix4, rangeIndices(healpix4.universe())],
      ]
      for (const [name, pix, candidates] of expectations) {
        const expected = pixelsOverlapping(pix, visitRegion, candidates)
        const got = await butler.queryDataIds([name], { where: 'visit = :v', bind: { v: visit } }).toArray()
        assert.deepEqual(
          got.map((d) => d.get(name)).sort((a, b) => Number(a) - Number(b)),
          expected,
          name,
        )
      }
      const center = visitRegion.boundingCircle().center
      const { lon, lat } = LonLat.fromVector(center)
      for (const [name, pix] of [
        ['htm5', htm5],
        ['htm7', htm7],
        ['htm9', htm9],
        ['healpix4', healpix4],
      ] as const) {
        const where = `${name}.region OVERLAPS POINT(${lon}, ${lat})`
        const found = await butler.queryDataIds([name], { where }).toArray()
        assert.deepEqual(
          found.map((d) => d.get(name)),
          [pix.index(center)],
          where,
        )
        const withVisit = await ids(['visit', name], { where }, ['visit'])
        assert.deepEqual(withVisit, overlapping(visits, pix.pixel(pix.index(center))), where)
      }
      const some9 = pixelsOverlapping(htm9, visitRegion, rangeIndices(htm9.envelope(visitRegion))).slice(0, 4)
      const expected9 = [...vdrs]
        .filter(([, r]) => some9.some((p) => htm9.pixel(p).overlaps(r)))
        .map(([k]) => k)
      assert.deepEqual(
        await ids(['visit', 'detector'], { where: 'htm9 IN (:ps)', bind: { ps: some9 } }),
        expected9.sort(),
      )
    })

    it('relates datasets with a skypix dimension (reference catalogs) to regions', async () => {
      const [visitKey, visitRegion] = [...visits][1]!
      for (const [name, level] of [
        ['htm7', 7],
        ['htm9', 9],
        ['htm5', 5],
      ] as const) {
        const pix = new HtmPixelization(level)
        const near = pixelsOverlapping(pix, visitRegion, rangeIndices(pix.envelope(visitRegion)))
        const far = [0, 1].map((k) => pix.index(UnitVector3d.fromLonLatDegrees(10 + k, -60)))
        const group = butler.universe.group([name])
        const type = new DatasetType(`ref_cat_${name}`, group, 'StructuredDataDict')
        await butler.registerDatasetType(type)
        await butler.registerRun('refcats')
        const pixels = [...new Set([...near, ...far, 8 * 4 ** level - 1])]
        await butler.registry.insertDatasets(
          type,
          'refcats',
          pixels.map((p) => DataCoordinate.fromRequiredValues(group, [p])),
        )
        const refs = await butler
          .queryDatasets(type.name, {
            collections: ['refcats'],
            where: 'visit = :v',
            bind: { v: Number(visitKey) },
          })
          .toArray()
        assert.deepEqual(
          refs.map((r) => r.dataId.get(name)).sort((a, b) => Number(a) - Number(b)),
          near,
          name,
        )
      }
    })

    it('keeps count, any, limit, ordering and paging exact', async () => {
      const all = await ids(['visit', 'detector', 'tract', 'patch'], {})
      const query = butler.queryDataIds(['visit', 'detector', 'tract', 'patch'], {
        orderBy: ['-patch', 'visit', 'detector'],
      })
      assert.equal(await query.count(), all.length)
      assert.equal(await query.any(), true)
      assert.equal(
        await butler.queryDataIds(['visit'], { where: 'visit.region OVERLAPS POINT(0, 89)' }).any(),
        false,
      )
      assert.equal(
        await butler.queryDataIds(['visit'], { where: 'visit.region OVERLAPS POINT(0, 89)' }).count(),
        0,
      )
      const sorted = all
        .map((k) => k.split('/').map(Number) as [number, number, number, number])
        .sort((a, b) => b[3] - a[3] || a[0] - b[0] || a[1] - b[1])
      const limited = butler.queryDataIds(['visit', 'detector', 'tract', 'patch'], {
        orderBy: ['-patch', 'visit', 'detector'],
        limit: 5,
      })
      const five = (await limited.toArray()).map((d) =>
        ['visit', 'detector', 'tract', 'patch'].map((k) => d.get(k)),
      )
      assert.deepEqual(five, sorted.slice(0, 5))
      let rows = 0
      const sizes: number[] = []
      for await (const page of butler.registry.executeQuery(query.tree, query.spec, { pageSize: 7 })) {
        rows += page.length
        sizes.push(page.length)
      }
      assert.equal(rows, all.length)
      assert.ok(sizes.slice(0, -1).every((s) => s === 7))
    })

    it('refuses spatial terms inside OR or NOT, regions as values, and malformed shapes', async () => {
      const fails = (options: object, message: RegExp, dims = ['visit']) =>
        assert.rejects(
          async () => butler.queryDataIds(dims, options).toArray(),
          code('invalid_query', message),
        )
      await fails({ where: 'visit.region OVERLAPS POINT(1, 2) OR visit = 1' }, /inside OR or NOT/)
      await fails({ where: 'NOT visit.region OVERLAPS CIRCLE(1, 2, 3)' }, /inside OR or NOT/)
      await fails({ where: 'visit.region = 1' }, /only be used with OVERLAPS/)
      await fails({ where: 'visit.region OVERLAPS visit' }, /Spatial OVERLAPS needs/)
      await fails({ where: 'POINT(1, 2) OVERLAPS POINT(1, 2)' }, /two points/)
      await fails({ where: 'visit.region OVERLAPS CIRCLE(1, 2, -1)' }, /radius -1/)
      await fails({ where: 'visit.region OVERLAPS POLYGON(0, 0, 1, 0, 2, 0)' }, /one great circle/)
      await fails({ where: 'visit.region OVERLAPS POINT(1, 95)' }, /latitude 95/)
      await fails({ where: 'visit.region OVERLAPS POINT(visit, 1)' }, /constant arguments/)
      await fails({ where: 'detector.region OVERLAPS POINT(1, 2)' }, /no field 'region'/)
      await fails({}, /needs a spatial element/, ['htm7'])
      await fails({ where: 'visit = 903334' }, /one skypix dimension/, ['htm7', 'htm9'])
      assert.throws(() => butler.queryDataIds(['visit'], { orderBy: 'visit.region' }), code('invalid_query'))
      assert.equal(
        (await butler.queryDataIds(['visit'], { where: 'CIRCLE(1, 2, 3) OVERLAPS POINT(1, 2)' }).toArray())
          .length,
        visits.size,
      )
    })
  })
}

for (const db of DATABASES) {
  describe(`overlap rows follow inserts, replacements and syncs (${db.name})`, {
    skip: skip || db.skip,
  }, () => {
    let dir = ''
    let butler: DirectButler

    /** Checks that the overlap table holds exactly the pixels of every current region. */
    async function assertConsistent(element: string, keys: readonly string[]) {
      const common = commonSkypix(butler.universe)
      const stored = new Map<string, number[]>()
      const rows = await selectRegistryRows(
        db,
        join(dir, 'repo'),
        `select * from ${element}_skypix_overlap order by skypix_index`,
      )
      for (const r of rows as Record<string, number>[]) {
        const key = keys.map((k) => r[k]).join('/')
        stored.set(key, [...(stored.get(key) ?? []), r.skypix_index!])
      }
      const expected = new Map<string, number[]>()
      for (const r of await butler.registry.fetchDimensionRecords(element)) {
        const bytes = r.get('region')
        if (!(bytes instanceof Uint8Array)) continue
        const key = keys.map((k) => String(r.get(k === element ? 'id' : k))).join('/')
        expected.set(
          key,
          overlapIndices(common, decodeRegion(bytes)).sort((a, b) => a - b),
        )
      }
      assert.deepEqual(stored, expected)
    }
    const patchesAt = async (ra: number, dec: number) =>
      (
        await butler
          .queryDataIds(['patch'], { where: `patch.region OVERLAPS POINT(${ra}, ${dec})` })
          .toArray()
      )
        .map((d) => d.get('patch'))
        .sort()

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'butler-spatial-upkeep-'))
      await createTestRepository(db, join(dir, 'repo'))
      butler = await openButler(join(dir, 'repo'), {
        dataIdDefaults: { instrument: 'Cam1', skymap: 'SkyMap1' },
      })
      for (const f of ['base.yaml', 'spatial.yaml']) {
        await importFile(butler, { filename: fixture('registry_data', f), withoutDatastore: true })
      }
    })
    after(async () => {
      await butler?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('writes overlap rows on import, and rewrites them on replace and sync', async () => {
      await assertConsistent('patch', ['tract', 'patch'])
      await assertConsistent('visit_detector_region', ['visit', 'detector'])
      const [patch0] = await butler.registry.fetchDimensionRecords('patch', { tract: 0, id: 0 })
      const old = decodeRegion(patch0!.get('region') as Uint8Array).boundingCircle().center
      const { lon, lat } = LonLat.fromVector(old)
      assert.ok((await patchesAt(lon, lat)).includes(0))
      const base = { skymap: 'SkyMap1', tract: 0, id: 0, cell_x: 0, cell_y: 0 }
      await butler.insertDimensionRecords(
        'patch',
        [{ ...base, region: Circle.fromDegrees(120, 30, 0.1).encode() }],
        {
          replace: true,
        },
      )
      await assertConsistent('patch', ['tract', 'patch'])
      assert.deepEqual(await patchesAt(120, 30), [0])
      assert.ok(!(await patchesAt(lon, lat)).includes(0))
      const skipped = await butler.insertDimensionRecords(
        'patch',
        [{ ...base, region: Circle.fromDegrees(200, -30, 0.1).encode() }],
        { skipExisting: true },
      )
      assert.equal(skipped, 0)
      await assertConsistent('patch', ['tract', 'patch'])
      assert.deepEqual(await patchesAt(200, -30), [])
      await butler.syncDimensionRecord(
        'patch',
        { ...base, region: Circle.fromDegrees(200, -30, 0.1).encode() },
        {
          update: true,
        },
      )
      await assertConsistent('patch', ['tract', 'patch'])
      assert.deepEqual(await patchesAt(200, -30), [0])
      assert.deepEqual(await patchesAt(120, 30), [])
      await butler.insertDimensionRecords('patch', [{ ...base, id: 99, region: null }])
      await assertConsistent('patch', ['tract', 'patch'])
      assert.ok(!(await patchesAt(lon, lat)).includes(99))
    })

    it('refuses a registry of schema 2.x, which lacks the overlap tables', async () => {
      const target =
        db.name === 'sqlite' ? { path: join(dir, 'v2.sqlite3') } : { url: PG_TEST_URL, schema: freshSchema() }
      const r = await createSqlRegistry({ ...target, create: true })
      await r.setAttribute('schema_version', '2.0.0')
      await r.close()
      await assert.rejects(createSqlRegistry({ ...target, create: false }), /old schema version 2\.0\.0/)
    })
  })
}
