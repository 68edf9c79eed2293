import { t } from '../../src/i18n';
import { PROFILE_REFRESH_VERB } from '../../src/services/experts';
import { Harness } from '../support/harness';
import { activeExpert, decisionData, expertProfile, startForJobTests } from '../support/experts';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';

/**
 * Issue 11, item 3: a coordinator approves exactly the version of a profile the card showed.
 * An edit of a pending profile replaces the approval card in place; an active expert's edit of
 * what others see (name, introduction, themes, contact) goes back to review while the
 * approved version keeps serving.
 */

const coordinator = user('Kaisa Koordinaattori');
const professional = user('Paula Ammattilainen');
let h: Harness;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional);
});
afterAll(() => h.stop());

/** The edit an attacker makes after the card was posted: new name, a phishing link, other themes, a new phone. */
function tampered(original: string): Record<string, string> {
  return {
    ...expertProfile(original),
    displayName: 'Tukipalvelu Helpdesk',
    description: 'Kirjaudu tunnuksillasi: [hyvinvointialue.fi](https://login.hyvinvointialue-tuki.example/)',
    themes: 'substance-use,gambling',
    phone: '+358 45 666 0000',
  };
}

/** Approval cards the bot posted (POST) or updated (PUT) in the coordinators' channel for this expert. */
function channelCards(u: User, method: 'POST' | 'PUT'): { body: Record<string, unknown>; activityId?: string }[] {
  return h.connector.calls
    .filter((c) => c.method === method && c.conversationId.split(';')[0] === CHANNEL.id && text(c.body).includes(u.aad))
    .map((c) => ({ body: c.body, activityId: c.activityId }));
}

/** The data of a card's Approve action, as Teams would send it back on a click. */
function approveData(card: unknown): Record<string, unknown> {
  const content = ((card as { attachments?: { content: unknown }[] }).attachments?.[0]?.content ?? card) as { actions?: { verb?: string; data?: Record<string, unknown> }[] };
  const action = content.actions?.find((a) => a.verb === 'expert.approve');
  if (!action?.data) throw new Error('the card has no Approve button');
  return action.data;
}

async function save(u: User, values: Record<string, string>): Promise<string> {
  return text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', values))));
}

test('Approve on the card of the registered version does not activate a later edit; the card is replaced in place by the current version', async () => {
  const u = user('Eeva Rehellinen');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  expect(await save(u, expertProfile('Eeva Rehellinen'))).toContain('Odottaa');
  await h.bot.sender.drain(10_000);
  const [posted] = channelCards(u, 'POST');
  expect(text(posted.body)).toContain('Eeva Rehellinen');

  // The pending profile is edited after the card was posted.
  expect(await save(u, tampered('Eeva Rehellinen'))).toContain('Odottaa');
  await h.bot.sender.drain(10_000);
  // The card in the channel now shows the edited version (updated in place, not a second post).
  expect(channelCards(u, 'POST')).toHaveLength(1);
  const updates = channelCards(u, 'PUT');
  expect(updates.length).toBeGreaterThanOrEqual(1);
  expect(text(updates.at(-1)!.body)).toContain('Tukipalvelu Helpdesk');

  // A coordinator clicks Approve on the card as it was first posted (Teams had not refreshed it).
  const stale = cardOf(await h.post(execute(h, coordinator, 'expert.approve', approveData(posted.body), CHANNEL, CHANNEL_DATA)));
  expect(text(stale)).toContain('Profiilia muutettiin');
  expect(text(stale)).toContain('Tukipalvelu Helpdesk'); // the current version, to check before deciding
  const doc = (await h.bot.store.experts.get(u.aad))!;
  expect(doc.status).toBe('pending');
  expect(doc.decidedBy).toBeUndefined();

  // Approving the version now shown approves exactly that one.
  const approved = cardOf(await h.post(execute(h, coordinator, 'expert.approve', approveData(stale), CHANNEL, CHANNEL_DATA)));
  expect(text(approved)).toContain('Hyväksytty');
  const after = (await h.bot.store.experts.get(u.aad))!;
  expect(after.status).toBe('active');
  expect(after.displayName).toBe('Tukipalvelu Helpdesk');
});

test('an active expert\'s edit of name, introduction, themes or contact goes back to review; the approved version keeps serving until approved', async () => {
  const u = await activeExpert(h, coordinator, 'Aino Aktiivinen');
  await h.bot.sender.drain(10_000);
  h.connector.reset();

  const own = await save(u, tampered('Aino Aktiivinen'));
  expect(own).toContain('muutokset odottavat'); // status on the expert's own card
  expect(own).toContain('Tukipalvelu Helpdesk'); // they see what they submitted

  // Matching, offers and orderers' cards still get the approved version.
  const served = (await h.bot.store.experts.available()).find((e) => e._id === u.aad)!;
  expect(served).toMatchObject({ displayName: 'Aino Aktiivinen', phone: '040 123 4567', themes: ['mental-health'] });
  expect(served.description).not.toContain('https://');

  // The coordinators get a card of the changed version to approve.
  await h.bot.sender.drain(10_000);
  const [card] = channelCards(u, 'POST');
  expect(text(card.body)).toContain('muutti profiiliaan');
  expect(text(card.body)).toContain('Tukipalvelu Helpdesk');

  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', approveData(card.body), CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  const after = (await h.bot.store.experts.available()).find((e) => e._id === u.aad)!;
  expect(after).toMatchObject({ displayName: 'Tukipalvelu Helpdesk', phone: '+358 45 666 0000', themes: ['substance-use', 'gambling'] });
  await h.bot.sender.drain(10_000);
  expect(text(h.connector.sentTo(u.personal).pop())).toContain('muutokset on hyväksytty');
});

