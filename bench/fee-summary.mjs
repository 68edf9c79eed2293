// 4. Fee summary: the app's monthly summary (settleMonth in src/services/fees.ts) over a month
// of 10,000 and of 100,000 assignments, with the indexes the app creates, against one
// hand-written driver aggregation of the same totals. Fees are stored as a settled month has
// them (the summary then only reads); the first settlement, which computes and stores each
// fee, is measured separately on a slice.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cpuMeter, now, round } from './lib/common.mjs';

const require = createRequire(import.meta.url);
const MONTH = '2026-09';
const EXPERTS = 300;
const BATCH = 1000;

function load(ctx) {
  const b = ctx.buildDir;
  const need = ['services/fees.js', 'domain/fees.js', 'domain/feeSummary.js'];
  const missing = need.filter((f) => !fs.existsSync(path.join(b, f)));
  if (missing.length) return { missing };
  return {
    fees: require(path.join(b, 'services/fees.js')),
    domain: require(path.join(b, 'domain/fees.js')),
    store: require(path.join(b, 'store/index.js')),
    log: require(path.join(b, 'log.js')),
    time: require(path.join(b, 'domain/time.js')),
  };
}

/** Deterministic pseudo-random numbers, so both sizes are the same kind of month. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const TASKS = ['talk', 'training', 'co-development', 'client-pair', 'peer-group', 'working-group', 'independent-reception'];

/** Inserts a month of `n` assignments (two seats per order); fees stored except for the first `unsettled`. */
async function seed(db, m, tariffs, n, unsettled, timeZone) {
  const [from, to] = m.fees.monthRange(MONTH, timeZone);
  const span = to.getTime() - from.getTime() - 4 * 3600_000;
  const r = rng(n);
  const at = new Date();
  const experts = Array.from({ length: EXPERTS }, (_, i) => ({
    _id: `e${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`, aadObjectId: `e${i}`, displayName: `Asiantuntija ${i}`, themes: ['mental-health'],
    taskTypes: TASKS, municipalities: ['Tampere'], remoteOk: true, languages: ['fi'], description: '', feePreference: i % 10 === 0 ? 'volunteer' : 'fee',
    status: 'active', paused: false, createdAt: at, updatedAt: at,
  }));
  await db.collection('experts').insertMany(experts);
  let insertMs = 0;
  let written = 0;
  for (let o = 0; o < n / 2; o += BATCH / 2) {
    const orders = [];
    const assignments = [];
    for (let k = o; k < Math.min(n / 2, o + BATCH / 2); k++) {
      const orderId = `T-2026-${String(k + 1).padStart(6, '0')}`;
      const startsAt = new Date(from.getTime() + Math.floor(r() * span));
      const durationMinutes = [60, 90, 120, 180][Math.floor(r() * 4)];
      const endsAt = new Date(startsAt.getTime() + durationMinutes * 60_000);
      const taskType = TASKS[Math.floor(r() * TASKS.length)];
      orders.push({
        _id: orderId, themes: ['mental-health'], taskType, title: 'Tehtävä', description: '', startsAt, durationMinutes, mode: 'onsite', municipality: 'Tampere',
        targetGroup: 'Hoitohenkilöstö', seats: 2, language: 'fi', costCentre: `KP-${1000 + Math.floor(r() * 40)}`, contact: { name: 'Tilaaja' },
        orderer: { aadObjectId: 'orderer', name: 'Tilaaja' }, conversationId: 'c', endsAt, status: 'done', createdAt: at, updatedAt: at,
      });
      for (let seat = 1; seat <= 2; seat++) {
        const expert = experts[Math.floor(r() * EXPERTS)];
        if (seat === 2 && assignments[assignments.length - 1].expertId === expert._id) continue; // one seat per expert per order
        const x = r();
        // Mostly held; some no-shows, late and early cancellations.
        const doc = {
          _id: `${orderId}#${seat}`, orderId, expertId: expert._id, seat, startsAt, endsAt, createdAt: at, updatedAt: at,
          ...(x < 0.8 ? { status: 'done', outcome: 'held', confirmedMinutes: durationMinutes - (r() < 0.2 ? 30 : 0), travelKm: Math.floor(r() * 60) }
            : x < 0.85 ? { status: 'done', outcome: 'noShow', travelKm: Math.floor(r() * 30) }
              : x < 0.93 ? { status: 'cancelled', feePayable: true, ticketCents: r() < 0.3 ? 1250 : 0 }
                : { status: 'cancelled', feePayable: false }),
        };
        // A settled month: the fee as settleMonth computes and stores it.
        const outcome = doc.status === 'cancelled' ? (doc.feePayable ? 'cancelledLate' : undefined) : doc.outcome === 'noShow' ? 'noShow' : 'held';
        if (outcome && written >= unsettled) {
          const fee = m.domain.computeFee({
            taskType, date: m.time.localParts(startsAt, timeZone).date, confirmedMinutes: doc.confirmedMinutes ?? durationMinutes, outcome,
            feePreference: expert.feePreference, travelKm: doc.travelKm, ticketCents: doc.ticketCents,
          }, tariffs);
          if (fee.ok && !(!fee.payable && fee.totalCents === 0 && fee.hours === 0)) {
            doc.fee = { feeCents: fee.feeCents, travelCents: fee.travelCents, totalCents: fee.totalCents, hours: fee.hours, tariffVersion: fee.tariffVersion, computedAt: at };
          }
        }
        written++;
        assignments.push(doc);
      }
    }
    const t0 = now();
    await db.collection('orders').insertMany(orders, { ordered: false });
    await db.collection('assignments').insertMany(assignments, { ordered: false });
    insertMs += now() - t0;
  }
  return { insertMs, assignments: written, from, to };
}

