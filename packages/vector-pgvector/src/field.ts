import { field } from "@dataflow/kernel";
import { Field } from "@dataflow/kernel/plugin";

/** Bits per element of a vector field: 32 (`vector`) or 16 (`halfvec`, recorded in `precision`). */
export const HALF_PRECISION = 16;

/**
 * A half-precision vector column (`halfvec(n)`: 2 bytes per element, indexable up to 4,000
 * dimensions). Values are `number[]` like `field.vector(n)`, stored rounded to 16-bit floats.
 */
export function halfvec(dimensions: number): Field<number[]> {
  return new Field<number[]>({ ...field.vector(dimensions).config, precision: HALF_PRECISION });
}
