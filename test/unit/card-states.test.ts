import fs from 'node:fs';
import path from 'node:path';
import { AdaptiveCard, CARDS_DIR, renderCard } from '../../src/cards/render';
import { CardContext } from '../../src/cards/views';
import { DEFAULT_CATALOG } from '../../src/domain/catalog';
import { catalogs, Locale, MessageKey, section, Strings, t } from '../../src/i18n';
import { brokeringCard, brokeringCardData, BrokeringCardOptions, brokeringOutlook, OfferedView } from '../../src/services/brokeringCard';
import { offerCard, offerCardData, orderSummaryCard, orderSummaryData } from '../../src/services/views';
import { ServiceDeps } from '../../src/services/deps';
import { OfferStatus } from '../../src/store/offers';
import { OrderDoc, OrderStatus } from '../../src/store/orders';
import { ENGLISH, expectReadable } from '../support/readable';
import { CARD_SAMPLES } from '../fixtures/cards/samples';

const LOCALES: Locale[] = ['fi', 'sv', 'en'];
const OFFER_STATES: OfferStatus[] = ['open', 'accepted', 'declined', 'expired', 'filled', 'cancelled', 'withdrawn'];
const ORDER_STATES: OrderStatus[] = ['new', 'offering', 'filled', 'done', 'cancelled', 'unfilled'];
const TZ = 'Europe/Helsinki';
const EXPERT_ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
/** Nine days before the task of order() below: not at short notice. */
const NOW = new Date('2026-12-01T10:00:00Z');
/** The card context of these tests: the default catalog, Helsinki time, a fixed fee line. */
const CTX: CardContext = { catalog: DEFAULT_CATALOG, timeZone: TZ, feeText: () => '50 €', now: () => NOW, shortNoticeHours: 48 };
const deps = { catalog: DEFAULT_CATALOG, now: () => NOW, config: { timeZone: TZ, waveSize: 3, shortNoticeHours: 48 } } as unknown as ServiceDeps;

function order(status: OrderStatus, over: Partial<OrderDoc> = {}): OrderDoc {
  const startsAt = new Date('2026-12-10T11:00:00Z');
  return {
    _id: 'T-2026-0042', themes: ['mental-health'], taskType: 'talk', title: 'Puheenvuoro', description: 'Kuvaus', goal: 'Tavoite',
    startsAt, endsAt: new Date(startsAt.getTime() + 90 * 60_000), durationMinutes: 90, mode: 'hybrid', municipality: 'Tampere', address: 'Katu 1',
    link: 'https://teams.example/meet', targetGroup: 'Hoitajat', audienceSize: 40, seats: 2, language: 'fi', costCentre: 'KP-1',
    contact: { name: 'Aino', phone: '0401234567' }, orderer: { aadObjectId: 'aad-orderer', name: 'Aino Ammattilainen' },
    conversationId: 'a:personal', status, createdAt: startsAt, updatedAt: startsAt, ...over,
  };
}

const data = (card: AdaptiveCard) => JSON.stringify(card);

describe.each(LOCALES)('every card in every state, in %s', (locale) => {
  test.each(OFFER_STATES)('the offer card, %s', (state) => {
    const card = offerCard(order('offering'), `T-2026-0042:${EXPERT_ID}`, state, locale, CTX);
    expectReadable(card, locale, `offer ${state}`);
  });

  test.each(ORDER_STATES)("the orderer's card, %s", (status) => {
    const taken = status === 'filled' || status === 'done' ? 2 : status === 'offering' ? 1 : 0;
    const experts = Array.from({ length: taken }, (_, i) => ({ name: `Asiantuntija ${i + 1}`, contact: '040 123', description: 'Esittely' }));
    const card = orderSummaryCard(order(status), locale, CTX, { heading: 'x', experts, canCancel: true, taken, lateCancelHours: 24 });
    expectReadable(card, locale, `order-summary ${status}`);
  });

  const offered: OfferedView[] = [
    { name: 'Eero', status: 'declined', declineReason: 'Sairastan' },
    { name: 'Outi', status: 'open' },
    { name: 'Ville', status: 'accepted' },
  ];
  test.each(ORDER_STATES)("the coordinators' card, %s", (status) => {
    for (const suggestions of [[], [{ expertId: EXPERT_ID, name: 'Mirja', recent: 1 }]]) {
      for (const answers of [[], offered, offered.filter((o) => o.status !== 'open')]) {
        const card = brokeringCard(deps, order(status), locale, { suggestions, offered: answers, taken: status === 'filled' ? 2 : 1 });
        expectReadable(card, locale, `order-brokering ${status} ${suggestions.length} ${answers.length}`);
      }
    }
  });

  test('every text, with its parameters as the ICU source', () => {
    const walk = (s: Strings, path: string): void => {
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'object') walk(v, `${path}.${k}`);
        // A message with parameters is bound as its ICU source: its argument names are not text.
        else if (locale !== 'en') expect([`${path}.${k}`, ENGLISH.test(v.replace(/\{\s*\w+\s*(,\s*\w+\s*,?)?/g, '{'))]).toEqual([`${path}.${k}`, false]);
      }
    };
    for (const prefix of new Set(Object.keys(catalogs.fi).map((k) => k.split('.')[0]))) walk(section(locale, prefix), prefix);
  });
});

