// Debian's Chromium for the console's browser tests: installed by scripts/chromium.sh when missing and allowed, launched headless.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(__dirname, '..', '..', '..');
/** Screenshots for a person to look at (var/ is ignored by git). */
export const shots = path.join(root, 'var', 'screenshots');

/** Installs Chromium when missing and allowed (scripts/chromium.sh); otherwise the reason it cannot run. */
export function chromiumOrReason(): string | null {
  if (existsSync(CHROMIUM)) return null;
  try {
    execFileSync(path.join(root, 'scripts', 'chromium.sh'), { stdio: ['ignore', 'pipe', 'pipe'] });
    return existsSync(CHROMIUM) ? null : `scripts/chromium.sh ran but ${CHROMIUM} is missing`;
  } catch (err) {
    return `Chromium is not installed and could not be: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

export async function launchChromium(): Promise<Browser> {
  await mkdir(shots, { recursive: true });
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Collects script errors, CSP errors and failed requests of a page (the browser's own /favicon.ico aside). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}
