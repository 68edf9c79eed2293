// Chromium for the e2e tests (playwright-core drives the system browser; no browser download).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, headless, container-friendly chromium (pass to playwright's `args`). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

function run(cmd, args, log) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) return { ok: false, why: r.error.message };
  if (r.status !== 0) return { ok: false, why: `exit ${r.status}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-5).join('\n')}` };
  return { ok: true };
}

/**
 * Returns '/usr/bin/chromium', installing the Debian `chromium` package first when it is missing
 * (`apt-get update` + `apt-get install -y chromium`; needs root). Throws a clear error otherwise.
 */
export async function ensureChromium({ log = (m) => process.stderr.write(`[chromium] ${m}\n`) } = {}) {
  if (fs.existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const manual = 'Install it by hand: `apt-get update && apt-get install -y chromium` (Debian/Ubuntu, as root).';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${CHROMIUM_PATH} is missing and this process is not root, so it cannot be installed. ${manual}`);
  }
  log(`${CHROMIUM_PATH} not found; installing the Debian chromium package…`);
  const update = run('apt-get', ['update'], log);
  if (!update.ok) throw new Error(`apt-get update failed (${update.why}). ${manual}`);
  const install = run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], log);
  if (!install.ok) throw new Error(`apt-get install chromium failed (${install.why}). ${manual}`);
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing. ${manual}`);
  return CHROMIUM_PATH;
}
