import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config';
import { startBot, RunningBot } from '../../src/index';
import { createLogger } from '../../src/log';

// A database of this test's own, so stopping it does not disturb the other test files.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFerretDb, freePort } = require('../../scripts/lib/ferretdb.cjs') as {
  startFerretDb(o: { dataDir: string; port?: number }): Promise<{ uri: string; stop(): Promise<void> }>;
  freePort(): Promise<number>;
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'valittaja-readyz-'));
let bot: RunningBot | undefined;

afterAll(async () => {
  await bot?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

async function eventually(url: string, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await status(url);
    if (last === expected) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}

test('/readyz is 503 while the database is down and 200 when it is back; /healthz stays 200', async () => {
  const port = await freePort();
  let db = await startFerretDb({ dataDir, port });
  const parsed = parseConfig({ PORT: '0', MONGODB_URI: db.uri, MONGODB_DB: 'readyz', LOG_LEVEL: 'silent' });
  if (!parsed.ok) throw new Error(parsed.errors.join());
  bot = await startBot(parsed.config, createLogger('silent'));
  const base = `http://127.0.0.1:${bot.port}`;

  expect(await eventually(`${base}/readyz`, 200, 10000)).toBe(200);
  await db.stop();
  expect(await eventually(`${base}/readyz`, 503, 10000)).toBe(503);
  expect(await status(`${base}/healthz`)).toBe(200);

  db = await startFerretDb({ dataDir, port });
  try {
    expect(await eventually(`${base}/readyz`, 200, 20000)).toBe(200);
  } finally {
    await bot.stop();
    bot = undefined;
    await db.stop();
  }
}, 60000);

test('a bot started while the database is down becomes ready when it comes up, without a restart', async () => {
  const port = await freePort();
  const parsed = parseConfig({ PORT: '0', MONGODB_URI: `mongodb://127.0.0.1:${port}/`, MONGODB_DB: 'readyz2', LOG_LEVEL: 'silent' });
  if (!parsed.ok) throw new Error(parsed.errors.join());
  const late = await startBot(parsed.config, createLogger('silent'));
  const base = `http://127.0.0.1:${late.port}`;
  let db: { stop(): Promise<void> } | undefined;
  try {
    expect(await eventually(`${base}/readyz`, 503, 5000)).toBe(503);
    db = await startFerretDb({ dataDir, port });
    expect(await eventually(`${base}/readyz`, 200, 20000)).toBe(200);
  } finally {
    await late.stop();
    await db?.stop();
  }
}, 60000);
