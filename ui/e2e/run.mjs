// @ts-check
/**
 * Run every end-to-end scenario against a live remedia service and exit non-zero on the
 * first failure. Configured by environment variables (see `scenarioFromEnvironment`).
 */

import { access, constants } from 'node:fs/promises';
import { CHROMIUM, launch, screenshot } from './browser.mjs';
import { correctPhoto } from './correct-photo.mjs';
import { corruptInput } from './corrupt-input.mjs';

/** @returns {import('./browser.mjs').Scenario} */
function scenarioFromEnvironment() {
  /** @param {string} name */
  const need = (name) => {
    const value = process.env[name];
    if (!value) throw new Error(`set ${name}`);
    return value;
  };
  return {
    baseUrl: need('REMEDIA_E2E_BASE_URL'),
    username: need('REMEDIA_E2E_USERNAME'),
    password: need('REMEDIA_E2E_PASSWORD'),
    outputDir: need('REMEDIA_E2E_OUTPUT_DIR'),
    photo: need('REMEDIA_E2E_PHOTO'),
    corruptPhoto: need('REMEDIA_E2E_CORRUPT_PHOTO'),
  };
}

/**
 * What the browser showed when a scenario failed.
 * @param {import('playwright-core').Browser} browser
 * @param {import('./browser.mjs').Scenario} scenario
 * @param {string} name
 */
async function screenshotOpenPages(browser, scenario, name) {
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      await screenshot(page, scenario, name).catch(() => undefined);
    }
    await context.close().catch(() => undefined);
  }
}

const scenarios = { 'correct-photo': correctPhoto, 'corrupt-input': corruptInput };

async function main() {
  const scenario = scenarioFromEnvironment();
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  });
  const only = process.argv.slice(2);
  const browser = await launch();
  let failed = 0;
  try {
    for (const [name, run] of Object.entries(scenarios)) {
      if (only.length > 0 && !only.includes(name)) continue;
      try {
        const result = await run(browser, scenario);
        console.log(`ok   ${name}${result ? ` ${JSON.stringify(result)}` : ''}`);
      } catch (error) {
        failed += 1;
        await screenshotOpenPages(browser, scenario, `${name}-failure`);
        console.error(`FAIL ${name}: ${error instanceof Error ? error.stack : error}`);
      }
    }
  } finally {
    await browser.close();
  }
  process.exit(failed === 0 ? 0 : 1);
}

await main();
