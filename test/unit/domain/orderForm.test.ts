import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CATALOG } from '../../../src/domain/catalog';
import { ORDER_FORM_FIELDS, formatOrderNumber, parseOrderForm } from '../../../src/domain/orderForm';

const NOW = new Date('2026-01-10T08:00:00Z');
const opts = { catalog: DEFAULT_CATALOG, now: NOW, timeZone: 'Europe/Helsinki' };

/** A complete, valid onsite submit as the card sends it (strings). */
function form(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    themes: 'mental-health',
    taskType: 'training',
    title: 'Mielenterveys ja työ',
    description: 'Puheenvuoro henkilöstökoulutuksessa',
    goal: 'Ymmärrys asiakkaan näkökulmasta',
    date: '2026-02-03',
    time: '13:00',
    durationMinutes: '90',
    mode: 'onsite',
    municipality: 'Tampere',
    address: 'Hallituskatu 1',
    link: '',
    targetGroup: 'Sairaanhoitajat',
    audienceSize: '25',
    seats: '2',
    language: 'fi',
    costCentre: 'KS-1234',
    contactName: 'Tiina Tilaaja',
    contactPhone: '+358 40 123 4567',
    contactEmail: 'tiina.tilaaja@example.fi',
    noteToCoordinator: '',
    ...over,
  };
}

/** Removes keys from the valid form (a card leaves unset inputs out or sends ''). */
function without(...keys: string[]): Record<string, unknown> {
  const f = form();
  for (const k of keys) delete f[k];
  return f;
}

function errorsOf(raw: unknown): Record<string, string> {
  const r = parseOrderForm(raw, opts);
  if (r.ok) throw new Error(`expected errors, got ok: ${JSON.stringify(r.value)}`);
  return r.errors;
}

function valueOf(raw: unknown) {
  const r = parseOrderForm(raw, opts);
  if (!r.ok) throw new Error(`expected ok, got errors: ${JSON.stringify(r.errors)}`);
  return r.value;
}

describe('parseOrderForm: a valid full form', () => {
  test('parses every field', () => {
    expect(valueOf(form())).toEqual({
      themes: ['mental-health'],
      taskType: 'training',
      title: 'Mielenterveys ja työ',
      description: 'Puheenvuoro henkilöstökoulutuksessa',
      goal: 'Ymmärrys asiakkaan näkökulmasta',
      startsAt: new Date('2026-02-03T11:00:00Z'),
      durationMinutes: 90,
      mode: 'onsite',
      municipality: 'Tampere',
      address: 'Hallituskatu 1',
      link: undefined,
      targetGroup: 'Sairaanhoitajat',
      audienceSize: 25,
      seats: 2,
      language: 'fi',
      costCentre: 'KS-1234',
      contact: { name: 'Tiina Tilaaja', phone: '+358 40 123 4567', email: 'tiina.tilaaja@example.fi' },
      noteToCoordinator: undefined,
    });
  });

  test('numbers may come as numbers too', () => {
    const v = valueOf(form({ durationMinutes: 60, seats: 1, audienceSize: 10 }));
    expect([v.durationMinutes, v.seats, v.audienceSize]).toEqual([60, 1, 10]);
  });

  test('optional fields may be left out or empty', () => {
    const v = valueOf(without('goal', 'audienceSize', 'contactPhone', 'noteToCoordinator', 'link'));
    expect(v.goal).toBeUndefined();
    expect(v.audienceSize).toBeUndefined();
    expect(v.contact).toEqual({ name: 'Tiina Tilaaja', phone: undefined, email: 'tiina.tilaaja@example.fi' });
    expect(valueOf(form({ audienceSize: '', goal: '   ' })).goal).toBeUndefined();
  });

  test('text is trimmed', () => {
    expect(valueOf(form({ title: '  Otsikko  ' })).title).toBe('Otsikko');
  });

  test('Swedish and English orders', () => {
    expect(valueOf(form({ language: 'sv' })).language).toBe('sv');
    expect(valueOf(form({ language: 'en' })).language).toBe('en');
    expect(errorsOf(form({ language: 'de' }))).toEqual({ language: 'order.error.unknownChoice' });
  });

  test('ORDER_FORM_FIELDS is the set of keys the card may send', () => {
    expect([...ORDER_FORM_FIELDS].sort()).toEqual(Object.keys(form()).sort());
  });
});

