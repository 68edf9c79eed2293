// 3. Handler cost: order-form submits (Action.Execute 'order.submit') at concurrency 20 against
// the app, and the same requests against a bare botbuilder echo bot on the same restify +
// CloudAdapter stack. Throughput = answered requests per second over a fixed time (information);
// the targets are the bot's own CPU per submit (process.cpuUsage() in the bot's process, next to
// the echo bot's per request) and the database commands per submit (the driver's command
// monitoring, BENCH_STATS=1), both with the outbox sender stopped: its deliveries are the
// fan-out's figures, and are measured separately after the run (a note).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Connector } from './lib/connector.mjs';
import { BOT, TENANT, cardOf, commandsText, cpuMeter, execute, expertDoc, hostMeter, now, orderForm, insertPersonalChats, pool, postJson, round, sleep, spawnHost, summary, user } from './lib/common.mjs';

/** Database commands an order submit cannot do without: its form's claim, its number, the order, its card into the outbox. */
const MIN_COMMANDS = 4;

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

/** BENCH_CPU_PROF=<dir>: the timed part's CPU profile, and its self time per group as a note. */
export async function profileNote(ctx, host, file) {
  const written = await host.call('profileStop', { file });
  if (!written) return;
  const { summarize } = await import('./lib/profile-summary.mjs');
  const s = summarize(JSON.parse(fs.readFileSync(written, 'utf8')));
  ctx.note(`${file}: CPU profile ${written} (${s.totalMs} ms not idle); self time by group: ${s.groups.map((g) => `${g.name} ${g.share} %`).join(', ')}; ` +
    `top functions: ${s.functions.slice(0, 12).map((f) => `${f.name} ${f.share} %`).join('; ')}`);
}

