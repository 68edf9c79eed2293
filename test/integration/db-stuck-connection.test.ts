import { Collection } from 'mongodb';
import { openDatabase, Database, stuckAfterMs, STUCK_CHECK_EVERY_MS } from '../../src/store/db';
import { endWritesWithTheirSocket } from '../../src/store/driverFix';
import { waitUntil } from '../support/bot-process';
import { Cable } from '../support/cable';
import { testConfig, testDbName } from '../support/harness';

// A driver bug, reproduced (src/store/driverFix.ts): when the database's side closes the
// connections at once (a restart, a failover, a cut), Node destroys the driver's sockets before
// their 'close' events. A command written in between waits for a 'drain' that never comes
// (mongodb 6.22 and 7.9: Connection.writeCommand), and no timeout runs on a destroyed socket.
// Under load this happened on its own in the outbox outage test (four runs in five beside three
// busy CPU loops: the monitor's check hung, and with it every operation; then outbox workers hung
// on their own commands). Here the moment is made on purpose: the cable is cut and the sockets
// destroyed as Node destroys them on the server's FIN, and in the same tick a command is sent
// (the monitor's check, as the driver requests one on the first failed operation; or a query).

const heartbeatMs = 1000;
const connectMs = 1000;
const uri = (port: number) => `mongodb://127.0.0.1:${port}/?directConnection=true&heartbeatFrequencyMS=${heartbeatMs}&connectTimeoutMS=${connectMs}`;
let cable: Cable;
let database: Database;
let items: Collection<{ _id: string }>;
const warnings: { obj: unknown; msg: string }[] = [];

beforeAll(async () => {
  const config = testConfig(__filename);
  cable = new Cable(Number(new URL(config.mongodbUri).port));
  database = openDatabase(uri(await cable.start()), testDbName(__filename), {
    log: { warn: (obj: unknown, msg?: string) => void warnings.push({ obj, msg: msg ?? '' }) } as never,
    watchEveryMs: 250,
  });
  items = database.db.collection<{ _id: string }>('things');
  await items.insertOne({ _id: 'before' });
});
afterAll(async () => {
  await database.close();
  await cable.stop();
});
afterEach(() => cable.restore());

interface DriverServer {
  monitor?: { connection?: { socket: { destroy(): void } } | null; requestCheck(): void };
  pool?: { connections?: Iterable<{ socket: { destroy(): void } }> };
}

/** The driver's one server (the test reaches into the driver to make the moment). */
function serverOf(db: Database): Required<DriverServer> {
  const servers = (db.client as unknown as { topology?: { s?: { servers?: Map<string, DriverServer> } } }).topology?.s?.servers;
  const server = servers ? [...servers.values()][0] : undefined;
  if (!server?.monitor || !server.pool?.connections) throw new Error('the driver keeps its monitor or pool elsewhere now: check whether the stuck write still happens, and these tests with it');
  return server as Required<DriverServer>;
}

/** The monitor checks at most every 500 ms: after this, a requested check runs at once. */
const pastMinHeartbeat = () => new Promise((r) => setTimeout(r, 700));

test('the longest a check may take follows the driver options, with a margin', () => {
  expect(stuckAfterMs({ connectTimeoutMS: 2500, heartbeatFrequencyMS: 10_000 })).toBe(17_500);
  expect(stuckAfterMs({})).toBe(45_000);
  expect(STUCK_CHECK_EVERY_MS).toBeLessThan(stuckAfterMs({ connectTimeoutMS: 2500, heartbeatFrequencyMS: 10_000 }));
  expect(endWritesWithTheirSocket().applied).toBe(true);
});

test('a query sent on a connection whose socket was just destroyed fails at once as a network error, and the next one works', async () => {
  await pastMinHeartbeat();
  const { pool } = serverOf(database);
  const sockets = [...(pool.connections ?? [])].map((c) => c.socket);
  expect(sockets.length).toBeGreaterThan(0);
  cable.cut();
  for (const s of sockets) s.destroy();
  const started = Date.now();
  // Without the fix this query waited forever (its write waited for a 'drain').
  await expect(items.findOne({ _id: 'before' })).rejects.toThrow(/closed|Server selection|connect/i);
  expect(Date.now() - started).toBeLessThan(10_000);
  cable.restore();
  await waitUntil('the database answers', () => database.ping(500), 10_000);
  expect(await items.findOne({ _id: 'before' })).toEqual({ _id: 'before' });
}, 30_000);

test("the driver's check of the server on a socket destroyed under it fails, and the next check finds the server back: no reconnect needed", async () => {
  await pastMinHeartbeat();
  const { monitor } = serverOf(database);
  expect(monitor.connection).toBeTruthy();
  cable.cut();
  monitor.connection!.socket.destroy();
  monitor.requestCheck();
  await expect(items.findOne({ _id: 'before' })).rejects.toThrow();
  cable.restore();
  // Back within a few checks (without the fix: never, see below).
  await waitUntil('the database answers', () => database.ping(500), 5 * (heartbeatMs + connectMs));
  expect(warnings).toHaveLength(0);
}, 30_000);

test('without the fix, the check hangs for good; the watchdog finds it, and opens the connection again', async () => {
  const fix = endWritesWithTheirSocket();
  fix.undo();
  try {
    await pastMinHeartbeat();
    const { monitor } = serverOf(database);
    const cutAt = Date.now();
    cable.cut();
    monitor.connection!.socket.destroy();
    monitor.requestCheck();
    await expect(items.findOne({ _id: 'before' })).rejects.toThrow();
    cable.restore();

    // The database is back, but the driver does not see it: its check never ends.
    await new Promise((r) => setTimeout(r, 2 * (heartbeatMs + connectMs)));
    expect(await database.ping(500)).toBe(false);
    expect(warnings).toHaveLength(0);

    const limit = stuckAfterMs({ connectTimeoutMS: connectMs, heartbeatFrequencyMS: heartbeatMs });
    await waitUntil('the database answers', () => database.ping(500), limit + 10_000);
    expect(Date.now() - cutAt).toBeGreaterThan(limit);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain("driver's check of the server has not ended");
    expect(JSON.stringify(warnings[0].obj)).not.toContain('127.0.0.1');
    // The same client and collections work: every repository keeps its collection objects.
    expect(await items.findOne({ _id: 'before' })).toEqual({ _id: 'before' });
    await items.insertOne({ _id: 'after' });
    expect(await items.countDocuments()).toBe(2);
  } finally {
    endWritesWithTheirSocket();
  }
}, 60_000);
