import { randomUUID } from 'node:crypto';
import { personalData } from '../../src/services/privacy';
import { decisionData } from '../support/experts';
import { Harness, startHarness } from '../support/harness';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';
import { acceptFile } from '../support/files';

const coordinator = user('Kaisa Koordinaattori');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
});
afterAll(() => h.stop());

const PROFILE = {
  displayName: 'Eero', phone: '040 1', email: '', themes: 'mental-health', taskTypes: 'talk', municipalities: 'Tampere', remoteOk: 'false',
  languages: 'fi', description: 'Kokemusta.', trainingOrganisation: '', trainingYear: '', feePreference: 'fee', consent: 'true',
};

test('the same activity delivered twice is processed once', async () => {
  const u = user('Toistaja');
  const a = personalMessage(h, u, 'ohje');
  await h.post(a);
  await h.post(a);
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length >= 1);
  await new Promise((r) => setTimeout(r, 300));
  expect(h.connector.sentTo(u.personal)).toHaveLength(1);
});

test('a profile without consent is refused with a localized message and nothing is stored', async () => {
  const u = user('Ilman suostumusta');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  const card = cardOf(await h.post(execute(h, u, 'expert.saveProfile', { ...PROFILE, consent: 'false' })));
  expect(text(card)).toContain('Suostumus tarvitaan');
  expect(await h.bot.store.experts.get(u.aad)).toBeNull();
});

test('only coordinators approve experts; the refusal changes nothing', async () => {
  const u = user('Eero');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', PROFILE)));
  const res = cardOf(await h.post(execute(h, u, 'expert.approve', await decisionData(h, u))));
  expect(text(res)).toContain('ei ole oikeutta');
  expect((await h.bot.store.experts.get(u.aad))!.status).toBe('pending');
  // Posting the approval card to the coordinators is a recorded read of the profile.
  expect(await stored(h).profileAccessLog.countDocuments({ expertId: u.aad, purpose: 'approval' })).toBe(1);
});

test('my data exports everything; erasure after a coordinator confirms keeps de-identified fee records', async () => {
  const u = user('Poistettava');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', PROFILE)));
  await stored(h).assignments.insertOne({
    _id: 'T-2026-9999#1', orderId: 'T-2026-9999', expertId: u.aad, seat: 1, startsAt: new Date(), endsAt: new Date(), status: 'done', createdAt: new Date(), updatedAt: new Date(),
  });
  h.connector.reset();
  await h.post(personalMessage(h, u, 'omat tiedot'));
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length === 2);
  const [card, consent] = h.connector.sentTo(u.personal);
  // The card in words: the theme's name, the task by its order number, local time; no ids.
  expect(text(card)).toContain('Mielenterveys');
  expect(text(card)).toMatch(/T-2026-9999 · [a-z]{2} \d+\.\d+\.\d{4} klo \d+\.\d\d · tehty/);
  expect(text(card)).not.toContain('mental-health');
  expect(text((card as { attachments: { content: unknown }[] }).attachments[0].content)).not.toContain(u.aad);
  // The file consent card offers the whole export; accepting uploads it.
  expect(consent.attachments).toEqual([expect.objectContaining({ contentType: 'application/vnd.microsoft.teams.card.file.consent', name: expect.stringMatching(/^omat-tiedot-\d{4}-\d{2}-\d{2}\.json$/) })]);
  const exported = (await acceptFile(h, u, consent)).uploaded.toString('utf8');
  expect(exported).toContain('mental-health');
  expect(exported).toContain('T-2026-9999');
  // The file card follows in the chat.
  await h.connector.waitFor(() => h.connector.sentTo(u.personal).length === 3);
  expect(text(h.connector.sentTo(u.personal)[2])).toContain('application/vnd.microsoft.teams.card.file.info');

  expect(text(cardOf(await h.post(execute(h, u, 'privacy.confirmErasure', { userId: u.aad }))))).toContain('ei ole oikeutta');
  cardOf(await h.post(execute(h, u, 'privacy.requestErasure', {})));
  expect(await h.bot.store.experts.get(u.aad)).not.toBeNull();
  const done = cardOf(await h.post(execute(h, coordinator, 'privacy.confirmErasure', { userId: u.aad }, CHANNEL, CHANNEL_DATA)));
  expect(text(done)).toContain('Tiedot on poistettu');
  expect(await h.bot.store.experts.get(u.aad)).toBeNull();
  const fee = await stored(h).assignments.findOne({ _id: 'T-2026-9999#1' });
  expect(fee!.expertId).toMatch(/^erased-/);
  const dump = JSON.stringify(await personalData(h.bot.deps, u.aad));
  expect(dump).not.toContain('Poistettava');
  expect(dump).not.toContain('mental-health');
});

