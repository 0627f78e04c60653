/**
 * What each DAG node shows: the step run of the node itself and, for a map node, its
 * branches (one step run per item) with counts by state.
 */

import type { Dag, DagNode, StepRun, StepState } from '../api/types';

export interface NodeSummary {
  node: DagNode;
  /** The node's own step run; a synthetic PENDING one before the run has any. */
  step: StepRun;
  /** Map branches by index; empty for an ordinary node or a map not yet expanded. */
  branches: StepRun[];
  /** How many branches are in each state. */
  branchCounts: Partial<Record<StepState, number>>;
}

export function pendingStep(node: Pick<DagNode, 'key' | 'step'>, mapIndex: number | null = null): StepRun {
  return {
    label: mapIndex === null ? node.key : `${node.key}[${mapIndex}]`,
    node: node.key,
    step: node.step,
    map_index: mapIndex,
    state: 'PENDING',
    attempt: 0,
    fraction: null,
    message: null,
    error: null,
    error_code: null,
    outputs: [],
    started_at: null,
    finished_at: null,
  };
}

export function summariseNodes(dag: Dag, steps: readonly StepRun[]): NodeSummary[] {
  const own = new Map<string, StepRun>();
  const branches = new Map<string, StepRun[]>();
  for (const step of steps) {
    if (step.map_index === null) own.set(step.node, step);
    else {
      const list = branches.get(step.node) ?? [];
      list.push(step);
      branches.set(step.node, list);
    }
  }
  return dag.nodes.map((node) => {
    const nodeBranches = (branches.get(node.key) ?? []).sort(
      (a, b) => (a.map_index ?? 0) - (b.map_index ?? 0),
    );
    const branchCounts: Partial<Record<StepState, number>> = {};
    for (const branch of nodeBranches) {
      branchCounts[branch.state] = (branchCounts[branch.state] ?? 0) + 1;
    }
    return {
      node,
      step: own.get(node.key) ?? pendingStep(node),
      branches: nodeBranches,
      branchCounts,
    };
  });
}

/** A map node's progress: the share of branches finished, plus the running ones' progress. */
export function mapProgress(branches: readonly StepRun[]): number | null {
  if (branches.length === 0) return null;
  let done = 0;
  for (const branch of branches) {
    if (branch.state === 'COMPLETED' || branch.state === 'CACHED') done += 1;
    else if (branch.state === 'RUNNING') done += branch.fraction ?? 0;
  }
  return done / branches.length;
}

/** `branch 7 of 12`: the branch a person most wants to read about (the first one running). */
export function branchCaption(summary: NodeSummary): string | null {
  const { branches } = summary;
  if (branches.length === 0) return null;
  const current =
    branches.find((b) => b.state === 'RUNNING' || b.state === 'RETRYING') ??
    branches.find((b) => b.state === 'FAILED') ??
    branches.find((b) => b.state === 'QUEUED');
  if (current && current.map_index !== null) {
    return `branch ${current.map_index + 1} of ${branches.length}`;
  }
  const finished = (summary.branchCounts.COMPLETED ?? 0) + (summary.branchCounts.CACHED ?? 0);
  return `${finished} of ${branches.length} branches done`;
}
