// `npm run bench`: every benchmark in bench/ against the real local database, one table,
// written to bench/results/latest.md and bench/results/latest.json.
//   npm run bench                       all of them (under 11 minutes on a 2-core machine)
//   npm run bench -- fan-out matching   only those (fee-summary alone also has time for 100k)
//   npm run bench -- fan-out-instances  the fan-out by three instances sharing the app's rate budget
//   npm run bench -- app-budget         that budget alone, one process and three, without the bot
// The database is a FerretDB of the bench's own under .data/bench-<pid> (removed at the end),
// or MONGODB_URI when set (databases bench_<pid>_* are dropped at the end). Loopback only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, say } from './lib/local.mjs';

// On a fresh clone the one command is enough: the dependencies are installed first when missing.
if (!fs.existsSync(path.join(root, 'node_modules', 'mongodb', 'package.json'))) {
  say('Installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { MongoClient } = await import('mongodb');

const require = createRequire(import.meta.url);
const { startFerretDb } = require('./lib/ferretdb.cjs');

// Benchmarks stop starting (and waiting) by 10 minutes, leaving time to clean up and write the results.
const BUDGET_MS = 10 * 60_000;
const started = Date.now();
const benchDir = path.join(root, 'bench');
const buildDir = path.join(benchDir, '.build');
const resultsDir = path.join(benchDir, 'results');
const workDir = path.join(root, '.data', `bench-${process.pid}`);

/**
 * In the order they run, with a rough cost (ms) that later benchmarks reserve from the budget.
 * Fan-out waits for its sender as long as the reserve allows; the 100k fee summary runs last
 * and only when enough of the budget is left.
 */
const BENCHES = [
  { name: 'fan-out', file: 'fanout.mjs', costMs: 200_000 },
  { name: 'fan-out-instances', file: 'fanout-instances.mjs', costMs: 90_000 },
  { name: 'app-budget', file: 'app-budget.mjs', costMs: 70_000 },
  { name: 'accept-race', file: 'accept-race.mjs', costMs: 30_000 },
  { name: 'handler-cost', file: 'handler-cost.mjs', costMs: 40_000 },
  { name: 'matching', file: 'matching.mjs', costMs: 25_000 },
  { name: 'fee-summary', file: 'fee-summary.mjs', costMs: 30_000, opts: { sizes: [10_000] } },
  { name: 'memory', file: 'memory.mjs', costMs: 200_000 },
  { name: 'fee-summary', file: 'fee-summary.mjs', costMs: 150_000, optional: true, opts: { sizes: [100_000] } },
];
const ORDER = ['fan-out', 'fan-out-instances', 'app-budget', 'accept-race', 'handler-cost', 'fee-summary', 'matching', 'memory'];
/** Rows of issue 17, each measured by one of the benchmarks above: `npm run bench -- bot-cpu-order` runs it. */
const ROWS = { 'bot-cpu-accept': 'accept-race', 'db-commands-accept': 'accept-race', 'bot-cpu-order': 'handler-cost', 'db-commands-order': 'handler-cost' };
/** The table's order: each row after the benchmark that measures it. */
const TABLE_ORDER = ['fan-out', 'fan-out-instances', 'app-budget', 'accept-race', 'bot-cpu-accept', 'db-commands-accept', 'handler-cost', 'bot-cpu-order', 'db-commands-order', 'fee-summary', 'matching', 'memory'];

/** How long some measurements may take at most (ms). */
const BUDGETS = { 'fan-out': 190_000, 'fan-out-instances': 110_000, 'handler-cost': 10_000, 'memory-round': 90_000 };

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-')).map((w) => ROWS[w] ?? w);
const unknown = wanted.filter((w) => !ORDER.includes(w));
if (unknown.length) {
  say(`unknown benchmark ${unknown.join(', ')}; choose from ${[...ORDER, ...Object.keys(ROWS)].join(', ')}`);
  process.exit(2);
}
const selected = wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;

const log = (m) => say(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${m}`);
const notes = [];

function build() {
  log('Compiling src/ into bench/.build …');
  fs.rmSync(buildDir, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', buildDir], {
    cwd: root, encoding: 'utf8',
  });
  if (!fs.existsSync(path.join(buildDir, 'index.js'))) throw new Error(`TypeScript build failed:\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) {
    // Others may be mid-edit in src/; tsc still emits. Say so rather than silently benchmarking it.
    const msg = `tsc reported errors (the build was emitted anyway): ${(r.stdout || r.stderr).split('\n').slice(0, 3).join(' | ')}`;
    log(msg);
    notes.push(msg);
  }
}

let db;
let client;
const cleanup = async () => {
  try { await client?.close(); } catch { /* closing */ }
  if (db) {
    try { await db.stop(); } catch { /* gone */ }
  }
  if (process.env.BENCH_KEEP) say(`BENCH_KEEP: logs and data left in ${workDir}`);
  else fs.rmSync(workDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    say(`${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

function fmt(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  return String(v);
}

function table(figures) {
  const rows = [
    '| figure | value | baseline | ratio | target | pass |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const value = f.value === null ? `MISSING${f.note ? ` (${f.note})` : ''}` : `${fmt(f.value)} ${f.unit}${f.note ? ` (${f.note})` : ''}`;
    const base = f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit}` : '—';
    const pass = f.pass === null ? 'info' : f.pass ? 'yes' : '**NO**';
    rows.push(`| ${f.name} | ${value} | ${base} | ${fmt(f.ratio)} | ${f.target ?? '—'} | ${pass} |`);
  }
  return rows.join('\n');
}

async function main() {
  const loadStart = os.loadavg()[0];
  fs.mkdirSync(workDir, { recursive: true });
  build();
  let uri = process.env.MONGODB_URI;
  if (uri) {
    log('Using MONGODB_URI from the environment.');
  } else {
    db = await startFerretDb({ dataDir: path.join(workDir, 'db'), log: (m) => log(m) });
    uri = db.uri;
    log(`FerretDB (SQLite) of the bench's own on ${uri}`);
  }
  client = new MongoClient(uri, { ignoreUndefined: true });
  await client.connect();
  const dbNames = [];
  const ctx = {
    uri,
    client,
    log,
    buildDir,
    note: (m) => { notes.push(m); log(m); },
    dbName: (name) => { const n = `bench_${process.pid}_${name}`.replace(/-/g, '_'); dbNames.push(n); return n; },
    logFile: (name) => path.join(workDir, `${name}.log`),
    remainingMs: () => BUDGET_MS - (Date.now() - started),
    budget: (name) => BUDGETS[name],
    reserveMs: 0,
    dbPid: db?.pid ?? null,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
  };

  const figures = [];
  for (const [i, bench] of selected.entries()) {
    const { name, file } = bench;
    // What the benchmarks after this one need (optional ones excepted): the reserve this one must leave.
    const reserve = selected.slice(i + 1).filter((b) => !b.optional).reduce((a, b) => a + b.costMs, 0);
    ctx.reserveMs = reserve;
    const sizes = bench.opts?.sizes;
    const label = sizes ? `${name} ${sizes.map((n) => `${n / 1000}k`).join(', ')}` : name;
    if (ctx.remainingMs() - reserve < (bench.optional ? bench.costMs : 20_000)) {
      const why = `skipped: not enough of the ${BUDGET_MS / 60_000}-minute budget left (needs ≈${Math.round(bench.costMs / 1000)} s); run \`npm run bench -- ${name}\` alone`;
      log(`── ${label}: ${why}`);
      figures.push(...(sizes ?? [null]).map((n) => ({
        name: n ? `${name} ${n / 1000}k assignments` : name, value: null, unit: n ? 'ms' : '', baseline: null, ratio: null,
        target: n ? 'ratio <= 2, same totals' : null, pass: false, note: why,
      })));
      continue;
    }
    const t0 = Date.now();
    log(`── ${label}`);
    try {
      const mod = await import(path.join(benchDir, file));
      const out = await mod.run(ctx, bench.opts ?? {});
      figures.push(...out);
      for (const f of out) log(`   ${f.name}: ${fmt(f.value)} ${f.unit}${f.baseline ? ` (baseline ${fmt(f.baseline.value)} ${f.baseline.unit})` : ''}${f.pass === false ? '  ✗' : ''}`);
    } catch (error) {
      log(`   ${name} failed: ${error.stack ?? error}`);
      figures.push({ name, value: null, unit: '', baseline: null, ratio: null, target: null, pass: false, note: `failed: ${String(error.message ?? error).slice(0, 200)}` });
    }
    log(`   ${label} took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  // One table in the issue's order, whatever order they ran in.
  // By the longest name in TABLE_ORDER a figure's name starts with ('fan-out-instances …' is not 'fan-out').
  const rank = (name) => TABLE_ORDER.reduce((best, p, i) => (name.startsWith(p) && (best < 0 || p.length > TABLE_ORDER[best].length) ? i : best), -1);
  figures.sort((a, b) => rank(a.name) - rank(b.name));

  if (process.env.MONGODB_URI) {
    for (const n of dbNames) await client.db(n).dropDatabase().catch(() => undefined);
  }
  const totalS = (Date.now() - started) / 1000;
  const loadEnd = os.loadavg()[0];
  const when = new Date().toISOString();
  const md = [
    `# Benchmarks (${when})`,
    '',
    `Machine: ${ctx.machine}; load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end (other work on the machine slows every figure). ` +
      `Database: ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'FerretDB v1.24.2 (SQLite), fresh'}. Total run: ${totalS.toFixed(0)} s.`,
    '',
    table(figures),
    '',
    ...(notes.length ? ['Notes:', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'latest.md'), md);
  const json = figures.map((f) => ({
    name: f.name, value: f.value, unit: f.unit, baseline: f.baseline, ratio: f.ratio, target: f.target, pass: f.pass,
  }));
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`\n${table(figures)}\n\nTotal run: ${totalS.toFixed(0)} s. Written to bench/results/latest.md and latest.json.\n`);
}

main()
  .catch((error) => {
    say(`bench failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    // Keep-alive sockets and driver timers must not hold the process.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  });
