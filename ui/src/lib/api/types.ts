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

export interface StepInfo {
  name: string;
  description: string;
  queue: string;
  retries: number;
  timeout_seconds: number | null;
  cache: boolean;
}

export interface FlowVersion {
  version: number;
  description: string;
  params_schema: JsonSchema;
  inputs: string[];
  steps: StepInfo[];
  dag: Dag | null;
}

export interface Flow {
  name: string;
  description: string;
  latest_version: number;
  versions: FlowVersion[];
}

export interface DagNode {
  key: string;
  step: string;
  label: string;
  queue: string;
  is_map: boolean;
  upstream: string[];
}

export interface DagEdge {
  source: string;
  target: string;
}

export interface Dag {
  flow: string;
  version: number;
  inputs: string[];
  outputs: string[];
  nodes: DagNode[];
  edges: DagEdge[];
}

export interface Artifact {
  id: string;
  name: string;
  media_type: string;
  size: number;
  digest: string;
  url: string;
}

export interface StepRun {
  label: string;
  node: string;
  step: string;
  map_index: number | null;
  state: StepState;
  attempt: number;
  fraction: number | null;
  message: string | null;
  error: string | null;
  error_code: string | null;
  started_at: string | null;
  finished_at: string | null;
  outputs: Artifact[];
}

export interface RunSummary {
  id: string;
  flow: string;
  version: number;
  state: RunState;
  owner: string | null;
  asset_id: string | null;
  error: string | null;
  cancel_requested: boolean;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface Run extends RunSummary {
  params: Record<string, unknown>;
  dag: Dag;
  steps: StepRun[];
  inputs: Record<string, Artifact>;
  outputs: Record<string, Artifact>;
  last_event_id: string;
}

export interface RunPage {
  items: RunSummary[];
  next_cursor: string | null;
}

export interface Asset {
  id: string;
  name: string;
  media_type: string;
  size: number;
}

export interface User {
  username: string;
}