export async function run(ctx) {
  const connector = await new Connector({ limits: true }).start();
  const ms = ctx.budget('handler-cost');
  const users = Array.from({ length: CONCURRENCY }, (_, i) => user(`Tilaaja ${i}`));
  // Each rendering of the order form carries a one-time form id (src/teams/orders.ts), so each submit is a new form.
  const body = (i) => execute(connector.url, users[i % users.length], 'order.submit', { ...orderForm({ title: `Puheenvuoro ${i}` }), formId: randomUUID() });

  // Baseline: the echo bot answers the very same invokes.
  const echo = await spawnHost({ mode: 'echo', logFile: ctx.logFile('handler-cost-echo') });
  let base;
  try {
    const url = `${echo.url}/api/messages`;
    await load(url, body, 3000, 2000, () => undefined);
    const m = await hostMeter(echo);
    base = await load(url, body, ms, 200_000, (r) => { if (r.status !== 200) throw new Error(`HTTP ${r.status}`); });
    base.cpuMs = (await m()).cpuMs;
  } finally {
    await echo.stop();
  }

  const dbName = ctx.dbName('handler-cost');
  const db = ctx.client.db(dbName);
  await db.dropDatabase();
  // CPU is measured with command monitoring off, as in production (monitoring deserializes every
  // reply a second time for its event); the commands are counted afterwards by a second bot
  // process on the same database (countCommands below). The per-user order limit is off: 20
  // users submitting for seconds would mostly be refused.
  const host = await spawnHost({ mode: 'bot', env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, BENCH_STATS: '0', ORDER_SUBMITS_PER_MINUTE: '0' }, logFile: ctx.logFile('handler-cost') });
  let figures;
  try {
    // A deployment as the order sees it: a coordinators' channel (the brokering card goes there) and some experts to rank.
    const at = new Date();
    const experts = Array.from({ length: EXPERTS }, (_, i) => user(`Asiantuntija ${i}`));
    await db.collection('experts').insertMany(experts.map((u, i) => expertDoc(u.aad, i, at)));
    await insertPersonalChats(db, experts, connector.url, at);
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
    await host.call('pauseSender');
    if (process.env.BENCH_PROFILE_DB === '1') await host.call('dbProfile');
    const cpu = cpuMeter({ bot: host.pid, ferretdb: ctx.dbPid, bench: process.pid });
    await host.call('profileStart');
    const m = await hostMeter(host);
    const app = await load(url, body, ms, 5000, placed);
    const own = await m();
    await profileNote(ctx, host, 'handler-cost-bot');
    const cpuText = cpu();
    if (process.env.BENCH_PROFILE_DB === '1') ctx.note(`handler-cost: database commands during the timed run: ${JSON.stringify(await host.call('dbProfile'))}`);
    // What delivering the queued cards costs, for information: a few seconds of the sender.
    const sent0 = (await host.call('stats')).sent;
    const md = await hostMeter(host);
    await host.call('resumeSender');
    await sleep(3000);
    const delivery = await md();
    const sent = (await host.call('stats')).sent - sent0;
    const orders = await db.collection('orders').countDocuments();
    const ratio = app.rps / base.rps;
    const cpuPer = own.cpuMs / app.ok;
    const echoCpuPer = base.cpuMs / base.ok;
    await host.stop();
    const counted = await countCommands(ctx, dbName, body, placed);
    const commandsPer = counted.commands / counted.submits;
    ctx.note(`handler-cost: app ${app.ok} submits in ${ms / 1000} s (${app.failed} failed${app.firstError ? `, e.g. ${String(app.firstError.message).slice(0, 120)}` : ''}), latency p50 ${round(app.lat.p50, 0)} ms / p99 ${round(app.lat.p99, 0)} ms; ` +
      `echo bot ${base.ok} in ${ms / 1000} s, p50 ${round(base.lat.p50, 1)} ms. ${orders} orders in the database at the end. ${cpuText}. ` +
      `Bot CPU ${round(own.cpuMs, 0)} ms for ${app.ok} submits (outbox sender stopped); echo bot ${round(base.cpuMs, 0)} ms for ${base.ok} requests. ` +
      `Commands per submit (${counted.submits} submits at concurrency ${CONCURRENCY}, counted by a second bot process): ${commandsText(counted.byCommand, counted.submits)}. ` +
      `Delivering the queued cards afterwards (3 s, channel limited by Teams): ${sent} sent, ${sent ? `${round(delivery.cpuMs / sent, 2)} ms CPU per card` : 'nothing to divide by'}.`);
    const failed = app.failed ? { note: `${app.failed} failed` } : {};
    figures = [
      {
        name: 'handler-cost order submits/s at concurrency 20', value: round(app.rps, 1), unit: 'req/s',
        baseline: { name: 'bare botbuilder echo bot, same requests', value: round(base.rps, 1), unit: 'req/s' },
        ratio: round(ratio, 3), target: null, pass: null, ...failed,
      },
      {
        name: 'bot-cpu-order', value: round(cpuPer, 2), unit: 'ms',
        baseline: { name: 'echo bot CPU per request, same requests', value: round(echoCpuPer, 3), unit: 'ms' },
        ratio: round(cpuPer / echoCpuPer, 1), target: '<= 3 ms', pass: cpuPer <= 3 && app.failed === 0, ...failed,
      },
      {
        name: 'db-commands-order', value: round(commandsPer, 2), unit: 'commands',
        baseline: { name: 'minimum: form claim, order number, order insert, card into outbox', value: MIN_COMMANDS, unit: 'commands' },
        ratio: round(commandsPer / MIN_COMMANDS, 2), target: '<= 4', pass: commandsPer <= 4 && counted.failed === 0,
      },
    ];
  } finally {
    await host.stop();
    await connector.stop();
  }
  return figures;
}

/** Database commands per order submit, counted (BENCH_STATS=1) by a fresh bot process on the same database. */
async function countCommands(ctx, dbName, body, placed) {
  const SUBMITS = 100;
  const host = await spawnHost({ mode: 'bot', env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, BENCH_STATS: '1', ORDER_SUBMITS_PER_MINUTE: '0' }, logFile: ctx.logFile('handler-cost-commands') });
  try {
    const url = `${host.url}/api/messages`;
    await load(url, body, 3000, 40, () => undefined);
    await host.call('pauseSender');
    const m = await hostMeter(host);
    const r = await load(url, body, 30_000, SUBMITS, placed);
    const d = await m();
    return { submits: r.ok, failed: r.failed, commands: d.commands, byCommand: d.byCommand };
  } finally {
    await host.stop();
  }
}
