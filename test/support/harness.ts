import { MongoClient } from 'mongodb';
import { parseConfig, Config } from '../../src/config';
import { createLogger } from '../../src/log';
import { startBot, RunningBot } from '../../src/index';
import { Activity } from './activities';
import { FakeConnector } from './connector';

/** A database name of its own for each test file, so files run in parallel. */
export function testDbName(file: string): string {
  const base = file.split(/[\\/]/).pop()!.replace(/\.test\.ts$/, '').replace(/[^A-Za-z0-9]/g, '_');
  return `t_${base}_${process.pid}`.slice(0, 60);
}

export function testConfig(file: string, env: Record<string, string> = {}): Config {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI is not set: run the tests with `npm test` (jest global setup starts the database)');
  // Tests of other features place many orders within seconds as one user: the per-user order
  // limit is off unless a test sets it (test/integration/trust-orders-rate-limit.test.ts).
  const parsed = parseConfig({ PORT: '0', MONGODB_URI: uri, MONGODB_DB: testDbName(file), LOG_LEVEL: 'silent', ORDER_SUBMITS_PER_MINUTE: '0', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

export interface Harness {
  bot: RunningBot;
  connector: FakeConnector;
  url: string;
  post(activity: Activity): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/** The real server (restify + CloudAdapter + app) on loopback, talking to a stand-in connector. */
export async function startHarness(file: string, env: Record<string, string> = {}, o: { now?: () => Date } = {}): Promise<Harness> {
  const connector = await new FakeConnector().start();
  const config = testConfig(file, env);
  const client = new MongoClient(config.mongodbUri);
  await client.db(config.mongodbDb).dropDatabase();
  await client.close();
  const bot = await startBot(config, createLogger(process.env.TEST_LOG ?? 'silent'), o);
  await waitUntilReady(`http://127.0.0.1:${bot.port}`);
  const url = `http://127.0.0.1:${bot.port}`;
  return {
    bot,
    connector,
    url,
    async post(activity) {
      const res = await fetch(`${url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async stop() {
      await bot.stop();
      await connector.stop();
    },
  };
}

export async function waitUntilReady(url: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('bot not ready in time');
}
