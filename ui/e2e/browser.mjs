// @ts-check
/**
 * The browser the end-to-end scenarios drive: Debian's Chromium, headless, never a
 * downloaded one. Also the steps every scenario shares (signing in, screenshots).
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.REMEDIA_E2E_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Generous upper bounds that only turn a hang into a failure; nothing asserts on time. */
export const STEP_TIMEOUT_MS = 120_000;

/**
 * @typedef {object} Scenario
 * @property {string} baseUrl      where the service answers, e.g. http://127.0.0.1:8123
 * @property {string} username
 * @property {string} password
 * @property {string} outputDir    screenshots and downloads go here
 * @property {string} photo        a real JPEG photo
 * @property {string} corruptPhoto a truncated JPEG
 */

/** @returns {Promise<import('playwright-core').Browser>} */
export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A fresh browser context (its own cookies) with a desktop window.
 * @param {import('playwright-core').Browser} browser
 * @param {Scenario} scenario
 */
export async function openPage(browser, scenario) {
  const context = await browser.newContext({
    baseURL: scenario.baseUrl,
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

/**
 * Sign in through the login page the app redirects to.
 * @param {import('playwright-core').Page} page
 * @param {Scenario} scenario
 */
export async function signIn(page, scenario) {
  await page.goto('/runs');
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Username').fill(scenario.username);
  await page.getByLabel('Password').fill(scenario.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
}

/**
 * Upload a file on the new-correction page and wait until the server has it.
 * @param {import('playwright-core').Page} page
 * @param {string} file
 */
export async function startCorrection(page, file) {
  await page.getByRole('link', { name: 'New correction' }).first().click();
  await page.getByRole('heading', { name: 'New correction' }).waitFor();
  await page.locator('input[type=file]').setInputFiles(file);
  await page.getByText('✓ Uploaded').waitFor();
}

/**
 * @param {import('playwright-core').Page} page
 * @param {Scenario} scenario
 * @param {string} name
 */
export async function screenshot(page, scenario, name) {
  await mkdir(scenario.outputDir, { recursive: true });
  const path = join(scenario.outputDir, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * @param {boolean} condition
 * @param {string} message
 * @returns {asserts condition}
 */
export function check(condition, message) {
  if (!condition) throw new Error(message);
}