describe("the coordinators' card follows the order's state", () => {
  const view = (status: OrderStatus, o: Partial<BrokeringCardOptions> = {}) =>
    brokeringCardData(deps, order(status), 'fi', { suggestions: [], offered: [], taken: 0, ...o });
  const suggestions = [{ expertId: EXPERT_ID, name: 'Mirja', recent: 0 }];

  test('its title says where the order stands: one of its own for each state', () => {
    for (const status of ORDER_STATES) expect([status, view(status).heading]).toEqual([status, t('fi', `order.brokeringHeading.${status}` as MessageKey)]);
    expect(new Set(ORDER_STATES.map((s) => view(s).heading)).size).toBe(ORDER_STATES.length);
  });

  test('no offering actions on a filled or closed order; no "nobody left" on top of "offer sent"', () => {
    for (const status of ['filled', 'cancelled', 'done', 'unfilled'] as const) {
      const taken = status === 'filled' ? 2 : 0;
      expect([status, view(status, { suggestions, taken })]).toMatchObject([status, { outlook: 'closed', showActions: false, suggestions: [] }]);
      // …and the template honours it: no offer button on the card.
      expect(data(brokeringCard(deps, order(status), 'fi', { suggestions, offered: [], taken }))).not.toContain('order.offerTop');
    }
    const sent = view('offering', { offered: [{ name: 'Outi', status: 'open' }], notice: 'Tarjous lähetettiin.' });
    expect(sent).toMatchObject({ outlook: 'waiting', outlookText: t('fi', 'order.outlook.waiting'), notice: 'Tarjous lähetettiin.' });
  });

  test('a decline shows at once, with its reason marked for the coordinators only', () => {
    expect(view('offering', { offered: [{ name: 'Eero', status: 'declined', declineReason: 'Sairastan' }] }).offered)
      .toEqual([{ name: 'Eero', status: t('fi', 'order.declinedWithReason', { reason: 'Sairastan' }) }]);
  });

  test('nobody suitable left, with the seats still free', () => {
    expect(view('offering', { offered: [{ name: 'Eero', status: 'declined' }], taken: 1 }))
      .toMatchObject({ outlook: 'nobodyLeft', outlookText: t('fi', 'order.outlook.nobodyLeft', { free: 1 }), showActions: false });
  });

  test.each([
    ['new', 1, [], 0, 'suggestions'],
    ['offering', 0, [{ status: 'open' }], 0, 'waiting'],
    ['offering', 0, [{ status: 'declined' }], 1, 'nobodyLeft'],
    ['offering', 0, [], 0, 'nobodyLeft'],
    ['offering', 3, [], 2, 'closed'],
    ['filled', 3, [], 2, 'closed'],
    ['cancelled', 3, [], 0, 'closed'],
  ] as const)('outlook of a %s order with %i suggestions: %#', (status, suggestions, offered, taken, expected) => {
    expect(brokeringOutlook(status, suggestions, offered as unknown as { status: OfferStatus }[], taken, 2)).toBe(expected);
  });
});

