import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CorruptArtifactError, FormatterError, StorageClassError } from '../../src/errors.js'
import { PropertyList } from '../../src/images/property-list.js'
import { isWcsCardName, Wcs } from '../../src/images/wcs.js'

const TOL = 1e-9

/** Angular separation in degrees (haversine), so RA wrap-around does not matter. */
function separation(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180
  const s =
    Math.sin(((dec2 - dec1) * r) / 2) ** 2 +
    Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2
  return (2 * Math.asin(Math.sqrt(s))) / r
}

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`)
}

const skewed = new Wcs({
  crpix: [512.5, 1024.25],
  crval: [150.1, -32.7],
  cd: [
    [-5.5e-5, 1.2e-5],
    [1.3e-5, 5.6e-5],
  ],
})

describe('Wcs', () => {
  it('maps the reference pixel (1-based crpix) to crval', () => {
    const [ra, dec] = skewed.pixelToSky(511.5, 1023.25)
    close(ra, 150.1, 1e-12, 'ra')
    close(dec, -32.7, 1e-12, 'dec')
    const [x, y] = skewed.skyToPixel(150.1, -32.7)
    close(x, 511.5, 1e-9, 'x')
    close(y, 1023.25, 1e-9, 'y')
  })

  it('matches gnomonic offsets computed by hand', () => {
    // crval (10, 0), 0.001 deg/pixel, RA increasing to the left. 100 pixels along +x is xi = -0.1 deg on
    // the tangent plane; on the equator ra = 10 + atan(xi) = 10 - atan(0.1 deg in radians) in degrees.
    const equator = new Wcs({
      crpix: [1, 1],
      crval: [10, 0],
      cd: [
        [-0.001, 0],
        [0, 0.001],
      ],
    })
    const [ra1, dec1] = equator.pixelToSky(100, 0)
    close(ra1, 9.900000101538954, 1e-12, 'ra along x on the equator')
    close(dec1, 0, 1e-12, 'dec along x on the equator')
    // At dec0 = 45: along +y (the meridian) dec = 45 + atan(0.1 deg); along +x
    // ra = 30 + atan2(xi, cos dec0), dec = atan2(sin dec0, hypot(xi, cos dec0)).
    const mid = new Wcs({
      crpix: [1, 1],
      crval: [30, 45],
      cd: [
        [-0.001, 0],
        [0, 0.001],
      ],
    })
    const [ra2, dec2] = mid.pixelToSky(0, 100)
    close(ra2, 30, 1e-12, 'ra along the meridian')
    close(dec2, 45.09999989846104, 1e-12, 'dec along the meridian')
    const [ra3, dec3] = mid.pixelToSky(100, 0)
    close(ra3, 29.858578930957698, 1e-12, 'ra along x at dec 45')
    close(dec3, 44.99991273380323, 1e-12, 'dec along x at dec 45')
  })

  it('agrees with astropy/wcslib for a rotated, skewed CD matrix', () => {
    // Values from astropy.wcs (wcs_pix2world with origin 0) for the same WCS.
    const expected: [number, number, number, number][] = [
      [0, 0, 150.1188528394079, -32.763950061912496],
      [2000, 3000, 150.03100282590836, -32.569932876051794],
      [-300, 4000, 150.19532032812117, -32.54381593040109],
    ]
    for (const [x, y, ra, dec] of expected) {
      const [r, d] = skewed.pixelToSky(x, y)
      assert.ok(separation(r, d, ra, dec) < 1e-10, `(${x}, ${y}) -> (${r}, ${d})`)
    }
  })

  it('round-trips pixel -> sky -> pixel and sky -> pixel -> sky to 1e-9', () => {
    const cases = [
      skewed,
      new Wcs({
        crpix: [0, 0],
        crval: [359.99, 89.5],
        cd: [
          [-2.8e-4, 0],
          [0, 2.8e-4],
        ],
      }),
      new Wcs({
        crpix: [2048, 2048],
        crval: [0.001, -60],
        cd: [
          [0, 5e-5],
          [5e-5, 0],
        ],
      }),
      new Wcs({
        crpix: [-1000, 50],
        crval: [180, 0],
        cd: [
          [-1e-3, 3e-4],
          [2e-4, 1e-3],
        ],
        ctype: ['GLON-TAN', 'GLAT-TAN'],
      }),
    ]
    for (const wcs of cases) {
      for (const [x, y] of [
        [0, 0],
        [4095, 4095],
        [-2000, 3000],
        [1234.5, -876.25],
      ] as const) {
        const [ra, dec] = wcs.pixelToSky(x, y)
        assert.ok(ra >= 0 && ra < 360, `ra ${ra} in [0, 360)`)
        const [x2, y2] = wcs.skyToPixel(ra, dec)
        close(x2, x, 1e-6, 'x')
        close(y2, y, 1e-6, 'y')
        const [ra2, dec2] = wcs.pixelToSky(x2, y2)
        assert.ok(separation(ra, dec, ra2, dec2) < TOL, 'sky round trip')
      }
    }
    assert.deepEqual(
      skewed.skyToPixel(150.1 + 180, 32.7),
      [Number.NaN, Number.NaN],
      'antipode has no projection',
    )
  })

  it('writes and reads FITS cards', () => {
    const cards = skewed.toFitsCards()
    assert.deepEqual(cards, {
      CTYPE1: 'RA---TAN',
      CTYPE2: 'DEC--TAN',
      CRPIX1: 512.5,
      CRPIX2: 1024.25,
      CRVAL1: 150.1,
      CRVAL2: -32.7,
      CUNIT1: 'deg',
      CUNIT2: 'deg',
      CD1_1: -5.5e-5,
      CD1_2: 1.2e-5,
      CD2_1: 1.3e-5,
      CD2_2: 5.6e-5,
      RADESYS: 'ICRS',
      EQUINOX: 2000,
    })
    assert.ok(Wcs.fromFitsCards(cards).equals(skewed))
    const md = new PropertyList(Object.entries(cards))
    assert.ok(Wcs.fromFitsCards(md).equals(skewed), 'from a PropertyList')
    assert.ok(Object.keys(cards).every(isWcsCardName))
    assert.ok(!isWcsCardName('EXPTIME'))
  })

  it('reads CDELT+PC, CDELT+CROTA2 and padded strings like astropy', () => {
    const base = { CTYPE1: 'RA---TAN ', CTYPE2: 'DEC--TAN', CRPIX1: 10, CRPIX2: 20, CRVAL1: 200, CRVAL2: 10 }
    const rot = Wcs.fromFitsCards({ ...base, CDELT1: -0.001, CDELT2: 0.001, CROTA2: 30 })
    let [ra, dec] = rot.pixelToSky(110, -40)
    assert.ok(separation(ra, dec, 199.94115559456682, 9.898399490548709) < 1e-10, `${ra} ${dec}`)
    const pc = Wcs.fromFitsCards({
      ...base,
      CDELT1: -0.001,
      CDELT2: 0.002,
      PC1_1: 0.9,
      PC1_2: 0.1,
      PC2_1: -0.2,
      PC2_2: 1.1,
    })
    ;[ra, dec] = pc.pixelToSky(110, -40)
    assert.ok(separation(ra, dec, 199.91373398832698, 9.82978957633234) < 1e-10, `${ra} ${dec}`)
    const diag = Wcs.fromFitsCards({ ...base, CDELT1: -0.001, CDELT2: 0.001 })
    assert.deepEqual(diag.cd, [
      [-0.001, 0],
      [0, 0.001],
    ])
    const partialCd = Wcs.fromFitsCards({ ...base, CD1_1: -0.001, CD2_2: 0.001 })
    assert.deepEqual(partialCd.cd, [
      [-0.001, 0],
      [0, 0.001],
    ])
  })

  it('handles the north pole LONPOLE default as FITS does', () => {
    // astropy: crval (40, 90) without LONPOLE (default 0) maps pixel (149, 119) to (108.1986, 89.4615);
    // with LONPOLE = 180 to (288.1986, 89.4615).
    const cards = {
      CTYPE1: 'RA---TAN',
      CTYPE2: 'DEC--TAN',
      CRPIX1: 100,
      CRPIX2: 100,
      CRVAL1: 40,
      CRVAL2: 90,
      CD1_1: -0.01,
      CD2_2: 0.01,
    }
    const byDefault = Wcs.fromFitsCards(cards)
    let [ra, dec] = byDefault.pixelToSky(149, 119)
    assert.ok(separation(ra, dec, 108.19859051, 89.46149938) < 1e-7, `${ra} ${dec}`)
    const explicit = Wcs.fromFitsCards({ ...cards, LONPOLE: 180 })
    ;[ra, dec] = explicit.pixelToSky(149, 119)
    assert.ok(separation(ra, dec, 288.19859051, 89.46149938) < 1e-7, `${ra} ${dec}`)
    assert.equal(explicit.toFitsCards().LONPOLE, 180)
    assert.ok(Wcs.fromFitsCards(explicit.toFitsCards()).equals(explicit))
  })

  it('rejects unsupported or broken cards with the chosen error class', () => {
    const good = skewed.toFitsCards()
    const bad: Record<string, unknown>[] = [
      { ...good, CTYPE1: 'RA---SIN' },
      { ...good, CTYPE1: 'DEC--TAN', CTYPE2: 'RA---TAN' },
      { ...good, CUNIT1: 'arcsec' },
      { ...good, RADESYS: 'FK4' },
      { ...good, EQUINOX: 1950 },
      { ...good, LONPOLE: 0 },
      { ...good, CRPIX1: undefined },
      { ...good, CRVAL1: 'ten' },
      { ...good, CRVAL2: 91 },
      { ...good, CD1_1: 0, CD1_2: 0 },
      { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRPIX1: 1, CRPIX2: 1, CRVAL1: 0, CRVAL2: 0 },
    ]
    for (const cards of bad)
      assert.throws(() => Wcs.fromFitsCards(cards), FormatterError, JSON.stringify(cards))
    assert.throws(
      () => Wcs.fromFitsCards({ ...good, CTYPE2: undefined }, CorruptArtifactError),
      CorruptArtifactError,
    )
  })

  it('round-trips through JSON, shifts and compares', () => {
    const json = JSON.parse(JSON.stringify(skewed))
    assert.deepEqual(json.ctype, ['RA---TAN', 'DEC--TAN'])
    const back = Wcs.fromJSON(json)
    assert.ok(back.equals(skewed))
    assert.ok(!back.equals(back.shifted(1, 0)))
    const shifted = skewed.shifted(-100, 50)
    const [ra1, dec1] = skewed.pixelToSky(300, 400)
    const [ra2, dec2] = shifted.pixelToSky(200, 450)
    assert.ok(separation(ra1, dec1, ra2, dec2) < 1e-12)
    close(skewed.pixelScale(), Math.sqrt(5.5e-5 * 5.6e-5 + 1.2e-5 * 1.3e-5), 1e-18, 'pixel scale')
    assert.throws(() => Wcs.fromJSON({ ...json, cd: [[1, 2]] }), StorageClassError)
    assert.throws(() => Wcs.fromJSON({ ...json, extra: 1 }), StorageClassError)
    assert.throws(() => Wcs.fromJSON('wcs'), StorageClassError)
    assert.throws(
      () =>
        new Wcs({
          crpix: [0, Number.NaN],
          crval: [0, 0],
          cd: [
            [1, 0],
            [0, 1],
          ],
        }),
      StorageClassError,
    )
    assert.throws(
      () =>
        new Wcs({
          crpix: [0, 0],
          crval: [0, 0],
          cd: [
            [1, 2],
            [2, 4],
          ],
        }),
      /singular/,
    )
    assert.throws(
      () =>
        new Wcs({
          crpix: [0, 0],
          crval: [0, 0],
          cd: [
            [1, 0],
            [0, 1],
          ],
          ctype: ['RA---SIN', 'DEC--SIN'],
        }),
      StorageClassError,
    )
  })
})
