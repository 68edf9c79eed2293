'use strict';
// Local MongoDB-wire database for development and tests: FerretDB v1.24.2 with its
// embedded SQLite backend. Installed once into a per-user cache, started on loopback.
// CommonJS so that both the ESM scripts and the (ts-jest, CommonJS) tests can load it.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

function cacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'valittaja', `ferretdb-${VERSION}`);
}

function goBinary() {
  for (const candidate of [process.env.GO, 'go', '/usr/local/go/bin/go']) {
    if (!candidate) continue;
    const r = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  throw new Error(
    'Go is needed once to build the local database (FerretDB). Install Go 1.22+ or set MONGODB_URI to a MongoDB server.',
  );
}

function works(bin) {
  if (!fs.existsSync(bin)) return false;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15000 });
  return r.status === 0 && r.stdout.includes(VERSION);
}

/**
 * Resolves to the path of a working ferretdb binary, building it on first use (once per
 * machine: the binary is cached per user). A binary built by `go install` from the published
 * module has no build/version/version.txt and panics at start ("Invalid build/version/
 * version.txt"), so the module is downloaded by version, the version file the upstream error
 * message asks for is written, and the command is built with `go build`. The build shows real
 * progress (packages compiled of those to compile, with the time left measured as it goes), and
 * a second process that needs the binary meanwhile waits for this build instead of starting one.
 */
