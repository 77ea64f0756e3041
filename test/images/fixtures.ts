/** Shared test objects for the image tests. */
import { createNdArray } from '../../src/datasets/ndarray.js'
import { Exposure } from '../../src/images/exposure.js'
import { Image } from '../../src/images/image.js'
import { Mask } from '../../src/images/mask.js'
import { MaskedImage } from '../../src/images/masked-image.js'
import { PropertyList } from '../../src/images/property-list.js'
import { Psf } from '../../src/images/psf.js'
import { Wcs } from '../../src/images/wcs.js'

/** A width x height image of `dtype` whose pixel at array indices (i, j) holds `100 * j + i + offset`. */
export function rampImage(width: number, height: number, x0: number, y0: number, offset = 0): Image {
  const image = Image.zeros('float32', width, height, x0, y0)
  for (let j = 0; j < height; j++)
    for (let i = 0; i < width; i++) image.set(x0 + i, y0 + j, 100 * j + i + offset)
  return image
}

/** A fully populated exposure of 12 x 8 pixels at origin (100, 200). */
export function sampleExposure(): Exposure {
  const image = rampImage(12, 8, 100, 200)
  const mask = Mask.zeros(12, 8, 100, 200)
  mask.set(105, 203, mask.bitMask('BAD', 'CR'))
  const variance = rampImage(12, 8, 100, 200, 0.5)
  const kernel = Image.fromArray(createNdArray(new Float64Array(9).fill(1 / 9), [3, 3]))
  return new Exposure(new MaskedImage(image, mask, variance), {
    wcs: new Wcs({
      crpix: [50, 60],
      crval: [150, 2],
      cd: [
        [-5e-5, 0],
        [0, 5e-5],
      ],
    }),
    psf: new Psf(kernel, 1.8),
    metadata: new PropertyList([
      ['EXPTIME', 30, 'seconds'],
      ['OBJECT', 'COSMOS'],
    ]),
    visitInfo: {
      exposureTime: 30,
      observatory: { latitude: -30.24, longitude: -70.74 },
      date: '2025-01-02T03:04:05',
    },
    summaryStats: { psfSigma: 1.7, skyBg: 123.5, zeroPoint: Number.NaN },
    photoCalib: { calibrationMean: 0.45, calibrationErr: 0.01 },
    filter: 'r',
  })
}
