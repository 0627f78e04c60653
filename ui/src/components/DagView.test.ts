import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { imageDag, step, videoDag } from '../fixtures/dags';
import DagView from './DagView.svelte';

function nodeOf(container: HTMLElement, key: string): HTMLElement {
  const found = container.querySelector<HTMLElement>(`[data-node="${key}"]`);
  if (!found) throw new Error(`no node ${key}`);
  return found;
}

describe('DagView', () => {
  it('draws every planned step, pending, in the order the flow calls them, with its edges', () => {
    const { container } = render(DagView, { dag: imageDag, direction: 'LR' });
    const items = within(screen.getByRole('list', { name: 'Steps' })).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('[data-node]')?.getAttribute('data-node'))).toEqual(
      imageDag.nodes.map((n) => n.key),
    );
    expect(container.querySelectorAll('[data-state="PENDING"]')).toHaveLength(7);
    expect(container.querySelectorAll('path.edge')).toHaveLength(imageDag.edges.length);
  });

  it('places dependent steps after their inputs, left to right', () => {
    const { container } = render(DagView, { dag: imageDag, direction: 'LR' });
    const left = (key: string) => parseFloat(nodeOf(container, key).parentElement!.style.left);
    expect(left('decode')).toBeLessThan(left('resize'));
    expect(left('apply_tone')).toBeLessThan(left('encode'));
    expect(left('apply_tone')).toBeLessThan(left('preview'));
  });

  it('colours each step by its state and shows attempt, progress and last message', () => {
    const { container } = render(DagView, {
      dag: imageDag,
      direction: 'TB',
      steps: [
        step('decode', 'COMPLETED'),
        step('resize', 'CACHED'),
        step('analyse_white_balance', 'RUNNING', { attempt: 2, fraction: 0.4, message: 'rows 40/100' }),
      ],
    });
    const running = nodeOf(container, 'analyse_white_balance');
    expect(running).toHaveAttribute('data-state', 'RUNNING');
    expect(running).toHaveTextContent('attempt 2');
    expect(running).toHaveTextContent('rows 40/100');
    expect(within(running).getByRole('progressbar', { hidden: true })).toHaveAttribute('aria-valuenow', '40');
    expect(
      screen.getByRole('button', { name: 'analyse_white_balance: Running, attempt 2, 40%, rows 40/100' }),
    ).toBe(running);
    expect(nodeOf(container, 'decode')).toHaveTextContent('Completed');
    expect(nodeOf(container, 'resize')).toHaveTextContent('Cached');
    expect(container.querySelectorAll('path.edge.done').length).toBeGreaterThan(0);
  });

  it('shows why a step failed and that its dependants were skipped', () => {
    const { container } = render(DagView, {
      dag: imageDag,
      direction: 'TB',
      steps: [
        step('decode', 'FAILED', { error: 'image file is truncated (5 bytes not processed)' }),
        step('resize', 'SKIPPED', { error: "upstream step 'decode' failed" }),
      ],
    });
    expect(nodeOf(container, 'decode')).toHaveTextContent('image file is truncated');
    expect(nodeOf(container, 'resize')).toHaveTextContent('Skipped');
  });

  it('shows a map node waiting to fan out, then which branch of how many is running', async () => {
    const { container, rerender } = render(DagView, {
      dag: videoDag,
      direction: 'TB',
      steps: [step('split', 'RUNNING')],
    });
    expect(nodeOf(container, 'fix_segment')).toHaveTextContent('fans out when its input is ready');
    const branches = Array.from({ length: 12 }, (_, i) =>
      step('fix_segment', i < 6 ? 'COMPLETED' : i === 6 ? 'RUNNING' : 'QUEUED', { map_index: i }),
    );
    await rerender({ steps: [step('split', 'COMPLETED'), step('fix_segment', 'RUNNING'), ...branches] });
    const map = nodeOf(container, 'fix_segment');
    expect(map).toHaveTextContent('branch 7 of 12');
    expect(map.querySelectorAll('.branch')).toHaveLength(12);
  });

  it('reports the step chosen with the keyboard', async () => {
    const onSelect = vi.fn();
    render(DagView, { dag: imageDag, direction: 'LR', onSelect });
    const user = userEvent.setup();
    await user.tab();
    await user.tab();
    await user.keyboard('{Enter}');
    expect(onSelect).toHaveBeenCalledWith('resize');
  });
});
