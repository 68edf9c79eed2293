import { reviewOf } from '../../src/domain/expertReview';
import { Harness, startHarness } from './harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from './teams';

/** A complete, valid profile form submit (themes: mental health; area: Tampere; remote too). */
export function expertProfile(name: string): Record<string, string> {
  return {
    displayName: name, phone: '040 123 4567', email: '', themes: 'mental-health', taskTypes: 'talk', municipalities: 'Tampere', remoteOk: 'true', languages: 'fi',
    description: `${name}: kokemusta.`, trainingOrganisation: 'Mieli ry', trainingYear: '2024', feePreference: 'fee', consent: 'true',
  };
}

/** A new expert who registers in their 1:1 chat and is approved by `coordinator` in the channel. */
export async function activeExpert(h: Harness, coordinator: User, name: string): Promise<User> {
  const u = user(name);
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  expect(text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile(name)))))).toContain('Odottaa');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, u), CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  return u;
}

/** What the approval card of `expert`'s version under review carries in its approve / reject action. */
export async function decisionData(h: Harness, expert: User): Promise<{ expertId: string; version: number }> {
  const doc = await h.bot.store.experts.get(expert.aad);
  const review = doc && reviewOf(doc);
  if (!review) throw new Error('nothing under review');
  return { expertId: expert.aad, version: review.version };
}

/**
 * A bot whose jobs run only when a test runs them (scheduler stopped), with a coordinators'
 * channel marked by `coordinator` and `professional`'s 1:1 chat known: where order tests start.
 */
export async function startForJobTests(file: string, coordinator: User, professional: User, env: Record<string, string> = {}, o: { now?: () => Date } = {}): Promise<Harness> {
  const h = await startHarness(file, { COORDINATOR_AAD_IDS: coordinator.aad, ...env }, o);
  await h.bot.scheduler.stop();
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  await h.post(personalMessage(h, professional, 'ohje'));
  return h;
}
