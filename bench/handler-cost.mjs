// 3. Handler cost: order-form submits (Action.Execute 'order.submit') at concurrency 20 against
// the app, and the same requests against a bare botbuilder echo bot on the same restify +
// CloudAdapter stack. Throughput = answered requests per second over a fixed time.
import { Connector } from './lib/connector.mjs';
import { BOT, TENANT, cardOf, cpuMeter, execute, expertDoc, now, orderForm, personalConversationDoc, pool, postJson, round, spawnHost, summary, user } from './lib/common.mjs';

const CONCURRENCY = 20;
const EXPERTS = 50;
const CHANNEL = { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: '19:koord@thread.tacv2' };

/** `count` requests at most, for at most `ms`, CONCURRENCY at a time; returns { ok, failed, rps, lat }. */
async function load(url, makeBody, ms, count, check) {
  const t0 = now();
  const results = await pool(count, CONCURRENCY, t0 + ms, async (i) => {
    const res = await postJson(url, makeBody(i), { maxSockets: CONCURRENCY });
    check(res);
    return res.ms;
  });
  const elapsed = (now() - t0) / 1000;
  const ok = results.filter((r) => r.ok);
  return { ok: ok.length, failed: results.length - ok.length, rps: ok.length / elapsed, lat: summary(ok.map((r) => r.value)), firstError: results.find((r) => !r.ok)?.error };
}

export async function run(ctx) {
  const connector = await new Connector({ limits: true }).start();
  const ms = ctx.budget('handler-cost');
  const users = Array.from({ length: CONCURRENCY }, (_, i) => user(`Tilaaja ${i}`));
  const body = (i) => execute(connector.url, users[i % users.length], 'order.submit', orderForm({ title: `Puheenvuoro ${i}` }));

  // Baseline: the echo bot answers the very same invokes.
  const echo = await spawnHost({ mode: 'echo', logFile: ctx.logFile('handler-cost-echo') });
  let base;
  try {
    const url = `${echo.url}/api/messages`;
    await load(url, body, 3000, 2000, () => undefined);
    base = await load(url, body, ms, 200_000, (r) => { if (r.status !== 200) throw new Error(`HTTP ${r.status}`); });
  } finally {
    await echo.stop();
  }

  const dbName = ctx.dbName('handler-cost');
  const db = ctx.client.db(dbName);
  await db.dropDatabase();
  // The per-user order limit is off: 20 users submitting for seconds would mostly be refused.
  const host = await spawnHost({ mode: 'bot', env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, ORDER_SUBMITS_PER_MINUTE: '0' }, logFile: ctx.logFile('handler-cost') });
  try {
    // A deployment as the order sees it: a coordinators' channel (the brokering card goes there) and some experts to rank.
    const at = new Date();
    const experts = Array.from({ length: EXPERTS }, (_, i) => user(`Asiantuntija ${i}`));
    await db.collection('experts').insertMany(experts.map((u, i) => expertDoc(u.aad, i, at)));
    await db.collection('conversations').insertMany(experts.map((u) => personalConversationDoc(u, connector.url, at)));
    await db.collection('conversations').insertOne({
      _id: CHANNEL.id, scope: 'channel', tenantId: TENANT, teamId: '19:team@thread.tacv2', locale: 'fi-FI',
      reference: { bot: BOT, channelId: 'msteams', serviceUrl: connector.url, conversation: CHANNEL }, reachable: true, createdAt: at, updatedAt: at,
    });
    await db.collection('settings').insertOne({ _id: 'coordinatorsChannel', value: { conversationId: CHANNEL.id, teamId: '19:team@thread.tacv2' }, updatedAt: at });

    const url = `${host.url}/api/messages`;
    const placed = (r) => {
      const card = JSON.stringify(cardOf(r));
      if (!/T-\d{4}-\d{4,6}/.test(card)) throw new Error(`no order number in the answer: ${card.slice(0, 200)}`);
    };
    // Warm-up: the first order of the year alone (it creates the year's counter), then a short concurrent burst.
    placed(await postJson(url, body(0)));
    await load(url, body, 3000, 60, () => undefined);
    if (process.env.BENCH_PROFILE_DB === '1') await host.call('dbProfile');
    const cpu = cpuMeter({ bot: host.pid, ferretdb: ctx.dbPid, bench: process.pid });
    const app = await load(url, body, ms, 5000, placed);
    const cpuText = cpu();
    if (process.env.BENCH_PROFILE_DB === '1') ctx.note(`handler-cost: database commands during the timed run: ${JSON.stringify(await host.call('dbProfile'))}`);
    const orders = await db.collection('orders').countDocuments();
    const ratio = app.rps / base.rps;
    ctx.note(`handler-cost: app ${app.ok} submits in ${ms / 1000} s (${app.failed} failed${app.firstError ? `, e.g. ${String(app.firstError.message).slice(0, 120)}` : ''}), latency p50 ${round(app.lat.p50, 0)} ms / p99 ${round(app.lat.p99, 0)} ms; ` +
      `echo bot ${base.ok} in ${ms / 1000} s, p50 ${round(base.lat.p50, 1)} ms. ${orders} orders in the database at the end. ${cpuText}.`);
    return [{
      name: 'handler-cost order submits/s at concurrency 20', value: round(app.rps, 1), unit: 'req/s',
      baseline: { name: 'bare botbuilder echo bot, same requests', value: round(base.rps, 1), unit: 'req/s' },
      ratio: round(ratio, 3), target: 'ratio >= 0.5', pass: ratio >= 0.5 && app.failed === 0,
      ...(app.failed ? { note: `${app.failed} failed` } : {}),
    }];
  } finally {
    await host.stop();
    await connector.stop();
  }
}
