// Shared by `npm start` and `npm run bot`: build the bot, give it a database, run it.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { startFerretDb } = require('./ferretdb.cjs');

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function say(message) {
  process.stdout.write(`[valittaja] ${message}\n`);
}

export function build() {
  say('Compiling TypeScript…');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: root, stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('TypeScript build failed');
}

/** MONGODB_URI wins; otherwise the local FerretDB under .data/ is installed once and (re)used. */
export async function ensureDatabase() {
  if (process.env.MONGODB_URI) {
    say('Using MONGODB_URI from the environment.');
    return { uri: process.env.MONGODB_URI, stop: async () => {} };
  }
  const db = await startFerretDb({ dataDir: path.join(root, '.data', 'ferretdb'), reuse: true, log: say });
  say(`Local database (FerretDB, SQLite) on ${db.uri} ${db.started ? '(started)' : '(already running)'}`);
  return db;
}

export function startBotProcess(env) {
  // DEP0111: restify loads spdy (HTTP/2, unused here), whose http-deceiver reads
  // process.binding('http_parser') at load: a warning about a dependency, twice at each start.
  const child = spawn(process.execPath, ['--enable-source-maps', '--disable-warning=DEP0111', path.join(root, 'dist', 'index.js')], {
    cwd: root, env, stdio: 'inherit',
  });
  return child;
}

/** Resolves when /healthz answers, or rejects when the bot exits first. */
export async function waitForBot(port, child, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the bot exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the bot did not start in time');
}

/** Resolves when /readyz says the database answers and its indexes exist. */
export async function waitForReady(port, child, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the bot exited with code ${child.exitCode}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (res?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the bot did not reach its database in time');
}
