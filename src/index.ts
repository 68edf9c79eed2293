import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MovableClock } from './clock';
import { parseConfig, Config } from './config';
import { createServer } from './http/server';
import { RequestDrain } from './http/shutdown';
import { createLogger, Logger } from './log';
import { createStore, ensureIndexes, Store } from './store';
import { openDatabase, Database } from './store/db';
import { DEFAULT_CATALOG } from './domain/catalog';
import { fanOutSlices } from './domain/waves';
import { Scheduler } from './jobs/scheduler';
import { feedbackJob, remindersJob } from './jobs/afterTask';
import { cleanupJob } from './jobs/cleanup';
import { digestJob } from './jobs/digest';
import { expertReviewsJob } from './jobs/expertReviews';
import { feesJob } from './jobs/fees';
import { DEFAULT_TARIFF_FILE, readTariffFile } from './services/fees';
import { reportUndeliverable } from './services/undeliverable';
import { waveJob } from './jobs/waves';
import { OutboxSender } from './messaging/sender';
import { SharedAppBudget } from './messaging/appBudget';
import { RateLimiter } from './messaging/limits';
import { BotTransport } from './messaging/transport';
import { ServiceDeps } from './services/deps';
import { createAdapter } from './teams/adapter';
import { createApp } from './teams/app';

export interface RunningBot {
  port: number;
  config: Config;
  database: Database;
  store: Store;
  log: Logger;
  sender: OutboxSender;
  /** The app-wide send budget shared with other instances (its stats, for metrics and the benchmark). */
  appBudget: SharedAppBudget;
  scheduler: Scheduler;
  deps: ServiceDeps;
  /** The bot's clock; `advance` is offered to coordinators only in local mode. */
  clock: MovableClock;
  stop(): Promise<void>;
}

/**
 * The composition root: config → database → adapter → app → server. The server starts at
 * once; /readyz says 503 until the database answers and its indexes exist, and the
 * driver reconnects by itself when the database comes back.
 */
