/**
 * The API's shapes under the names the UI uses: aliases of the types generated from the
 * committed OpenAPI document (`schema.d.ts`), so no field is ever guessed.
 */

import type { components } from './schema';

type Schemas = components['schemas'];

export type RunState = Schemas['RunState'];
export type StepState = Schemas['StepState'];
export type Flow = Schemas['FlowOut'];
export type FlowVersion = Schemas['FlowVersionOut'];
export type StepInfo = Schemas['StepInfo'];
export type Dag = Schemas['DagOut'];
export type DagNode = Schemas['DagNode'];
export type DagEdge = Schemas['DagEdge'];
export type Artifact = Schemas['ArtifactOut'];
export type StepRun = Schemas['StepRunOut'];
export type RunSummary = Schemas['RunSummary'];
export type Run = Schemas['RunOut'];
export type RunPage = Schemas['RunPage'];
export type RunSubmit = Schemas['RunSubmit'];
export type Asset = Schemas['AssetOut'];
export type User = Schemas['MeOut'];
export type Problem = Schemas['Problem'];

/**
 * A JSON schema as pydantic writes it for a flow's parameters. The API publishes it as an
 * open object (`params_schema`); this is the part of JSON schema the form reads.
 */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
}