describe("the expert's offer card follows the offer's state", () => {
  const view = (state: OfferStatus, locale: Locale = 'fi') => offerCardData(order('offering'), `T-2026-0042:${EXPERT_ID}`, state, locale, CTX);
  const LINK = 'https://teams.example/meet';

  test('its title changes with the state; the order number and cost centre are on it', () => {
    for (const state of OFFER_STATES) expect([state, view(state).heading]).toEqual([state, t('fi', `offerHeading.${state}` as MessageKey)]);
    expect(view('filled').heading).not.toBe(view('open').heading);
    expect(view('open').facts).toContainEqual({ label: t('fi', 'label.number'), value: 'T-2026-0042' });
    expect(view('open').facts).toContainEqual({ label: t('fi', 'label.costCentre'), value: 'KP-1' });
  });

  test("the remote link and Add to calendar only once the task is the expert's", () => {
    const open = view('open');
    expect(open.facts.map((f) => f.value)).not.toContain(LINK);
    expect(open.calendarUrl).toBeUndefined();
    expect(data(offerCard(order('offering'), `T-2026-0042:${EXPERT_ID}`, 'open', 'fi', CTX))).not.toContain('Action.OpenUrl');
    const accepted = view('accepted');
    expect(accepted.facts).toContainEqual({ label: t('fi', 'label.link'), value: LINK });
    expect(accepted.calendarTitle).toBe(t('fi', 'calendar.add'));
    const url = new URL(accepted.calendarUrl!);
    expect(url.origin + url.pathname).toBe('https://teams.microsoft.com/l/meeting/new');
    expect(url.searchParams.get('subject')).toBe('T-2026-0042 Puheenvuoro');
    expect(url.searchParams.get('startTime')).toBe('2026-12-10T11:00:00.000Z');
    expect(url.searchParams.get('endTime')).toBe('2026-12-10T12:30:00.000Z');
    expect(url.searchParams.get('content')).toBe(`${t('fi', 'where.hybrid', { place: 'Katu 1, Tampere' })}\n${LINK}`);
    expect(accepted.calendarUrl).not.toContain('+');
    // The template shows it as the button.
    const rendered = offerCard(order('offering'), `T-2026-0042:${EXPERT_ID}`, 'accepted', 'fi', CTX);
    const button = (rendered.body as { actions?: { type: string; title: string; url: string }[] }[]).flatMap((b) => b.actions ?? []).find((a) => a.type === 'Action.OpenUrl');
    expect(button).toMatchObject({ title: accepted.calendarTitle, url: accepted.calendarUrl });
    expect(view('accepted', 'sv').calendarTitle).toBe(t('sv', 'calendar.add'));
  });
});

describe("the orderer's card", () => {
  const view = (status: OrderStatus, taken: number, experts = taken) =>
    orderSummaryData(order(status), 'fi', CTX, { heading: 'Tilauksesi', experts: Array.from({ length: experts }, () => ({ name: 'Eero', contact: '040', description: '' })), canCancel: true, taken, lateCancelHours: 24 });
  const statusOf = (v: ReturnType<typeof view>) => v.facts.find((f) => f.label === t('fi', 'label.status'))?.value;

  test('a new order does not say "0/2"; one taken says 1/2', () => {
    expect(statusOf(view('new', 0))).toBe(t('fi', 'status.new'));
    expect(statusOf(view('offering', 1))).toBe(`${t('fi', 'status.offering')} · ${t('fi', 'seats.of', { taken: 1, seats: 2 })}`);
  });

  test('the contacts heading agrees with the number of experts', () => {
    expect(view('offering', 1).expertsHeading).toBe(t('fi', 'order.expertsHeading', { count: 1 }));
    expect(view('filled', 2).expertsHeading).toBe(t('fi', 'order.expertsHeading', { count: 2 }));
    expect(view('offering', 1).expertsHeading).not.toBe(view('filled', 2).expertsHeading);
  });

  test('the calendar button once someone has taken the task, not on a cancelled order', () => {
    expect(view('new', 0).calendarUrl).toBeUndefined();
    expect(view('filled', 2)).toMatchObject({ calendarUrl: expect.stringContaining('https://teams.microsoft.com/'), calendarTitle: t('fi', 'calendar.add') });
    expect(view('cancelled', 0).calendarUrl).toBeUndefined();
  });
});

