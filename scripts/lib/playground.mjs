// Microsoft 365 Agents Playground (the local Teams client, @microsoft/m365agentsplayground) as a
// child process, for `npm start` (three of them, one per role) and the e2e tests. See test/e2e/support/PLAYGROUND-NOTES.md for what it can do.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export { ensureChromium, CHROMIUM_PATH, CHROMIUM_ARGS } from './chromium.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'agentsplayground.cmd' : 'agentsplayground');
export const DEFAULT_CONFIG_PATH = path.join(root, '.m365agentsplayground.yml');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process alive (for timeouts raced against other promises). */
const idle = (ms) => new Promise((r) => setTimeout(r, ms).unref());

/** True when something accepts TCP connections on the port (IPv4 or IPv6 loopback). */
function portTaken(port) {
  const probe = (host) => new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
  });
  return Promise.all([probe('127.0.0.1'), probe('::1')]).then((r) => r.some(Boolean));
}

/**
 * A copy of the config with another of its users as `currentUser` (the one the UI acts as).
 * The old current user becomes a plain user; the personal chat gets an id of its own per user,
 * as in Teams. `who` matches a user's name, id or aadObjectId.
 */
function configForUser(configPath, who, dir, editConfig = (c) => c) {
  let YAML;
  try {
    YAML = createRequire(import.meta.url)('yaml');
  } catch {
    throw new Error('startPlayground({ currentUser }) needs the `yaml` package (a dependency of @microsoft/teams-ai); it is not installed');
  }
  const cfg = YAML.parse(fs.readFileSync(configPath, 'utf8'));
  const all = [cfg.currentUser, ...cfg.users];
  const w = String(who).toLowerCase();
  const user = all.find((u) => [u.name, u.id, u.aadObjectId].some((v) => String(v).toLowerCase() === w));
  if (!user) throw new Error(`currentUser "${who}" is not in ${configPath}; known: ${all.map((u) => u.name).join(', ')}`);
  if (user !== cfg.currentUser) {
    cfg.users = all.filter((u) => u !== user);
    cfg.currentUser = user;
    cfg.personalChat = { id: `a:1${user.aadObjectId}` };
  }
  const edited = editConfig(cfg);
  const file = path.join(dir, '.m365agentsplayground.yml');
  fs.writeFileSync(file, YAML.stringify(edited));
  return file;
}

/**
 * Starts the Agents Playground against a bot.
 *
 * @param {object} o
 * @param {string} o.botEndpoint  the bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages
 * @param {number} [o.port=56150] the playground's port (page, API and connector `/_connector`)
 * @param {string} [o.cwd]        working directory; the playground writes devTools/m365agentsplayground.log
 *                                there. Default: a fresh temp dir (keeps devTools/ out of the repo).
 * @param {string} [o.configPath] mock tenant (users, chats, team); default the repo's .m365agentsplayground.yml
 * @param {string} [o.currentUser] name/id/aadObjectId of the config user the UI should act as
 * @param {(cfg: object) => object} [o.editConfig] changes the config copy made for `currentUser`
 *                                (e.g. a team and group chat of this window's own; see scripts/lib/demo.mjs)
 * @param {'msteams'|'directline'|'webchat'|'emulator'|'agents'} [o.channelId='msteams']
 * @param {boolean} [o.recordEvents=false] `--er`: record every activity both ways (incl. ones to
 *                                conversations the page does not show) to `eventsFile`; read with readEvents()
 * @param {(line: string) => void} [o.log] receives progress and the playground's own output
 * @param {number} [o.timeoutMs=30000]
 * @returns {Promise<{ url: string, port: number, serviceUrl: string, logFile: string, eventsFile: string|undefined,
 *   configPath: string|undefined, pid: number, readEvents(): object[], stop(): Promise<void> }>}
 */
export async function startPlayground(options = {}) {
  // The fixed ports lie in Linux's ephemeral range: a connection elsewhere on the machine can
  // hold one for a moment, and the Playground then silently moves to a random port. Retried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startPlaygroundOnce(options);
    } catch (error) {
      if (!(error instanceof PortMovedError) || attempt >= 4) throw error;
      options.log?.(`${error.message}; trying port ${options.port} again`);
      await sleep(500 * attempt);
    }
  }
}

class PortMovedError extends Error {}

