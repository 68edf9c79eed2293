import { validateCard } from '../support/card-validation';
import { teamsPayload } from '../support/activities';
import { Harness, startHarness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, execute, personalMessage, text, user, User } from '../support/teams';

// Issue 15: in a group chat, `omat tilaukset` and its Cancel buttons are for the asker only
// (Universal Actions, refresh.userIds). The payloads are the recorded real-Teams shapes of
// test/fixtures/teams: Aino's ids are the fixtures' own.
const GROUP = '19:5e6f7a8b9c0d4e1f2a3b4c5d6e7f8a9b@thread.v2';
const aino: User = { aad: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b', id: '29:1Aq8wE3rT6yU9iO2pA5sD8fG1hJ4kL7zX0cV3bN6mQ9wE2rT5yU8iO1pA4sD7f', name: 'Aino Ammattilainen', personal: 'a:1personal-aino-fixture' };
const ville = user('Ville Vieras');
let h: Harness;
let orderId: string;

const card = (activity: Record<string, unknown>) => (activity.attachments as { content: Record<string, unknown> }[])[0].content;
/** The refresh invoke Teams sends from a listed user's client (recorded shape), optionally from someone else or with other data. */
const refresh = (o: { from?: User; data?: Record<string, unknown>; replyToId?: string | null } = {}) => {
  const a = teamsPayload('invoke-card-refresh-chat', h.connector.url) as Record<string, unknown>;
  if (o.from) a.from = { id: o.from.id, name: o.from.name, aadObjectId: o.from.aad };
  if (o.data) a.value = { action: { type: 'Action.Execute', id: '', verb: 'order.myOrdersView', data: o.data }, trigger: 'automatic' };
  if (o.replyToId === null) delete a.replyToId;
  a.id = `${String(a.id)}-${Math.random()}`;
  return a as never;
};

beforeAll(async () => {
  h = await startHarness(__filename);
  await h.bot.scheduler.stop();
  await h.post(teamsPayload('installation-update-groupchat', h.connector.url));
  for (const u of [aino, ville]) await h.post(personalMessage(h, u, 'ohje'));
  const placed = text(cardOf(await h.post(execute(h, aino, 'order.submit', orderFormData({ title: 'Ainon puheenvuoro' })))));
  orderId = /T-\d{4}-\d{4,6}/.exec(placed)![0];
  await h.bot.sender.drain(10000);
}, 30_000);
afterAll(() => h.stop());

test('`omat tilaukset` in a group chat posts a card that shows no order to anyone, with a refresh for the asker only', async () => {
  h.connector.reset();
  const msg = teamsPayload('message-groupchat-mention', h.connector.url, { text: '<at>Välittäjä</at> omat tilaukset', id: `m-${Date.now()}` });
  expect((await h.post(msg)).status).toBe(200);
  await h.connector.waitFor(() => h.connector.sentTo(GROUP).length === 1);
  const posted = card(h.connector.sentTo(GROUP)[0]);
  const json = JSON.stringify(posted);
  expect(json).not.toContain(orderId);
  expect(json).not.toContain('Ainon puheenvuoro');
  expect(json).not.toContain('order.cancel');
  expect(json).toContain('Tässä keskustelussa jokainen näkee tilauksista vain omansa.');
  expect(json).toContain('"verb":"order.myOrdersView"');
  expect(posted.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'order.myOrdersView', data: {} }, userIds: [aino.id] });
  expect(validateCard(posted)).toEqual([]);
});

test('the automatic refresh from the asker\'s client answers their own orders with Cancel, to them only: no message is updated for the chat', async () => {
  h.connector.reset();
  const res = await h.post(refresh());
  const own = cardOf(res);
  const json = JSON.stringify(own);
  expect(json).toContain(orderId);
  expect(json).toContain('Ainon puheenvuoro');
  expect(json).toContain('"verb":"order.cancel"');
  // It stays the asker's view: the next refresh is theirs again.
  expect(own.refresh).toEqual({ action: { type: 'Action.Execute', verb: 'order.myOrdersView', data: {} }, userIds: [aino.id] });
  expect(validateCard(own)).toEqual([]);
  // teams-ai would have PUT the card (refresh and all) over the message for everyone.
  expect(h.connector.calls.filter((c) => c.method === 'PUT')).toEqual([]);
  expect(h.connector.sentTo(GROUP)).toEqual([]);
});

test('a refresh that names no message (as the Teams docs show it, and the Playground sends none) is answered, not "activityId cannot be null"', async () => {
  const res = await h.post(refresh({ replyToId: null }));
  expect(JSON.stringify(cardOf(res))).toContain(orderId);
  expect(h.connector.calls.filter((c) => c.method === 'PUT')).toEqual([]);
});

test('anyone else who refreshes (the Refresh menu, the button) sees only their own orders; card data cannot name someone else', async () => {
  const theirs = JSON.stringify(cardOf(await h.post(refresh({ from: ville }))));
  expect(theirs).not.toContain(orderId);
  expect(theirs).toContain('Sinulla ei ole tilauksia');
  expect(theirs).toContain(ville.id);
  for (const data of [{ aadObjectId: aino.aad }, { userId: aino.id }, { $where: '1' }]) {
    const forged = JSON.stringify(cardOf(await h.post(refresh({ from: ville, data }))));
    expect(forged).not.toContain(orderId);
    expect(forged).toContain('eivät kelpaa');
  }
});

test('in the 1:1 chat `omat tilaukset` is the full card as before, with no refresh', async () => {
  h.connector.reset();
  await h.post(personalMessage(h, aino, 'omat tilaukset'));
  await h.connector.waitFor(() => h.connector.sentTo(aino.personal).length === 1);
  const own = card(h.connector.sentTo(aino.personal)[0]);
  expect(JSON.stringify(own)).toContain(orderId);
  expect(own.refresh).toBeUndefined();
});
