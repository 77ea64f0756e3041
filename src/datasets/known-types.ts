/**
 * Imports every module that registers storage class types and converters, so that any storage class
 * factory knows all the types the package ships (see `storage-class-type.ts`).
 */

import './builtin-types.js'
import './table-types.js'
import '../images/image-types.js'
