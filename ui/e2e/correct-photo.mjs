// @ts-check
/**
 * Correct a real photo from the browser: sign in, upload, see the planned steps, start,
 * watch every step turn complete on the page, compare before and after, download the output.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { check, openPage, screenshot, signIn, startCorrection } from './browser.mjs';

/**
 * @param {import('playwright-core').Browser} browser
 * @param {import('./browser.mjs').Scenario} scenario
 */
export async function correctPhoto(browser, scenario) {
  const page = await openPage(browser, scenario);
  await signIn(page, scenario);
  await startCorrection(page, scenario.photo);

  // The planned steps are drawn, every one pending, before the run exists.
  const plan = page.getByRole('list', { name: 'Steps' });
  await plan.locator('[data-node="encode"]').waitFor();
  const planned = await plan
    .locator('[data-node]')
    .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-node'), n.getAttribute('data-state')]));
  const keys = planned.map(([key]) => key);
  check(
    ['decode', 'encode', 'preview'].every((k) => keys.includes(k)),
    `planned steps: ${keys}`,
  );
  check(
    planned.every(([, state]) => state === 'PENDING'),
    `planned states: ${planned}`,
  );

  // Turning local contrast on adds its step to the plan.
  await page.getByLabel('Local Contrast', { exact: true }).check();
  await plan.locator('[data-node="local_contrast"]').waitFor();
  await page.getByLabel('Quality').fill('85');
  await page.locator('section[aria-labelledby="plan-title"][aria-busy="false"]').waitFor();
  await screenshot(page, scenario, 'new-correction');

  await page.getByRole('button', { name: 'Start correction' }).click();
  await page.waitForURL((url) => /^\/runs\/[^/]+$/.test(url.pathname) && url.pathname !== '/runs/new');
  const runId = decodeURIComponent(page.url().split('/').pop() ?? '');

  // Record every state each node shows, as the page changes it (no reloads).
  await page.locator('[data-node="decode"]').waitFor();
  await page.evaluate(() => {
    const seen = /** @type {Record<string, string[]>} */ ({});
    const record = () => {
      for (const node of document.querySelectorAll('[data-node]')) {
        const key = node.getAttribute('data-node') ?? '';
        const state = node.getAttribute('data-state') ?? '';
        const states = (seen[key] ??= []);
        if (states[states.length - 1] !== state) states.push(state);
      }
    };
    record();
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
    Object.assign(window, { seenStates: seen });
  });

  const nodes = await page
    .locator('[data-node]')
    .evaluateAll((n) => n.map((e) => e.getAttribute('data-node') ?? ''));
  check(nodes.includes('local_contrast') && nodes.includes('encode'), `run steps: ${nodes}`);
  for (const key of nodes) {
    await page
      .locator(`[data-node="${key}"][data-state="COMPLETED"], [data-node="${key}"][data-state="CACHED"]`)
      .waitFor();
  }
  await page.locator('[data-run-state="COMPLETED"]').waitFor();
  const seen = /** @type {Record<string, string[]>} */ (
    await page.evaluate(() => Reflect.get(window, 'seenStates'))
  );
  const shown = Object.values(seen).map((states) => states[states.length - 1]);
  check(
    shown.every((state) => state === 'COMPLETED' || state === 'CACHED'),
    `final states: ${JSON.stringify(seen)}`,
  );

  // Before and after: both images load, and the slider moves the divider.
  const compare = page.getByRole('figure', { name: 'Before and after' });
  await compare.waitFor();
  await compare.locator('img').evaluateAll((images) =>
    Promise.all(
      images.map((img) =>
        /** @type {HTMLImageElement} */ (img).complete
          ? Promise.resolve()
          : new Promise((resolve, reject) => {
              img.addEventListener('load', resolve);
              img.addEventListener('error', reject);
            }),
      ),
    ),
  );
  const widths = await compare
    .locator('img')
    .evaluateAll((imgs) => imgs.map((i) => /** @type {HTMLImageElement} */ (i).naturalWidth));
  check(widths.length === 2 && widths.every((w) => w > 0), `compared image widths: ${widths}`);
  const slider = compare.getByRole('slider');
  await slider.focus();
  for (let i = 0; i < 20; i += 1) await page.keyboard.press('ArrowLeft');
  check((await slider.inputValue()) === '30', `slider at ${await slider.inputValue()}`);

  // Download the corrected image.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-output="image"]').click(),
  ]);
  const saved = join(scenario.outputDir, `corrected-${download.suggestedFilename()}`);
  await download.saveAs(saved);
  const bytes = await readFile(saved);
  check(
    bytes.length > 1000 && bytes[0] === 0xff && bytes[1] === 0xd8,
    `downloaded ${bytes.length} bytes, not a JPEG`,
  );

  await page.getByRole('heading', { name: 'Steps' }).scrollIntoViewIfNeeded();
  await page.locator('[data-node="decode"]').click();
  await page.getByRole('heading', { name: 'decode', level: 3 }).waitFor();
  const shot = await screenshot(page, scenario, 'run-detail');

  // On a phone the page reflows to one column and nothing runs off the side.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('heading', { name: 'Steps' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `the run page is ${overflow}px wider than a phone`);
  await screenshot(page, scenario, 'run-detail-phone');
  await page.setViewportSize({ width: 1360, height: 900 });

  // The runs list shows the run, completed.
  await page.getByRole('link', { name: 'Runs', exact: true }).click();
  await page.locator(`tr[data-run="${runId}"][data-state="COMPLETED"]`).waitFor();
  await screenshot(page, scenario, 'runs');

  // Losing the connection keeps the list on screen and says so; it recovers by itself.
  const lost = page.getByText('Cannot reach the server — showing the last runs seen.');
  await page.context().setOffline(true);
  await lost.waitFor();
  check(await page.locator(`tr[data-run="${runId}"]`).isVisible(), 'the runs list emptied while offline');
  await page.context().setOffline(false);
  await lost.waitFor({ state: 'detached' });
  await page.context().close();
  return { runId, screenshot: shot, statesSeen: seen };
}