export async function startBot(config: Config, log: Logger = createLogger(config.logLevel), o: { now?: () => Date; clock?: MovableClock } = {}): Promise<RunningBot> {
  // The one clock of the use cases, routes and jobs; tests pass their own time (time is a dependency).
  const injected = o.now;
  const clock = o.clock ?? new MovableClock(injected ? () => injected().getTime() : Date.now);
  const tariffFile = readTariffFile(config.feeTariffFile ?? DEFAULT_TARIFF_FILE);
  if (!tariffFile.ok) throw new Error(tariffFile.errors.join('; '));
  const database = openDatabase(config.mongodbUri, config.mongodbDb, { countCommands: config.benchStats, log });
  const store = createStore(database.db);
  let indexesReady = false;
  let stopped = false;
  const prepare = async (): Promise<void> => {
    while (!stopped && !indexesReady) {
      try {
        await ensureIndexes(store);
        indexesReady = true;
      } catch (error) {
        log.warn({ err: (error as Error).name }, 'database not ready; retrying in 2 s');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  };
  const preparing = prepare();

  // A tenant id names an organisation, not a person: it may be logged.
  const adapter = createAdapter(config, {
    foreignTenant: (tenantId) => log.warn({ tenantId: tenantId ?? null }, 'refused: activity from a tenant not allowed (ALLOWED_TENANT_IDS)'),
    unauthenticated: (authError) => log.warn({ authError }, 'refused: request not authenticated'),
  });
  const transport = new BotTransport(adapter, config.bot.id ?? '');
  const owner = `${hostname()}#${process.pid}#${randomBytes(3).toString('hex')}`;
  const appBudget = new SharedAppBudget({ tokens: store.rateTokens, owner, log });
  const sender = new OutboxSender({
    outbox: store.outbox,
    conversations: store.conversations,
    transport,
    log,
    owner,
    // Teams' per-app limit is shared with every other instance through the database; the
    // per-conversation limits stay in this process, which holds the claim of the item it sends.
    limiter: new RateLimiter({ app: [] }),
    appBudget,
    onPermanentFailure: (item) => reportUndeliverable(deps, item.conversationId, item.key),
  });
  const deps: ServiceDeps = {
    config,
    store,
    log,
    catalog: DEFAULT_CATALOG,
    tariffs: tariffFile.tariffs,
    now: () => clock.now(),
    rng: Math.random,
    personalChats: transport,
    postman: {
      async post(items) {
        // A large fan-out is queued in slices: the sender starts delivering the first ones
        // while the rest is written. Each slice is queued and, as far as this instance's sender
        // has free workers, claimed by it in the same step. Dated by the sender's clock, the
        // system's, not the bot's: a moved clock would hold back every message until the real
        // time caught up.
        for (const slice of fanOutSlices(items)) {
          await sender.post(slice);
        }
      },
    },
  };
  const scheduler = new Scheduler({ repo: store.jobRuns, timeZone: config.timeZone, log, now: deps.now, offsetMs: () => clock.offsetMs() });
  scheduler.register(waveJob(deps));
  scheduler.register(digestJob(deps));
  scheduler.register(feesJob(deps));
  scheduler.register(feedbackJob(deps));
  scheduler.register(remindersJob(deps));
  scheduler.register(cleanupJob(deps));
  scheduler.register(expertReviewsJob(deps));
  // Moving the clock is for a local demo or test only: never where Teams talks to the bot.
  const app = createApp(adapter, { ...deps, scheduler, timeTravel: config.localMode ? clock : undefined });
  void preparing.then(() => {
    if (stopped) return;
    sender.start();
    scheduler.start();
  });
  const server = createServer({ adapter, app, log, isReady: async () => indexesReady && (await database.ping()) });
  const drain = new RequestDrain();
  drain.attach(server);
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (config.localMode) {
    log.warn({ host: config.host, port }, 'LOCAL MODE: no BOT_ID/BOT_PASSWORD, requests are NOT authenticated; listening on loopback only');
  } else {
    log.info({ host: config.host, port, botType: config.bot.type, allowedTenantIds: config.allowedTenantIds }, 'Bot Framework authentication on');
  }
  log.info({ port, db: config.mongodbDb, mode: config.brokeringMode }, 'Välittäjä listening');

  return {
    port,
    config,
    database,
    store,
    log,
    sender,
    appBudget,
    scheduler,
    deps,
    clock,
    /**
     * A graceful stop (SIGTERM): /readyz says 503 at once; the requests being handled finish; the
     * sender stops claiming and hands back what it claimed but has not sent; running jobs get the
     * grace period and then give up their leases; then the listener and the database close.
     * Another instance can take the work over at once, without waiting for leases to lapse.
     */
    async stop() {
      stopped = true;
      drain.start();
      const graceMs = config.shutdownGraceSeconds * 1000;
      const [requestsDone] = await Promise.all([drain.idle(graceMs), sender.stop(), scheduler.stop(graceMs, Math.min(5000, graceMs))]);
      if (!requestsDone) log.warn({ inFlight: drain.inFlight }, 'shutdown: requests still running after the grace period');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections with no request on them would hold close() open.
        server.server.closeIdleConnections();
        if (!requestsDone) server.server.closeAllConnections();
      });
      await preparing;
      await database.close();
    },
  };
}

async function main(): Promise<void> {
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    process.stderr.write(`Välittäjä cannot start; fix these environment variables:\n${parsed.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    process.exit(1);
  }
  const bot = await startBot(parsed.config);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second signal: the operator does not want to wait.
      bot.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    bot.log.info({ signal, graceSeconds: bot.config.shutdownGraceSeconds }, 'shutting down');
    // Whatever hangs (a database that went away mid-shutdown), the process ends a little after the grace period.
    setTimeout(() => {
      bot.log.error({ signal }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, (bot.config.shutdownGraceSeconds + 10) * 1000).unref();
    bot.stop().then(
      () => {
        bot.log.info({ signal }, 'stopped');
        process.exit(0);
      },
      (error: Error) => {
        bot.log.error({ signal, err: error.name }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`Välittäjä failed to start: ${error.message}\n`);
    process.exit(1);
  });
}
