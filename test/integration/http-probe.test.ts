import { Writable } from 'node:stream';
import { startBot } from '../../src/index';
import { createLogger } from '../../src/log';
import { testConfig } from '../support/harness';

// The Agents Playground checks the bot's endpoint with a GET at every connect: a newcomer's
// `npm start` printed a "request failed" warning for each. The GET gets its answer, unlogged.
test('GET /api/messages is answered 405 with Allow: POST, and no warning is logged', async () => {
  let out = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, cb) { out += chunk.toString(); cb(); } });
  const bot = await startBot(testConfig(__filename), createLogger('info', stream));
  try {
    const res = await fetch(`http://127.0.0.1:${bot.port}/api/messages`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    const other = await fetch(`http://127.0.0.1:${bot.port}/nothing-here`);
    expect(other.status).toBe(404);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; path?: string });
    expect(lines.filter((l) => l.level >= 40 && l.path === '/api/messages')).toEqual([]);
    // Other failed requests are still logged.
    expect(lines.some((l) => l.msg === 'request failed' && l.path === '/nothing-here')).toBe(true);
  } finally {
    await bot.stop();
  }
});