test('the digest template shows the fairness in words, and each chart with its figures as text for clients without charts', () => {
  const sample = CARD_SAMPLES.digest.quiet;
  const card = renderCard('digest', 'fi', sample);
  expect(data(card)).toContain(sample.fairnessScore);
  const body = card.body as { type: string; data?: unknown; fallback?: unknown }[];
  expect(body.find((b) => b.type === 'Chart.VerticalBar.Grouped')?.data).toEqual(sample.perExpertChart);
  expect(JSON.stringify(body.find((b) => b.type === 'Chart.VerticalBar.Grouped')?.fallback)).toContain(sample.perExpertLines[0].text);
  expect(body.find((b) => b.type === 'Chart.Line')?.data).toEqual(sample.fillChart);
  expect(JSON.stringify(body.find((b) => b.type === 'Chart.Line')?.fallback)).toContain(sample.fillLines[1].text);
  // Nothing to draw: no chart at all, and no empty "never offered" heading without approved experts.
  const none = renderCard('digest', 'fi', CARD_SAMPLES.digest.noExperts);
  expect((none.body as { type: string }[]).filter((b) => b.type.startsWith('Chart.'))).toEqual([]);
  expect(data(none)).not.toContain(CARD_SAMPLES.digest.noExperts.neverOfferedHeading);
});

describe('cancel asks once, saying what it means', () => {
  type Node = { type?: string; verb?: string; title?: string; text?: string; card?: { body: Node[]; actions: Node[] }; actions?: Node[]; body?: Node[] };
  const showCards = (card: unknown): Node[] => {
    const out: Node[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      if ((n as Node).type === 'Action.ShowCard') out.push(n as Node);
      Object.values(n).forEach(walk);
    };
    walk(card);
    return out;
  };
  const summary = orderSummaryCard(order('filled'), 'fi', CTX, { heading: 'Tilauksesi', experts: [], canCancel: true, taken: 2, lateCancelHours: 24 });

  test("the orderer's Cancel opens the terms and a confirm button; the cancel itself is behind it", () => {
    const [ask] = showCards(summary);
    expect(ask.title).toBe('Peruuta tilaus');
    expect(ask.card!.body[0].text).toBe('Peruutus on maksuton ke 9.12.2026 klo 13.00 asti. Sen jälkeen tehtävän jo ottaneille kokemusasiantuntijoille maksetaan palkkio. Kaikille tehtävään liittyville kerrotaan peruutuksesta.');
    expect(ask.card!.actions[0]).toMatchObject({ type: 'Action.Execute', verb: 'order.cancel', title: 'Kyllä, peruuta tilaus', data: { orderId: 'T-2026-0042' } });
    // No cancel outside the confirmation.
    const direct = JSON.stringify({ ...summary, body: (summary.body as Node[]).map((b) => ({ ...b, actions: (b.actions ?? []).filter((a) => a.type !== 'Action.ShowCard') })) });
    expect(direct).not.toContain('order.cancel');
  });

  test('my orders: the same question per order, in Swedish too', () => {
    const card = renderCard('my-orders', 'sv', { orders: [{ number: 'T-2026-0042', title: 'x', when: 'y', statusText: 'z', canCancel: true, cancelText: 'Avbokningen är kostnadsfri till …' }] });
    const [ask] = showCards(card);
    expect(ask.card!.body[0].text).toBe('Avbokningen är kostnadsfri till …');
    expect(ask.card!.actions[0]).toMatchObject({ verb: 'order.cancel', title: 'Ja, avboka beställningen' });
  });
});

test('the order form: the duration has no min/max for Teams to clamp 5 to 15 silently; its range is in the label; contact: phone or e-mail', () => {
  const template: unknown = JSON.parse(fs.readFileSync(path.join(CARDS_DIR, 'order-form.json'), 'utf8'));
  const input = (id: string): Record<string, unknown> => {
    const found: Record<string, unknown>[] = [];
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) return n.forEach(walk);
      if (!n || typeof n !== 'object') return;
      if ((n as { id?: string }).id === id) found.push(n as Record<string, unknown>);
      Object.values(n).forEach(walk);
    };
    walk(template);
    return found[0];
  };
  expect(input('durationMinutes')).not.toHaveProperty('min');
  expect(input('durationMinutes')).not.toHaveProperty('max');
  expect(input('durationMinutes')).toMatchObject({ isRequired: true, errorMessage: '${t.durationError}' });
  expect(input('contactPhone')).toMatchObject({ errorMessage: '${t.contactWay}' });
  expect(section('fi', 'order-form')).toMatchObject({ field: { durationMinutes: 'Kesto (15–480 min)' } });
});
