// 5. Matching: rankCandidates (src/domain/matching.ts) for one order among 10,000 experts, p99
// over repeated runs, against sorting the same array by a precomputed key. Also, for
// information, the app's whole ranking of an order (rankFor: the 10,000 experts read from the
// database first), which is what an offer wave or a brokering card waits for.
import path from 'node:path';
import { createRequire } from 'node:module';
import { now, round, summary } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const EXPERTS = 10_000;
const THEMES = ['mental-health', 'substance-use', 'gambling', 'child-protection', 'family', 'disability', 'chronic-illness', 'ageing', 'caregiver', 'homelessness', 'youth', 'loneliness'];
const TASKS = ['training', 'co-development', 'client-pair', 'peer-group', 'talk', 'working-group', 'independent-reception'];
const PLACES = ['Tampere', 'Nokia', 'Kangasala', 'Ylöjärvi', 'Lempäälä', 'Pirkkala', 'Sastamala', 'Valkeakoski'];

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const pick = (r, list, n) => [...list].sort(() => r() - 0.5).slice(0, n);

function experts(r, at) {
  return Array.from({ length: EXPERTS }, (_, i) => {
    const id = `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`;
    return {
      _id: id, id, aadObjectId: id, displayName: `Asiantuntija ${i}`, description: '', feePreference: 'fee',
      status: r() < 0.9 ? 'active' : 'pending', paused: r() < 0.05,
      themes: pick(r, THEMES, 1 + Math.floor(r() * 4)), taskTypes: pick(r, TASKS, 1 + Math.floor(r() * 4)),
      municipalities: pick(r, PLACES, 1 + Math.floor(r() * 2)), remoteOk: r() < 0.6, languages: r() < 0.9 ? ['fi'] : ['fi', 'sv'],
      createdAt: at, updatedAt: at,
    };
  });
}

export async function run(ctx) {
  const { rankCandidates } = require(path.join(ctx.buildDir, 'domain/matching.js'));
  const r = rng(42);
  const at = new Date();
  const list = experts(r, at);
  const startsAt = new Date(Date.now() + 5 * 86_400_000);
  const order = { themes: ['mental-health', 'substance-use'], taskType: 'talk', language: 'fi', mode: 'hybrid', municipality: 'Tampere', startsAt, endsAt: new Date(startsAt.getTime() + 90 * 60_000) };
  const busy = new Map();
  const recentAssignments = new Map();
  const alreadyOffered = new Set();
  for (const e of list) {
    if (r() < 0.1) busy.set(e.id, [{ startsAt: new Date(startsAt.getTime() - 3600_000 + Math.floor(r() * 4) * 3600_000), endsAt: new Date(startsAt.getTime() + Math.floor(r() * 3) * 3600_000) }]);
    if (r() < 0.6) recentAssignments.set(e.id, Math.floor(r() * 10));
    if (r() < 0.05) alreadyOffered.add(e.id);
  }
  const ctxMatch = { busy, alreadyOffered, recentAssignments };
  const keyed = list.map((e) => ({ e, k: recentAssignments.get(e.id) ?? 0 }));

  const time = (fn, n, maxMs) => {
    const out = [];
    const end = now() + maxMs;
    for (let i = 0; i < n && now() < end; i++) {
      const t0 = now();
      fn();
      out.push(now() - t0);
    }
    return out;
  };
  let eligible = 0;
  time(() => { eligible = rankCandidates(list, order, ctxMatch, Math.random).length; }, 50, 10_000); // warm-up
  time(() => keyed.slice().sort((a, b) => a.k - b.k), 50, 10_000);
  const ITER = 500;
  const rank = summary(time(() => rankCandidates(list, order, ctxMatch, Math.random), ITER, 20_000));
  const sort = summary(time(() => keyed.slice().sort((a, b) => a.k - b.k), ITER, 20_000));
  ctx.note(`matching: ${EXPERTS} experts, ${eligible} eligible for the order; rankCandidates p50 ${round(rank.p50, 2)} ms, p99 ${round(rank.p99, 2)} ms over ${rank.n} runs; ` +
    `sorting the same 10,000 by a precomputed key p50 ${round(sort.p50, 2)} ms, p99 ${round(sort.p99, 2)} ms.`);
  const figures = [{
    name: 'matching rankCandidates p99 (10,000 experts)', value: round(rank.p99, 2), unit: 'ms',
    baseline: { name: 'sort of the same array by a precomputed key, p99', value: round(sort.p99, 2), unit: 'ms' },
    ratio: round(rank.p99 / sort.p99, 2), target: '< 50 ms', pass: rank.p99 < 50,
  }];

  // The same ranking as the app does it for an order, with the experts read from the database.
  const store = require(path.join(ctx.buildDir, 'store/index.js'));
  const { rankFor } = require(path.join(ctx.buildDir, 'services/ranking.js'));
  const db = ctx.client.db(ctx.dbName('matching'));
  await db.dropDatabase();
  const s = store.createStore(db);
  await store.ensureIndexes(s);
  for (let i = 0; i < EXPERTS; i += 1000) await db.collection('experts').insertMany(list.slice(i, i + 1000).map(({ id, ...doc }) => doc));
  const deps = { store: s, now: () => new Date(), rng: Math.random };
  const orderDoc = { ...order, _id: 'T-2026-0001', seats: 1 };
  const withDb = [];
  const end = now() + 30_000;
  for (let i = 0; i < 6 && now() < end; i++) {
    const t0 = now();
    await rankFor(deps, orderDoc);
    if (i > 0) withDb.push(now() - t0); // the first run warms up
  }
  const w = summary(withDb);
  ctx.note(`matching: rankFor (experts read from the database, then ranked) ${withDb.map((x) => round(x, 0)).join(', ')} ms.`);
  figures.push({
    name: 'matching rankFor incl. database read, max of 5 (info)', value: round(w.max, 0), unit: 'ms',
    baseline: { name: 'rankCandidates alone, p99', value: round(rank.p99, 2), unit: 'ms' },
    ratio: round(w.max / rank.p99, 1), target: null, pass: null,
  });
  await db.dropDatabase();
  return figures;
}