async function startPlaygroundOnce({
  botEndpoint,
  port = 56150,
  cwd,
  configPath,
  currentUser,
  editConfig,
  channelId = 'msteams',
  recordEvents = false,
  log = () => {},
  timeoutMs = 30000,
} = {}) {
  if (!botEndpoint) throw new Error('startPlayground: botEndpoint is required, e.g. http://127.0.0.1:3978/api/messages');
  if (!fs.existsSync(BIN)) throw new Error(`Agents Playground is not installed (${BIN} missing): run npm install`);
  if (await portTaken(port)) {
    throw new Error(
      `port ${port} is already in use — another Agents Playground (or something else) is serving http://localhost:${port}. ` +
      'Stop it first or pass another port; the playground itself would silently move to a random port.',
    );
  }
  if (configPath === undefined && fs.existsSync(DEFAULT_CONFIG_PATH)) configPath = DEFAULT_CONFIG_PATH;
  if (configPath && !fs.existsSync(configPath)) throw new Error(`playground config not found: ${configPath}`);
  const workDir = cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agentsplayground-'));
  fs.mkdirSync(workDir, { recursive: true });
  if (currentUser) {
    if (!configPath) throw new Error('startPlayground({ currentUser }) needs a config file');
    configPath = configForUser(configPath, currentUser, fs.mkdtempSync(path.join(os.tmpdir(), 'agentsplayground-cfg-')), editConfig);
  }
  const logFile = path.join(workDir, 'devTools', 'm365agentsplayground.log');
  const eventsFile = recordEvents ? path.join(workDir, 'devTools', 'events_recording.log') : undefined;

  const env = { ...process.env, TEAMSAPPTESTER_BROWSER: 'none' };
  // A stray value here would otherwise win over our flags/config.
  for (const k of ['TEAMSAPPTESTER_PORT', 'BOT_ENDPOINT', 'M365_AGENTS_PLAYGROUND_SERVICE_URL', 'DEFAULT_CHANNEL_ID']) delete env[k];
  if (configPath) env.M365_AGENTS_PLAYGROUND_CONFIG_PATH = path.resolve(configPath);
  else delete env.M365_AGENTS_PLAYGROUND_CONFIG_PATH;

  if (eventsFile) env.M365_AGENTS_PLAYGROUND_RECORDING_FILE = eventsFile;
  else delete env.M365_AGENTS_PLAYGROUND_RECORDING_FILE;

  const args = ['-e', botEndpoint, '-p', String(port), '-c', channelId, '--dt', ...(recordEvents ? ['--er'] : [])];
  log(`starting Agents Playground on :${port} → ${botEndpoint}${configPath ? ` (config ${configPath})` : ' (built-in config)'}`);
  const t0 = Date.now();
  const child = spawn(BIN, args, { cwd: workDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

  let output = '';
  let listenedOn;
  const onData = (chunk) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      const m = /^Listening on (\d+)/.exec(line);
      if (m) listenedOn = Number(m[1]);
      log(`[playground] ${line}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let hasExited = false;
  // If this process dies without stop(), don't leave the (detached) playground behind.
  const killOnExit = () => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } };
  process.once('exit', killOnExit);
  exited.then(() => { hasExited = true; process.removeListener('exit', killOnExit); });

  async function stop() {
    if (hasExited) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const t = await Promise.race([exited.then(() => 'exited'), idle(5000).then(() => 'timeout')]);
    if (t === 'timeout') {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      await Promise.race([exited, idle(2000)]);
    }
  }

  const url = `http://localhost:${port}`;
  try {
    const deadline = t0 + timeoutMs;
    for (;;) {
      if (hasExited) throw new Error(`Agents Playground exited before it was ready:\n${output.trim()}`);
      if (listenedOn !== undefined && listenedOn !== port) {
        throw new PortMovedError(`Agents Playground took port ${listenedOn} instead of ${port} (port was taken meanwhile)`);
      }
      if (Date.now() > deadline) throw new Error(`Agents Playground did not answer on ${url} within ${timeoutMs} ms:\n${output.trim()}`);
      const [page, ping] = await Promise.all([
        fetch(`${url}/`).then((r) => r.ok).catch(() => false),
        fetch(`${url}/_debug/ping`).then((r) => r.ok).catch(() => false),
      ]);
      if (page && ping) break;
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  log(`Agents Playground ready at ${url} in ${Date.now() - t0} ms (pid ${child.pid}, log ${logFile})`);
  /** The recorded events so far: { direction, activityName, conversationId, request: { body }, response: { statusCode, body } }. */
  function readEvents() {
    if (!eventsFile) throw new Error('startPlayground({ recordEvents: true }) is needed for readEvents()');
    if (!fs.existsSync(eventsFile)) return [];
    return fs.readFileSync(eventsFile, 'utf8').split('\n---\n').filter((b) => b.trim()).map((b) => JSON.parse(b));
  }
  return { url, port, serviceUrl: `${url}/_connector`, logFile, eventsFile, configPath, pid: child.pid, readEvents, stop };
}
