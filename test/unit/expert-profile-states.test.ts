import { AdaptiveCard } from '../../src/cards/render';
import { DEFAULT_CATALOG } from '../../src/domain/catalog';
import { ExpertProfile } from '../../src/domain/expertReview';
import { Locale, t } from '../../src/i18n';
import { decidedCard, ownProfileCard, PROFILE_REFRESH_VERB, reviewCard } from '../../src/services/experts';
import { ExpertDoc } from '../../src/store/experts';
import { expectReadable, visibleTexts } from '../support/readable';

// The expert's own profile card and the coordinators' approval card in every state of the
// profile: titles and status lines follow the state, never "waits for approval" after a decision.

const LOCALES: Locale[] = ['fi', 'sv', 'en'];
const deps = { catalog: DEFAULT_CATALOG };
const ID = '9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';
const AT = new Date('2026-12-01T10:00:00Z');

const PROFILE: ExpertProfile = {
  displayName: 'Eero Esimerkki', phone: '040 1234567', themes: ['mental-health'], taskTypes: ['talk'], municipalities: ['Tampere'],
  remoteOk: true, languages: ['fi'], description: 'Kerron toipumisestani.', feePreference: 'fee',
};

type State = 'pending' | 'approved' | 'rejected' | 'changesPending' | 'changesApproved' | 'changesRejected' | 'paused';

function expert(state: State): ExpertDoc {
  const base: ExpertDoc = { ...PROFILE, _id: ID, aadObjectId: ID, status: 'active', paused: false, version: 1, createdAt: AT, updatedAt: AT };
  const changed = { profile: { ...PROFILE, description: 'Uusi esittely.' }, version: 2, submittedAt: AT };
  switch (state) {
    case 'pending': return { ...base, status: 'pending' };
    case 'approved': return { ...base, lastDecision: { version: 1, decision: 'approve', by: 'k', kind: 'new' } };
    case 'rejected': return { ...base, status: 'rejected', lastDecision: { version: 1, decision: 'reject', by: 'k', kind: 'new' } };
    case 'changesPending': return { ...base, version: 2, draft: changed, lastDecision: { version: 1, decision: 'approve', by: 'k', kind: 'new' } };
    case 'changesApproved': return { ...base, version: 2, description: 'Uusi esittely.', lastDecision: { version: 2, decision: 'approve', by: 'k', kind: 'changes' } };
    case 'changesRejected': return { ...base, version: 2, lastDecision: { version: 2, decision: 'reject', by: 'k', kind: 'changes' } };
    case 'paused': return { ...base, paused: true, lastDecision: { version: 1, decision: 'approve', by: 'k', kind: 'new' } };
  }
}

const STATES: State[] = ['pending', 'approved', 'rejected', 'changesPending', 'changesApproved', 'changesRejected', 'paused'];

function heading(card: AdaptiveCard): string {
  return (card.body as { text: string }[])[0].text;
}
function fact(card: AdaptiveCard, title: string): string | undefined {
  const facts = (card.body as { type: string; facts?: { title: string; value: string }[] }[]).find((b) => b.type === 'FactSet')!.facts!;
  return facts.find((f) => f.title === title)?.value;
}
function verbs(card: AdaptiveCard): string[] {
  return ((card.actions ?? []) as { verb?: string }[]).map((a) => a.verb ?? '');
}

