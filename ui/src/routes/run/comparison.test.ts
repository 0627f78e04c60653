import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../lib/api/types';
import { pendingRun } from '../../fixtures/runs';
import { comparison } from './comparison';

const artifact = (name: string, media_type: string): Artifact => ({
  id: `r1-${name}`,
  name,
  media_type,
  size: 10,
  digest: 'd',
  url: `/api/v1/artifacts/r1-${name}`,
});

describe('comparison', () => {
  it('compares the uploaded asset with the corrected image once the run has completed', () => {
    const run = pendingRun({
      state: 'COMPLETED',
      inputs: { source: artifact('in.jpg', 'image/jpeg') },
      outputs: { image: artifact('image.jpg', 'image/jpeg'), preview: artifact('p.jpg', 'image/jpeg') },
    });
    expect(comparison(run)).toEqual({
      before: '/api/v1/assets/a1/content',
      after: '/api/v1/artifacts/r1-image.jpg',
    });
  });

  it('compares nothing before completion, or when a browser cannot draw one of the images', () => {
    const outputs = { image: artifact('image.jpg', 'image/jpeg') };
    expect(comparison(pendingRun({ state: 'RUNNING', outputs }))).toBeNull();
    const tiff = { source: artifact('in.tif', 'image/tiff') };
    expect(comparison(pendingRun({ state: 'COMPLETED', inputs: tiff, outputs }))).toBeNull();
  });
});
