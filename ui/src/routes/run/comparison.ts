/**
 * Which two images a finished run compares: the uploaded asset it started from and its main
 * image output.
 */

import { assetContentUrl } from '../../lib/api/endpoints';
import type { Run } from '../../lib/api/types';

/** Browsers draw these; a TIFF input, say, is left out of the comparison. */
const DRAWABLE = /^image\/(jpeg|png|webp|gif|avif)$/;

export function comparison(run: Run): { before: string; after: string } | null {
  if (run.state !== 'COMPLETED') return null;
  const input = Object.values(run.inputs)[0];
  const outputs = Object.entries(run.outputs);
  const main =
    outputs.find(([name]) => name === 'image') ?? outputs.find(([, a]) => DRAWABLE.test(a.media_type));
  if (!main || !DRAWABLE.test(main[1].media_type)) return null;
  if (input && !DRAWABLE.test(input.media_type)) return null;
  const before = run.asset_id ? assetContentUrl(run.asset_id) : (input?.url ?? null);
  return before ? { before, after: main[1].url } : null;
}
