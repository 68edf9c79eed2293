import { planEdit, ExpertProfile, reviewOf, ReviewState } from '../../../src/domain/expertReview';

const base: ExpertProfile = {
  displayName: 'Eeva', phone: '040 123 4567', themes: ['mental-health'], taskTypes: ['talk'], municipalities: ['Tampere'],
  remoteOk: true, languages: ['fi'], description: 'Kokemusta.', feePreference: 'fee',
};
type Doc = ExpertProfile & ReviewState<ExpertProfile>;
const doc = (o: Partial<Doc> = {}): Doc => ({ ...base, status: 'active', version: 3, ...o });

describe('planEdit', () => {
  test('an unchanged save is no new version', () => {
    expect(planEdit(doc({ status: 'pending' }), { ...base })).toMatchObject({ outcome: 'unchanged', version: 3 });
    expect(planEdit(doc(), { ...base })).toMatchObject({ outcome: 'unchanged', version: 3 });
  });

  test('an edit of a pending profile replaces the version under review', () => {
    const plan = planEdit(doc({ status: 'pending' }), { ...base, displayName: 'Toinen' });
    expect(plan).toMatchObject({ outcome: 'review', status: 'pending', version: 4, served: { displayName: 'Toinen' } });
  });

  test.each(['displayName', 'description', 'themes', 'phone', 'email'] as const)('an active expert\'s change of %s waits as a draft; the approved value keeps serving', (field) => {
    const changed = { ...base, [field]: field === 'themes' ? ['gambling'] : 'x', municipalities: ['Nokia'] };
    const plan = planEdit(doc(), changed);
    expect(plan.outcome).toBe('changesForReview');
    expect(plan.draft).toEqual({ profile: changed, version: 4 });
    expect(plan.served![field]).toEqual(base[field]);
    expect(plan.served!.municipalities).toEqual(['Nokia']); // not visible to others: applies at once
  });

  test('changes nobody else sees apply at once; an edit back to the approved profile drops the draft', () => {
    expect(planEdit(doc(), { ...base, languages: ['fi', 'sv'] })).toMatchObject({ outcome: 'applied', version: 3, served: { languages: ['fi', 'sv'] } });
    const withDraft = doc({ version: 4, draft: { profile: { ...base, displayName: 'Huijari' }, version: 4, submittedAt: new Date() } });
    expect(planEdit(withDraft, { ...base })).toMatchObject({ outcome: 'applied', draft: null, version: 5 });
  });
});

describe('reviewOf', () => {
  test('a pending profile is reviewed as it stands; an active one by its draft; otherwise nothing', () => {
    expect(reviewOf(doc({ status: 'pending' }))).toMatchObject({ kind: 'new', version: 3 });
    expect(reviewOf(doc({ status: 'pending', version: undefined }))).toMatchObject({ version: 1 });
    const draft = { profile: { ...base, displayName: 'Uusi' }, version: 5, submittedAt: new Date() };
    expect(reviewOf(doc({ version: 5, draft }))).toMatchObject({ kind: 'changes', version: 5, profile: { displayName: 'Uusi' } });
    expect(reviewOf(doc())).toBeNull();
    expect(reviewOf(doc({ status: 'rejected' }))).toBeNull();
  });
});
