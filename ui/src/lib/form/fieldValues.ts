/**
 * Values of schema-driven fields: their starting value, text <-> value, and the one message
 * that says why a value is refused (the same bounds the API enforces).
 */

import type { FieldSpec, NumberField } from './schemaFields';

export type Params = Record<string, unknown>;

/** The value each field starts with: its default, or empty. */
export function initialValues(fields: FieldSpec[]): Params {
  const values: Params = {};
  for (const field of fields) {
    if (field.hasDefault) values[field.name] = field.default;
    else if (field.kind === 'boolean') values[field.name] = false;
    else values[field.name] = field.nullable ? null : undefined;
  }
  return values;
}

/** Why `value` is not acceptable for `field`, or null when it is. */
export function validate(field: FieldSpec, value: unknown): string | null {
  if (value === undefined || value === null || value === '') {
    if (field.required) return 'Required.';
    if (value === null && !field.nullable && !field.hasDefault) return 'Required.';
    return null;
  }
  switch (field.kind) {
    case 'number':
      return validateNumber(field, value);
    case 'choice':
      return field.options.includes(value as string | number) ? null : 'Pick one of the options.';
    case 'text':
      if (typeof value !== 'string') return 'Enter text.';
      if (field.minLength !== null && value.length < field.minLength)
        return `At least ${field.minLength} characters.`;
      if (field.maxLength !== null && value.length > field.maxLength)
        return `At most ${field.maxLength} characters.`;
      if (field.pattern !== null && !new RegExp(field.pattern, 'u').test(value))
        return 'Not in the expected format.';
      return null;
    default:
      return null;
  }
}

function validateNumber(field: NumberField, value: unknown): string | null {
  if (typeof value !== 'number' || Number.isNaN(value)) return 'Enter a number.';
  if (field.integer && !Number.isInteger(value)) return 'Enter a whole number.';
  if (field.minimum !== null && value < field.minimum) return `At least ${field.minimum}.`;
  if (field.maximum !== null && value > field.maximum) return `At most ${field.maximum}.`;
  if (field.exclusiveMinimum !== null && value <= field.exclusiveMinimum)
    return `More than ${field.exclusiveMinimum}.`;
  if (field.exclusiveMaximum !== null && value >= field.exclusiveMaximum)
    return `Less than ${field.exclusiveMaximum}.`;
  return null;
}

/** What an `<input>`'s text means for a number field: empty is null (or undefined). */
export function parseNumber(field: NumberField, text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return field.nullable ? null : undefined;
  return Number(trimmed);
}

/** Every field's refusal message, by name; empty when the whole form is valid. */
export function validateAll(fields: FieldSpec[], values: Params): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const message = validate(field, values[field.name]);
    if (message) errors[field.name] = message;
  }
  return errors;
}

/** The parameters to send: everything the person set, without empty optional fields. */
export function toParams(fields: FieldSpec[], values: Params): Params {
  const params: Params = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined || (value === '' && field.kind !== 'text')) continue;
    params[field.name] = value;
  }
  return params;
}
