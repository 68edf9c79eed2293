// 1c. The shared app budget alone (src/messaging/appBudget.ts, src/store/rateTokens.ts), without
// the bot around it: one process, then three, each with 32 delivery workers
// (lib/budget-worker.cjs), against the bench's database. Time to the 1,000th request from the
// start vs the 19 s that Teams' 50 per second allow, and the most requests seen in any second
// (must be <= 50). Separates the budget's own cost from the rest of a fan-out (the order, the
// outbox, the connector), which on a loaded machine swamps it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './lib/common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKERS = 32;
const DURATION_MS = 30_000;
const REQUESTS = 1000;
const LIMIT = 50;

function worstSecond(times) {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

async function runWith(ctx, processes) {
  const dbName = ctx.dbName(`app_budget_${processes}`);
  await ctx.client.db(dbName).dropDatabase();
  const startAt = Date.now() + 3000; // every process connected and waiting
  const outs = await Promise.all(Array.from({ length: processes }, (_, i) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'lib', 'budget-worker.cjs'), ctx.buildDir, ctx.uri, dbName, String(i), String(startAt), String(DURATION_MS), String(WORKERS)], {
      cwd: path.join(here, '..'),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`budget worker ${i} exited ${code}: ${err.slice(0, 500)}`))));
  })));
  const starts = outs.flatMap((o) => o.starts).sort((a, b) => a - b);
  const t1000 = starts.length >= REQUESTS ? (starts[REQUESTS - 1] - startAt) / 1000 : null;
  ctx.note(`app-budget, ${processes} process(es): ${starts.length} requests in ${DURATION_MS / 1000} s; per process ${outs.map((o) => `${o.starts.length} sent, ${o.none} without a token in 2 s, stats ${JSON.stringify(o.stats)}`).join(' / ')}.`);
  return { t1000, worst: worstSecond(starts), count: starts.length };
}

export async function run(ctx) {
  const minimumS = (Math.ceil(REQUESTS / LIMIT) - 1);
  const rows = [];
  for (const processes of [1, 3]) {
    const r = await runWith(ctx, processes);
    const ratio = r.t1000 === null ? null : r.t1000 / minimumS;
    rows.push(
      {
        name: `app-budget time to 1,000 requests (${processes} process${processes > 1 ? 'es' : ''})`, value: r.t1000 === null ? null : round(r.t1000, 2), unit: 's',
        baseline: { name: 'theoretical minimum under 50 req/s per app', value: minimumS, unit: 's' },
        ratio: ratio === null ? null : round(ratio, 3), target: null, pass: null,
        ...(r.t1000 === null ? { note: `only ${r.count} requests in ${DURATION_MS / 1000} s` } : {}),
      },
      { name: `app-budget most requests in any second (${processes} process${processes > 1 ? 'es' : ''})`, value: r.worst, unit: 'count', baseline: null, ratio: null, target: '<= 50', pass: r.worst <= LIMIT },
    );
  }
  return rows;
}