describe('parseOrderForm: required fields', () => {
  const required = ['themes', 'taskType', 'title', 'description', 'date', 'time', 'durationMinutes', 'mode', 'targetGroup', 'seats', 'language', 'costCentre', 'contactName'];

  test.each(required)('%s missing → its key', (key) => {
    const errors = errorsOf(without(key));
    expect(Object.keys(errors)).toContain(key);
    expect(errors[key]).toMatch(/^order\.error\./);
  });

  test.each(['themes', 'taskType', 'title', 'description', 'date', 'time', 'targetGroup', 'costCentre', 'contactName'])('%s empty string → required', (key) => {
    expect(errorsOf(form({ [key]: '' }))).toEqual({ [key]: 'order.error.required' });
  });

  test('whitespace-only counts as empty', () => {
    expect(errorsOf(form({ title: '   ' }))).toEqual({ title: 'order.error.required' });
  });

  test('themes that are only commas count as empty', () => {
    expect(errorsOf(form({ themes: ' , ,' }))).toEqual({ themes: 'order.error.required' });
    expect(errorsOf(form({ themes: [] }))).toEqual({ themes: 'order.error.required' });
  });

  test('an empty object reports every required field at once', () => {
    const errors = errorsOf({});
    for (const key of required) expect(errors[key]).toBeDefined();
    expect(errors.contactEmail).toBeUndefined();
  });

  test('not an object at all → rejected', () => {
    expect(parseOrderForm(null, opts).ok).toBe(false);
    expect(parseOrderForm('x', opts).ok).toBe(false);
    expect(parseOrderForm([], opts).ok).toBe(false);
  });
});

describe('parseOrderForm: catalog choices', () => {
  test('unknown theme', () => {
    expect(errorsOf(form({ themes: 'astrology' }))).toEqual({ themes: 'order.error.unknownChoice' });
  });
  test('one unknown theme among known ones', () => {
    expect(errorsOf(form({ themes: 'mental-health,astrology' }))).toEqual({ themes: 'order.error.unknownChoice' });
  });
  test('unknown task type', () => {
    expect(errorsOf(form({ taskType: 'juggling' }))).toEqual({ taskType: 'order.error.unknownChoice' });
  });
  test('unknown municipality', () => {
    expect(errorsOf(form({ municipality: 'Atlantis' }))).toEqual({ municipality: 'order.error.unknownChoice' });
  });
  test('unknown mode', () => {
    expect(errorsOf(form({ mode: 'telepathy' }))).toEqual({ mode: 'order.error.unknownChoice' });
  });
  test('a deployment’s own catalog is used', () => {
    const catalog = { ...DEFAULT_CATALOG, municipalities: ['Vantaa', 'Kerava'] };
    expect(parseOrderForm(form({ municipality: 'Kerava' }), { ...opts, catalog }).ok).toBe(true);
    expect(parseOrderForm(form({ municipality: 'Tampere' }), { ...opts, catalog })).toEqual({ ok: false, errors: { municipality: 'order.error.unknownChoice' } });
  });
});

describe('parseOrderForm: multi-select themes', () => {
  test('as a comma-separated string (Adaptive Card ChoiceSet)', () => {
    expect(valueOf(form({ themes: 'mental-health,youth' })).themes).toEqual(['mental-health', 'youth']);
  });
  test('with spaces and duplicates', () => {
    expect(valueOf(form({ themes: ' youth , mental-health,youth' })).themes).toEqual(['youth', 'mental-health']);
  });
  test('as an array', () => {
    expect(valueOf(form({ themes: ['mental-health', 'youth'] })).themes).toEqual(['mental-health', 'youth']);
  });
  test('an array with an unknown theme', () => {
    expect(errorsOf(form({ themes: ['youth', 'nope'] }))).toEqual({ themes: 'order.error.unknownChoice' });
  });
});

