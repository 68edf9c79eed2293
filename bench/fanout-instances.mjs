// 1b. Offer fan-out by three instances: as fan-out (one order in auto mode offered to 1,000
// experts at once), but three app processes share the database, and so the outbox and Teams'
// per-app limit (50 requests per second for the whole bot, shared through the database's rate
// tokens). The order is placed through the first instance; all three deliver. Against the same
// rate-limiting connector stand-in: the bound is the single app's, whatever the instance count.
import path from 'node:path';
import { createRequire } from 'node:module';
import { Connector, APP_WINDOWS } from './lib/connector.mjs';
import { cardOf, execute, expertDoc, orderForm, insertPersonalChats, postJson, round, sleep, spawnHost, user } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const EXPERTS = 1000;
const INSTANCES = 3;

export async function run(ctx) {
  const { log } = ctx;
  const connector = await new Connector({ limits: true }).start();
  const dbName = ctx.dbName('fanout_instances');
  await ctx.client.db(dbName).dropDatabase();
  const hosts = [];
  try {
    // One after another: the first creates the indexes, the others find them.
    for (let i = 0; i < INSTANCES; i++) {
      hosts.push(await spawnHost({
        mode: 'bot',
        env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, BROKERING_MODE: 'auto', WAVE_SIZE: '100' },
        overrides: { waveSize: EXPERTS },
        logFile: ctx.logFile(`fanout-instances-${i}`),
        timeoutMs: 120_000,
      }));
    }
    const db = ctx.client.db(dbName);
    const at = new Date();
    const experts = Array.from({ length: EXPERTS }, (_, i) => user(`Asiantuntija ${i}`));
    for (let i = 0; i < EXPERTS; i += 500) {
      const batch = experts.slice(i, i + 500);
      await db.collection('experts').insertMany(batch.map((u, j) => expertDoc(u.aad, i + j, at)), { ordered: false });
      await insertPersonalChats(db, batch, connector.url, at);
    }
    const orderer = user('Aino Ammattilainen');
    const expertConvs = new Set(experts.map((u) => u.personal));
    for (let i = 0; i < 3; i++) await postJson(`${hosts[0].url}/api/messages`, execute(connector.url, orderer, 'order.submit', orderForm({ title: '' })));
    connector.reset();

    await Promise.all(hosts.map((h) => h.call('loopReset')));
    await Promise.all(hosts.map((h) => h.call('profileStart'))); // BENCH_CPU_PROF=<dir> only
    const startedAt = Date.now();
    const answer = await postJson(`${hosts[0].url}/api/messages`, execute(connector.url, orderer, 'order.submit', orderForm({ mode: 'hybrid', link: 'https://teams.example/meet' })), { timeoutMs: 120_000 });
    const answeredMs = Date.now() - startedAt;
    const orderId = /T-\d{4}-\d{4,6}/.exec(JSON.stringify(cardOf(answer)))?.[0];
    if (!orderId) throw new Error('no order number in the submit answer');

    const deadline = startedAt + Math.max(30_000, Math.min(ctx.budget('fan-out-instances'), ctx.remainingMs() - ctx.reserveMs - 15_000));
    const delivered = () => {
      const seen = new Set();
      for (const c of connector.calls) if (c.kind === 'send' && expertConvs.has(c.conversationId)) seen.add(c.conversationId);
      return seen.size;
    };
    while (delivered() < EXPERTS && Date.now() < deadline) await sleep(50);
    const complete = delivered() === EXPERTS;
    const deadlineHit = Date.now();
    await sleep(2000); // late duplicates would arrive now

    const sends = connector.calls.filter((c) => c.kind === 'send' && expertConvs.has(c.conversationId));
    const perConv = new Map();
    const firstAt = new Map();
    for (const c of sends) {
      perConv.set(c.conversationId, (perConv.get(c.conversationId) ?? 0) + 1);
      if (!firstAt.has(c.conversationId)) firstAt.set(c.conversationId, c.at);
    }
    const undelivered = [...expertConvs].filter((id) => !perConv.has(id));
    const open = new Set((await db.collection('outboxDue').find({}, { projection: { conversationId: 1 } }).toArray()).map((d) => d.conversationId));
    const stillPending = undelivered.filter((id) => open.has(id)).length;
    const lost = undelivered.length - stillPending;
    const duplicates = [...perConv.values()].reduce((a, n) => a + (n - 1), 0);
    const times = sends.map((c) => c.at).sort((a, b) => a - b);
    const totalS = complete ? (Math.max(...firstAt.values()) - startedAt) / 1000 : null;
    const appLimit = APP_WINDOWS[0];
    const minimumS = (Math.ceil(EXPERTS / appLimit.limit) - 1) * (appLimit.ms / 1000);
    const stats = await Promise.all(hosts.map((h) => h.call('stats').catch(() => ({}))));
    await Promise.all(hosts.map((h, i) => h.call('profileStop', { file: `fanout-instances-${i}` })));
    const firstS = times.length ? (times[0] - startedAt) / 1000 : null;
    const rate = times.length > 1 ? (times.length - 1) / ((times[times.length - 1] - times[0]) / 1000) : null;
    ctx.note(`fan-out-instances: order ${orderId} answered in ${round(answeredMs / 1000, 2)} s by instance 1 of ${INSTANCES}; first offer after ${round(firstS, 2)} s, ` +
      `then ${round(rate, 1)} msg/s; sent per instance ${stats.map((s) => s.sent ?? '?').join(' / ')}; connector requests ${connector.total}; ` +
      `app budget per instance ${stats.map((s) => JSON.stringify(s.budget ?? {})).join(' / ')}; ` +
      `requests ready too late for their token's window per instance ${stats.map((s) => s.windowMissed ?? '?').join(' / ')}; event-loop delay per instance (ms) ${stats.map((s) => JSON.stringify(s.loop ?? {})).join(' / ')}.`);
    // Where the time goes: requests per period of the shared budget's grid, from the first offer.
    const { TEAMS_APP_GRID } = require(path.join(ctx.buildDir, 'messaging/appBudget.js'));
    const { gridSizes } = require(path.join(ctx.buildDir, 'store/rateTokens.js'));
    const { periodMs } = gridSizes(TEAMS_APP_GRID);
    const perPeriod = [];
    for (const t of times) {
      const k = Math.floor((t - times[0]) / periodMs);
      perPeriod[k] = (perPeriod[k] ?? 0) + 1;
    }
    ctx.note(`fan-out-instances: offers per ${periodMs} ms (the budget's period) from the first: ${Array.from(perPeriod, (n) => n ?? 0).join(' ')}.`);
    // How late after its slot's start each request reached the connector: the grid stays under the
    // limit while this is under useMs + wireMs (slots start at whole multiples of slotMs).
    const { slotMs } = gridSizes(TEAMS_APP_GRID);
    const late = sends.map((c) => c.at - Math.floor(c.at / slotMs) * slotMs).sort((a, b) => a - b);
    const pct = (q) => late[Math.min(late.length - 1, Math.floor(q * late.length))];
    if (late.length) ctx.note(`fan-out-instances: arrival after the slot's start (ms): p50 ${round(pct(0.5), 0)}, p99 ${round(pct(0.99), 0)}, max ${round(late[late.length - 1], 0)}; the grid allows ${TEAMS_APP_GRID.useMs + TEAMS_APP_GRID.wireMs}.`);
    // Where tokens went unused: each second from the first offer, the grid's tokens no request used
    // (a slot of the grid holds limit / slotsPerPeriod requests).
    const perSlot = TEAMS_APP_GRID.limit / TEAMS_APP_GRID.slotsPerPeriod;
    const usedBySlot = new Map();
    for (const t of times) {
      const slot = Math.floor(t / slotMs);
      usedBySlot.set(slot, (usedBySlot.get(slot) ?? 0) + 1);
    }
    const missedPerSecond = [];
    if (times.length) {
      for (let slot = Math.floor(times[0] / slotMs); slot <= Math.floor(times[times.length - 1] / slotMs); slot++) {
        const second = Math.max(0, Math.floor((slot * slotMs - times[0]) / 1000));
        missedPerSecond[second] = (missedPerSecond[second] ?? 0) + Math.max(0, perSlot - (usedBySlot.get(slot) ?? 0));
      }
      ctx.note(`fan-out-instances: tokens of the grid left unused, per second from the first offer: ${Array.from(missedPerSecond, (n) => n ?? 0).join(' ')} (${missedPerSecond.reduce((a, n) => a + (n ?? 0), 0)} in all).`);
    }
    const ratio = totalS === null ? null : totalS / minimumS;
    return [
      {
        name: `fan-out-instances time to 1,000 delivered (${INSTANCES} instances)`, value: totalS === null ? null : round(totalS, 2), unit: 's',
        baseline: { name: 'theoretical minimum under 50 req/s per app', value: minimumS, unit: 's' },
        ratio: ratio === null ? null : round(ratio, 3), target: 'ratio <= 1.15', pass: ratio !== null && ratio <= 1.15,
        ...(complete ? {} : { note: `cut off after ${round((deadlineHit - startedAt) / 1000, 1)} s with ${EXPERTS - undelivered.length}/${EXPERTS} delivered, ${stillPending} still queued` }),
      },
      {
        name: 'fan-out-instances sustained delivery rate', value: round(rate, 1), unit: 'msg/s',
        baseline: { name: 'Teams per-app limit', value: appLimit.limit / (appLimit.ms / 1000), unit: 'msg/s' },
        ratio: rate === null ? null : round(rate / (appLimit.limit / (appLimit.ms / 1000)), 3), target: null, pass: null,
      },
      { name: 'fan-out-instances 429 responses', value: connector.throttled, unit: 'count', baseline: null, ratio: null, target: '= 0', pass: connector.throttled === 0 },
      { name: 'fan-out-instances lost messages', value: lost, unit: 'count', baseline: null, ratio: null, target: '= 0', pass: lost === 0 },
      { name: 'fan-out-instances duplicated messages', value: duplicates, unit: 'count', baseline: null, ratio: null, target: '= 0', pass: duplicates === 0 },
    ];
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
    await connector.stop();
  }
}
