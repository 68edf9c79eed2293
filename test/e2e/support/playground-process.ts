import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface PlaygroundProcess {
  url: string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * Starts the Agents Playground through scripts/lib/playground.mjs in a child node process
 * (jest's CommonJS test files cannot import the ESM script). The child prints the URL as
 * one JSON line and stops the playground when it gets SIGTERM.
 */
export async function startPlaygroundProcess(opts: { botEndpoint: string; port: number; currentUser?: string }): Promise<PlaygroundProcess> {
  const code = `
    const { startPlayground } = await import(${JSON.stringify(path.join(ROOT, 'scripts', 'lib', 'playground.mjs'))});
    const pg = await startPlayground(${JSON.stringify(opts)});
    process.stdout.write(JSON.stringify({ url: pg.url }) + '\\n');
    process.on('SIGTERM', async () => { await pg.stop(); process.exit(0); });
    setInterval(() => {}, 1 << 30);
  `;
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (c) => reject(new Error(`playground process exited (${c})`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
