import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { JsonSchema } from '../lib/api/types';
import imageCorrectSchema from '../fixtures/imageCorrectSchema.json';
import SchemaForm from './SchemaForm.svelte';

const schema = imageCorrectSchema as JsonSchema;

function lastCall(onChange: ReturnType<typeof vi.fn>): [Record<string, unknown>, boolean] {
  const calls = onChange.mock.calls;
  return calls[calls.length - 1] as [Record<string, unknown>, boolean];
}

describe('SchemaForm', () => {
  it('renders enums as selects, booleans as checkboxes and numbers with their bounds', () => {
    render(SchemaForm, { schema });
    const method = screen.getByLabelText('White Balance Method') as HTMLSelectElement;
    expect(method.tagName).toBe('SELECT');
    expect([...method.options].map((o) => o.value)).toEqual([
      'gray-world',
      'shades-of-gray',
      'white-patch',
      'gray-edge',
    ]);
    expect(method.value).toBe('shades-of-gray');
    const balance = screen.getByLabelText('White Balance') as HTMLInputElement;
    expect(balance.type).toBe('checkbox');
    expect(balance.checked).toBe(true);
    const quality = screen.getByLabelText('Quality') as HTMLInputElement;
    expect(quality.type).toBe('number');
    expect(quality.min).toBe('1');
    expect(quality.max).toBe('100');
    expect(quality.step).toBe('1');
    expect(quality.value).toBe('90');
  });

  it('shows each description as help text tied to its control, with range and default', () => {
    render(SchemaForm, { schema });
    const quality = screen.getByLabelText('Quality');
    expect(quality).toHaveAccessibleDescription(
      'JPEG/WebP quality (ignored for PNG). Range 1–100. Default 90.',
    );
  });

  it('reports the defaults first, then every edit with the form still valid', async () => {
    const onChange = vi.fn();
    render(SchemaForm, { schema, onChange });
    expect(lastCall(onChange)).toEqual([
      expect.objectContaining({ quality: 90, white_balance: true, max_long_edge: null }),
      true,
    ]);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('White Balance Method'), 'gray-world');
    await user.click(screen.getByLabelText('Local Contrast'));
    const [params, valid] = lastCall(onChange);
    expect(params).toMatchObject({ white_balance_method: 'gray-world', local_contrast: true });
    expect(valid).toBe(true);
  });

  it('refuses a value out of bounds and says why', async () => {
    const onChange = vi.fn();
    render(SchemaForm, { schema, onChange });
    const user = userEvent.setup();
    const quality = screen.getByLabelText('Quality');
    await user.clear(quality);
    await user.type(quality, '101');
    expect(lastCall(onChange)[1]).toBe(false);
    expect(screen.getByRole('alert')).toHaveTextContent('At most 100.');
    expect(quality).toHaveAttribute('aria-invalid', 'true');
    await user.clear(quality);
    await user.type(quality, '85');
    expect(lastCall(onChange)).toEqual([expect.objectContaining({ quality: 85 }), true]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('lets an optional number be left empty, and refuses a fraction for an integer', async () => {
    const onChange = vi.fn();
    render(SchemaForm, { schema, onChange });
    const user = userEvent.setup();
    const edge = screen.getByLabelText('Max Long Edge');
    await user.type(edge, '12.5');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a whole number.');
    await user.clear(edge);
    expect(lastCall(onChange)).toEqual([expect.objectContaining({ max_long_edge: null }), true]);
  });

  it('follows $ref enums and marks fields without a default as required', () => {
    const withRefs: JsonSchema = {
      type: 'object',
      $defs: { Codec: { enum: ['h264', 'av1'], type: 'string', title: 'Codec' } },
      properties: {
        codec: { $ref: '#/$defs/Codec', description: 'Video codec.' },
        language: { type: 'string', title: 'Language' },
      },
      required: ['codec', 'language'],
    };
    render(SchemaForm, { schema: withRefs });
    const codec = screen.getByLabelText(/Codec/) as HTMLSelectElement;
    expect([...codec.options].map((o) => o.value)).toEqual(['h264', 'av1']);
    expect(screen.getByLabelText(/Language/)).toBeRequired();
  });

  it('says so when a flow has no parameters', () => {
    render(SchemaForm, { schema: { type: 'object', properties: {} } });
    expect(screen.getByText('This flow takes no parameters.')).toBeInTheDocument();
  });
});
