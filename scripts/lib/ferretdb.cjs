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
 * Returns the path of a working ferretdb binary, installing it on first use.
 * `go install …@v1.24.2` is tried first. A binary built from the published module has no
 * build/version/version.txt and panics at start ("Invalid build/version/version.txt"), and
 * some Go proxies refuse the module's version list that `go install` asks for; in both cases
 * the module is downloaded by version, the version file the upstream error message asks for
 * is written, and the same command is built with `go build`.
 */
function ensureFerretDbBinary(log = () => {}) {
  if (process.env.FERRETDB_BIN) {
    if (!works(process.env.FERRETDB_BIN)) throw new Error(`FERRETDB_BIN=${process.env.FERRETDB_BIN} does not run`);
    return process.env.FERRETDB_BIN;
  }
  const dir = cacheDir();
  const bin = path.join(dir, 'ferretdb');
  if (works(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  const go = goBinary();
  log(`Installing FerretDB ${VERSION} into ${dir} (once; takes a minute or two)…`);
  const env = { ...process.env, GOBIN: dir, GOFLAGS: '-buildvcs=false' };
  const install = spawnSync(go, ['install', `${MODULE}/cmd/ferretdb@${VERSION}`], { env, encoding: 'utf8' });
  if (install.status === 0 && works(bin)) return bin;

  const dl = spawnSync(go, ['mod', 'download', '-json', `${MODULE}@${VERSION}`], {
    env, encoding: 'utf8', cwd: os.tmpdir(),
  });
  if (dl.status !== 0) throw new Error(`could not download FerretDB: ${dl.stderr || dl.stdout}`);
  const moduleDir = JSON.parse(dl.stdout).Dir;
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-src-'));
  try {
    fs.cpSync(moduleDir, src, { recursive: true });
    for (const f of walk(src)) fs.chmodSync(f, 0o755);
    fs.writeFileSync(path.join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
    const build = spawnSync(go, ['build', '-trimpath', '-o', bin, './cmd/ferretdb'], {
      env, cwd: src, encoding: 'utf8',
    });
    if (build.status !== 0 || !works(bin)) {
      throw new Error(`could not build FerretDB: ${build.stderr}`);
    }
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  return bin;
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
 * Starts FerretDB on loopback with its data in `dataDir`. With `reuse`, a server already
 * running for the same data dir (recorded in dataDir/ferretdb.json) is reused, so running
 * `npm start` twice is harmless. Resolves when it accepts connections.
 */
async function startFerretDb({ dataDir, port, reuse = false, log = () => {} }) {
  const bin = ensureFerretDbBinary(log);
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
    `--sqlite-url=file:${path.resolve(dataDir)}/`,
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

module.exports = { ensureFerretDbBinary, startFerretDb, freePort, VERSION };
