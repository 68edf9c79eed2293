import { MovableClock } from './clock';
import { parseConfig, Config } from './config';
import { createServer } from './http/server';
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
  const database = openDatabase(config.mongodbUri, config.mongodbDb);
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
  const adapter = createAdapter(config, (tenantId) => log.warn({ tenantId: tenantId ?? null }, 'refused: activity from a tenant not allowed (ALLOWED_TENANT_IDS)'));
  const transport = new BotTransport(adapter, config.bot.id ?? '');
  const sender = new OutboxSender({
    outbox: store.outbox,
    conversations: store.conversations,
    transport,
    log,
    onPermanentFailure: (item) => reportUndeliverable(deps, item.conversationId),
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
        // A large fan-out is queued in slices, waking the sender after each: it starts
        // delivering the first ones while the rest is written.
        for (const slice of fanOutSlices(items)) {
          // The system clock, not the bot's: the sender delivers by it (a moved clock
          // would otherwise hold back every message until the real time catches up).
          await store.outbox.enqueue(slice, new Date());
          sender.wake(slice.map((i) => i.conversationId));
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
    scheduler,
    deps,
    clock,
    async stop() {
      stopped = true;
      server.close();
      await preparing;
      await scheduler.stop();
      await sender.stop();
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
  const shutdown = (signal: string) => {
    bot.log.info({ signal }, 'shutting down');
    bot.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`Välittäjä failed to start: ${error.message}\n`);
    process.exit(1);
  });
}
