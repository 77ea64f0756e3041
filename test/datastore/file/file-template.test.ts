import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LookupSubject } from '../../../src/datasets/lookup-keys.js'
import {
  DEFAULT_FILE_TEMPLATES,
  FileTemplate,
  FileTemplates,
  type TemplateContext,
} from '../../../src/datastore/file/file-template.js'
import { FileTemplateError } from '../../../src/errors.js'

const ID = '8d3f2c1e-0000-4000-8000-000000000001'
const DEFAULT = DEFAULT_FILE_TEMPLATES.default!
const EXPOSURE = DEFAULT_FILE_TEMPLATES['physical_filter+detector+exposure']!

function ctx(partial: Partial<TemplateContext> & Pick<TemplateContext, 'dataId'>): TemplateContext {
  return { run: 'r1', datasetType: 'calexp', id: ID, ...partial }
}

function expand(template: string, context: TemplateContext): string {
  return new FileTemplate(template).format(context)
}

const isTemplateError = (e: unknown): boolean => e instanceof FileTemplateError && e.code === 'file_template'

describe('FileTemplate: worked expansions of the reference notes', () => {
  it('raw with the physical_filter+detector+exposure template', () => {
    const path = expand(EXPOSURE, {
      run: 'LSSTCam/raw/all',
      datasetType: 'raw',
      id: ID,
      dataId: {
        instrument: 'LSSTCam',
        detector: 9,
        exposure: 2025120200439,
        physical_filter: 'z_20',
        band: 'z',
        day_obs: 20251202,
        group: 'g1',
      },
      records: {
        exposure: { obs_id: 'MC_O_20251202_000439', day_obs: 20251202 },
        detector: { full_name: 'R01_S01' },
      },
    })
    assert.equal(
      path,
      'LSSTCam/raw/all/raw/20251202/MC_O_20251202_000439/raw_LSSTCam_z_20_MC_O_20251202_000439_R01_S01_LSSTCam_raw_all',
    )
  })

  it('calexp component wcs with the default template', () => {
    const path = expand(DEFAULT, {
      run: 'u/someone/run1',
      datasetType: 'calexp',
      component: 'wcs',
      id: ID,
      dataId: {
        instrument: 'LSSTCam',
        detector: 9,
        visit: 2025120200439,
        physical_filter: 'z_20',
        band: 'z',
        day_obs: 20251202,
      },
      records: { visit: { day_obs: 20251202 }, detector: { full_name: 'R01_S01' } },
    })
    assert.equal(
      path,
      'u/someone/run1/calexp.wcs/20251202/z/z_20/2025120200439/calexp_wcs_LSSTCam_z_z_20_2025120200439_R01_S01_u_someone_run1',
    )
  })

  it('day_obs comes from the visit record when day_obs is not in the data ID', () => {
    const path = expand(DEFAULT, {
      run: 'u/someone/run1',
      datasetType: 'calexp',
      component: 'wcs',
      id: ID,
      dataId: {
        instrument: 'LSSTCam',
        detector: 9,
        visit: 2025120200439,
        physical_filter: 'z_20',
        band: 'z',
      },
      records: { visit: { day_obs: 20251202 }, detector: { full_name: 'R01_S01' } },
    })
    assert.match(path, /^u\/someone\/run1\/calexp\.wcs\/20251202\/z\//)
  })

  it('a formatted visit number', () => {
    assert.equal(
      expand('{run:/}/{datasetType}/{visit:08d}', ctx({ dataId: { visit: 903334 } })),
      'r1/calexp/00903334',
    )
  })

  it('the ci_hsc calexp path (extension added later by the formatter)', () => {
    const path = expand(DEFAULT, {
      run: 'HSC/runs/ci_hsc/20240806T180642Z',
      datasetType: 'calexp',
      id: ID,
      dataId: {
        instrument: 'HSC',
        detector: 16,
        visit: 903334,
        physical_filter: 'HSC-R',
        band: 'r',
        day_obs: 20130617,
      },
      records: { visit: { day_obs: 20130617 }, detector: { full_name: '0_26' } },
    })
    assert.equal(
      `${path}.fits`,
      'HSC/runs/ci_hsc/20240806T180642Z/calexp/20130617/r/HSC-R/903334/calexp_HSC_r_HSC-R_903334_0_26_HSC_runs_ci_hsc_20240806T180642Z.fits',
    )
  })
})

describe('FileTemplate: fields', () => {
  it('replaces / in values unless the spec has /', () => {
    const c = ctx({ run: 'a/b', dataId: { visit: 1, tract: 'x/y' } })
    assert.equal(expand('{run}/{visit}/{tract}', c), 'a_b/1/x_y')
    assert.equal(expand('{run:/}/{visit}/{tract:/}', c), 'a/b/1/x/y')
  })

  it('sanitises awkward characters in string values but not in numbers', () => {
    const c = ctx({ dataId: { visit: 'a b<c>d:e"f\\g|h?i*j', detector: -3 } })
    assert.equal(expand('{run}/{visit}/{detector}', c), 'r1/a_b_c_d_e_f_g_h_i_j/-3')
    assert.equal(expand('{run}/{visit}', ctx({ dataId: { visit: 'a\u0000b\nc' } })), 'r1/a_b_c')
  })

  it("turns the file name's dots into _ and # into HASH, but keeps directories", () => {
    const c = ctx({ dataId: { visit: 'v.1#2', detector: 'd.1#2' } })
    assert.equal(expand('{run}/{visit}/{detector}', c), 'r1/v.1#2/d_1HASH2')
  })

  it('drops optional fields with their preceding literal unless it holds /', () => {
    const c = ctx({ dataId: { visit: 7 } })
    assert.equal(expand('{run}/{datasetType}.{component:?}/{tract:?}/{visit}_{band:?}_x', c), 'r1/calexp/7_x')
    assert.equal(
      expand('{run}/{visit}/{datasetType}_{component:?}', ctx({ component: 'psf', dataId: { visit: 7 } })),
      'r1/7/calexp_psf',
    )
  })

  it('keeps a / before a missing optional field even when a non-/ literal follows', () => {
    assert.equal(expand('{run}/{tract:?}_{visit}', ctx({ dataId: { visit: 7 } })), 'r1/_7')
    assert.equal(expand('{run}/x{tract:?}_{visit}', ctx({ dataId: { visit: 7 } })), 'r1/x_7')
  })

  it('drops a leading / left by a missing optional field', () => {
    assert.equal(expand('{tract:?}/{run}/{visit}', ctx({ dataId: { visit: 7 } })), 'r1/7')
    assert.equal(expand('/{run}/{visit}', ctx({ dataId: { visit: 7 } })), 'r1/7')
  })

  it('chooses the first alternate whose dimension is in the data ID', () => {
    const t = '{run}/{exposure.obs_id|group:?}/{day_obs|visit.day_obs|exposure.day_obs:?}/{detector}'
    assert.equal(
      expand(
        t,
        ctx({
          dataId: { exposure: 5, detector: 1 },
          records: { exposure: { obs_id: 'OBS', day_obs: 20200101 } },
        }),
      ),
      'r1/OBS/20200101/1',
    )
    assert.equal(expand(t, ctx({ dataId: { group: 'G', detector: 1 }, records: {} })), 'r1/G/1')
    assert.equal(
      expand(
        t,
        ctx({ dataId: { day_obs: 20210101, visit: 3, detector: 1 }, records: { visit: { day_obs: 1 } } }),
      ),
      'r1/20210101/1',
    )
    assert.equal(expand(t, ctx({ dataId: { detector: 1 }, records: {} })), 'r1/1')
  })

  it('requires an expanded data ID for record fields of dimensions it has', () => {
    assert.throws(() => expand('{run}/{visit.name}', ctx({ dataId: { visit: 1 } })), /not expanded/)
    // A dimension absent from the data ID makes the record field simply missing.
    assert.equal(expand('{run}/{visit}/{exposure.obs_id:?}', ctx({ dataId: { visit: 1 } })), 'r1/1')
  })

  it('treats a null record or missing attribute as a missing value', () => {
    const c = ctx({
      dataId: { visit: 1, detector: 2 },
      records: { visit: null, detector: { full_name: null } },
    })
    assert.equal(expand('{run}/{visit}/{visit.name:?}_{detector.full_name:?}', c), 'r1/1')
    assert.throws(
      () => expand('{run}/{visit}/{visit.name}', c),
      (e) => isTemplateError(e) && /visit\.name/.test(String(e)),
    )
  })

  it('formats booleans like Python and sanitises record strings', () => {
    const c = ctx({ dataId: { visit: 1 }, records: { visit: { flag: true, name: 'a b/c' } } })
    assert.equal(expand('{run}/{visit}/{visit.flag}_{visit.name}', c), 'r1/1/True_a_b_c')
  })

  it('has datasetType, component, run, id and skypix specials', () => {
    const c = ctx({
      component: 'wcs',
      dataId: { htm7: 123 },
      skypix: 'htm7',
      records: { htm7: { level: 7 } },
    })
    assert.equal(
      expand('{run}/{datasetType}/{component}/{skypix}/{skypix.level}/{id}', c),
      `r1/calexp/wcs/123/7/${ID}`,
    )
    assert.equal(expand('{run}/{htm7}', { ...c, component: undefined }), 'r1/123')
  })

  it('applies Python format specs (padding is not sanitised, as in the reference)', () => {
    const c = ctx({ dataId: { visit: 42, band: 'r', detector: 7 } })
    assert.equal(
      expand('{run}/{visit:>5}|{band:*^5s}|{detector:03d}|{visit:x}|{band:<3}', c),
      'r1/   42|**r**|007|2a|r  ',
    )
    assert.equal(expand('{run}/{visit:+d}_{visit:#o}_{visit:.1f}', c), 'r1/+42_0o52_42_0')
  })

  it('keeps {{ and }} as literal braces', () => {
    assert.equal(expand('{run}/{{x}}/{visit}', ctx({ dataId: { visit: 1 } })), 'r1/{x}/1')
  })

  it('never produces .. segments', () => {
    const c = ctx({ run: '../../etc', dataId: { visit: '..', detector: '.' } })
    assert.equal(expand('{run:/}/{visit}/{detector}/{visit}', c), '__/__/etc/__/__')
    assert.equal(expand('{run}/{visit}/{detector}', c), '.._.._etc/__/_')
  })

  it('lists its fields', () => {
    const t = new FileTemplate('{run}/{day_obs|visit.day_obs:?}/{detector}')
    assert.deepEqual([...t.fields()].sort(), ['day_obs', 'detector', 'run', 'visit'])
    assert.deepEqual([...t.fields({ optionals: false })].sort(), ['detector', 'run'])
    assert.ok(t.fields({ subfields: true }).has('visit.day_obs'))
    assert.equal(String(t), '{run}/{day_obs|visit.day_obs:?}/{detector}')
  })
})

describe('FileTemplate: errors', () => {
  const bad: [string, RegExp][] = [
    ['{datasetType}/{visit}', /must use \{run\} or \{id\}/],
    ['{run}/{datasetType}', /no dimension/],
    ['{run}/{id}/fixed', /not in the file name/],
    ['{run}/../{visit}', /\.\./],
    ['{collection}/{visit}', /use \{run\}/],
    ['{run}/{visit', /unclosed/],
    ['{run}/visit}', /single/],
    ['{run}/{}', /named/],
    ['{run}/{0}', /bad field name/],
    ['{run}/{visit!r}', /conversions/],
    ['{run}/{visit:{w}}', /nested/],
    ['{run}/{visit:q}', /unsupported format type/],
    ['{run}/{visit:>>>}', /invalid format/],
    ['{run}/{run.name}/{visit}', /no attributes/],
    ['{run}/{a.b.c}', /bad field name/],
    ['', /non-empty/],
  ]
  for (const [template, message] of bad) {
    it(`rejects ${JSON.stringify(template)}`, () => {
      assert.throws(
        () => new FileTemplate(template),
        (e) => isTemplateError(e) && message.test((e as Error).message),
      )
    })
  }

  it('accepts {id} alone with run-free templates', () => {
    assert.equal(expand('{datasetType}/{id}', ctx({ dataId: {} })), `calexp/${ID}`)
  })

  it('names a missing required field', () => {
    assert.throws(
      () => expand('{run}/{visit}/{detector}', ctx({ dataId: { visit: 1 } })),
      (e) => isTemplateError(e) && /'detector'/.test((e as Error).message),
    )
  })

  it('rejects a component when the template has no {component}', () => {
    assert.throws(
      () => expand('{run}/{datasetType}/{visit}', ctx({ component: 'wcs', dataId: { visit: 1 } })),
      (e) => isTemplateError(e) && /component/.test((e as Error).message),
    )
  })

  it('rejects format codes that do not fit the value', () => {
    assert.throws(() => expand('{run}/{band:d}', ctx({ dataId: { band: 'r' } })), isTemplateError)
    assert.throws(() => expand('{run}/{visit:s}', ctx({ dataId: { visit: 1 } })), isTemplateError)
    assert.throws(() => expand('{run}/{visit:d}', ctx({ dataId: { visit: 1.5 } })), isTemplateError)
  })
})

describe('FileTemplate.validate', () => {
  const raw = ['instrument', 'detector', 'exposure']
  const rawImplied = ['physical_filter', 'band', 'day_obs', 'group']

  it('accepts the default templates for their dataset types', () => {
    assert.deepEqual(new FileTemplate(EXPOSURE).validate(raw, { impliedDimensions: rawImplied }), {
      isValid: true,
      problems: [],
    })
    const calexp = ['instrument', 'detector', 'visit']
    assert.equal(new FileTemplate(DEFAULT).validate(calexp, { isComponent: true }).isValid, true)
    const coadd = ['skymap', 'tract', 'patch', 'band']
    assert.equal(new FileTemplate(DEFAULT).validate(coadd).isValid, true)
  })

  it('reports dimensions the template does not use', () => {
    const result = new FileTemplate('{run}/{visit}').validate(['instrument', 'visit', 'detector'])
    assert.equal(result.isValid, false)
    assert.equal(result.problems.length, 2)
    assert.match(result.problems.join('\n'), /'instrument'.*\n.*'detector'/)
  })

  it('counts alternates and record parents as uses', () => {
    const t = new FileTemplate('{run}/{instrument}/{exposure.obs_id|group:?}/{detector.full_name}')
    assert.equal(t.validate(['instrument', 'exposure', 'detector']).isValid, true)
    assert.equal(t.validate(['instrument', 'group', 'detector']).isValid, true)
  })

  it('reports required fields the dataset type cannot provide', () => {
    const result = new FileTemplate(EXPOSURE).validate(['instrument', 'detector', 'visit'])
    assert.equal(result.isValid, false)
    assert.match(result.problems.join('\n'), /exposure\.obs_id/)
  })

  it('checks components and skypix', () => {
    const t = new FileTemplate('{run}/{datasetType}/{skypix}')
    assert.match(t.validate(['htm7'], { skypix: 'htm7', isComponent: true }).problems.join(), /component/)
    assert.equal(t.validate(['htm7'], { skypix: 'htm7' }).isValid, true)
    assert.equal(t.validate(['htm7']).isValid, false)
    const mandatory = new FileTemplate('{run}/{component}/{visit}')
    assert.equal(mandatory.validate(['visit'], { isComponent: false }).isValid, false)
  })

  it('treats {id} in the file name as unique whatever the dimensions', () => {
    assert.equal(new FileTemplate('{run}/{datasetType}/{id}').validate(['instrument', 'visit']).isValid, true)
  })
})

describe('FileTemplates', () => {
  const subject = (
    datasetTypeName: string,
    dims: string[],
    extra: Partial<LookupSubject> = {},
  ): LookupSubject => ({
    datasetTypeName,
    storageClassName: 'ExposureF',
    matchesDimensionsKey: (key) => key.split('+').sort().join('+') === [...dims].sort().join('+'),
    ...extra,
  })

  it('selects by dataset type, parent, dimensions, storage class, instrument and default', () => {
    const templates = new FileTemplates({
      ...DEFAULT_FILE_TEMPLATES,
      calexp: '{run}/calexp-special/{visit}',
      ExposureF: '{run}/by-sc/{visit}',
      'instrument<HSC>': { calexp: '{run}/hsc/{visit}' },
    })
    assert.equal(templates.select(subject('calexp', ['visit'])).template, '{run}/calexp-special/{visit}')
    assert.equal(templates.select(subject('calexp.wcs', ['visit'])).template, '{run}/calexp-special/{visit}')
    assert.equal(
      templates.select(subject('calexp', ['visit'], { instrument: 'HSC' })).template,
      '{run}/hsc/{visit}',
    )
    assert.equal(
      templates.select(subject('raw', ['physical_filter', 'detector', 'exposure'])).template,
      EXPOSURE,
    )
    assert.equal(templates.select(subject('deep', ['tract'])).template, '{run}/by-sc/{visit}')
    assert.equal(templates.select(subject('deep', ['tract'], { storageClassName: 'X' })).template, DEFAULT)
  })

  it('uses the reference defaults when given no config', () => {
    assert.equal(new FileTemplates().select(subject('x', ['a'], { storageClassName: 'Y' })).template, DEFAULT)
  })

  it('can disable the default, and fails at config time on bad templates', () => {
    const templates = new FileTemplates({ default: false, calexp: '{run}/{visit}' })
    assert.throws(() => templates.select(subject('raw', ['exposure'])), isTemplateError)
    assert.throws(
      () => new FileTemplates({ calexp: '{datasetType}/{visit}' }),
      (e) => isTemplateError(e) && /calexp/.test(String(e)),
    )
    assert.throws(() => new FileTemplates({ calexp: { a: '{run}/{v}' } }), isTemplateError)
  })
})
