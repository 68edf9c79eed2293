import { parseConfig } from '../../src/config';
import { openDatabase, Database } from '../../src/store/db';
import { testConfig } from '../support/harness';

// The benchmarks' database command counts (BENCH_STATS=1, docs/performance.md): counted by the
// driver's command monitoring, exact per command and collection, and off unless asked for.
let counted: Database;
let plain: Database;

beforeAll(() => {
  const config = testConfig(__filename);
  counted = openDatabase(config.mongodbUri, config.mongodbDb, { countCommands: true });
  plain = openDatabase(config.mongodbUri, config.mongodbDb);
});

afterAll(async () => {
  await counted.db.dropDatabase().catch(() => undefined);
  await Promise.all([counted.close(), plain.close()]);
});

test('counts each command by name and collection', async () => {
  const before = counted.commandCounts() ?? {};
  await counted.db.collection('things').insertOne({ _id: 'a' } as never);
  await counted.db.collection('things').findOne({ _id: 'a' } as never);
  await counted.db.collection('things').findOne({ _id: 'b' } as never);
  const after = counted.commandCounts() ?? {};
  expect((after['insert things'] ?? 0) - (before['insert things'] ?? 0)).toBe(1);
  expect((after['find things'] ?? 0) - (before['find things'] ?? 0)).toBe(2);
});

test('is off unless asked for (production)', async () => {
  await plain.db.collection('things').findOne({});
  expect(plain.commandCounts()).toBeNull();
  expect(plain.client.options.monitorCommands).toBe(false);
});

test('BENCH_STATS=1 switches it on; the default is off', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:1/' };
  const on = parseConfig({ ...base, BENCH_STATS: '1' });
  const off = parseConfig(base);
  expect(on.ok && on.config.benchStats).toBe(true);
  expect(off.ok && off.config.benchStats).toBe(false);
});
