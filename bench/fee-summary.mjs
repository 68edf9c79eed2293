// 4. Fee summary: the app's settlement of a pay period (settlePeriod in src/services/fees.ts)
// over a month of 10,000 and of 100,000 assignments, with the indexes the app creates, against
// one hand-written driver aggregation of the same totals over the fee ledger. The month is
// seeded as a settled one is (fees on the assignments, their lines in feeLines: the summary
// then only reads); the first settlement, which computes and writes each assignment's lines,
// is measured separately on a slice.
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
  const [from, to] = m.fees.periodRange({ id: MONTH, firstDay: `${MONTH}-01`, lastDay: `${MONTH}-30` }, timeZone);
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
    const lines = [];
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
        // A settled month: the fee and its ledger lines as settlePeriod computes and stores them.
        const outcome = doc.status === 'cancelled' ? (doc.feePayable ? 'cancelledLate' : undefined) : doc.outcome === 'noShow' ? 'noShow' : 'held';
        if (!outcome && written >= unsettled) {
          doc.fee = { feeCents: 0, travelCents: 0, totalCents: 0, hours: 0, tariffVersion: '', computedAt: at, settledIn: MONTH, feePreference: expert.feePreference };
        } else if (outcome && written >= unsettled) {
          const fee = m.domain.computeFee({
            taskType, date: m.time.localParts(startsAt, timeZone).date, confirmedMinutes: doc.confirmedMinutes ?? durationMinutes, outcome,
            feePreference: expert.feePreference, travelKm: doc.travelKm, ticketCents: doc.ticketCents,
          }, tariffs);
          if (fee.ok) {
            doc.fee = { feeCents: fee.feeCents, travelCents: fee.travelCents, totalCents: fee.totalCents, hours: fee.hours, tariffVersion: fee.tariffVersion, computedAt: at, settledIn: MONTH, feePreference: expert.feePreference };
            const types = tariffs[0].incomeTypes;
            for (const l of fee.lines) {
              lines.push({
                _id: `${MONTH}|${doc._id}|${l.kind}|${l.incomeType}`, ...l, incomeCode: types[l.incomeType].code, incomeClass: types[l.incomeType].class, incomeName: types[l.incomeType].name,
                period: MONTH, assignmentId: doc._id, orderId, expertId: expert._id, costCentre: orders[orders.length - 1].costCentre,
                taskDate: m.time.localParts(startsAt, timeZone).date, taskPeriod: MONTH, adjustment: false, tariffVersion: fee.tariffVersion, createdAt: at,
              });
            }
          }
        }
        written++;
        assignments.push(doc);
      }
    }
    const t0 = now();
    await db.collection('orders').insertMany(orders, { ordered: false });
    await db.collection('assignments').insertMany(assignments, { ordered: false });
    if (lines.length) await db.collection('feeLines').insertMany(lines, { ordered: false });
    insertMs += now() - t0;
  }
  return { insertMs, assignments: written, from, to };
}

/**
 * The hand-written aggregation: one pipeline over the month's ledger lines. FerretDB 1.24
 * computes only the first accumulator of a $group (the others come back 0: checked below), so
 * the pipeline selects and projects the lines and the driver loop adds them up.
 */
async function handWritten(db) {
  const t = { ids: new Set(), h: 0, feeCents: 0, travelCents: 0 };
  const cursor = db.collection('feeLines').aggregate([
    { $match: { period: MONTH } },
    { $project: { _id: 0, assignmentId: 1, kind: 1, cents: 1, hundredths: 1 } },
  ], { batchSize: 10_000 });
  for await (const l of cursor) {
    t.ids.add(l.assignmentId); t.h += l.hundredths;
    if (l.kind === 'travelKm' || l.kind === 'travelTickets') t.travelCents += l.cents; else t.feeCents += l.cents;
  }
  return { assignments: t.ids.size, hours: t.h / 100, feeCents: t.feeCents, travelCents: t.travelCents, totalCents: t.feeCents + t.travelCents };
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
      config: { timeZone, defaultLocale: 'fi', payPeriod: 'monthly', paymentDaysAfterPeriod: 7 }, store, log: m.log.createLogger('silent'), tariffs: tariffs.tariffs, now: () => new Date(),
    };
    if (unsettled) {
      // First settlement of the slice without stored fees: each assignment's lines are computed and written.
      const t0 = now();
      await m.fees.settlePeriod(deps, MONTH);
      const firstMs = now() - t0;
      const stored = await db.collection('assignments').countDocuments({ fee: { $exists: true } });
      ctx.note(`fee-summary ${label}: a first settlement that had to compute and store ${unsettled} fees took ${round(firstMs / 1000, 1)} s (${stored} assignments now carry a fee); ` +
        `the fee of every assignment is stored with one update, which on this database costs time proportional to the collection.`);
    }
    const cpu = cpuMeter({ ferretdb: ctx.dbPid, bench: process.pid });
    const t1 = now();
    const app = await m.fees.settlePeriod(deps, MONTH);
    if (!app.ok) throw new Error(`settlePeriod ${MONTH}: ${app.reason}`);
    const appMs = now() - t1;
    const t2 = now();
    const hand = await handWritten(db);
    const handMs = now() - t2;
    const cpuText = cpu();
    const totals = app.summary.totals;
    const ok = same(totals, hand);
    ctx.note(`fee-summary ${label}: settlePeriod ${round(appMs, 0)} ms (${totals.assignments} payable assignments, ${totals.totalCents} cents), hand-written aggregation ${round(handMs, 0)} ms ` +
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
