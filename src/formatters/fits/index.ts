/**
 * Our own FITS codec (no FITS library): headers, image and binary-table HDUs, and whole files read through a
 * `ByteSource` (headers only, one HDU, or a box of an image).
 */

export {
  decodeBinTable,
  type EncodedBinTable,
  encodeBinTable,
  type FitsColumn,
  type FitsColumnValues,
  type FitsRecordValue,
  type FitsTable,
  recordToTable,
  tableToRecord,
} from './bintable.js'
export {
  type FitsBox,
  findHdu,
  readFits,
  readFitsStructure,
  readHdu,
  readImage,
  readTable,
  writeFits,
} from './fits-file.js'
export {
  type FitsBinTableHdu,
  type FitsHdu,
  type FitsHduInfo,
  type FitsHduKind,
  type FitsImageHdu,
  isStructuralKey,
} from './hdu.js'
export { FitsHduScanner } from './hdu-scanner.js'
export {
  CARD_LENGTH,
  FITS_BLOCK,
  type FitsCard,
  FitsHeader,
  type FitsSetOptions,
  type FitsValue,
  formatFitsFloat,
} from './header.js'
export { FITS_BITPIX, type FitsBitpix, type FitsImageLayout, imageLayout } from './image.js'
