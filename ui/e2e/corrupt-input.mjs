// @ts-check
/** A truncated JPEG: the run fails at decode, and the page says which step failed and why. */

import { check, openPage, screenshot, signIn, startCorrection } from './browser.mjs';

/**
 * @param {import('playwright-core').Browser} browser
 * @param {import('./browser.mjs').Scenario} scenario
 */
export async function corruptInput(browser, scenario) {
  const page = await openPage(browser, scenario);
  await signIn(page, scenario);
  await startCorrection(page, scenario.corruptPhoto);
  await page.getByRole('list', { name: 'Steps' }).locator('[data-node="decode"]').waitFor();
  await page.getByRole('button', { name: 'Start correction' }).click();
  await page.waitForURL((url) => /^\/runs\/[^/]+$/.test(url.pathname) && url.pathname !== '/runs/new');

  await page.locator('[data-run-state="FAILED"]').waitFor();
  const decode = page.locator('[data-node="decode"]');
  check((await decode.getAttribute('data-state')) === 'FAILED', 'decode is not shown as failed');
  const reason = page.locator('[data-failed-step="decode"]');
  await reason.waitFor();
  const text = (await reason.textContent()) ?? '';
  check(/cut short|truncated/i.test(text), `failure reason shown: ${text}`);
  check(
    (await decode.textContent())?.includes('cut short') ?? false,
    'the decode node does not show the reason',
  );
  const skipped = await page.locator('[data-node][data-state="SKIPPED"]').count();
  check(skipped > 0, 'no step downstream of decode is shown as skipped');
  await page.getByRole('button', { name: 'Retry failed steps' }).waitFor();
  await screenshot(page, scenario, 'run-failed');
  await page.context().close();
}
