import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startNode, type RunningNode } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '../../../test-artifacts');

let n: RunningNode;
let browser: Browser | null = null;
let userDataDir = '';

beforeAll(async () => {
  n = await startNode({ mode: 'block' });
  await call(`${n.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri: '/download?file=../../../../etc/passwd', headers: { Host: 'files.example.com' }, client_ip: '203.0.113.44' } });
  await call(`${n.url}/v1/inspect`, { method: 'POST', json: { method: 'GET', uri: '/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E', headers: { Host: 'shop.example.com' }, client_ip: '203.0.113.45' } });
  await call(`${n.url}/v1/iplists`, { method: 'POST', json: { ip: '198.51.100.0/24', list: 'deny', reason: 'scanners' } });
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-chromium-'));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await n.stop();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

describe.skipIf(!fs.existsSync(CHROMIUM))('node console in headless Chromium', () => {
  it('lists the attack, renders the chart, shows a hit point on click', async () => {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1000 },
    });
    browser = context.browser();
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
      await page.goto(`${n.url}/console`);
      await page.waitForSelector('body[data-loaded="1"]', { timeout: 10_000 });

      const attacks = await page.locator('#attacks tbody tr').allInnerTexts();
      expect(attacks.some((t) => t.includes('ptrav') && t.includes('files.example.com/download'))).toBe(true);
      expect(attacks.some((t) => t.includes('xss'))).toBe(true);
      expect(await page.locator('#chart svg rect[data-type="ptrav"]').count()).toBeGreaterThan(0);
      expect(await page.locator('#chart .legend').innerText()).toContain('ptrav');
      expect(await page.locator('#mode').inputValue()).toBe('block');
      expect(await page.locator('#iplists tbody').innerText()).toContain('198.51.100.0/24');

      const row = page.locator('#hits tbody tr', { hasText: 'xss' }).first();
      await row.click();
      await expect.poll(() => page.locator('#hit-detail .point').innerText()).toMatch(/get\.q|uri/);
      const payload = await page.locator('#hit-detail .payload').innerText();
      expect(payload).toContain('<script>'); // shown as text, never executed
      expect(errors).toEqual([]);

      // filters: by type
      await page.selectOption('#filters select[name="type"]', 'ptrav');
      await page.click('#filters button[type="submit"]');
      await expect.poll(async () => (await page.locator('#hits tbody').innerText()).includes('xss')).toBe(false);
      expect(await page.locator('#hits tbody').innerText()).toContain('ptrav');
      await expect.poll(() => page.locator('#chart svg rect[data-type="xss"]').count()).toBe(0);
      expect(await page.locator('#chart svg rect[data-type="ptrav"]').count()).toBeGreaterThan(0);

      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'node-console.png'), fullPage: true });
    } finally {
      await context.close();
      browser = null;
    }
  }, 60_000);
});
