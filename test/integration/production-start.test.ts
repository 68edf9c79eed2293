import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, waitUntil } from '../support/bot-process';
import { testDbName } from '../support/harness';

// Issue 12: "Production start is not the demo" and "a Dockerfile: multi-stage, production
// dependencies only, non-root USER, node dist/index.js, HEALTHCHECK on /healthz".
//
// No Docker engine runs here, so this builds what the image holds, the way the Dockerfile does:
// `npm ci --omit=dev` from the lockfile into an empty directory, dist/ compiled, cards/ and
// config/ copied. Then `node dist/index.js` runs there with only the environment a container
// would have (credentials set, NODE_ENV=production, no FEE_TARIFF_FILE, no dev dependencies):
// it must answer /healthz and /readyz, refuse an unauthenticated activity, pass the Dockerfile's
// own HEALTHCHECK command, and exit 0 on SIGTERM.

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'valittaja-image-'));
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** The final stage: instructions after the last FROM. */
function finalStage(): { op: string; args: string }[] {
  const all = instructions(dockerfile);
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(lastFrom);
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

afterAll(() => {
  fs.rmSync(app, { recursive: true, force: true });
});

describe('Dockerfile', () => {
  test('multi-stage; the final stage has production dependencies only, a non-root user and node dist/index.js', () => {
    const all = instructions(dockerfile);
    expect(all.filter((i) => i.op === 'FROM').length).toBeGreaterThanOrEqual(2);
    const last = finalStage();
    // Dependencies come from a stage that ran `npm ci --omit=dev`.
    const depsCopy = last.find((i) => i.op === 'COPY' && /node_modules/.test(i.args));
    const depsStage = /--from=(\S+)/.exec(depsCopy?.args ?? '')?.[1];
    expect(depsStage).toBeDefined();
    const stageText = dockerfile.split(/^FROM /m).find((s) => new RegExp(`\\bAS ${depsStage}\\b`).test(s.split('\n')[0])) ?? '';
    expect(stageText).toMatch(/npm ci --omit=dev/);
    expect(last.some((i) => i.op === 'RUN' && /npm (ci|install)(?!.*--omit=dev)/.test(i.args))).toBe(false);
    const user = last.filter((i) => i.op === 'USER').pop();
    expect(user?.args).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user!.args);
    expect(last.filter((i) => i.op === 'CMD').pop()?.args).toBe('["node", "dist/index.js"]');
    expect(last.some((i) => i.op === 'ENTRYPOINT')).toBe(false); // node is PID 1 and gets the SIGTERM
    expect(last.find((i) => i.op === 'HEALTHCHECK')?.args).toMatch(/\/healthz/);
    // Runtime files the code reads relative to dist/.
    for (const dir of ['cards', 'config']) expect(last.some((i) => i.op === 'COPY' && new RegExp(`^${dir}\\b`).test(i.args))).toBe(true);
  });

  test('.dockerignore lets in only what the build copies: no secrets, no local data, no node_modules', () => {
    const lines = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    const allowed = lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    const copied = instructions(dockerfile)
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect([source, allowed.includes(source)]).toEqual([source, true]);
    for (const secret of ['env', '.localConfigs', '.env', '.data', 'node_modules', '.git']) expect(allowed).not.toContain(secret);
  });
});

describe('npm scripts', () => {
  test('`npm run serve` is the production start; `npm start` stays the local demo', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.serve).toBe('node dist/index.js');
    expect(pkg.scripts.start).toBe('node scripts/start.mjs');
  });
});

test('production dependencies only, `node dist/index.js` with a container\'s environment: healthy, authenticated, stops on SIGTERM', async () => {
  for (const f of ['package.json', 'package-lock.json', '.npmrc']) fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], app);
  for (const dev of ['typescript', 'jest', 'ts-jest', '@microsoft/m365agentsplayground']) expect([dev, fs.existsSync(path.join(app, 'node_modules', dev))]).toEqual([dev, false]);
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(app, 'dist')], ROOT);
  for (const dir of ['cards', 'config']) fs.cpSync(path.join(ROOT, dir), path.join(app, dir), { recursive: true });

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const port = await (require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> }).freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    PORT: String(port),
    MONGODB_URI: process.env.TEST_MONGODB_URI!,
    MONGODB_DB: testDbName(__filename),
    BOT_ID: '7a9e2c41-5b3d-4f8e-a6c2-9d1e4b7f3a05',
    BOT_PASSWORD: 'not-a-real-secret',
    BOT_TYPE: 'SingleTenant',
    BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, ['dist/index.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('/readyz 200', async () => {
      if (child.exitCode !== null) throw new Error(`exited: ${output}`);
      return (await fetch(`${base}/readyz`).then((r) => r.status, () => 0)) === 200;
    }, 60_000, 200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    // Credentials set: the Bot Framework token is required, and it listens on every interface.
    const unauthenticated = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', serviceUrl: 'https://smba.trafficmanager.net/emea/', channelId: 'msteams', conversation: { id: 'a:1' }, from: { id: '29:x' }, recipient: { id: '28:y' }, text: 'ohje' }),
    });
    expect(unauthenticated.status).toBe(401);
    expect(output).toMatch(/"host":"0\.0\.0\.0"/);

    // The HEALTHCHECK command of the Dockerfile, as docker would run it in the container.
    const healthcheck = JSON.parse(/CMD (\[.*\])/.exec(finalStage().find((i) => i.op === 'HEALTHCHECK')!.args)![1]) as string[];
    expect(healthcheck[0]).toBe('node');
    expect(spawnSync(process.execPath, healthcheck.slice(1), { env: { PATH: env.PATH, PORT: env.PORT } }).status).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(spawnSync(process.execPath, healthcheck.slice(1), { env: { PATH: env.PATH, PORT: env.PORT } }).status).toBe(1);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 600_000);