/**
 * The hand-written aggregation: one pipeline over the stored fees of the month. FerretDB 1.24
 * computes only the first accumulator of a $group (the others come back 0: checked below), so
 * the pipeline selects and projects the fees and the driver loop adds them up.
 */
async function handWritten(db, from, to) {
  const t = { assignments: 0, h: 0, feeCents: 0, travelCents: 0, totalCents: 0 };
  const cursor = db.collection('assignments').aggregate([
    { $match: { startsAt: { $gte: from, $lt: to }, fee: { $exists: true }, $or: [{ status: 'done' }, { status: 'cancelled', feePayable: true }] } },
    { $project: { _id: 0, fee: 1 } },
  ], { batchSize: 10_000 });
  for await (const { fee } of cursor) {
    t.assignments++; t.h += Math.round(fee.hours * 100); t.feeCents += fee.feeCents; t.travelCents += fee.travelCents; t.totalCents += fee.totalCents;
  }
  return { assignments: t.assignments, hours: t.h / 100, feeCents: t.feeCents, travelCents: t.travelCents, totalCents: t.totalCents };
}

/** Whether this server computes every accumulator of one $group (FerretDB 1.24 does not). */
async function groupComputesAll(db) {
  const col = db.collection('groupProbe');
  await col.insertMany([{ a: 1, b: 2 }, { a: 3, b: 4 }]);
  const [row] = await col.aggregate([{ $group: { _id: null, a: { $sum: '$a' }, b: { $sum: '$b' }, n: { $sum: 1 } } }]).toArray();
  await col.drop();
  return { ok: row?.a === 4 && row?.b === 6 && row?.n === 2, row };
}

const same = (a, b) => !!a && !!b && a.assignments === b.assignments && Math.abs(a.hours - b.hours) < 0.005 && a.feeCents === b.feeCents && a.travelCents === b.travelCents && a.totalCents === b.totalCents;