async function ensureFerretDbBinary(log = () => {}) {
  if (process.env.FERRETDB_BIN) {
    if (!works(process.env.FERRETDB_BIN)) throw new Error(`FERRETDB_BIN=${process.env.FERRETDB_BIN} does not run`);
    return process.env.FERRETDB_BIN;
  }
  const dir = cacheDir();
  const bin = path.join(dir, 'ferretdb');
  if (works(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const release = await buildLock(dir, bin, log);
  if (!release) return bin; // another process built it meanwhile
  try {
    if (works(bin)) return bin;
    await buildFerretDb(goBinary(), dir, bin, log);
    return bin;
  } finally {
    release();
  }
}

/**
 * One build per machine at a time: a lock directory holding the builder's pid. Resolves to a
 * release function, or to null when another process finished the build while this one waited.
 */
async function buildLock(dir, bin, log) {
  const lock = path.join(dir, '.build-lock');
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let pid = NaN;
    try { pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
    if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
      fs.rmSync(lock, { recursive: true, force: true }); // its builder died
      continue;
    }
    if (!told) {
      log(`The local database (FerretDB ${VERSION}) is being built by another process${Number.isInteger(pid) ? ` (pid ${pid})` : ''}; waiting for it…`);
      told = true;
    }
    await sleep(2000);
    if (works(bin)) return null;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs a command; resolves with its output, rejects with its last lines. `onLine` sees stderr lines as they come. */
function run(cmd, args, opts, onLine) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => {
      err = (err + d).slice(-8000);
      if (!onLine) return;
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const line of lines) if (line.trim()) onLine(line.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err.trim()}`))));
  });
}

function minutes(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

async function buildFerretDb(go, dir, bin, log) {
  const t0 = Date.now();
  const env = { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' };
  log(`Building the local database (FerretDB ${VERSION}) into ${dir}. This happens once per machine.`);
  log('  1/3 downloading its source…');
  const moduleDir = JSON.parse(await run(go, ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { env, cwd: os.tmpdir() })).Dir;
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-src-'));
  try {
    fs.cpSync(moduleDir, src, { recursive: true });
    for (const f of walk(src)) fs.chmodSync(f, 0o755);
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
    log('  2/3 downloading its dependencies and listing what to compile…');
    // The packages `go build` will compile: those not already in Go's build cache.
    const listed = await run(go, ['list', '-trimpath', '-deps', '-f', '{{if .Stale}}{{.ImportPath}}{{end}}', './cmd/ferretdb'], { env, cwd: src });
    const total = Math.max(1, listed.split('\n').filter((l) => l.trim()).length);
    log(`  3/3 compiling ${total} package${total === 1 ? "" : "s"} with ${os.cpus().length} CPU core(s); progress below (time left is measured as it goes).`);
    let done = 0;
    let lastShown = 0;
    const tBuild = Date.now();
    await run(go, ['build', '-v', '-trimpath', '-o', bin, './cmd/ferretdb'], { env, cwd: src }, (line) => {
      // `go build -v` names each package as it is compiled; "# pkg" and other lines are not packages.
      if (!/^[\w.-]+(\/[\w.~+-]+)*$/.test(line)) return;
      done = Math.min(total, done + 1);
      const now = Date.now();
      if (now - lastShown < 10000 && done !== total) return;
      lastShown = now;
      const elapsed = now - tBuild;
      const left = done >= 5 ? ` — about ${minutes((elapsed / done) * (total - done))} left` : '';
      log(`      ${done}/${total} packages (${Math.round((100 * done) / total)}%) after ${minutes(elapsed)}${left}`);
    });
    if (done < total) log(`      ${total}/${total} packages (100%) after ${minutes(Date.now() - tBuild)}`);
    if (!works(bin)) throw new Error(`the built ${bin} does not run`);
    log(`Local database built in ${minutes(Date.now() - t0)}; later starts reuse it.`);
  } catch (error) {
    throw new Error(`could not build FerretDB: ${error.message}`);
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

function* walk(dir) {
  yield dir;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/**
 * SQLite settings beside FerretDB's own (WAL, a 10 s busy timeout): `synchronous(normal)`, so a
 * commit appends to the write-ahead log without an fsync of its own; the log is synced at each
 * checkpoint. SQLite recommends it for WAL mode, and it is what a standalone MongoDB does by
 * default (the journal is flushed every 100 ms, not per write): a crash of FerretDB or of the
 * tests loses nothing, a power cut may lose the last moments of a local database. With an fsync
 * per commit, writers waited for each other's fsyncs and SQLite's busy handler slept between
 * tries (1, 2, 5, 10 … 100 ms): twelve writers measured p99 355–483 ms against 81–115 ms, and
 * three instances fanning out 1,000 offers were faster in six runs of six (docs/local-database.md).
 */
const SQLITE_PARAMS = '_pragma=synchronous(normal)';

/**
 * Starts FerretDB on loopback with its data in `dataDir`. With `reuse`, a server already
 * running for the same data dir (recorded in dataDir/ferretdb.json) is reused, so running
 * `npm start` twice is harmless. Resolves when it accepts connections.
 */
async function startFerretDb({ dataDir, port, reuse = false, log = () => {} }) {
  const bin = await ensureFerretDbBinary(log);
  fs.mkdirSync(dataDir, { recursive: true });
  const stateFile = path.join(dataDir, 'ferretdb.json');
  if (reuse && fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    if (alive(state.pid) && (await canConnect(state.port))) {
      return handle(null, state.port, state.pid, stateFile, false);
    }
  }
  const listenPort = port || (await freePort());
  const debugPort = await freePort();
  const child = spawn(bin, [
    '--handler=sqlite',
    `--sqlite-url=file:${path.resolve(dataDir)}/?${SQLITE_PARAMS}`,
    `--listen-addr=127.0.0.1:${listenPort}`,
    `--debug-addr=127.0.0.1:${debugPort}`,
    '--telemetry=disable',
    `--state-dir=${path.resolve(dataDir)}`,
    '--log-level=warn',
  ], {
    // A server that outlives this process logs to a file: a pipe to us would break when we exit.
    stdio: ['ignore', 'ignore', reuse ? fs.openSync(path.join(dataDir, 'ferretdb.log'), 'a') : 'pipe'],
    detached: reuse,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const deadline = Date.now() + 30000;
  while (!(await canConnect(listenPort))) {
    if (child.exitCode !== null) throw new Error(`FerretDB exited (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`FerretDB did not start: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (reuse) child.unref();
  fs.writeFileSync(stateFile, JSON.stringify({ pid: child.pid, port: listenPort }));
  return handle(child, listenPort, child.pid, stateFile, true);
}

function handle(child, port, pid, stateFile, started) {
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    port,
    pid,
    started,
    async stop() {
      try { process.kill(pid, 'SIGTERM'); } catch { return; }
      const deadline = Date.now() + 10000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      if (child) await new Promise((r) => (child.exitCode !== null || child.signalCode ? r() : child.once('exit', r)));
      fs.rmSync(stateFile, { force: true });
    },
  };
}

/**
 * Stops the server `startFerretDb({ reuse: true })` left running for `dataDir` (`npm run
 * db:stop`). Resolves to { pid } when one was stopped, null when none was running.
 */
async function stopFerretDb(dataDir) {
  const stateFile = path.join(dataDir, 'ferretdb.json');
  if (!fs.existsSync(stateFile)) return null;
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  if (!alive(state.pid) || !(await canConnect(state.port))) {
    fs.rmSync(stateFile, { force: true });
    return null;
  }
  await handle(null, state.port, state.pid, stateFile, false).stop();
  return { pid: state.pid };
}

module.exports = { ensureFerretDbBinary, startFerretDb, stopFerretDb, freePort, VERSION };
