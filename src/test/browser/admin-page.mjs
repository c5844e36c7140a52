// Drives the admin page in headless Chromium, as a user would: run by AdminPageTest, which starts the
// service and reads this script's exit status. Settings come from the environment:
//   BASE_URL, TOTP_SECRET (base32), TOTP_STEP (seconds), CHROMIUM (executable), OUT_DIR (screenshot,
//   download), EXPECT_OBJECT, EXPECT_TABLES, EXPECT_ROWS (the backup already there), EXPECT_FAILURE.
import { chromium } from 'playwright-core';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE_URL = env('BASE_URL');
const STEP = Number(env('TOTP_STEP'));
const OUT = env('OUT_DIR');
const TIMEOUT = 60_000;

// RFC 6238 (SHA-1, 6 digits) with node's crypto.
function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}
const KEY = base32(env('TOTP_SECRET'));
const stepNow = () => Math.floor(Date.now() / 1000 / STEP);
function codeAt(step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', KEY).update(counter).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
// A code is accepted once, and only if its step is newer than the last accepted one (the test's
// own calls included): start past the current step, then one new step per code.
let lastStep = stepNow();
async function freshCode() {
  while (stepNow() <= lastStep) await new Promise((r) => setTimeout(r, 50));
  lastStep = stepNow();
  return codeAt(lastStep);
}
function wrongCode() {
  const now = stepNow();
  const valid = new Set([-1, 0, 1, 2].map((d) => codeAt(now + d)));
  let n = 123456;
  while (valid.has(String(n))) n++;
  return String(n);
}

function check(condition, message) {
  if (!condition) throw new Error('check failed: ' + message);
  console.log('ok  ' + message);
}

const profile = mkdtempSync(join(tmpdir(), 'admin-page-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: env('CHROMIUM'),
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1180, height: 860 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  // The page must work under its own Content-Security-Policy: a violation is a console error.
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  // Only the service itself is ever asked for anything.
  page.on('request', (r) => { if (!r.url().startsWith(BASE_URL) && !r.url().startsWith('blob:')) problems.push('request to ' + r.url()); });

  const response = await page.goto(BASE_URL + '/');
  const headers = response.headers();
  check(response.status() === 200 && headers['content-type'].startsWith('text/html'), 'GET / is the HTML page');
  check(/default-src 'none'/.test(headers['content-security-policy'] || '') && headers['x-content-type-options'] === 'nosniff',
    'the page comes with a Content-Security-Policy and nosniff');
  await page.locator('#service').filter({ hasText: 'service up' }).waitFor();

  // Sign in: one code buys a session for every read that follows.
  await page.locator('#sign-in-code').fill(await freshCode());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#admin').waitFor();
  const firstRow = page.locator('#backups tbody tr').first();
  await firstRow.waitFor();
  check(await page.locator('#backups tbody tr').count() === 1, 'one backup listed after signing in');
  check(await firstRow.getAttribute('data-object') === env('EXPECT_OBJECT'), 'the listed backup is the one on disk');
  const cells = await firstRow.locator('td').allTextContents();
  check(cells[2] === 'full' && cells[4] === env('EXPECT_TABLES') && cells[5] === env('EXPECT_ROWS')
    && cells[6] === 'not checked', `its kind, tables, rows and verification are shown (${cells.join(' | ')})`);
  await page.locator('#failures li').first().waitFor();
  const failure = await page.locator('#failures li').first().textContent();
  check(failure.includes(env('EXPECT_FAILURE')), `the last failure is shown with its error (${failure})`);

  // Back up now with a wrong code: a clear refusal, no run.
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.locator('#trigger-code').fill(wrongCode());
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('#trigger-error').waitFor();
  const refusal = await page.locator('#trigger-error').textContent();
  check(/Not accepted: invalid or expired code/.test(refusal), `a wrong code is refused clearly (${refusal})`);
  check(await page.locator('#run').isHidden(), 'no run started for the wrong code');

  // With a good code: the run's progress is followed to the end.
  await page.locator('#trigger-code').fill(await freshCode());
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('#run').waitFor();
  await page.locator('#run-state').filter({ hasText: 'succeeded' }).waitFor();
  const figures = await page.locator('#run-figures').textContent();
  check(/\b(\d+) of \1 tables/.test(figures) && figures.includes(`${env('EXPECT_ROWS')} rows`),
    `the run's progress reached every table and row (${figures})`);
  const bar = page.locator('#run-progress');
  check(await bar.evaluate((p) => p.value === p.max && p.max > 0), 'the progress bar is full');
  check(await page.locator('#trigger-error').isHidden() && await page.locator('#trigger-form').isHidden(),
    'the error and the code form are gone once the run started');

  // The new backup is listed first, marked new, and downloads.
  const newRow = page.locator('#backups tbody tr.new');
  await newRow.waitFor();
  check(await page.locator('#backups tbody tr').count() === 2, 'two backups listed after the run');
  const name = await newRow.getAttribute('data-object');
  check(name !== env('EXPECT_OBJECT') && (await page.locator('#run-result').textContent()).includes(name),
    `the new backup ${name} is the run's`);
  check(await page.locator('#backups tbody tr').first().getAttribute('data-object') === name, 'newest first');
  const kind = await newRow.locator('td').nth(2).textContent();
  check(kind === 'incremental of ' + env('EXPECT_OBJECT'), `the new backup is shown as an incremental of the first (${kind})`);
  const [download] = await Promise.all([page.waitForEvent('download'), newRow.getByRole('button', { name: 'Download' }).click()]);
  check(download.suggestedFilename() === name, 'the download is named after the backup');
  await download.saveAs(join(OUT, name));
  console.log('downloaded ' + join(OUT, name));

  await page.screenshot({ path: join(OUT, 'admin-page.png'), fullPage: true });
  console.log('screenshot ' + join(OUT, 'admin-page.png'));

  // Signing out ends the session; wrong codes then run into the failure budget (429).
  await page.locator('#sign-out').click();
  await page.locator('#sign-in').waitFor();
  let message = '';
  for (let i = 0; i < 10 && !message.startsWith('Too many'); i++) {
    await page.locator('#sign-in-code').fill(wrongCode());
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The page clears the message when the form is sent, so a visible one is this attempt's answer.
    await page.locator('#sign-in-error').waitFor();
    message = await page.locator('#sign-in-error').textContent();
  }
  check(/^Too many failed attempts: the service refuses requests for \d+ (s|min)\./.test(message),
    `repeated wrong codes end in a clear rate-limit message (${message})`);
  // Expected console noise: the browser logs each refused request (401, 429) as an error.
  const unexpected = problems.filter((p) => !/status of 40[19]|status of 429/.test(p));
  check(unexpected.length === 0, 'no script error, CSP violation or foreign request: ' + JSON.stringify(unexpected));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
