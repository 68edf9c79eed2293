// 2. Accept race: 200 concurrent Accept clicks (Action.Execute invokes over HTTP to
// /api/messages) on a one-seat order. Exactly one may win, every loser must get its card.
// Baseline: the same 200 concurrent invokes answered by a bare botbuilder echo bot. Also the
// bot's own CPU per click in the race (process.cpuUsage() in its process, next to the echo bot's)
// and the database commands of a losing accept (driver command monitoring, BENCH_STATS=1).
import { profileNote } from './handler-cost.mjs';
import { Connector } from './lib/connector.mjs';
import { BOT, TENANT, closeAgents, commandsText, cpuMeter, execute, expertDoc, hostMeter, insertPersonalChats, postJson, round, sleep, spawnHost, summary, user } from './lib/common.mjs';

/** What a losing accept cannot do without: read the offer (whose it is), read the order (its state, the card). */
const MIN_COMMANDS = 2;

const RACERS = 200;
const CHANNEL = { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: '19:koord@thread.tacv2' };

function orderDoc(id, orderer, startsAt, now) {
  return {
    _id: id, themes: ['mental-health'], taskType: 'talk', title: 'Kilpajuoksu', description: 'Kokemuspuheenvuoro henkilöstölle.', goal: 'Stigman purku',
    startsAt, durationMinutes: 90, mode: 'remote', link: 'https://teams.example/meet', targetGroup: 'Hoitohenkilöstö', audienceSize: 40, seats: 1,
    language: 'fi', costCentre: 'KP-1234', contact: { name: 'Aino Ammattilainen', phone: '050 555 1234', email: 'aino@example.fi' },
    orderer: { aadObjectId: orderer.aad, name: orderer.name }, conversationId: orderer.personal, endsAt: new Date(startsAt.getTime() + 90 * 60_000),
    status: 'offering', lastWaveAt: now, createdAt: now, updatedAt: now,
  };
}

/** An order in 'offering' with one open offer (and its delivered offer card) per expert, as offerWave leaves it. */
async function seedOrder(db, orderId, orderer, experts, startsAt) {
  const now = new Date();
  await db.collection('orders').insertOne(orderDoc(orderId, orderer, startsAt, now));
  await db.collection('offerWaves').insertOne({ _id: `${orderId}#1`, orderId, at: now });
  await db.collection('offers').insertMany(experts.map((u) => ({ _id: `${orderId}:${u.aad}`, orderId, expertId: u.aad, wave: 1, status: 'open', createdAt: now })));
  // The outbox's record and outcome of each delivered offer (src/store/outbox.ts): keyed by the item's key.
  await db.collection('outbox').insertMany(experts.map((u) => ({
    _id: `offer:${orderId}:${u.aad}`, key: `offer:${orderId}:${u.aad}`, conversationId: u.personal, op: 'send', createdAt: now,
  })));
  await db.collection('outboxOutcomes').insertMany(experts.map((u, i) => ({
    _id: `offer:${orderId}:${u.aad}`, status: 'sent', attempts: 1, leaseSeq: 1, sentAt: now, sentActivityId: `seed-${orderId}-${i}`, at: now,
  })));
}

async function race(url, serviceUrl, experts, orderId) {
  const bodies = experts.map((u) => execute(serviceUrl, u, 'offer.accept', { offerId: `${orderId}:${u.aad}` }));
  return Promise.all(bodies.map((b) => postJson(url, b, { timeoutMs: 60_000 }).catch((error) => ({ status: 0, error, ms: NaN }))));
}

