import { parseWhyCommand, WHY_MAX_LENGTH } from '../../../src/teams/why';

// `why <expert name> <order number>` is parsed in linear time with a length cap. The old
// pattern (lazy `.+?` between `\s+` runs) backtracked: a 240 KB message held the event loop
// for 15 s, and "why" followed by 4 000 spaces already took 30 s.

test('a 240 KB message is refused as too long, at once and without a pattern over it', () => {
  const spaces = `why${' '.repeat(240_000)}x`;
  expect(parseWhyCommand(spaces)).toEqual({ ok: false, reason: 'tooLong' });
  const words = `why ${'Anna '.repeat(48_000)}T-2026-0001`;
  expect(parseWhyCommand(words)).toEqual({ ok: false, reason: 'tooLong' });
});

test('the cap: a message of exactly WHY_MAX_LENGTH characters is parsed, one more is refused', () => {
  const tail = ' T-2026-0001';
  const name = `A${'a'.repeat(WHY_MAX_LENGTH)}`.slice(0, 100);
  const atCap = `why ${name}${tail}`.padEnd(WHY_MAX_LENGTH, ' ');
  expect(atCap).toHaveLength(WHY_MAX_LENGTH);
  expect(parseWhyCommand(atCap)).toEqual({ ok: true, name, orderId: 'T-2026-0001' });
  expect(parseWhyCommand(`${atCap} `)).toEqual({ ok: false, reason: 'tooLong' });
});

test('the worst inputs of the old pattern, within the cap, get the usage answer', () => {
  expect(parseWhyCommand(`why${' '.repeat(150)}x`)).toEqual({ ok: false, reason: 'usage' });
  expect(parseWhyCommand(`why x${' \t'.repeat(90)}T-2026-0001x`)).toEqual({ ok: false, reason: 'usage' });
});

test('names of several words, any keyword language, order number in any case; a name over 100 characters is refused', () => {
  expect(parseWhyCommand('  miksi Anna-Liisa  Virtanen t-2026-0042 ')).toEqual({ ok: true, name: 'Anna-Liisa Virtanen', orderId: 'T-2026-0042' });
  expect(parseWhyCommand('VARFÖR Eero T-2026-123456')).toEqual({ ok: true, name: 'Eero', orderId: 'T-2026-123456' });
  expect(parseWhyCommand('why T-2026-0001')).toEqual({ ok: false, reason: 'usage' });
  expect(parseWhyCommand('why Eero')).toEqual({ ok: false, reason: 'usage' });
  expect(parseWhyCommand('whyEero T-2026-0001')).toEqual({ ok: false, reason: 'usage' });
  expect(parseWhyCommand(`why ${'a'.repeat(101)} T-2026-0001`)).toEqual({ ok: false, reason: 'usage' });
});
