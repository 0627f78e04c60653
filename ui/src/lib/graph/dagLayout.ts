/** Positions for a DAG's nodes and the routes of its edges, computed by dagre. */

import { Graph, layout } from '@dagrejs/dagre';
import type { Dag } from '../api/types';

export type Direction = 'LR' | 'TB';

export interface Box {
  key: string;
  /** Top-left corner, in pixels from the drawing's top-left. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Route {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface DagLayout {
  boxes: Box[];
  routes: Route[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  direction: Direction;
  /** The size of one node's card; map nodes may be taller. */
  size: (key: string) => { width: number; height: number };
  gap?: number;
}

export function layoutDag(dag: Dag, options: LayoutOptions): DagLayout {
  const gap = options.gap ?? 28;
  const graph = new Graph();
  graph.setGraph({
    rankdir: options.direction,
    nodesep: gap,
    ranksep: gap * 1.6,
    marginx: 12,
    marginy: 8,
  });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of dag.nodes) graph.setNode(node.key, { ...options.size(node.key) });
  for (const { source, target } of dag.edges) graph.setEdge(source, target);
  layout(graph);

  const boxes = dag.nodes.map((node) => {
    const placed = graph.node(node.key);
    return {
      key: node.key,
      x: placed.x - placed.width / 2,
      y: placed.y - placed.height / 2,
      width: placed.width,
      height: placed.height,
    };
  });
  const routes = dag.edges.map(({ source, target }) => ({
    from: source,
    to: target,
    points: (graph.edge(source, target)?.points ?? []).map((p: { x: number; y: number }) => ({
      x: p.x,
      y: p.y,
    })),
  }));
  const label = graph.graph();
  return { boxes, routes, width: label.width ?? 0, height: label.height ?? 0 };
}

/** An SVG path through a route's points, smoothed with quadratic curves at the bends. */
export function routePath(points: readonly { x: number; y: number }[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  if (rest.length === 0) return `M${first.x},${first.y}`;
  let path = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i += 1) {
    const control = rest[i]!;
    const next = rest[i + 1]!;
    const midX = (control.x + next.x) / 2;
    const midY = (control.y + next.y) / 2;
    path += ` Q${control.x},${control.y} ${midX},${midY}`;
  }
  const last = rest[rest.length - 1]!;
  return `${path} L${last.x},${last.y}`;
}
