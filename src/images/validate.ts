/**
 * Small checks shared by the image model: each throws a user error of a class the caller chooses, so
 * the same validation reports a bad read parameter as `ReadParameterError`, a bad in-memory object as
 * `StorageClassError` and a bad file as `FormatterError` or `CorruptArtifactError`.
 */

import { describeValue } from '../datasets/describe-value.js'

/** A user-error class (e.g. `ReadParameterError`) that validation functions throw. */
export type UserErrorClass = new (message: string, options?: { cause?: unknown }) => Error

/** Returns `value` when it is a safe integer, else throws `errorClass` naming `what`. */
export function checkInteger(value: unknown, what: string, errorClass: UserErrorClass): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new errorClass(`${what} must be an integer, got ${describeNumber(value)}`)
  }
  return value
}

/** Returns `value` when it is a finite number, else throws `errorClass` naming `what`. */
export function checkFinite(value: unknown, what: string, errorClass: UserErrorClass): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new errorClass(`${what} must be a finite number, got ${describeNumber(value)}`)
  }
  return value
}

/** Describes a value for messages: numbers, bigints and short strings as themselves, else their type. */
export function describeNumber(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value)
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string'
  return describeValue(value)
}
