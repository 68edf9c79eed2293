import { Db, MongoClient } from 'mongodb';

export interface Database {
  client: MongoClient;
  db: Db;
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
export function openDatabase(uri: string, dbName: string): Database {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 2500,
    connectTimeoutMS: 2500,
    maxPoolSize: 100,
    appName: 'valittaja',
    // Optional fields left undefined are not stored as null.
    ignoreUndefined: true,
  });
  const db = client.db(dbName);
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