test('rejected changes leave the approved version in use, and the expert hears it', async () => {
  const u = await activeExpert(h, coordinator, 'Reino Ennallaan');
  await save(u, tampered('Reino Ennallaan'));
  const rejected = cardOf(await h.post(execute(h, coordinator, 'expert.reject', { ...(await decisionData(h, u)), reason: 'Linkki ei kuulu esittelyyn' }, CHANNEL, CHANNEL_DATA)));
  expect(text(rejected)).toContain('Hylätty');
  const doc = (await h.bot.store.experts.get(u.aad))!;
  expect(doc).toMatchObject({ status: 'active', displayName: 'Reino Ennallaan' });
  expect(doc.draft).toBeUndefined();
  await h.bot.sender.drain(10_000);
  expect(text(h.connector.sentTo(u.personal).pop())).toContain('Linkki ei kuulu esittelyyn');
});

test('a change nobody else sees (places, languages) applies at once, without a new review', async () => {
  const u = await activeExpert(h, coordinator, 'Ville Vaihtaja');
  await h.bot.sender.drain(10_000);
  h.connector.reset();
  expect(await save(u, { ...expertProfile('Ville Vaihtaja'), municipalities: 'Nokia,Tampere', languages: 'fi,sv' })).toContain('Profiili päivitetty');
  const doc = (await h.bot.store.experts.get(u.aad))!;
  expect(doc).toMatchObject({ status: 'active', municipalities: ['Nokia', 'Tampere'], languages: ['fi', 'sv'] });
  expect(doc.draft).toBeUndefined();
  await h.bot.sender.drain(10_000);
  expect(channelCards(u, 'POST')).toHaveLength(0);
});

test("issue 15: after approval nothing says 'waits for approval': the coordinators' card is titled by the decision, the expert gets their profile as it now stands, and their old card refreshes to it", async () => {
  const u = user('Oona Odottava');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  const saved = cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile('Oona Odottava'))));
  expect(text(saved)).toContain(t('fi', 'expert.status.pending'));
  // The saved card refreshes itself for its owner (Universal Actions), keyed to their Teams id.
  expect((saved as { refresh?: unknown }).refresh).toEqual({ action: { type: 'Action.Execute', verb: PROFILE_REFRESH_VERB }, userIds: [u.id] });
  await h.bot.sender.drain(10_000);
  const [posted] = channelCards(u, 'POST');
  expect(text(posted.body)).toContain(t('fi', 'expert.heading.approval'));

  h.connector.reset();
  const decided = cardOf(await h.post(execute(h, coordinator, 'expert.approve', approveData(posted.body), CHANNEL, CHANNEL_DATA)));
  const shown = text(decided);
  expect(shown).toContain(t('fi', 'expert.heading.approved'));
  expect(shown).toContain(t('fi', 'expert.approvedNotice', { by: 'Kaisa Koordinaattori' }));
  expect(shown).toContain(t('fi', 'expert.status.active'));
  expect(shown).not.toContain(t('fi', 'expert.heading.approval'));
  expect(shown).not.toContain(t('fi', 'expert.status.pending'));

  // The expert's notice is their own profile card, current.
  await h.bot.sender.drain(10_000);
  const told = h.connector.sentTo(u.personal).map(text);
  expect(told).toHaveLength(1);
  expect(told[0]).toContain(t('fi', 'expert.youApproved'));
  expect(told[0]).toContain(t('fi', 'expert.heading.own'));
  expect(told[0]).toContain(t('fi', 'expert.status.active'));
  expect(told[0]).not.toContain(t('fi', 'expert.status.pending'));

  // Teams refreshing the old card gets the current one; a refresh changes nothing.
  const before = await h.bot.store.experts.get(u.aad);
  const refreshed = text(cardOf(await h.post(execute(h, u, PROFILE_REFRESH_VERB, {}))));
  expect(refreshed).toContain(t('fi', 'expert.status.active'));
  expect(refreshed).not.toContain(t('fi', 'expert.status.pending'));
  expect(await h.bot.store.experts.get(u.aad)).toEqual(before);
  // Someone without a profile refreshing gets no one else's.
  const stranger = user('Joku Muu');
  expect(text(cardOf(await h.post(execute(h, stranger, PROFILE_REFRESH_VERB, {}))))).toContain(t('fi', 'expert.noProfile'));

  // A second coordinator's late click: the card says what was decided, not "waits".
  const other = text(cardOf(await h.post(execute(h, coordinator, 'expert.reject', approveData(posted.body), CHANNEL, CHANNEL_DATA))));
  expect(other).toContain(t('fi', 'expert.heading.approved'));
  expect(other).toContain(t('fi', 'expert.alreadyDecided'));
  expect(other).not.toContain(t('fi', 'expert.heading.approval'));
});
