import { AdaptiveCard } from '../../src/cards/render';
import { DEFAULT_CATALOG } from '../../src/domain/catalog';
import { Locale, t } from '../../src/i18n';
import { myDataCard, PersonalData } from '../../src/services/privacy';
import { expectReadable, visibleTexts } from '../support/readable';

// `my data` as the person reads it: every section in fi, sv and en, for someone with nothing
// stored and for an expert-orderer with a bit of everything; no ids, local times, plain words.

const LOCALES: Locale[] = ['fi', 'sv', 'en'];
const deps = { catalog: DEFAULT_CATALOG, config: { timeZone: 'Europe/Helsinki' } } as never;
const ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const AT = new Date('2026-12-10T11:00:00Z'); // to 10.12.2026 klo 13.00 in Helsinki

const EMPTY = {
  aad: ID, takenOnByCoordinator: [], expertProfile: null, ordersPlaced: [], offers: [], assignments: [], withdrawals: [], feeLines: [], earningsLimit: null, preferences: null,
  feedbackAnswers: [], feedbackRequests: [], erasureRequest: null, erasureInProgress: false, conversations: [], messagesToYou: [], profileAccessLog: [], profileReadsMade: [],
} as unknown as PersonalData;

const FULL = {
  ...EMPTY,
  expertProfile: {
    _id: ID, aadObjectId: ID, displayName: 'Eero Esimerkki', phone: '040 1234567', themes: ['mental-health'], taskTypes: ['talk'], municipalities: ['Tampere'], remoteOk: true,
    languages: ['fi'], description: 'Kerron toipumisestani.', feePreference: 'fee', status: 'active', paused: false, createdAt: AT, updatedAt: AT,
  },
  ordersPlaced: Array.from({ length: 23 }, (_, i) => ({ _id: `T-2026-${String(100 + i).padStart(4, '0')}`, title: 'Puheenvuoro', startsAt: AT, durationMinutes: 90, status: 'done' })),
  offers: [{ status: 'accepted' }, { status: 'declined' }, { status: 'declined' }, { status: 'expired' }],
  assignments: [{ _id: 'T-2026-0042#1', orderId: 'T-2026-0042', expertId: ID, startsAt: AT, status: 'done' }],
  withdrawals: [{ _id: 'T-2026-0043#1@1', orderId: 'T-2026-0043', expertId: ID, startsAt: AT, status: 'accepted', withdrawnAt: AT }],
  feeLines: [
    { period: '2026-10', assignmentId: 'T-2026-0042#1', cents: 3000 },
    { period: '2026-10', assignmentId: 'T-2026-0042#1', cents: 1050 },
    { period: '2026-11.1', assignmentId: 'T-2026-0044#1', cents: 5000 },
  ],
  earningsLimit: { limitCents: 120_000, per: 'month', pauseAtLimit: true, volunteerMonths: [] },
  preferences: { locale: 'sv' },
  feedbackAnswers: [{ orderId: 'T-2026-0042', role: 'expert', answers: {}, text: 'Hyvä tilaisuus' }, { orderId: 'T-2026-0100', role: 'orderer', answers: {} }],
  feedbackRequests: [{ orderId: 'T-2026-0042' }],
  erasureRequest: { _id: ID, requestedAt: AT, status: 'requested' },
  conversations: [{ _id: 'a:personal' }],
  messagesToYou: [{ _id: 'offer:x' }, { _id: 'offer:y' }],
  profileAccessLog: [{ expertId: ID, by: 'channel:19:x', purpose: 'approval', at: AT }, { expertId: ID, by: 'k', purpose: 'why', at: AT }],
  profileReadsMade: [{ expertId: 'other', by: ID, purpose: 'why', at: AT }],
  takenOnByCoordinator: [{ _id: `debrief:T-2026-0042:${ID}`, kind: 'debrief', orderId: 'T-2026-0042', expertId: ID, coordinator: { aadObjectId: 'c0ffee00-0000-4000-8000-000000000001', name: 'Kaisa' }, at: AT }],
} as unknown as PersonalData;

