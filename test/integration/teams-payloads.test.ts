import { teamsPayload } from '../support/activities';
import { ConnectorCall } from '../support/connector';
import { decisionData, expertProfile } from '../support/experts';
import { startHarness, Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

// The bot driven with the payload shapes real Teams sends (test/fixtures/teams, README there),
// not the Playground's: a team install names the General channel only, a channel message
// arrives in a thread (`19:…;messageid=<n>`) with the channel in channelData, and a card the
// bot posts in a channel is clicked from the thread that post started.

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const GENERAL = '19:1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f@thread.tacv2'; // also the team id
const KOORD = '19:9b2f4c1e5a6d4e7f8a9b0c1d2e3f4a5b@thread.tacv2';
const GROUP = '19:5e6f7a8b9c0d4e1f2a3b4c5d6e7f8a9b@thread.v2';
const KAISA_AAD = '0b6d3c9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e'; // the fixtures' coordinator
const AINO_AAD = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const ROOT = '1763799300123'; // the id of Kaisa's post in the coordinators' channel

let h: Harness;

beforeAll(async () => {
  // Coordinators come from configuration (only a configured coordinator may mark the channel).
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: KAISA_AAD });
  await h.bot.scheduler.stop();
  h.connector.teamChannels[GENERAL] = [{ id: GENERAL }, { id: KOORD, name: 'Koordinaattorit' }];
});
afterAll(() => h.stop());

/** New posts the bot made in a channel: Bot Framework create-conversation calls naming the channel. */
function newPosts(channelId: string): ConnectorCall[] {
  return h.connector.calls.filter((c) => c.created && c.conversationId === channelId);
}

test('a team install (General only), then the coordinators channel marked from a post in another channel: an approval card arrives there as a new post', async () => {
  // Teams sends both events for one installation; they name the General channel only.
  expect((await h.post(teamsPayload('installation-update-team', h.connector.url))).status).toBe(200);
  expect((await h.post(teamsPayload('conversation-update-team', h.connector.url))).status).toBe(200);
  await h.connector.waitFor(() => h.connector.sentTo(GENERAL).length === 1);
  expect(text(h.connector.sentTo(GENERAL)[0])).toContain('Tervetuloa Välittäjään!');

  // Kaisa starts a post in Koordinaattorit: the answer goes into her thread, not a new post.
  const post = teamsPayload('message-channel-post', h.connector.url);
  expect((await h.post(post)).status).toBe(200);
  const thread = `${KOORD};messageid=${ROOT}`;
  await h.connector.waitFor(() => h.connector.sentTo(thread).length === 1);
  expect(text(h.connector.sentTo(thread)[0])).toContain('koordinaattorien kanava');
  expect(newPosts(KOORD)).toHaveLength(0);
  expect(await h.bot.store.channels.coordinatorsChannel()).toMatchObject({ conversationId: KOORD, teamId: GENERAL, locale: 'fi', tenantId: TENANT });
  // The channel is stored under its own id, addressed to the channel; threads are not stored.
  const channel = await stored(h).conversations.findOne({ _id: KOORD });
  expect(channel).toMatchObject({ scope: 'channel', teamId: GENERAL, tenantId: TENANT, reachable: true, reference: { conversation: { id: KOORD, conversationType: 'channel' } } });
  expect(await stored(h).conversations.countDocuments({ _id: thread })).toBe(0);

  // An expert registers in their 1:1 chat: the approval card is a new post in Koordinaattorit.
  const expert = user('Eero Kokemusasiantuntija');
  await h.post(personalMessage(h, expert, 'ilmoittaudu'));
  expect(text(cardOf(await h.post(execute(h, expert, 'expert.saveProfile', expertProfile('Eero')))))).toContain('Odottaa');
  await h.bot.sender.drain(10_000);
  const [approval] = newPosts(KOORD);
  expect(approval).toBeDefined();
  expect(approval.created).toMatchObject({ isGroup: true, tenantId: TENANT, channelData: { channel: { id: KOORD }, tenant: { id: TENANT } } });
  expect(text(approval.body)).toContain('Uusi kokemusasiantuntija odottaa hyväksyntää');
  expect(text(approval.body)).toContain('Eero');
  const failed = await stored(h).outbox.countDocuments({ status: 'failed' });
  expect(failed).toBe(0);

  // Kaisa approves on that card: Teams sends the click from the thread the post started.
  const postId = (await h.bot.store.outbox.sentActivityIdOf((await h.bot.store.experts.get(expert.aad))!.approvalCardKey!))!;
  expect(postId).toMatch(/^act-/);
  const click = teamsPayload('invoke-card-action-channel', h.connector.url, {
    conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: `${KOORD};messageid=${postId}` },
    replyToId: postId,
    value: { action: { type: 'Action.Execute', title: 'Hyväksy', verb: 'expert.approve', data: await decisionData(h, expert) }, trigger: 'manual' },
  });
  expect(text(cardOf(await h.post(click)))).toContain('Hyväksytty');
  expect((await h.bot.store.experts.get(expert.aad))!.status).toBe('active');
});