describe.each(LOCALES)('the profile cards in %s', (locale) => {
  const status = (key: Parameters<typeof t>[1]) => t(locale, key);

  test.each(STATES)('state %s: readable, valid, the status line follows the state', (state) => {
    const doc = expert(state);
    const expected = {
      pending: 'expert.status.pending', approved: 'expert.status.active', rejected: 'expert.status.rejected', changesPending: 'expert.status.changesPending',
      changesApproved: 'expert.status.active', changesRejected: 'expert.status.active', paused: 'expert.status.paused',
    }[state] as Parameters<typeof t>[1];
    for (const card of [ownProfileCard(deps, doc, locale, undefined, '29:eero'), reviewCard(deps, doc, locale)]) {
      expectReadable(card, locale, `${state}`);
      expect(fact(card, t(locale, 'expert-profile.label.status'))).toBe(status(expected));
    }
  });

  test("the coordinators' card says 'waits for approval' only while a version waits, with buttons bound to it", () => {
    expect(heading(reviewCard(deps, expert('pending'), locale))).toBe(t(locale, 'expert.heading.approval'));
    expect(verbs(reviewCard(deps, expert('pending'), locale))).toEqual(['expert.approve', 'expert.reject']);
    expect(heading(reviewCard(deps, expert('changesPending'), locale))).toBe(t(locale, 'expert.heading.changes'));
    expect(JSON.stringify(reviewCard(deps, expert('changesPending'), locale).actions)).toContain('"version":2');
    const decided: [State, Parameters<typeof t>[1]][] = [
      ['approved', 'expert.heading.approved'], ['rejected', 'expert.heading.rejected'],
      ['changesApproved', 'expert.heading.changesApproved'], ['changesRejected', 'expert.heading.changesRejected'],
    ];
    for (const [state, key] of decided) {
      const card = reviewCard(deps, expert(state), locale);
      expect([state, heading(card)]).toEqual([state, t(locale, key)]);
      expect([state, verbs(card)]).toEqual([state, []]);
      expect(JSON.stringify(card)).not.toContain(t(locale, 'expert.heading.approval'));
    }
  });

  test('the decided card names the decision and who made it, never beside "waits for approval"', () => {
    const approved = decidedCard(deps, expert('approved'), { decision: 'approve', kind: 'new', byName: 'Kaisa' }, locale);
    expect(heading(approved)).toBe(t(locale, 'expert.heading.approved'));
    const texts = visibleTexts(approved);
    expect(texts).toContain(t(locale, 'expert.approvedNotice', { by: 'Kaisa' }));
    expect(texts).not.toContain(t(locale, 'expert.heading.approval'));
    expect(fact(approved, t(locale, 'expert-profile.label.status'))).toBe(t(locale, 'expert.status.active'));
    expect(verbs(approved)).toEqual([]);

    const rejected = decidedCard(deps, expert('changesRejected'), { decision: 'reject', kind: 'changes', byName: 'Kaisa' }, locale);
    expect(heading(rejected)).toBe(t(locale, 'expert.heading.changesRejected'));
    expect(visibleTexts(rejected)).toContain(t(locale, 'expert.rejectedNotice', { by: 'Kaisa' }));

    // No name known (another coordinator decided, or a recovery): no "(–)".
    const nameless = decidedCard(deps, expert('approved'), { decision: 'approve', kind: 'new', byName: '' }, locale);
    expect(visibleTexts(nameless).join(' ')).not.toMatch(/\(–\)|\(\)/);

    // The expert has already sent a newer version: the decided card says where it is, without its buttons.
    const newer = decidedCard(deps, expert('changesPending'), { decision: 'approve', kind: 'new', byName: 'Kaisa' }, locale);
    expect(heading(newer)).toBe(t(locale, 'expert.heading.approved'));
    expect(visibleTexts(newer).join(' ')).toContain(t(locale, 'expert.newerVersionWaits'));
    expect(verbs(newer)).toEqual([]);
    // It shows the approved (served) profile, not the waiting draft.
    expect(visibleTexts(newer)).toContain(PROFILE.description);
    expect(visibleTexts(newer)).not.toContain('Uusi esittely.');
  });

  test("the expert's own card: their latest version, their actions, and a refresh for them only", () => {
    const own = ownProfileCard(deps, expert('changesPending'), locale, undefined, '29:eero');
    expect(heading(own)).toBe(t(locale, 'expert.heading.own'));
    expect(visibleTexts(own)).toContain('Uusi esittely.');
    expect(own.refresh).toEqual({ action: { type: 'Action.Execute', verb: PROFILE_REFRESH_VERB }, userIds: ['29:eero'] });
    expect(verbs(own)).toEqual(['expert.editProfile', 'expert.pause']);
    expect(verbs(ownProfileCard(deps, expert('paused'), locale))).toEqual(['expert.editProfile', 'expert.resume']);
    // Without the Teams id no refresh (a card Teams could not refresh for anyone).
    expect(ownProfileCard(deps, expert('pending'), locale).refresh).toBeUndefined();
    // The coordinators' card is never refreshed per user.
    expect(reviewCard(deps, expert('pending'), locale).refresh).toBeUndefined();
  });
});
