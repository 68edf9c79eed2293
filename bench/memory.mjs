// 6. Memory: the bot's resident memory at idle, after 10,000 handled activities, and after two
// further rounds of 10,000 (no growth expected between those two). Measured in the bot's own
// process after a full GC, so garbage not yet collected is not counted as growth.
import { Connector } from './lib/connector.mjs';
import { execute, now, orderForm, personalMessage, pool, postJson, round, sleep, spawnHost, user } from './lib/common.mjs';

const PER_ROUND = 10_000;
const CONCURRENCY = 20;
const USERS = 100;
const MB = 1024 * 1024;

/** The i-th activity of a round: a mix of what users do (messages answered by a card reply, card clicks answered in place). */
function activity(serviceUrl, users, i) {
  const u = users[i % users.length];
  switch (i % 10) {
    case 0: case 1: case 2: case 3: case 4:
      return personalMessage(serviceUrl, u, 'ohje'); // help card, sent back through the connector
    case 5: case 6:
      return personalMessage(serviceUrl, u, 'tilaa'); // the order form
    case 7: case 8:
      return execute(serviceUrl, u, 'offer.accept', { offerId: `T-2026-0001:${u.aad}` }); // a click on an offer that is not there
    default:
      return execute(serviceUrl, u, 'order.submit', orderForm({ title: '' })); // an invalid form, re-rendered with errors
  }
}

export async function run(ctx) {
  // Limits off here: 10,000 replies at full speed would exceed Teams' 50/s and measure 429 handling, not memory.
  const connector = await new Connector({ limits: false }).start();
  const dbName = ctx.dbName('memory');
  await ctx.client.db(dbName).dropDatabase();
  const host = await spawnHost({ mode: 'bot', env: { MONGODB_URI: ctx.uri, MONGODB_DB: dbName }, logFile: ctx.logFile('memory') });
  try {
    const users = Array.from({ length: USERS }, (_, i) => user(`Käyttäjä ${i}`));
    const url = `${host.url}/api/messages`;
    await sleep(2000);
    // Settled figures: after a pause and a full GC, the lowest of three readings half a second apart.
    const mem = async () => {
      await sleep(2000);
      const reads = [];
      for (let k = 0; k < 3; k++) {
        reads.push(await host.call('mem', { gc: true }));
        await sleep(500);
      }
      return { rss: Math.min(...reads.map((m) => m.rss)) / MB, heap: Math.min(...reads.map((m) => m.heapUsed)) / MB };
    };
    const idle = await mem();
    const rounds = [];
    // Each round bounded: the budget's cap, and a third of what is left before the later benchmarks' reserve.
    const roundMs = Math.max(20_000, Math.min(ctx.budget('memory-round'), (ctx.remainingMs() - ctx.reserveMs - 15_000) / 3));
    for (let r = 0; r < 3; r++) {
      const t0 = now();
      const results = await pool(PER_ROUND, CONCURRENCY, t0 + roundMs, async (i) => {
        const res = await postJson(url, activity(connector.url, users, r * PER_ROUND + i), { maxSockets: CONCURRENCY });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      });
      const s = (now() - t0) / 1000;
      const m = await mem();
      rounds.push({ ...m, handled: results.filter((x) => x.ok).length, failed: results.filter((x) => !x.ok).length, s });
      ctx.log(`memory: round ${r + 1}: ${rounds[r].handled} activities in ${round(s, 1)} s, RSS ${round(m.rss, 1)} MB, heap ${round(m.heap, 1)} MB`);
    }
    const [r1, r2, r3] = rounds;
    const full = rounds.every((x) => x.handled === PER_ROUND);
    const growth = r3.rss - r2.rss;
    ctx.note(`memory: ${rounds.map((x, i) => `round ${i + 1}: ${x.handled} activities (${x.failed} failed) in ${round(x.s, 1)} s, RSS ${round(x.rss, 1)} MB, heap used ${round(x.heap, 1)} MB`).join('; ')}; ` +
      `idle RSS ${round(idle.rss, 1)} MB, heap ${round(idle.heap, 1)} MB. Mix: 50% help, 20% order form, 20% accept of a missing offer, 10% invalid order submit, ${USERS} users, concurrency ${CONCURRENCY}; ` +
      `connector stand-in without rate limits; RSS = lowest of 3 readings after a forced full GC.` + (full ? '' : ` Rounds were cut at ${round(roundMs / 1000, 0)} s each (the 10-minute budget), so fewer than ${PER_ROUND} activities were handled.`));
    const roundNote = full ? undefined : `rounds cut at ${round(roundMs / 1000, 0)} s: ${rounds.map((x) => x.handled).join(' / ')} activities`;
    return [
      { name: 'memory RSS at idle', value: round(idle.rss, 1), unit: 'MB', baseline: null, ratio: null, target: null, pass: null },
      {
        name: 'memory RSS after 10,000 activities', value: round(r1.rss, 1), unit: 'MB',
        baseline: { name: 'idle RSS', value: round(idle.rss, 1), unit: 'MB' }, ratio: round(r1.rss / idle.rss, 2), target: '< 200 MB', pass: r1.rss < 200 && full,
        ...(roundNote ? { note: roundNote } : {}),
      },
      {
        name: 'memory RSS growth between rounds 2 and 3', value: round(growth, 1), unit: 'MB',
        baseline: { name: 'idle RSS', value: round(idle.rss, 1), unit: 'MB' }, ratio: round(r3.rss / r2.rss, 3),
        target: 'no growth (≤ 2% of RSS, noise)', pass: growth <= 0.02 * r2.rss && full,
        ...(roundNote ? { note: roundNote } : {}),
      },
      {
        name: 'memory heap used growth between rounds 2 and 3 (info)', value: round(r3.heap - r2.heap, 1), unit: 'MB',
        baseline: { name: 'heap used after round 2', value: round(r2.heap, 1), unit: 'MB' }, ratio: round(r3.heap / r2.heap, 3), target: null, pass: null,
      },
    ];
  } finally {
    await host.stop();
    await connector.stop();
  }
}
