import { CommandStartedEvent, Db, MongoClient } from 'mongodb';

/** Database commands sent so far, by `<command> <collection>` (BENCH_STATS only). */
export type CommandCounts = Record<string, number>;

export interface Database {
  client: MongoClient;
  db: Db;
  /**
   * Commands sent since the start, counted by the driver's command monitoring when opened with
   * `countCommands` (the benchmarks' BENCH_STATS=1); null otherwise. Off in production: the
   * driver then builds no monitoring events at all.
   */
  commandCounts(): CommandCounts | null;
  /** True when the server answers a ping within the timeout; never throws. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens a driver connection without waiting for the server: the driver reconnects by
 * itself, so a database that is down at start or goes away later only delays work.
 * Short selection timeouts make an unreachable database fail fast (a card action must
 * answer within Teams' invoke time) instead of hanging.
 */
export function openDatabase(uri: string, dbName: string, opts: { countCommands?: boolean } = {}): Database {
  const client = new MongoClient(uri, {
    monitorCommands: !!opts.countCommands,
    serverSelectionTimeoutMS: 2500,
    connectTimeoutMS: 2500,
    maxPoolSize: 100,
    appName: 'valittaja',
    // Optional fields left undefined are not stored as null.
    ignoreUndefined: true,
  });
  const db = client.db(dbName);
  let counts: Map<string, number> | null = null;
  if (opts.countCommands) {
    const tally = (counts = new Map());
    client.on('commandStarted', (e: CommandStartedEvent) => {
      const target = e.command[e.commandName];
      const key = typeof target === 'string' ? `${e.commandName} ${target}` : e.commandName;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    });
  }
  // The driver reconnects by itself once it has connected, but a failed first connection
  // leaves the client closed; keep trying until the database is there.
  let closing = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = (): void => {
    client.connect().catch(() => {
      if (!closing) retry = setTimeout(connect, 1000);
    });
  };
  connect();
  return {
    client,
    db,
    commandCounts: () => (counts ? Object.fromEntries(counts) : null),
    async ping(timeoutMs = 1500) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        });
        return await Promise.race([db.command({ ping: 1 }).then(() => true), timeout]);
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    close: async () => {
      closing = true;
      clearTimeout(retry);
      await client.close();
    },
  };
}

/** True for errors that mean "the database is not reachable right now", not "bad request". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /MongoServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoNotConnectedError|MongoTopologyClosedError|PoolClearedError/.test(name);
}