function sections(card: AdaptiveCard): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of (card.body as { type: string; items?: unknown[] }[]).filter((b) => b.type === 'Container')) {
    const texts = visibleTexts(c.items);
    out[texts[0]] = texts.slice(1);
  }
  return out;
}

describe.each(LOCALES)('my data in %s', (locale) => {
  test('nothing stored: every section says so, the erasure can be asked', () => {
    const card = myDataCard(deps, EMPTY, locale, { withFile: true });
    expectReadable(card, locale, 'empty');
    const s = sections(card);
    expect(s[t(locale, 'my-data.section.profile')]).toEqual([t(locale, 'my-data.noProfile')]);
    expect(s[t(locale, 'my-data.section.orders')]).toEqual([t(locale, 'my-data.none')]);
    expect(s[t(locale, 'my-data.section.erasure')]).toEqual([t(locale, 'my-data.noErasure')]);
    expect(JSON.stringify(card.actions)).toContain('privacy.requestErasure');
    expect(visibleTexts(card)).toContain(t(locale, 'my-data.fileNote'));
  });

  test('a bit of everything: in words, local time, order numbers, no ids; long lists cut with a count', () => {
    const card = myDataCard(deps, FULL, locale, { withFile: true });
    expectReadable(card, locale, 'full');
    const all = visibleTexts(card).join('\n');
    expect(all).not.toContain(ID);
    expect(all).not.toMatch(/mental-health|T-2026-0042#1|channel:|\bapproval\b|2026-12-10T/);
    const s = sections(card);
    const profile = s[t(locale, 'my-data.section.profile')];
    expect(profile).toContain(DEFAULT_CATALOG.themes.find((x) => x.id === 'mental-health')!.labels[locale]);
    expect(profile).toContain('Eero Esimerkki');
    const orders = s[t(locale, 'my-data.section.orders')];
    expect(orders).toHaveLength(21);
    expect(orders[20]).toBe(t(locale, 'my-data.more', { count: 3 }));
    const tasks = s[t(locale, 'my-data.section.tasks')];
    expect(tasks[0]).toContain('T-2026-0042');
    expect(tasks[1]).toContain('T-2026-0043');
    const offers = s[t(locale, 'my-data.section.offers')];
    expect(offers).toEqual(expect.arrayContaining([t(locale, 'my-data.offerStatus.declined'), '2']));
    const fees = s[t(locale, 'my-data.section.fees')];
    expect(fees[0]).toMatch(/^1\.–15\.11\.2026: 50[,.]00 €/);
    expect(fees[1]).toContain('40,50 €');
    expect(fees[2]).toBe(t(locale, 'my-data.earningsLimit', { amount: '1200,00', per: 'month' }));
    expect(s[t(locale, 'my-data.section.preferences')]).toContain(t(locale, 'language.sv'));
    expect(s[t(locale, 'my-data.section.access')]).toHaveLength(3);
    expect(s[t(locale, 'my-data.section.erasure')][0]).toContain(t(locale, 'my-data.erasureRequested', { when: '' }).split(' ')[0]);
    // Asked already: no second button.
    expect(card.actions ?? []).toEqual([]);
  });
});

test('Finnish: the times are local and Finnish, the fee in euros with a decimal comma', () => {
  const all = visibleTexts(myDataCard(deps, FULL, 'fi', { withFile: false })).join('\n');
  expect(all).toContain('T-2026-0042 · to 10.12.2026 klo 13.00 · tehty');
  expect(all).toContain('T-2026-0043 · vetäydyit to 10.12.2026 klo 13.00');
  expect(all).toContain('lokakuu 2026: 40,50 € (1 tehtävä)');
  expect(all).toContain('T-2026-0042, kokemusasiantuntijana: ”Hyvä tilaisuus”');
  expect(all).toContain('to 10.12.2026 klo 13.00: koordinaattorit näkivät profiilisi hyväksyntää varten');
  expect(all).toContain('Olet itse katsonut 1 kokemusasiantuntijan profiilin koordinaattorina.');
  expect(all).toContain('T-2026-0042 · jälkipuintitoiveesi otettiin hoitoon to 10.12.2026 klo 13.00');
  expect(all).not.toContain(t('fi', 'my-data.fileNote'));
});