test('why <expert> <order> lists the filters for a coordinator and is logged as a profile read', async () => {
  const u = user('Selitettävä');
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', { ...PROFILE, displayName: 'Selitettävä' })));
  cardOf(await h.post(execute(h, coordinator, 'expert.approve', await decisionData(h, u), CHANNEL, CHANNEL_DATA)));
  const professional = user('Tilaaja');
  await h.post(personalMessage(h, professional, 'ohje'));
  const d = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', {
    formId: randomUUID(), themes: 'substance-use', taskType: 'talk', title: 'Päihdeteema', description: 'x', goal: '', date: d, time: '10:00', durationMinutes: '60', mode: 'onsite',
    municipality: 'Tampere', address: 'Katu 1', link: '', targetGroup: 'Hoitajat', audienceSize: '', seats: '1', language: 'fi', costCentre: 'K1',
    contactName: 'Tilaaja', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  }))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  h.connector.reset();
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: `<at>Välittäjä</at> why Selitettävä ${orderId}`, entities: [{ type: 'mention', text: '<at>Välittäjä</at>', mentioned: { id: '28:00000000-0000-0000-0000-00000000b07', name: 'Välittäjä' } }] } as never);
  // The order's own card may be updated in the channel meanwhile ("nobody suitable left").
  const whyCard = () => h.connector.sentTo(CHANNEL.id).map(text).find((s) => s.includes('Ei sovi tähän tilaukseen'));
  await h.connector.waitFor(() => whyCard() !== undefined);
  const why = whyCard()!;
  expect(why).toContain('✗ ei täyty'); // theme does not match
  expect(why).toContain('Ei sovi tähän tilaukseen');
  expect(await stored(h).profileAccessLog.countDocuments({ expertId: u.aad, purpose: 'why' })).toBe(1);
});

test('why finds an expert by the whole name only: a part of someone else\'s name opens no profile and logs no read', async () => {
  const hanna = user('Hanna Osanimi');
  await h.post(personalMessage(h, hanna, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, hanna, 'expert.saveProfile', { ...PROFILE, displayName: 'Hanna Osanimi' })));
  // Her profile's approval card goes to the channel through the outbox: it must not be taken for the answer (CI met it).
  await h.connector.waitFor(() => h.connector.sentTo(CHANNEL.id).map(text).some((s) => s.includes('Hanna Osanimi')));
  h.connector.reset();
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: '<at>Välittäjä</at> why Anna T-2026-0001', entities: [{ type: 'mention', text: '<at>Välittäjä</at>', mentioned: { id: '28:00000000-0000-0000-0000-00000000b07', name: 'Välittäjä' } }] } as never);
  // The earlier test's order card may still be updated in the channel meanwhile (CI met it).
  const answers = () => h.connector.sentTo(CHANNEL.id).map(text).filter((s) => !s.includes('T-2026-0001 · '));
  await h.connector.waitFor(() => answers().length >= 1);
  expect(answers()).toHaveLength(1);
  expect(answers()[0]).toContain('ei löytynyt');
  expect(await stored(h).profileAccessLog.countDocuments({ expertId: hanna.aad, purpose: 'why' })).toBe(0);
});

test("the my-data file is the accepting person's own: the consent card names nobody, and outside a 1:1 chat nothing is uploaded", async () => {
  const owner = user('Tiedoston Omistaja');
  await h.post(personalMessage(h, owner, 'ilmoittaudu'));
  cardOf(await h.post(execute(h, owner, 'expert.saveProfile', { ...PROFILE, displayName: 'Tiedoston Omistaja' })));
  h.connector.reset();
  await h.post(personalMessage(h, owner, 'my data'));
  await h.connector.waitFor(() => h.connector.sentTo(owner.personal).length === 2);
  const consent = h.connector.sentTo(owner.personal)[1];
  const attachment = (consent as { attachments: { name: string; content: { acceptContext: unknown } }[] }).attachments[0];
  expect(attachment.content.acceptContext).toEqual({ file: 'myData' });
  // The reply follows the chat's language (Finnish here), the file's name too.
  expect(attachment.name).toMatch(/^omat-tiedot-\d{4}-\d{2}-\d{2}\.json$/);

  // Someone else's click on the same context uploads their own data, not the owner's.
  const other = user('Toinen Henkilö');
  await h.post(personalMessage(h, other, 'ohje'));
  const theirs = (await acceptFile(h, other, consent)).uploaded.toString('utf8');
  expect(theirs).not.toContain('Tiedoston Omistaja');
  expect(theirs).not.toContain(owner.aad);

  // In a group chat or channel the file is refused and nothing is uploaded.
  const inChannel = await acceptFile(h, owner, consent, { conversation: CHANNEL, channelData: CHANNEL_DATA });
  expect(inChannel.uploaded.length).toBe(0);
});

