type Typed = Int32Array | Uint32Array | Uint8Array | Float64Array;

/**
 * A copy of `array` with room for `length` elements, the rest zero: how the detector's and the parser's tables of
 * typed arrays grow (a typed array cannot be resized in place).
 */
export function grown<T extends Typed>(array: T, length: number): T {
  const copy = new (array.constructor as new (n: number) => T)(length);
  copy.set(array as never);
  return copy;
}