describe('parseOrderForm: date and time', () => {
  test('a start in the past', () => {
    expect(errorsOf(form({ date: '2026-01-09', time: '13:00' }))).toEqual({ date: 'order.error.startInPast' });
  });
  test('a start exactly now is in the past; one minute later is too soon for offers; 2 hours later is taken', () => {
    // NOW = 2026-01-10T08:00Z = 10:00 in Helsinki (UTC+2). Offers close 2 hours before the start.
    expect(errorsOf(form({ date: '2026-01-10', time: '10:00' }))).toEqual({ date: 'order.error.startInPast' });
    expect(errorsOf(form({ date: '2026-01-10', time: '10:01' }))).toEqual({ date: 'order.error.tooSoon' });
    expect(errorsOf(form({ date: '2026-01-10', time: '11:59' }))).toEqual({ date: 'order.error.tooSoon' });
    expect(valueOf(form({ date: '2026-01-10', time: '12:01' })).startsAt).toEqual(new Date('2026-01-10T10:01:00Z'));
  });
  test('an invalid date (30 February)', () => {
    expect(errorsOf(form({ date: '2026-02-30' }))).toEqual({ date: 'order.error.invalidDate' });
  });
  test.each(['2026-13-01', '03.02.2026', '2026-2-3', 'tomorrow'])('a malformed date %s', (date) => {
    expect(errorsOf(form({ date }))).toEqual({ date: 'order.error.invalidDate' });
  });
  test.each(['25:00', '13:60', '1pm'])('a malformed time %s', (time) => {
    expect(errorsOf(form({ time }))).toEqual({ date: 'order.error.invalidDate' });
  });
  test('a Helsinki wall-clock time in winter maps to UTC+2', () => {
    expect(valueOf(form({ date: '2026-02-03', time: '13:00' })).startsAt.toISOString()).toBe('2026-02-03T11:00:00.000Z');
  });
  test('a Helsinki wall-clock time in summer maps to UTC+3', () => {
    expect(valueOf(form({ date: '2026-06-16', time: '13:00' })).startsAt.toISOString()).toBe('2026-06-16T10:00:00.000Z');
  });
  test('the time zone comes from the options, not the server', () => {
    const r = parseOrderForm(form({ date: '2026-02-03', time: '13:00' }), { ...opts, timeZone: 'Europe/Stockholm' });
    expect(r.ok && r.value.startsAt.toISOString()).toBe('2026-02-03T12:00:00.000Z');
  });
});

describe('parseOrderForm: duration and seats', () => {
  test.each([['10'], ['500'], ['14'], ['481'], ['0'], ['-30'], ['90.5'], ['abc'], ['']])('duration %p rejected', (d) => {
    expect(errorsOf(form({ durationMinutes: d }))).toEqual({ durationMinutes: 'order.error.duration' });
  });
  test.each([['15', 15], ['480', 480], [15, 15], [480, 480]])('duration %p accepted', (d, n) => {
    expect(valueOf(form({ durationMinutes: d })).durationMinutes).toBe(n);
  });
  test.each([['0'], ['6'], [0], [6], ['-1'], ['1.5']])('seats %p rejected', (s) => {
    expect(errorsOf(form({ seats: s }))).toEqual({ seats: 'order.error.outOfRange' });
  });
  test.each([['1', 1], ['5', 5]])('seats %p accepted', (s, n) => {
    expect(valueOf(form({ seats: s })).seats).toBe(n);
  });
  test('audience size out of range', () => {
    expect(errorsOf(form({ audienceSize: '-1' }))).toEqual({ audienceSize: 'order.error.outOfRange' });
    expect(errorsOf(form({ audienceSize: '10001' }))).toEqual({ audienceSize: 'order.error.outOfRange' });
    expect(valueOf(form({ audienceSize: '10000' })).audienceSize).toBe(10000);
  });
  test('audience size 0 (an empty number input in some clients) means not given', () => {
    expect(valueOf(form({ audienceSize: 0 })).audienceSize).toBeUndefined();
    expect(valueOf(form({ audienceSize: '0' })).audienceSize).toBeUndefined();
  });
});

