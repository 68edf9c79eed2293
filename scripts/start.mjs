// `npm start`: the local three-role demo. One bot, the local database, and three Microsoft 365
// Agents Playgrounds (local Teams clients) on fixed ports, each acting as its own person of the
// mock tenant: Aino the professional, Eero the expert, Kaisa the coordinator. Step by step: docs/demo.md.
//   npm start               the demo; Eero is seeded as an approved expert, so Aino can order at once
//   npm start -- --empty    a fresh, empty demo database (the previous demo's data is dropped)
// Ctrl-C stops the bot and the Playgrounds; the database keeps running for the next start
// (`npm run db:stop` stops it).
import { createRequire } from 'node:module';
import { build, ensureDatabase, say, startBotProcess, waitForBot, waitForReady } from './lib/local.mjs';
import { startPlayground } from './lib/playground.mjs';
import { BOT_PORT, demoRoles, prepareCoordinatorsChannel, readTenant, seed, windowConfig } from './lib/demo.mjs';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--empty');
if (unknown.length) {
  say(`unknown option ${unknown.join(' ')}; the only one is --empty (a fresh, empty demo database)`);
  process.exit(2);
}
const empty = args.includes('--empty');
const port = Number(process.env.PORT || BOT_PORT);
const dbName = process.env.MONGODB_DB || 'valittaja-demo';
const tenant = readTenant();
const roles = demoRoles(tenant);
const coordinator = roles.find((r) => r.role === 'coordinator').user;
const debug = (line) => { if (process.env.DEBUG_PLAYGROUND) say(line); };

const running = { bot: undefined, playgrounds: [] };
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(running.playgrounds.map((p) => p.stop().catch(() => {})));
  if (running.bot && running.bot.exitCode === null) running.bot.kill('SIGTERM');
  process.exit(code);
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));

try {
  // The Playgrounds need only the bot's address: they load while the database and the bot start.
  const botEndpoint = `http://127.0.0.1:${port}/api/messages`;
  const windows = Promise.allSettled(roles.map((r) => startPlayground({
    botEndpoint, port: r.port, currentUser: r.user.aadObjectId, editConfig: windowConfig(r), log: debug, timeoutMs: 90000,
  }).then((p) => { running.playgrounds.push(p); return p; })));

  const db = await ensureDatabase();
  if (empty) await dropDemoDatabase(db, dbName);
  build();
  const coordinators = [...new Set([...(process.env.COORDINATOR_AAD_IDS ?? '').split(',').map((s) => s.trim()).filter(Boolean), coordinator.aadObjectId])];
  running.bot = startBotProcess({
    ...process.env,
    PORT: String(port),
    MONGODB_URI: db.uri,
    MONGODB_DB: dbName,
    // Kaisa is the demo's configured coordinator (marking the coordinators' channel needs one).
    COORDINATOR_AAD_IDS: coordinators.join(','),
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
  });
  running.bot.once('exit', (code) => { if (!stopping) { say(`the bot stopped (${code})`); stop(code ?? 1); } });
  await waitForBot(port, running.bot);
  await waitForReady(port, running.bot);
  const seeded = await seed({ uri: db.uri, dbName, tenant, empty });

  const started = await windows;
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const pgs = started.map((s) => s.value);
  await prepareCoordinatorsChannel(pgs[roles.indexOf(roles.find((r) => r.role === 'coordinator'))].url, tenant);

  say('');
  say('Välittäjä is ready. Open the three windows side by side; each is Teams as one person sees it:');
  roles.forEach((r, i) => {
    say('');
    say(`  ${r.user.name} (${r.role})  ${pgs[i].url}`);
    for (const line of r.tryThis) say(`      ${line}`);
  });
  say('');
  say(seeded.expert
    ? 'Eero is an approved expert and everyone speaks Finnish (change: "kieli english"). Step by step: docs/demo.md'
    : 'An empty demo: no experts yet (Eero can "ilmoittaudu", Kaisa approves). Step by step: docs/demo.md');
  say('Ctrl-C stops the bot and the three windows; the database keeps running (npm run db:stop stops it).');
} catch (error) {
  say(`could not start: ${error.message}`);
  await stop(1);
}

/** Only the local database's demo database is ever dropped: never one given by MONGODB_URI. */
async function dropDemoDatabase(db, name) {
  if (process.env.MONGODB_URI) throw new Error('--empty drops the demo database of the local database only; unset MONGODB_URI');
  const { MongoClient } = createRequire(import.meta.url)('mongodb');
  const client = await new MongoClient(db.uri).connect();
  try {
    await client.db(name).dropDatabase();
    say(`Started from an empty demo database (${name}).`);
  } finally {
    await client.close();
  }
}
