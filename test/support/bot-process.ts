import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * The bot as a separate operating-system process (as `npm start` runs it: node on the
 * compiled JavaScript), so a test can kill -9 it and start another on the same database.
 */

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Compiles src/ once into a directory of this test run's own under .data/ (git-ignored), not
 * into dist/: other work in the same tree may be building or running dist/ meanwhile.
 * Resolves node_modules and cards/ from the repository as dist/ would. Returns index.js.
 */
export function buildBot(tag: string): { entry: string; remove(): void } {
  const outDir = path.join(ROOT, '.data', `bot-build-${tag}-${process.pid}`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--outDir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`TypeScript build failed:\n${r.stdout}${r.stderr}`);
  return { entry: path.join(outDir, 'index.js'), remove: () => fs.rmSync(outDir, { recursive: true, force: true }) };
}

export interface BotProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** stderr so far (the bot logs nothing at LOG_LEVEL=silent; start-up failures land here). */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node <entry>` with exactly `env` (plus PATH) and waits until /healthz answers. */
export async function startBotProcess(entry: string, env: Record<string, string>, timeoutMs = 30_000): Promise<BotProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    // The default tariff file is found relative to the compiled code; name the repository's.
    env: { PATH: process.env.PATH ?? '', FEE_TARIFF_FILE: path.join(ROOT, 'config', 'fee-tariff.json'), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = Number(env.PORT);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`bot exited at start (${child.exitCode ?? child.signalCode}): ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bot did not start in ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, port, url, stderr: () => stderr, exited };
}

export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One Bot Connector call as the stand-in saw it. */
export interface ConnectorRequest {
  method: string;
  conversationId: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

/**
 * A stand-in Bot Connector that answers every call after `delayMs`, like a real one under
 * load, so a fan-out takes seconds. It tells apart what it *accepted* (answered 2xx: the
 * message is posted, whatever happens to the bot afterwards) from what it only received.
 * `hold()` stops answering: requests that arrive then stay open, and are never accepted if
 * the bot dies meanwhile (the connection closes unanswered).
 */
export class SlowConnector {
  readonly received: ConnectorRequest[] = [];
  readonly accepted: ConnectorRequest[] = [];
  readonly held: ConnectorRequest[] = [];
  /** Called on each received request, before it is answered or held. */
  onReceive?: (req: ConnectorRequest, count: number) => void;
  /** Called right after a request was answered 2xx (the bot cannot have read the answer yet). */
  onAccept?: (req: ConnectorRequest, count: number) => void;
  /** Holds only the requests this picks (while not holding everything); `answerHeld` answers them later. */
  holdIf?: (req: ConnectorRequest) => boolean;
  private server?: http.Server;
  private holding = false;
  private readonly heldAnswers: (() => void)[] = [];
  private dropped = 0;
  private seq = 0;

  constructor(private readonly delayMs: number) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  /** Received, not held, and not answered yet (an answer is still on its timer). */
  get answering(): number {
    return this.received.length - this.accepted.length - this.held.length - this.dropped;
  }

  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
  }

  /** Answers the requests held so far (2xx), as a connector that was only slow would. */
  answerHeld(): void {
    for (const answer of this.heldAnswers.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) {
        res.writeHead(404).end('{}');
        return;
      }
      const call: ConnectorRequest = {
        method: req.method ?? 'GET',
        conversationId: decodeURIComponent(m[1]),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        receivedAt: Date.now(),
      };
      this.received.push(call);
      this.onReceive?.(call, this.received.length);
      const answer = (): void => {
        if (res.destroyed) {
          this.dropped += 1;
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: m[2] ? decodeURIComponent(m[2]) : `posted-${++this.seq}` }));
        this.accepted.push(call);
        this.onAccept?.(call, this.accepted.length);
      };
      if (this.holding) {
        this.held.push(call); // never answered: the bot is killed while waiting for it
        return;
      }
      if (this.holdIf?.(call)) {
        this.held.push(call);
        this.heldAnswers.push(() => {
          this.held.splice(this.held.indexOf(call), 1);
          answer();
        });
        return;
      }
      setTimeout(answer, this.delayMs);
    });
  }
}