describe('parseOrderForm: place and link by mode', () => {
  test('onsite needs a municipality', () => {
    expect(errorsOf(form({ mode: 'onsite', municipality: '' }))).toEqual({ municipality: 'order.error.required' });
  });
  test('onsite needs an address', () => {
    expect(errorsOf(form({ mode: 'onsite', address: '' }))).toEqual({ address: 'order.error.required' });
  });
  test('onsite needs no link, and a given link is dropped', () => {
    const v = valueOf(form({ mode: 'onsite', link: 'https://teams.microsoft.com/l/meetup-join/abc' }));
    expect(v.link).toBeUndefined();
    expect(v.municipality).toBe('Tampere');
  });

  const remote = { mode: 'remote', municipality: '', address: '', link: 'https://teams.microsoft.com/l/meetup-join/abc' };
  test('remote with an https link is fine without municipality or address', () => {
    const v = valueOf(form(remote));
    expect(v).toMatchObject({ mode: 'remote', link: remote.link, municipality: undefined, address: undefined });
  });
  test('remote drops a municipality and address given anyway', () => {
    const v = valueOf(form({ ...remote, municipality: 'Tampere', address: 'Hallituskatu 1' }));
    expect(v.municipality).toBeUndefined();
    expect(v.address).toBeUndefined();
  });
  test('remote needs a link', () => {
    expect(errorsOf(form({ ...remote, link: '' }))).toEqual({ link: 'order.error.required' });
  });
  test.each(['http://teams.microsoft.com/l/meetup-join/abc', 'javascript:alert(1)', 'teams.microsoft.com/x', 'not a url'])('remote rejects the link %s', (link) => {
    expect(errorsOf(form({ ...remote, link }))).toEqual({ link: 'order.error.https' });
  });

  test('hybrid with everything is fine and keeps both place and link', () => {
    const v = valueOf(form({ mode: 'hybrid', link: remote.link }));
    expect(v).toMatchObject({ mode: 'hybrid', municipality: 'Tampere', address: 'Hallituskatu 1', link: remote.link });
  });
  test('hybrid needs both the place and the link', () => {
    expect(errorsOf(form({ mode: 'hybrid', link: '' }))).toEqual({ link: 'order.error.required' });
    expect(errorsOf(form({ mode: 'hybrid', link: remote.link, municipality: '', address: '' }))).toEqual({
      municipality: 'order.error.required',
      address: 'order.error.required',
    });
    expect(errorsOf(form({ mode: 'hybrid', link: 'http://x.fi' }))).toEqual({ link: 'order.error.https' });
  });
});

describe('parseOrderForm: hostile or malformed input', () => {
  test('an unknown extra field → form badInput (strict)', () => {
    expect(errorsOf(form({ isAdmin: true }))).toEqual({ form: 'order.error.badInput' });
  });
  test.each(['title', 'taskType', 'municipality', 'contactEmail', 'seats', 'themes', 'mode'])('a $ne object as %s is rejected', (key) => {
    const errors = errorsOf(form({ [key]: { $ne: '' } }));
    expect(errors[key]).toMatch(/^order\.error\./);
  });
  test('a $ne object inside a themes array is rejected', () => {
    expect(errorsOf(form({ themes: [{ $ne: '' }] })).themes).toMatch(/^order\.error\./);
  });
  test('an over-long title is rejected', () => {
    expect(errorsOf(form({ title: 'x'.repeat(121) }))).toEqual({ title: 'order.error.tooLong' });
    expect(valueOf(form({ title: 'x'.repeat(120) })).title).toHaveLength(120);
  });
  test('an over-long description is rejected', () => {
    expect(errorsOf(form({ description: 'x'.repeat(2001) }))).toEqual({ description: 'order.error.tooLong' });
  });
  test('too many themes in an array is rejected', () => {
    expect(parseOrderForm(form({ themes: Array(51).fill('youth') }), opts).ok).toBe(false);
  });
  test('the orderer must be reachable: a phone or an e-mail, either will do', () => {
    expect(errorsOf(without('contactPhone', 'contactEmail'))).toEqual({ contactPhone: 'order.error.contactWay' });
    expect(errorsOf(form({ contactPhone: '', contactEmail: '' }))).toEqual({ contactPhone: 'order.error.contactWay' });
    expect(valueOf(form({ contactEmail: '' })).contact.phone).toBe('+358 40 123 4567');
    expect(valueOf(form({ contactPhone: '' })).contact.email).toBe('tiina.tilaaja@example.fi');
  });
  test('a 5-minute task is refused with the allowed range, not changed to 15', () => {
    expect(errorsOf(form({ durationMinutes: '5' }))).toEqual({ durationMinutes: 'order.error.duration' });
  });
  test('a bad e-mail and a bad phone number', () => {
    expect(errorsOf(form({ contactEmail: 'tiina@', contactPhone: 'call me' }))).toEqual({
      contactEmail: 'order.error.email',
      contactPhone: 'order.error.phone',
    });
  });
  test('only the first error per field is kept', () => {
    const errors = errorsOf(form({ municipality: '', address: '' }));
    expect(errors).toEqual({ municipality: 'order.error.required', address: 'order.error.required' });
  });
});

describe('formatOrderNumber', () => {
  test('pads to four digits', () => {
    expect(formatOrderNumber(2026, 42)).toBe('T-2026-0042');
    expect(formatOrderNumber(2026, 1)).toBe('T-2026-0001');
    expect(formatOrderNumber(2027, 9999)).toBe('T-2027-9999');
  });
  test('does not truncate past four digits', () => {
    expect(formatOrderNumber(2026, 12345)).toBe('T-2026-12345');
  });
});