export async function run(ctx) {
  const connector = await new Connector({ limits: true }).start();
  const dbName = ctx.dbName('accept-race');
  const db = ctx.client.db(dbName);
  await db.dropDatabase();
  const figures = [];
  // Baseline first: the echo bot, warmed up, then the same 200 concurrent invokes.
  const echo = await spawnHost({ mode: 'echo', logFile: ctx.logFile('accept-race-echo') });
  const experts = Array.from({ length: RACERS }, (_, i) => user(`Kilpailija ${i}`));
  let base;
  try {
    const url = `${echo.url}/api/messages`;
    for (let i = 0; i < 3; i++) await race(url, connector.url, experts, 'T-2026-9000');
    const m = await hostMeter(echo);
    base = summary((await race(url, connector.url, experts, 'T-2026-9001')).map((r) => r.ms));
    base.cpuMs = (await m()).cpuMs;
  } finally {
    await echo.stop();
  }

  const host = await spawnHost({
    mode: 'bot',
    // Command monitoring off while CPU is measured, as in production; the commands of a losing
    // accept are counted afterwards by a second bot process (BENCH_STATS=1) on the same database.
    env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, BENCH_STATS: '0' },
    logFile: ctx.logFile('accept-race'),
  });
  let late;
  try {
    const now = new Date();
    const orderer = user('Aino Ammattilainen');
    await db.collection('experts').insertMany(experts.map((u, i) => expertDoc(u.aad, i, now)));
    await insertPersonalChats(db, [...experts, orderer], connector.url, now);
    // A coordinators' channel, so the winner's brokering card update goes where it would in production.
    await db.collection('conversations').insertOne({
      _id: CHANNEL.id, scope: 'channel', tenantId: TENANT, teamId: '19:team@thread.tacv2', locale: 'fi-FI',
      reference: { bot: BOT, channelId: 'msteams', serviceUrl: connector.url, conversation: CHANNEL }, reachable: true, createdAt: now, updatedAt: now,
    });
    await db.collection('settings').insertOne({ _id: 'coordinatorsChannel', value: { conversationId: CHANNEL.id, teamId: '19:team@thread.tacv2' }, updatedAt: now });

    const url = `${host.url}/api/messages`;
    // Warm-up: a smaller race on another order (JIT, 200 keep-alive sockets opened by a cheap invalid click).
    const warm = experts.slice(0, 20);
    await seedOrder(db, 'T-2026-9000', orderer, warm, new Date(Date.now() + 6 * 86_400_000));
    await Promise.all(experts.map((u) => postJson(url, execute(connector.url, u, 'offer.accept', { offerId: 'x' }))));
    await race(url, connector.url, warm, 'T-2026-9000');
    await seedOrder(db, 'T-2026-9001', orderer, experts, new Date(Date.now() + 5 * 86_400_000));
    await host.call('drain', { timeoutMs: 20_000 }).catch(() => undefined);
    // The server closes keep-alive sockets idle for 5 s (node's keepAliveTimeout), and the drain
    // can take longer: open them again, or clicks reusing a closed one fail with "socket hang up".
    closeAgents();
    await Promise.all(experts.map((u) => postJson(url, execute(connector.url, u, 'offer.accept', { offerId: 'x' }))));
    await sleep(500);

    if (process.env.BENCH_PROFILE_DB === '1') await host.call('dbProfile');
    const cpu = cpuMeter({ bot: host.pid, ferretdb: ctx.dbPid, bench: process.pid });
    const sent0 = (await host.call('stats')).sent;
    await host.call('profileStart');
    const m = await hostMeter(host);
    const results = await race(url, connector.url, experts, 'T-2026-9001');
    const own = await m();
    await profileNote(ctx, host, 'accept-race-bot');
    const sentInRace = (await host.call('stats')).sent - sent0;
    const cpuText = cpu();
    if (process.env.BENCH_PROFILE_DB === '1') ctx.note(`accept-race: database commands during the race: ${JSON.stringify(await host.call('dbProfile'))}`);
    // The same click alone, on the now full order (a loser's path), to separate cost from queueing.
    await host.call('drain', { timeoutMs: 20_000 }).catch(() => undefined);
    await host.call('pauseSender');
    closeAgents(); // idle keep-alive sockets may have been closed by the server meanwhile (see above)
    const alone = [];
    const ml = await hostMeter(host);
    const LATE = 20;
    for (const u of experts.slice(1, 1 + LATE)) alone.push((await postJson(url, execute(connector.url, u, 'offer.accept', { offerId: `T-2026-9001:${u.aad}` }))).ms);
    const lateCpu = await ml();
    await host.call('resumeSender');
    const aloneP50 = summary(alone).p50;
    await host.stop();
    // A losing accept's commands, exactly: late clicks one at a time, nothing else running (sender stopped).
    const counter = await spawnHost({ mode: 'bot', env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName, BENCH_STATS: '1' }, logFile: ctx.logFile('accept-race-commands') });
    try {
      const curl = `${counter.url}/api/messages`;
      const click = (u) => postJson(curl, execute(connector.url, u, 'offer.accept', { offerId: `T-2026-9001:${u.aad}` }));
      for (const u of experts.slice(30, 35)) await click(u);
      await counter.call('pauseSender');
      const mc = await hostMeter(counter);
      for (const u of experts.slice(40, 40 + LATE)) await click(u);
      late = await mc();
    } finally {
      await counter.stop();
    }
    const loserCommands = late.commands / LATE;
    const cpuPer = own.cpuMs / RACERS;
    const echoCpuPer = base.cpuMs / RACERS;
    const texts = results.map((r) => (r.status === 200 && r.body?.statusCode === 200 ? JSON.stringify(r.body.value) : ''));
    const winners = texts.filter((t) => t.includes('Tehtävä on sinun')).length;
    const losersAnswered = texts.filter((t) => t.includes('ehdittiin jo täyttää')).length;
    const otherIndex = texts.findIndex((t) => !t.includes('Tehtävä on sinun') && !t.includes('ehdittiin jo täyttää'));
    const other = otherIndex < 0 ? '' : ` (e.g. HTTP ${results[otherIndex].status}: ${String(results[otherIndex].error?.message ?? JSON.stringify(results[otherIndex].body)).slice(0, 300)})`;
    const assignments = await db.collection('assignments').countDocuments({ orderId: 'T-2026-9001' });
    const lat = summary(results.map((r) => r.ms).filter((x) => !Number.isNaN(x)));
    const winnerMs = results.find((_, i) => texts[i].includes('Tehtävä on sinun'))?.ms;
    ctx.note(`accept-race: ${RACERS} concurrent accepts: ${winners} winner(s), ${losersAnswered} loser cards, ${RACERS - winners - losersAnswered} other/failed answers${other}, ` +
      `${assignments} assignment(s) stored; winner answered in ${round(winnerMs, 0)} ms; max ${round(lat.max, 0)} ms (echo bot max ${round(base.max, 0)} ms); ` +
      `one late accept alone takes ${round(aloneP50, 1)} ms (p50 of 20 sequential). ${cpuText}. ` +
      `Bot CPU ${round(own.cpuMs, 0)} ms for the ${RACERS} clicks (the sender delivered ${sentInRace} card updates meanwhile), echo bot ${round(base.cpuMs, 0)} ms; ` +
      `A late losing accept (counted by a second bot process): ${commandsText(late.byCommand, LATE)}, ${round(lateCpu.cpuMs / LATE, 2)} ms CPU.`);
    for (const p of ['p50', 'p95', 'p99']) {
      const ratio = lat[p] / base[p];
      figures.push({
        name: `accept-race latency ${p}`, value: round(lat[p], 1), unit: 'ms',
        baseline: { name: `echo bot, same 200 concurrent invokes, ${p}`, value: round(base[p], 1), unit: 'ms' },
        ratio: round(ratio, 2), target: p === 'p99' ? 'ratio <= 1.5' : null, pass: p === 'p99' ? ratio <= 1.5 : null,
      });
    }
    figures.push(
      {
        name: 'bot-cpu-accept', value: round(cpuPer, 2), unit: 'ms',
        baseline: { name: 'echo bot CPU per invoke, same 200 concurrent invokes', value: round(echoCpuPer, 3), unit: 'ms' },
        ratio: round(cpuPer / echoCpuPer, 1), target: '<= 2 ms', pass: cpuPer <= 2,
      },
      {
        name: 'db-commands-accept', value: round(loserCommands, 2), unit: 'commands',
        baseline: { name: 'minimum: read the offer, read the order', value: MIN_COMMANDS, unit: 'commands' },
        ratio: round(loserCommands / MIN_COMMANDS, 2), target: '<= 2', pass: loserCommands <= 2,
      },
    );
    figures.push(
      { name: 'accept-race winners', value: winners, unit: 'count', baseline: null, ratio: null, target: '= 1 (and 1 assignment stored)', pass: winners === 1 && assignments === 1 },
      { name: 'accept-race losers answered', value: losersAnswered, unit: 'count', baseline: null, ratio: null, target: `= ${RACERS - 1}`, pass: losersAnswered === RACERS - 1 },
    );
    return figures;
  } finally {
    await host.stop();
    await connector.stop();
  }
}
