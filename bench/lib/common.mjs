// Shared pieces of the benchmarks: the server child process, an HTTP client, Teams activities
// (as test/support/teams.ts builds them), percentiles and a bounded worker pool.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const root = path.resolve(benchDir, '..');
export const buildDir = path.join(benchDir, '.build');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

// ---------------------------------------------------------------- server child process

/**
 * Starts bench/lib/host.cjs: the app (mode 'bot') or the echo bot (mode 'echo').
 * Its stdout/stderr (the app's JSON logs) go to `logFile`.
 */
export async function spawnHost({ mode, env = {}, overrides = {}, logFile, timeoutMs = 60_000 }) {
  const out = fs.openSync(logFile, 'a');
  const child = fork(path.join(benchDir, 'lib', 'host.cjs'), [], {
    cwd: root,
    env: {
      ...process.env,
      BENCH_MODE: mode,
      BENCH_BUILD: buildDir,
      BENCH_OVERRIDES: JSON.stringify(overrides),
      PORT: '0',
      LOG_LEVEL: 'info',
      // The database counts its commands (src/store/db.ts); read with the host's `dbCommands`.
      BENCH_STATS: '1',
      // services/fees.ts finds the tariff relative to its build directory (dist/); this build is elsewhere.
      FEE_TARIFF_FILE: path.join(root, 'config', 'fee-tariff.json'),
      ...env,
    },
    // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each host, written there when it stops.
    execArgv: ['--expose-gc', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    stdio: ['ignore', out, out, 'ipc'],
  });
  fs.closeSync(out);
  let seq = 0;
  const pending = new Map();
  child.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`bench host (${mode}) exited with ${code}; see ${logFile}`));
    pending.clear();
    resolve(code);
  }));
  const ready = new Promise((resolve, reject) => {
    pending.set(0, { resolve, reject });
  });
  const timer = setTimeout(() => pending.get(0)?.reject(new Error(`bench host (${mode}) not ready in ${timeoutMs} ms`)), timeoutMs);
  let started;
  try {
    started = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const call = (cmd, args = {}, ms = 120_000) => {
    const id = ++seq;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`bench host: ${cmd} timed out`));
      }, ms);
      pending.set(id, {
        resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); },
      });
      child.send({ id, cmd, ...args });
    });
  };
  return {
    port: started.port,
    url: `http://127.0.0.1:${started.port}`,
    pid: child.pid,
    call,
    async stop() {
      if (child.exitCode !== null) return;
      await Promise.race([call('stop', {}, 20_000).catch(() => undefined), sleep(20_000)]);
      await Promise.race([exited, sleep(5_000)]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

// ---------------------------------------------------------------- HTTP client

const agents = new Map();
function agentFor(maxSockets) {
  let a = agents.get(maxSockets);
  if (!a) agents.set(maxSockets, (a = new http.Agent({ keepAlive: true, maxSockets })));
  return a;
}

/** POSTs JSON; resolves { status, body, ms } (never rejects on HTTP status; rejects on network errors/timeouts). */
export function postJson(url, payload, { maxSockets = 256, timeoutMs = 30_000 } = {}) {
  const data = Buffer.from(JSON.stringify(payload));
  const u = new URL(url);
  const t0 = now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: agentFor(maxSockets), headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body;
          try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
          resolve({ status: res.statusCode, body, ms: now() - t0 });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

export function closeAgents() {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

// ---------------------------------------------------------------- Teams activities

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const BOT = { id: '28:00000000-0000-0000-0000-00000000b07', name: 'Välittäjä' };

export function user(name) {
  const aad = randomUUID();
  return { aad, id: `29:${aad}`, name, personal: `a:1personal-${aad}` };
}

let seq = 0;
function base(serviceUrl, u, conversation, locale = 'fi-FI') {
  return {
    id: `act-${Date.now()}-${++seq}`,
    timestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: u.id, name: u.name, aadObjectId: u.aad },
    recipient: BOT,
    conversation,
    locale,
    channelData: { tenant: { id: TENANT } },
  };
}

export function personalMessage(serviceUrl, u, text) {
  return { ...base(serviceUrl, u, { conversationType: 'personal', tenantId: TENANT, id: u.personal }), type: 'message', text };
}

/** An Action.Execute click (invoke adaptiveCard/action). */
export function execute(serviceUrl, u, verb, data, conversation, channelData) {
  const a = base(serviceUrl, u, conversation ?? { conversationType: 'personal', tenantId: TENANT, id: u.personal });
  if (channelData) a.channelData = { ...a.channelData, ...channelData };
  return { ...a, type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } };
}

/** The card an Action.Execute answered with, or throws. */
export function cardOf(res) {
  if (res.status !== 200 || res.body?.statusCode !== 200) throw new Error(`invoke failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body.value;
}

/** The order form as test/integration/core-loop.test.ts fills it in. */
export function orderForm(extra = {}) {
  const d = new Date(Date.now() + 5 * 86_400_000);
  return {
    formId: randomUUID(), // the card's one-time id: a fresh card each call
    themes: 'mental-health', taskType: 'talk', title: 'Mielenterveysviikon puheenvuoro', description: 'Kokemuspuheenvuoro henkilöstölle.',
    goal: 'Stigman purku', date: d.toISOString().slice(0, 10), time: '13:00', durationMinutes: '90', mode: 'onsite', municipality: 'Tampere',
    address: 'Hatanpään valtatie 24', link: '', targetGroup: 'Hoitohenkilöstö', audienceSize: '40', seats: '1', language: 'fi',
    costCentre: 'KP-1234', contactName: 'Aino Ammattilainen', contactPhone: '050 555 1234', contactEmail: 'aino@example.fi', noteToCoordinator: '', ...extra,
  };
}

// ---------------------------------------------------------------- data

/** An active expert as ExpertRepo stores one (what the profile card + approval produce). */
export function expertDoc(id, i, at, extra = {}) {
  return {
    _id: id, aadObjectId: id, displayName: `Asiantuntija ${i}`, phone: '040 123 4567',
    themes: ['mental-health', 'substance-use'], taskTypes: ['talk', 'training'], municipalities: ['Tampere'], remoteOk: true,
    languages: ['fi'], description: 'Kokemusta mielenterveyspalveluista.', training: { organisation: 'Mieli ry', year: 2024 },
    feePreference: 'fee', status: 'active', paused: false, decidedBy: 'bench', createdAt: at, updatedAt: at, ...extra,
  };
}

/** The stored reference of an expert's 1:1 chat, as rememberConversation writes it. */
export function personalConversationDoc(u, serviceUrl, at) {
  return {
    _id: u.personal, scope: 'personal', tenantId: TENANT, userAadObjectId: u.aad, locale: 'fi-FI',
    reference: {
      bot: { id: BOT.id, name: BOT.name }, channelId: 'msteams', serviceUrl,
      conversation: { id: u.personal, conversationType: 'personal', tenantId: TENANT }, locale: 'fi-FI', user: { id: u.id, aadObjectId: u.aad },
    },
    reachable: true, createdAt: at, updatedAt: at,
  };
}

/** The key lookup of a user's latest 1:1 chat (`personalChats`), as ConversationRepo.upsert writes it beside the chat. */
export function personalChatLinkDoc(u, at) {
  return { _id: u.aad.toLowerCase(), conversationId: u.personal, updatedAt: at };
}

/** Experts' 1:1 chats as the bot stores them when each expert first writes to it. */
export async function insertPersonalChats(db, users, serviceUrl, at) {
  await db.collection('conversations').insertMany(users.map((u) => personalConversationDoc(u, serviceUrl, at)), { ordered: false });
  await db.collection('personalChats').insertMany(users.map((u) => personalChatLinkDoc(u, at)), { ordered: false });
}

// ---------------------------------------------------------------- statistics

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / (s.length || 1) };
}

/**
 * Runs `task(i)` for i = 0..count-1 with at most `concurrency` at once, stopping early
 * (no new tasks) once `deadline` (performance.now() ms) is passed. Returns results in order of completion.
 */
export async function pool(count, concurrency, deadline, task) {
  let next = 0;
  const results = [];
  const worker = async () => {
    while (next < count && now() < deadline) {
      const i = next++;
      try {
        results.push({ i, ok: true, value: await task(i) });
      } catch (error) {
        results.push({ i, ok: false, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export const round = (x, d = 1) => (x === null || x === undefined || Number.isNaN(x) ? x : Math.round(x * 10 ** d) / 10 ** d);

// ---------------------------------------------------------------- CPU accounting

/**
 * The host process's own CPU (process.cpuUsage(), user + system) and, for the app, its
 * database command counts, read together: `const m = await meter(host); …; const d = await m();`
 * gives { cpuMs, commands, byCommand } over the interval.
 */
export async function hostMeter(host) {
  const [cpu0, db0] = await Promise.all([host.call('cpu'), host.call('dbCommands')]);
  return async () => {
    const [cpu1, db1] = await Promise.all([host.call('cpu'), host.call('dbCommands')]);
    const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
    const byCommand = {};
    let commands = 0;
    for (const [k, n] of Object.entries(db1 ?? {})) {
      const d = n - (db0?.[k] ?? 0);
      if (d > 0) { byCommand[k] = d; commands += d; }
    }
    return { cpuMs, commands: db1 ? commands : null, byCommand };
  };
}

/** Commands by `<command> <collection>`, most first, as one short line. */
export function commandsText(byCommand, per = 1) {
  return Object.entries(byCommand).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${round(n / per, 2)}`).join(', ');
}

/** CPU seconds (user + system) a process has used so far, from /proc; null where unavailable. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** Measures CPU seconds of named processes over an interval: `const stop = cpuMeter({bot: pid}); …; stop()`. */
export function cpuMeter(pids) {
  const t0 = now();
  const start = Object.fromEntries(Object.entries(pids).filter(([, p]) => p).map(([k, p]) => [k, cpuSeconds(p)]));
  return () => {
    const wall = (now() - t0) / 1000;
    const parts = Object.entries(start).map(([k, s]) => {
      const e = cpuSeconds(pids[k]);
      return e === null || s === null ? `${k} ?` : `${k} ${round(e - s, 1)} s`;
    });
    return `CPU over ${round(wall, 1)} s wall: ${parts.join(', ')}`;
  };
}
