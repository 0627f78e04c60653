/**
 * The API's shapes under the names the UI uses.
 *
 * Provisional: written from the design while the OpenAPI document is being written; each
 * becomes an alias of the generated `components['schemas'][...]` once it is committed.
 */

export type RunState =
  | 'SCHEDULED'
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'CRASHED';

export type StepState =
  | 'PENDING'
  | 'QUEUED'
  | 'RUNNING'
  | 'RETRYING'
  | 'COMPLETED'
  | 'CACHED'
  | 'FAILED'
  | 'CANCELLED'
  | 'SKIPPED';

/** A JSON schema as pydantic writes it for a flow's parameters. */
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

export interface Flow {
  name: string;
  version: number;
  description: string;
  inputs: string[];
  params_schema: JsonSchema;
}

export interface DagNode {
  key: string;
  step: string;
  label: string;
  queue: string;
  map: boolean;
  /** For a map node: what one item is called (`segment`), when the flow says. */
  map_param?: string | null;
  upstream: string[];
}

export interface Dag {
  flow: string;
  version: number;
  nodes: DagNode[];
  edges: [string, string][];
}

export interface StepRun {
  node: string;
  map_index: number | null;
  state: StepState;
  attempt: number;
  progress: number | null;
  message: string | null;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface Artifact {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

export interface Run {
  id: string;
  flow: string;
  version: number;
  state: RunState;
  error: string | null;
  cancel_requested: boolean;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: number;
  dag: Dag;
  steps: StepRun[];
  outputs: Record<string, Artifact>;
}

export type RunSummary = Omit<Run, 'dag' | 'steps' | 'outputs' | 'params' | 'inputs'>;

export interface Asset {
  id: string;
  name: string;
  content_type: string;
  size: number;
}

export interface User {
  username: string;
}