test('an order placed in a group chat: its card is a new post in the coordinators channel, later updated in the thread that post started', async () => {
  await h.post(teamsPayload('installation-update-groupchat', h.connector.url));
  await h.post(teamsPayload('conversation-update-groupchat', h.connector.url));
  await h.connector.waitFor(() => h.connector.sentTo(GROUP).length === 1); // one welcome for the two events
  expect(await h.bot.store.conversations.get(GROUP)).toMatchObject({ scope: 'groupChat', tenantId: TENANT });

  const expert = user('Liisa Kokemusasiantuntija');
  await h.post(personalMessage(h, expert, 'ilmoittaudu'));
  await h.post(execute(h, expert, 'expert.saveProfile', expertProfile('Liisa')));
  const kaisa = { aad: KAISA_AAD, id: 'x', name: 'Kaisa', personal: 'x' };
  const inChannel = { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: `${KOORD};messageid=${ROOT}` };
  const channelData = { channel: { id: KOORD }, team: { id: GENERAL }, tenant: { id: TENANT } };
  expect(text(cardOf(await h.post(execute(h, kaisa, 'expert.approve', await decisionData(h, expert), inChannel, channelData))))).toContain('Hyväksytty');

  // Aino orders with the card in the group chat (Action.Execute from a chat).
  const submit = teamsPayload('invoke-card-action-chat', h.connector.url, {
    value: { action: { type: 'Action.Execute', title: 'Lähetä tilaus', verb: 'order.submit', data: orderFormData({ title: 'Ryhmäkeskustelun tilaus' }) }, trigger: 'manual' },
  });
  const placed = text(cardOf(await h.post(submit)));
  expect(placed).toContain('Tilaus vastaanotettu');
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  expect((await h.bot.store.orders.get(orderId))!.conversationId).toBe(GROUP);
  await h.bot.sender.drain(10_000);
  const brokering = newPosts(KOORD).find((c) => text(c.body).includes(orderId));
  expect(brokering).toBeDefined();
  const postId = (await h.bot.store.outbox.sentActivityIdOf(`brokering:${orderId}`))!;

  // The coordinator sends it from the card's thread; the expert accepts; the card in the channel changes in place.
  const offered = await h.post(execute(h, kaisa, 'order.offerTop', { orderId }, { ...inChannel, id: `${KOORD};messageid=${postId}` }, channelData));
  expect(text(cardOf(offered))).toContain('Tarjottu');
  await h.bot.sender.drain(10_000);
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  await h.bot.sender.drain(10_000);
  const updates = h.connector.calls.filter((c) => c.method === 'PUT' && c.activityId === postId);
  expect(updates.length).toBeGreaterThanOrEqual(1);
  expect(updates.every((c) => c.conversationId === `${KOORD};messageid=${postId}`)).toBe(true);
  expect(await stored(h).outbox.countDocuments({ status: 'failed' })).toBe(0);
});

test('a reply in a channel thread is answered in that thread', async () => {
  h.connector.reset();
  await h.post(teamsPayload('message-channel-reply', h.connector.url));
  const thread = `${KOORD};messageid=${ROOT}`;
  await h.connector.waitFor(() => h.connector.sentTo(thread).length === 1);
  expect(text(h.connector.sentTo(thread)[0])).toContain('tilaa');
  expect(h.connector.calls.filter((c) => c.created)).toHaveLength(0);
  expect(h.connector.calls.every((c) => c.conversationId === thread)).toBe(true);
});

test('an @mention in a group chat is read without the mention; personal install (two events) welcomes once and stores the 1:1 chat', async () => {
  h.connector.reset();
  await h.post(teamsPayload('message-groupchat-mention', h.connector.url));
  await h.connector.waitFor(() => h.connector.sentTo(GROUP).length === 1);
  expect(text(h.connector.sentTo(GROUP)[0])).toContain('tilaa'); // "ohje" understood: the help card

  await h.post(teamsPayload('installation-update-personal', h.connector.url));
  await h.post(teamsPayload('conversation-update-personal', h.connector.url));
  const personal = await h.bot.store.conversations.personalOf(AINO_AAD);
  expect(personal).toMatchObject({ scope: 'personal', tenantId: TENANT, reachable: true });
  await h.connector.waitFor(() => h.connector.sentTo(personal!._id).length === 1);
  expect(text(h.connector.sentTo(personal!._id)[0])).toContain('Tervetuloa Välittäjään!');
});

test('fileConsent/invoke (declined) is answered 200 and acknowledged in the 1:1 chat', async () => {
  h.connector.reset();
  const consent = teamsPayload('invoke-file-consent', h.connector.url);
  const res = await h.post(consent);
  expect(res.status).toBe(200);
  const chat = (consent.conversation as { id: string }).id;
  await h.connector.waitFor(() => h.connector.sentTo(chat).length === 1);
  expect(text(h.connector.sentTo(chat)[0])).toContain('tiedostoa ei tallennettu');
});

test('a thread of a stored channel is reached through the channel; a channel stored by an older version under a thread id is still found', async () => {
  const repo = h.bot.store.conversations;
  const thread = await repo.get(`${KOORD};messageid=42`);
  expect(thread).toMatchObject({ _id: `${KOORD};messageid=42`, scope: 'channel', reference: { conversation: { id: `${KOORD};messageid=42` } } });
  const old = '19:0a0b0c0d0e0f40a1b2c3d4e5f6a7b8c9@thread.tacv2';
  const at = new Date();
  await stored(h).conversations.insertOne({
    _id: `${old};messageid=17`, scope: 'channel', teamId: GENERAL, reachable: true, createdAt: at, updatedAt: at,
    reference: { bot: { id: '28:b' }, channelId: 'msteams', serviceUrl: h.connector.url, conversation: { id: `${old};messageid=17`, conversationType: 'channel' } },
  });
  expect(await repo.get(old)).toMatchObject({ _id: old, reference: { conversation: { id: old, conversationType: 'channel' } } });
  expect(await repo.get('19:unknown@thread.tacv2')).toBeNull();
});

test('a deleted channel is no longer posted to', async () => {
  await h.post(teamsPayload('conversation-update-channel-deleted', h.connector.url));
  expect((await h.bot.store.conversations.get(KOORD))!.reachable).toBe(false);
  expect((await stored(h).teamChannels.findOne({ _id: KOORD }))!.deleted).toBe(true);
});
