import { DEFAULT_CATALOG } from '../../../src/domain/catalog';
import { Locale } from '../../../src/i18n';
import { brokeringCard } from '../../../src/services/brokeringCard';
import { ServiceDeps } from '../../../src/services/deps';
import { offerCard, orderSummaryCard, shortNoticeText } from '../../../src/services/views';
import { OfferStatus } from '../../../src/store/offers';
import { OrderDoc, OrderStatus } from '../../../src/store/orders';
import { validateCard } from '../../support/card-validation';

// The offer card says by when to answer and whether the task is at short notice; the
// coordinators' card warns of a task starting soon; contact details wrap instead of being cut.

const TZ = 'Europe/Helsinki';
const H = 3_600_000;
/** Thursday 10.12.2026 at 13.00 in Helsinki; offers close two hours before, at 11.00. */
const START = new Date('2026-12-10T11:00:00Z');
const before = (ms: number) => new Date(START.getTime() - ms);
const LONG_EMAIL = 'aino.ammattilainen.hyvinvointialueen.kehittamispalvelut@pirkanmaanhyvinvointialue.fi';

function order(status: OrderStatus = 'offering', over: Partial<OrderDoc> = {}): OrderDoc {
  return {
    _id: 'T-2026-0042', themes: ['mental-health'], taskType: 'talk', title: 'Puheenvuoro', description: 'Kuvaus', startsAt: START,
    endsAt: new Date(START.getTime() + 90 * 60_000), durationMinutes: 90, mode: 'remote', link: 'https://teams.example/meet', targetGroup: 'Hoitajat',
    seats: 1, language: 'fi', costCentre: 'KP-1', contact: { name: 'Aino', phone: '040 1234567', email: LONG_EMAIL },
    orderer: { aadObjectId: 'aad-orderer', name: 'Aino Ammattilainen' }, conversationId: 'a:personal', status, createdAt: START, updatedAt: START, ...over,
  };
}

const offer = (state: OfferStatus, now: Date, locale: Locale = 'fi', shortNoticeHours = 48) =>
  offerCard(order(), 'T-2026-0042:e', state, locale, { catalog: DEFAULT_CATALOG, timeZone: TZ, feeText: () => '50 €', now: () => now, shortNoticeHours });

/** The visible texts of a card. */
function texts(card: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if ((n as { type?: string }).type === 'TextBlock') out.push((n as { text: string }).text);
    Object.values(n).forEach(walk);
  };
  walk(card);
  return out;
}

function textBlock(card: unknown, text: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    if ((n as { type?: string; text?: string }).type === 'TextBlock' && (n as { text: string }).text === text) found ??= n as Record<string, unknown>;
    Object.values(n).forEach(walk);
  };
  walk(card);
  return found;
}

describe('short notice, in words', () => {
  test.each([
    [47 * H, 'Lyhyellä varoitusajalla: alkaa 2 päivän kuluttua.'],
    [30 * H, 'Lyhyellä varoitusajalla: alkaa päivän kuluttua.'],
    [5.5 * H, 'Lyhyellä varoitusajalla: alkaa 5 tunnin kuluttua.'],
    [1.5 * H, 'Lyhyellä varoitusajalla: alkaa tunnin kuluttua.'],
    [0.5 * H, 'Lyhyellä varoitusajalla: alkaa alle tunnin kuluttua.'],
  ])('%d ms before the start: %s', (ms, expected) => {
    expect(shortNoticeText(order(), before(ms), 48, 'fi')).toBe(expected);
  });

  test('in Swedish and English', () => {
    expect(shortNoticeText(order(), before(47 * H), 48, 'sv')).toBe('Med kort varsel: börjar om 2 dagar.');
    expect(shortNoticeText(order(), before(1.5 * H), 48, 'sv')).toBe('Med kort varsel: börjar om en timme.');
    expect(shortNoticeText(order(), before(30 * H), 48, 'en')).toBe('At short notice: starts in one day.');
    expect(shortNoticeText(order(), before(5 * H), 48, 'en')).toBe('At short notice: starts in 5 hours.');
  });

  test('not before the window, not after the start, never with the setting at 0', () => {
    expect(shortNoticeText(order(), before(48 * H + 60_000), 48, 'fi')).toBeUndefined();
    expect(shortNoticeText(order(), before(48 * H), 48, 'fi')).toBeDefined();
    expect(shortNoticeText(order(), before(-H), 48, 'fi')).toBeUndefined();
    expect(shortNoticeText(order(), before(5 * H), 0, 'fi')).toBeUndefined();
    expect(shortNoticeText(order(), before(60 * H), 72, 'fi')).toBe('Lyhyellä varoitusajalla: alkaa 3 päivän kuluttua.');
  });
});

