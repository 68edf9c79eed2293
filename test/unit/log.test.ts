import { Writable } from 'node:stream';
import { createLogger } from '../../src/log';

test('logs redact names, texts, themes, descriptions, contacts and reasons wherever they appear', () => {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const log = createLogger('info', sink);
  log.info({ orderId: 'T-2026-0001', name: 'Eero Esimerkki', expert: { displayName: 'Eero', themes: ['mental-health'], email: 'e@x.fi', phone: '040' }, activity: { text: 'minulla on…' }, reason: 'sairastuin' }, 'x');
  const out = lines.join('');
  expect(out).toContain('T-2026-0001');
  for (const secret of ['Eero', 'mental-health', 'e@x.fi', '"040"', 'minulla', 'sairastuin']) expect(out).not.toContain(secret);
});
