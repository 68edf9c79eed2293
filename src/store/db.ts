import { CommandStartedEvent, Db, MongoClient, MongoClientOptions, ServerClosedEvent, ServerHeartbeatFailedEvent, ServerHeartbeatStartedEvent, ServerHeartbeatSucceededEvent } from 'mongodb';
import type { Logger } from '../log';
import { endWritesWithTheirSocket } from './driverFix';

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

export interface OpenDatabaseOptions {
  /** Count commands (the benchmarks' BENCH_STATS=1). */
  countCommands?: boolean;
  /** Told (without personal data) when the driver is found stuck and the connection is opened again. */
  log?: Pick<Logger, 'warn'>;
  /** How often the driver's checks of the server are looked at (STUCK_CHECK_EVERY_MS). */
  watchEveryMs?: number;
  clock?: () => number;
}

/** How often the watchdog looks at the driver's checks of the server. */
export const STUCK_CHECK_EVERY_MS = 2500;
/** Beyond the longest a check may take by the driver's own options (see stuckAfterMs). */
const STUCK_MARGIN_MS = 5000;

/**
 * Opens a driver connection without waiting for the server: the driver reconnects by
 * itself, so a database that is down at start or goes away later only delays work.
 * Short selection timeouts make an unreachable database fail fast (a card action must
 * answer within Teams' invoke time) instead of hanging.
 */
export function openDatabase(uri: string, dbName: string, opts: OpenDatabaseOptions = {}): Database {
  // A newer driver may keep its Connection elsewhere (and may have fixed the bug): said once at start.
  if (!endWritesWithTheirSocket().applied) opts.log?.warn({}, 'database: the fix for writes to closed sockets does not fit this driver version (src/store/driverFix.ts)');
  const client = new MongoClient(uri, { ...driverOptions(uri), monitorCommands: !!opts.countCommands });
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
  const watchdog = watchForStuckChecks(client, opts, () => {
    if (closing) return;
    // Every operation fails meanwhile as if the database were down, and is retried as such.
    void client.close().catch(() => undefined).then(() => {
      if (!closing) connect();
    });
  });
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
      clearInterval(watchdog);
      await client.close();
    },
  };
}

/**
 * A watchdog for the driver's checks of the server, behind driverFix.ts: when the database's
 * side closes the connections at once (a restart, a failover, a network cut), the driver's
 * monitor could check the server on a socket Node had just destroyed, and that check never
 * ended (mongodb 6.22, 7.9): the server stayed "unknown" and every operation failed for good,
 * though the database was back (test/integration/db-stuck-connection.test.ts reproduces it).
 * driverFix.ts ends such writes; should a check hang some other way, this still notices.
 *
 * Every check is timed from the driver's heartbeat events. One still running well past the
 * longest the driver's own options allow (stuckAfterMs) is stuck: `reopen` closes the client
 * and connects it again (the same MongoClient, so every repository's collections keep working),
 * and the warning says so. Returns the timer, for close().
 */
function watchForStuckChecks(client: MongoClient, opts: OpenDatabaseOptions, reopen: () => void): NodeJS.Timeout {
  const clock = opts.clock ?? Date.now;
  const running = new Map<string, number>();
  client.on('serverHeartbeatStarted', (e: ServerHeartbeatStartedEvent) => running.set(e.connectionId, clock()));
  client.on('serverHeartbeatSucceeded', (e: ServerHeartbeatSucceededEvent) => running.delete(e.connectionId));
  client.on('serverHeartbeatFailed', (e: ServerHeartbeatFailedEvent) => running.delete(e.connectionId));
  // A server dropped from the topology (a replica set reconfigured) ends its monitor mid-check.
  client.on('serverClosed', (e: ServerClosedEvent) => running.delete(e.address));
  const timer = setInterval(() => {
    const limit = stuckAfterMs(client.options);
    const longest = Math.max(0, ...[...running.values()].map((at) => clock() - at));
    if (longest <= limit) return;
    running.clear();
    opts.log?.warn({ checkRunningMs: longest }, 'database: the driver\'s check of the server has not ended; opening the connection again');
    reopen();
  }, opts.watchEveryMs ?? STUCK_CHECK_EVERY_MS);
  timer.unref();
  return timer;
}

/**
 * The longest a check of the server may take by the driver's own options, plus a margin: a
 * streaming check waits up to heartbeatFrequencyMS for the server's answer, then up to
 * connectTimeoutMS for the wire (a polling check only the latter).
 */
export function stuckAfterMs(options: Pick<MongoClientOptions, 'connectTimeoutMS' | 'heartbeatFrequencyMS'>): number {
  return (options.connectTimeoutMS ?? 30_000) + (options.heartbeatFrequencyMS ?? 10_000) + STUCK_MARGIN_MS;
}