describe("the expert's offer card", () => {
  test('an open offer says by when to answer, in the local format of each language', () => {
    expect(texts(offer('open', before(9 * 24 * H)))).toContain('Vastaa viimeistään to 10.12.2026 klo 11.00. Sen jälkeen tarjous ei ole enää voimassa.');
    expect(texts(offer('open', before(9 * 24 * H), 'sv'))).toContain('Svara senast tors 10.12.2026 kl. 11.00. Efter det gäller erbjudandet inte längre.');
    expect(texts(offer('open', before(9 * 24 * H), 'en'))).toContain('Please answer by Thu 10/12/2026, 11:00. After that the offer is no longer valid.');
  });

  test('at short notice it says so, in the warning colour; a week ahead it does not', () => {
    const card = offer('open', before(30 * H));
    expect(validateCard(card)).toEqual([]);
    expect(textBlock(card, 'Lyhyellä varoitusajalla: alkaa päivän kuluttua.')).toMatchObject({ color: 'Warning', wrap: true });
    expect(texts(offer('open', before(7 * 24 * H))).join('\n')).not.toContain('Lyhyellä varoitusajalla');
    expect(texts(offer('open', before(30 * H), 'fi', 0)).join('\n')).not.toContain('Lyhyellä varoitusajalla');
  });

  test.each(['accepted', 'declined', 'filled', 'cancelled', 'withdrawn'] as OfferStatus[])('an offer %s: no answer asked, no warning', (state) => {
    const all = texts(offer(state, before(30 * H))).join('\n');
    expect(all).not.toContain('Vastaa viimeistään');
    expect(all).not.toContain('Lyhyellä varoitusajalla');
  });

  test('an expired offer says that it expired, and when', () => {
    const card = offer('expired', before(H));
    expect(validateCard(card)).toEqual([]);
    expect(texts(card)).toContain('Tarjous ei ole enää voimassa. Vastausaika päättyi to 10.12.2026 klo 11.00.');
    expect(texts(card).join('\n')).not.toContain('Vastaa viimeistään');
    expect(texts(offer('expired', before(H), 'en'))).toContain('This offer is no longer valid. The time to answer ended Thu 10/12/2026, 11:00.');
  });

  test('accepted: the contact person, phone and e-mail each on a row of their own, wrapping', () => {
    const card = offer('accepted', before(9 * 24 * H));
    expect(validateCard(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('FactSet');
    expect(textBlock(card, LONG_EMAIL)).toMatchObject({ wrap: true });
    expect(textBlock(card, '040 1234567')).toMatchObject({ wrap: true });
    expect(texts(card)).toEqual(expect.arrayContaining(['Yhteyshenkilö', 'Aino', 'Puhelin', 'Sähköposti', 'Tilaaja', 'Aino Ammattilainen']));
  });
});

describe("the coordinators' card", () => {
  const deps = (now: Date, shortNoticeHours = 48) => ({ catalog: DEFAULT_CATALOG, now: () => now, config: { timeZone: TZ, waveSize: 3, shortNoticeHours } }) as unknown as ServiceDeps;
  const card = (status: OrderStatus, now: Date, shortNoticeHours = 48) =>
    brokeringCard(deps(now, shortNoticeHours), order(status), 'fi', { suggestions: [], offered: [], taken: status === 'filled' ? 1 : 0 });

  test('warns while experts are still sought for a task starting soon', () => {
    for (const status of ['new', 'offering'] as const) {
      const c = card(status, before(20 * H));
      expect(validateCard(c)).toEqual([]);
      expect(textBlock(c, 'Lyhyellä varoitusajalla: alkaa 20 tunnin kuluttua.')).toMatchObject({ color: 'Warning' });
    }
  });

  test('no warning once filled or cancelled, a week ahead, or with the setting at 0', () => {
    for (const c of [card('filled', before(20 * H)), card('cancelled', before(20 * H)), card('offering', before(7 * 24 * H)), card('offering', before(20 * H), 0)]) {
      expect(texts(c).join('\n')).not.toContain('Lyhyellä varoitusajalla');
    }
  });

  test("the orderer's contact for the coordinators, a long e-mail wrapping", () => {
    const c = card('offering', before(7 * 24 * H));
    expect(JSON.stringify(c)).not.toContain('FactSet');
    expect(textBlock(c, LONG_EMAIL)).toMatchObject({ wrap: true });
    expect(texts(c)).toEqual(expect.arrayContaining(['Puhelin', '040 1234567', 'Sähköposti']));
  });
});

test("the orderer's card: no FactSet, the remote link wraps", () => {
  const ctx = { catalog: DEFAULT_CATALOG, timeZone: TZ, feeText: () => '50 €', now: () => before(7 * 24 * H), shortNoticeHours: 48 };
  const c = orderSummaryCard(order('filled'), 'fi', ctx, { heading: 'Tilauksesi', experts: [{ name: 'Eero', contact: `040 1 · ${LONG_EMAIL}`, description: '' }], canCancel: true, taken: 1, lateCancelHours: 24 });
  expect(validateCard(c)).toEqual([]);
  expect(JSON.stringify(c)).not.toContain('FactSet');
  expect(textBlock(c, 'https://teams.example/meet')).toMatchObject({ wrap: true });
  expect(textBlock(c, `040 1 · ${LONG_EMAIL}`)).toMatchObject({ wrap: true });
});
