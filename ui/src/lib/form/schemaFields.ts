/**
 * A flow's parameter schema, read into one field description per parameter.
 *
 * Pydantic writes optional values as `anyOf: [T, {type: null}]`, named enums as `$ref`s into
 * `$defs`, and `Literal`s as inline `enum`s; this module flattens all of them so the form
 * renders from plain descriptions and never looks at JSON schema itself.
 */

import type { JsonSchema } from '../api/types';

interface FieldBase {
  name: string;
  label: string;
  description: string | null;
  required: boolean;
  /** `null` is a valid value (an optional field left empty). */
  nullable: boolean;
  default: unknown;
  hasDefault: boolean;
}

export interface BooleanField extends FieldBase {
  kind: 'boolean';
}

export interface ChoiceField extends FieldBase {
  kind: 'choice';
  options: (string | number)[];
}

export interface NumberField extends FieldBase {
  kind: 'number';
  integer: boolean;
  minimum: number | null;
  maximum: number | null;
  exclusiveMinimum: number | null;
  exclusiveMaximum: number | null;
  step: number | null;
}

export interface TextField extends FieldBase {
  kind: 'text';
  minLength: number | null;
  maxLength: number | null;
  pattern: string | null;
}

/** Arrays and objects: edited as JSON text. */
export interface JsonField extends FieldBase {
  kind: 'json';
}

export type FieldSpec = BooleanField | ChoiceField | NumberField | TextField | JsonField;

/** The fields of an object schema, in the order the flow declares its parameters. */
export function readFields(schema: JsonSchema): FieldSpec[] {
  const root = resolve(schema, schema);
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {}).map(([name, property]) =>
    readField(name, property, required.has(name), schema),
  );
}

function readField(name: string, raw: JsonSchema, required: boolean, root: JsonSchema): FieldSpec {
  const property = resolve(raw, root);
  const variants = (property.anyOf ?? property.oneOf ?? [property]).map((v) => resolve(v, root));
  const nullable = variants.some((v) => v.type === 'null' || v.const === null);
  const main = variants.find((v) => v.type !== 'null' && v.const !== null) ?? property;
  const typeName = Array.isArray(main.type) ? main.type.find((t) => t !== 'null') : main.type;
  const hasDefault = 'default' in raw || 'default' in property;
  const base: FieldBase = {
    name,
    label: raw.title ?? property.title ?? humanise(name),
    description: raw.description ?? property.description ?? main.description ?? null,
    required: required && !hasDefault,
    nullable,
    default: raw.default ?? property.default,
    hasDefault,
  };
  const options = main.enum ?? (main.const !== undefined ? [main.const] : undefined);
  if (options) return { ...base, kind: 'choice', options: options as (string | number)[] };
  if (typeName === 'boolean') return { ...base, kind: 'boolean' };
  if (typeName === 'integer' || typeName === 'number') {
    return {
      ...base,
      kind: 'number',
      integer: typeName === 'integer',
      minimum: main.minimum ?? null,
      maximum: main.maximum ?? null,
      exclusiveMinimum: main.exclusiveMinimum ?? null,
      exclusiveMaximum: main.exclusiveMaximum ?? null,
      step: main.multipleOf ?? (typeName === 'integer' ? 1 : null),
    };
  }
  if (typeName === 'string') {
    return {
      ...base,
      kind: 'text',
      minLength: main.minLength ?? null,
      maxLength: main.maxLength ?? null,
      pattern: main.pattern ?? null,
    };
  }
  return { ...base, kind: 'json' };
}

/** Follow `$ref` (into `$defs`) and merge single-member `allOf`, as pydantic writes them. */
function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; depth < 16; depth += 1) {
    if (current.$ref) {
      const name = current.$ref.split('/').pop() ?? '';
      const { $ref: _ref, ...rest } = current;
      current = { ...(root.$defs?.[name] ?? {}), ...rest };
    } else if (current.allOf && current.allOf.length === 1 && current.allOf[0]) {
      const { allOf, ...rest } = current;
      current = { ...allOf[0], ...rest } as JsonSchema;
    } else {
      return current;
    }
  }
  return current;
}

/** `white_balance_method` reads as `White balance method`. */
export function humanise(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