export async function run(ctx, opts = {}) {
  const sizes = opts.sizes ?? [10_000, 100_000];
  const m = load(ctx);
  if (m.missing) {
    return sizes.map((n) => ({
      name: `fee-summary ${n / 1000}k assignments`, value: null, unit: 'ms', baseline: null, ratio: null, target: 'ratio <= 2, same totals', pass: false,
      note: `missing: ${m.missing.join(', ')} not in the build`,
    }));
  }
  const timeZone = 'Europe/Helsinki';
  const tariffs = m.fees.readTariffFile(path.join(ctx.buildDir, '..', '..', 'config', 'fee-tariff.json'));
  if (!tariffs.ok) throw new Error(tariffs.errors.join('; '));
  const figures = [];
  const probe = await groupComputesAll(ctx.client.db(ctx.dbName('fees-probe')));
  if (!probe.ok && !ctx.groupProbeNoted) {
    ctx.groupProbeNoted = true;
    ctx.note(`fee-summary: this server's $group computes only some accumulators: {a: $sum a, b: $sum b, n: $sum 1} over {a:1,b:2},{a:3,b:4} gave ${JSON.stringify(probe.row)} ` +
      '(expected a 4, b 6, n 2); the hand-written baseline therefore adds up a projected $match in the driver.');
  }
  for (const n of sizes) {
    const label = `${n / 1000}k`;
    const dbName = ctx.dbName(`fees-${label}`);
    const db = ctx.client.db(dbName);
    await db.dropDatabase();
    const store = m.store.createStore(db);
    await m.store.ensureIndexes(store);
    const unsettled = n === 10_000 ? 40 : 0;
    const seeded = await seed(db, m, tariffs.tariffs, n, unsettled, timeZone);
    ctx.note(`fee-summary ${label}: inserted ${seeded.assignments} assignments + ${n / 2} orders (insertMany, batches of ${BATCH}, app indexes in place) in ${round(seeded.insertMs / 1000, 1)} s.`);
    const deps = {
      config: { timeZone, defaultLocale: 'fi' }, store, log: m.log.createLogger('silent'), tariffs: tariffs.tariffs, now: () => new Date(),
    };
    if (unsettled) {
      // First settlement of the slice without stored fees: each fee is computed and stored (one update each).
      const t0 = now();
      await m.fees.settleMonth(deps, MONTH);
      const firstMs = now() - t0;
      const stored = await db.collection('assignments').countDocuments({ fee: { $exists: true } });
      ctx.note(`fee-summary ${label}: a first settlement that had to compute and store ${unsettled} fees took ${round(firstMs / 1000, 1)} s (${stored} assignments now carry a fee); ` +
        `the fee of every assignment is stored with one update, which on this database costs time proportional to the collection.`);
    }
    const cpu = cpuMeter({ ferretdb: ctx.dbPid, bench: process.pid });
    const t1 = now();
    const app = await m.fees.settleMonth(deps, MONTH);
    const appMs = now() - t1;
    const t2 = now();
    const hand = await handWritten(db, seeded.from, seeded.to);
    const handMs = now() - t2;
    const cpuText = cpu();
    const totals = app.summary.totals;
    const ok = same(totals, hand);
    ctx.note(`fee-summary ${label}: settleMonth ${round(appMs, 0)} ms (${totals.assignments} payable assignments, ${totals.totalCents} cents), hand-written aggregation ${round(handMs, 0)} ms ` +
      `(${hand?.assignments} assignments, ${hand?.totalCents} cents): totals ${ok ? 'equal' : `DIFFER ${JSON.stringify(totals)} vs ${JSON.stringify(hand)}`}. ${cpuText}.`);
    const ratio = appMs / handMs;
    figures.push({
      name: `fee-summary ${label} assignments`, value: round(appMs, 0), unit: 'ms',
      baseline: { name: 'one hand-written driver aggregation', value: round(handMs, 0), unit: 'ms' },
      ratio: round(ratio, 2), target: 'ratio <= 2, same totals', pass: ratio <= 2 && ok,
      ...(ok ? {} : { note: 'totals differ' }),
    });
    figures.push({ name: `fee-summary ${label} insert time (separate)`, value: round(seeded.insertMs / 1000, 1), unit: 's', baseline: null, ratio: null, target: null, pass: null });
    await db.dropDatabase();
  }
  return figures;
}
