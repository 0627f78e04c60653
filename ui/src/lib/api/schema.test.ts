// @vitest-environment node
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const UI = resolve(import.meta.dirname, '../../..');

it('the client types are generated from the committed OpenAPI document, unchanged', () => {
  const fresh = join(mkdtempSync(join(tmpdir(), 'remedia-schema-')), 'schema.d.ts');
  const cli = join(UI, 'node_modules/openapi-typescript/bin/cli.js');
  execFileSync(process.execPath, [cli, join(UI, '../remedia/api/openapi.json'), '-o', fresh], {
    stdio: 'pipe',
  });
  const committed = readFileSync(join(UI, 'src/lib/api/schema.d.ts'), 'utf8');
  expect(readFileSync(fresh, 'utf8'), 'run `npm run generate:api` in ui/ and commit the result').toBe(
    committed,
  );
});