/** The driver defaults the bot needs; each yields to the same option given in MONGODB_URI. */
const DEFAULT_DRIVER_OPTIONS = {
  serverSelectionTimeoutMS: 2500,
  connectTimeoutMS: 2500,
  maxPoolSize: 100,
  appName: 'valittaja',
} as const;

/**
 * The MongoClient options: the defaults above except where the connection string sets the same
 * option (names compared case-insensitively, as the driver does). The driver itself lets an
 * option object override the URI, so without this a county could not lengthen, e.g.,
 * serverSelectionTimeoutMS for a database that takes longer to fail over.
 */
export function driverOptions(uri: string): MongoClientOptions {
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '';
  const inUri = new Set([...new URLSearchParams(query).keys()].map((k) => k.toLowerCase()));
  const options: MongoClientOptions = {
    // Optional fields left undefined are not stored as null (not a connection string option).
    ignoreUndefined: true,
  };
  for (const [key, value] of Object.entries(DEFAULT_DRIVER_OPTIONS)) {
    if (!inUri.has(key.toLowerCase())) (options as Record<string, unknown>)[key] = value;
  }
  return options;
}

/** Driver errors for a database that cannot be reached (down, network, pool cleared, closed). */
const UNREACHABLE_ERRORS = /MongoServerSelectionError|MongoNetworkError|MongoNetworkTimeoutError|MongoNotConnectedError|MongoTopologyClosedError|PoolClearedError|PoolClearedOnNetworkError/;

/**
 * Server error codes that mean "not now" rather than "not this": a cloud database scaling,
 * failing over or throttling. They are what the driver itself treats as retryable (replica-set
 * elections, shutdowns, step-downs), plus the managed services' own:
 *  - 16500 TooManyRequests ("Request rate is large"): Azure Cosmos DB for MongoDB (RU) over its
 *    throughput; 50 ExceededTimeLimit/MaxTimeMSExpired: Cosmos DB's server-side retry gave up
 *    after 60 s (the bot sets no maxTimeMS of its own);
 *  - 462 IngressRequestRateLimitExceeded: MongoDB Atlas rate limiting connections/requests;
 *  - 64 WriteConcernFailed/Timeout: the write concern was not confirmed in time (a secondary lagging).
 */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired / ExceededTimeLimit (Cosmos DB)
  64, // WriteConcernFailed / WriteConcernTimeout
  89, // NetworkTimeout
  91, // ShutdownInProgress
  134, // ReadConcernMajorityNotAvailableYet
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  462, // IngressRequestRateLimitExceeded (Atlas)
  9001, // SocketException
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
  16500, // TooManyRequests / RequestRateTooLarge (Cosmos DB)
]);

/** Error labels the driver or server put on errors worth retrying. */
const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool', 'SystemOverloadedError', 'RetryableError'];

/** Messages of the same conditions from servers that send no code (older servers, proxies). */
const TRANSIENT_MESSAGES = /not master|not primary|node is recovering|request rate is large|too many requests|retryafterms=/i;

/**
 * True for errors that mean "the database cannot serve this right now; the same request later
 * will do": unreachable, failing over, scaling, throttled. Such an error is handled like a brief
 * outage: a turn answers "temporarily unavailable, try again" (503 for invokes that cannot show
 * text), the outbox and the job scheduler retry with backoff. Anything else (a duplicate key, a
 * bad query, a validation error) is a real failure. Never throws.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return isTransient(error, 0);
}

function isTransient(error: unknown, depth: number): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const e = error as {
    name?: unknown; code?: unknown; message?: unknown; errorLabels?: unknown; hasErrorLabel?: (label: string) => boolean;
    writeErrors?: unknown; writeConcernError?: unknown; errorResponse?: { writeConcernError?: unknown }; cause?: unknown;
  };
  if (typeof e.name === 'string' && UNREACHABLE_ERRORS.test(e.name)) return true;
  // Bulk writes report per-document errors (the error's own code is the first one's): transient
  // only if every one is, since the others would fail again (e.g. a duplicate key).
  if (Array.isArray(e.writeErrors) && e.writeErrors.length > 0) return e.writeErrors.every((w) => isTransient(w, depth + 1));
  const code = typeof e.code === 'number' ? e.code : typeof e.code === 'string' && /^\d+$/.test(e.code) ? Number(e.code) : undefined;
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  const labels = typeof e.hasErrorLabel === 'function' ? TRANSIENT_LABELS.filter((l) => e.hasErrorLabel!(l)) : [];
  if (labels.length > 0) return true;
  if (Array.isArray(e.errorLabels) && e.errorLabels.some((l) => TRANSIENT_LABELS.includes(String(l)))) return true;
  // A duplicate key (11000) or a document failing validation is never "try again later".
  if (code === undefined && typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)) return true;
  if (isTransient(e.writeConcernError ?? e.errorResponse?.writeConcernError, depth + 1)) return true;
  return isTransient(e.cause, depth + 1);
}
