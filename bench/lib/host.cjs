'use strict';
// A child process that runs one server for a benchmark, so the load generator and the
// connector stand-in (in the parent) do not share its event loop or its memory figures.
//   BENCH_MODE=bot   the app itself: startBot(parseConfig(env)) from the compiled build
//   BENCH_MODE=echo  a bare botbuilder echo bot on the same restify + CloudAdapter stack
// The parent talks to it over IPC: { id, cmd } → { id, ok, result | error }.
const path = require('node:path');

const build = process.env.BENCH_BUILD;
const mode = process.env.BENCH_MODE || 'bot';

/**
 * BENCH_PROFILE_DB=1: every database command the bot sends is counted and timed (driver command
 * monitoring, switched on before the client connects), per command and collection; the `dbProfile`
 * IPC command returns the tally and starts a new one. Only for finding out what a figure costs.
 */
const dbProfile = new Map();
function profileDatabase() {
  const { MongoClient } = require('mongodb');
  const connect = MongoClient.prototype.connect;
  MongoClient.prototype.connect = function patchedConnect(...args) {
    if (!this.__benchProfiled) {
      this.__benchProfiled = true;
      this.monitorCommands = true;
      const started = new Map();
      this.on('commandStarted', (e) => started.set(e.requestId, `${e.commandName} ${e.command[e.commandName] ?? ''}`));
      const done = (e) => {
        const key = started.get(e.requestId) ?? e.commandName;
        started.delete(e.requestId);
        const row = dbProfile.get(key) ?? { n: 0, ms: 0 };
        row.n += 1;
        row.ms += e.duration;
        dbProfile.set(key, row);
      };
      this.on('commandSucceeded', done);
      this.on('commandFailed', done);
    }
    return connect.apply(this, args);
  };
}
if (process.env.BENCH_PROFILE_DB === '1') profileDatabase();

/**
 * BENCH_CPU_PROF=<dir>: `profileStart` / `profileStop { file }` take a V8 CPU profile of just the
 * timed part (in-process inspector session), written to <dir>/<file>.cpuprofile.
 */
let profiler;
async function profileStart() {
  const inspector = require('node:inspector');
  profiler = new inspector.Session();
  profiler.connect();
  const post = (m, p) => new Promise((resolve, reject) => profiler.post(m, p, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  return post;
}
let profilePost;

async function startApp() {
  const { parseConfig } = require(path.join(build, 'config.js'));
  const { startBot } = require(path.join(build, 'index.js'));
  const { createLogger } = require(path.join(build, 'log.js'));
  const parsed = parseConfig(process.env);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  // Values the environment schema does not allow (e.g. WAVE_SIZE above 100) are set on the parsed config.
  const overrides = JSON.parse(process.env.BENCH_OVERRIDES || '{}');
  const config = { ...parsed.config, ...overrides };
  const bot = await startBot(config, createLogger(config.logLevel));
  // /readyz: indexes created and the database answers.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${bot.port}/readyz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error('bot not ready in 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port: bot.port,
    stats: () => ({ ...bot.sender.stats, budget: { ...bot.appBudget.stats, ...bot.store.rateTokens.stats } }),
    // BENCH_STATS=1 (spawnHost sets it): the database's command counts (src/store/db.ts).
    dbCommands: () => bot.database.commandCounts(),
    // The handler's own cost is measured with the outbox sender stopped (its deliveries are
    // the fan-out's figures), then it is started again.
    pauseSender: () => bot.sender.stop(),
    resumeSender: () => bot.sender.start(),
    drain: (ms) => bot.sender.drain(ms),
    stop: () => bot.stop(),
  };
}

async function startEcho() {
  const restify = require('restify');
  const { CloudAdapter, ConfigurationBotFrameworkAuthentication, ActivityTypes } = require('botbuilder');
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const logic = async (context) => {
    const a = context.activity;
    if (a.type === ActivityTypes.Invoke) {
      const card = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `echo ${a.value?.action?.verb ?? ''}`, wrap: true }] };
      await context.sendActivity({
        type: ActivityTypes.InvokeResponse,
        value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
      });
      return;
    }
    if (a.type === ActivityTypes.Message) await context.sendActivity(`echo: ${a.text ?? ''}`);
  };
  const server = restify.createServer({ name: 'echo' });
  server.use(restify.plugins.bodyParser({ maxBodySize: 256 * 1024, mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, logic);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { port: server.address().port, stats: () => ({}), dbCommands: () => ({}), pauseSender: async () => {}, resumeSender: () => {}, drain: async () => {}, stop: async () => server.close() };
}

/**
 * How late this process's timers fire (event-loop delay, ms), since the last `loopReset`: a token
 * of the shared budget is lost when its taker wakes more than its slot's 20 ms late.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const loopFigures = () => ({ p50: +(loopDelay.percentile(50) / 1e6).toFixed(1), p99: +(loopDelay.percentile(99) / 1e6).toFixed(1), max: +(loopDelay.max / 1e6).toFixed(1) });

async function main() {
  const h = mode === 'echo' ? await startEcho() : await startApp();
  process.on('message', async (msg) => {
    const reply = (body) => process.send({ id: msg.id, ...body });
    try {
      let result;
      switch (msg.cmd) {
        case 'mem':
          if (msg.gc && global.gc) {
            global.gc();
            await new Promise((r) => setTimeout(r, 50));
            global.gc();
          }
          result = { ...process.memoryUsage(), cpu: process.cpuUsage() };
          break;
        case 'stats':
          result = { ...h.stats(), loop: loopFigures() };
          break;
        case 'loopReset':
          loopDelay.reset();
          result = true;
          break;
        case 'cpu':
          // This process's CPU (user + system, µs): the bot's or the echo bot's own.
          result = process.cpuUsage();
          break;
        case 'profileStart':
          if (process.env.BENCH_CPU_PROF) profilePost = await profileStart();
          result = !!profilePost;
          break;
        case 'profileStop': {
          if (!profilePost) { result = null; break; }
          const { profile } = await profilePost('Profiler.stop');
          profiler.disconnect();
          profilePost = undefined;
          const fs = require('node:fs');
          fs.mkdirSync(process.env.BENCH_CPU_PROF, { recursive: true });
          result = path.join(process.env.BENCH_CPU_PROF, `${msg.file}.cpuprofile`);
          fs.writeFileSync(result, JSON.stringify(profile));
          break;
        }
        case 'dbCommands':
          result = h.dbCommands();
          break;
        case 'pauseSender':
          await h.pauseSender();
          result = true;
          break;
        case 'resumeSender':
          h.resumeSender();
          result = true;
          break;
        case 'dbProfile':
          result = Object.fromEntries([...dbProfile.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }]));
          dbProfile.clear();
          break;
        case 'drain':
          await h.drain(msg.timeoutMs ?? 30_000);
          result = true;
          break;
        case 'stop':
          await h.stop();
          reply({ ok: true, result: true });
          setTimeout(() => process.exit(0), 50);
          return;
        default:
          throw new Error(`unknown command ${msg.cmd}`);
      }
      reply({ ok: true, result });
    } catch (error) {
      reply({ ok: false, error: String(error && error.message ? error.message : error) });
    }
  });
  process.send({ id: 0, ok: true, result: { port: h.port } });
}

main().catch((error) => {
  process.stderr.write(`bench host failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
