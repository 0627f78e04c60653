import { fireEvent, render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import FileDrop from './FileDrop.svelte';

const photo = () => new File([new Uint8Array([0xff, 0xd8, 0xff])], 'rocket.jpg', { type: 'image/jpeg' });
const base = { file: null, progress: null, uploaded: false, error: null };

describe('FileDrop', () => {
  it('takes a file dropped on it', async () => {
    const onPick = vi.fn();
    render(FileDrop, { ...base, onPick });
    const zone = screen.getByRole('group', { name: 'File to correct' });
    const file = photo();
    await fireEvent.dragEnter(zone);
    await fireEvent.drop(zone, { dataTransfer: { files: [file] } });
    expect(onPick).toHaveBeenCalledWith(file);
  });

  it('takes a file chosen with the file picker, which the keyboard reaches', async () => {
    const onPick = vi.fn();
    render(FileDrop, { ...base, onPick });
    const user = userEvent.setup();
    await user.tab();
    const input = document.activeElement as HTMLInputElement;
    expect(input.type).toBe('file');
    const file = photo();
    await user.upload(input, file);
    expect(onPick).toHaveBeenCalledWith(file);
  });

  it('shows upload progress, then that the upload finished, or why it was refused', async () => {
    const { rerender } = render(FileDrop, { ...base, file: photo(), progress: 0.42, onPick: vi.fn() });
    expect(screen.getByText('Uploading… 42%')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Upload progress' })).toHaveAttribute(
      'aria-valuenow',
      '42',
    );
    await rerender({ progress: 1, uploaded: true });
    expect(screen.getByText('✓ Uploaded')).toBeInTheDocument();
    await rerender({ uploaded: false, error: 'This file type is not supported.' });
    expect(screen.getByRole('alert')).toHaveTextContent('This file type is not supported.');
  });
});
