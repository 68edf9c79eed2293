import { t } from '../../src/i18n';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, TENANT, text, user, User } from '../support/teams';

// A group chat never learns an expert's name. An orderer who ordered from a group chat and has
// no 1:1 chat with the bot gets one opened (Bot Connector "create conversation"), and every
// notice about the order goes there; when Teams refuses, the group chat gets a name-free notice
// asking the orderer to open a chat with the bot, and the coordinators get the news to pass on.
const coordinator = user('Kaisa Koordinaattori');
const someoneElse = user('Paula Perustaja');
let h: Harness;
let expert: User;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, someoneElse);
  expert = await activeExpert(h, coordinator, 'Eero Esimerkki');
}, 60_000);
afterAll(() => h.stop());

const groupChat = (n: number) => ({ conversationType: 'groupChat', tenantId: TENANT, id: `19:ryhma-${n}@thread.v2`, isGroup: true });

/** An order placed from a group chat by someone who has never had a 1:1 chat with the bot; its seat taken, then given back. */
async function orderFromGroupThenWithdraw(orderer: User, group: ReturnType<typeof groupChat>, title: string): Promise<string> {
  expect(await h.bot.store.conversations.personalOf(orderer.aad)).toBeNull();
  const placed = text(cardOf(await h.post(execute(h, orderer, 'order.submit', orderFormData({ title, themes: 'mental-health' }), group))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA)));
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain('Tehtävä on sinun');
  expect(text(cardOf(await h.post(execute(h, expert, 'assignment.withdraw', { orderId }))))).toContain('Peruit osallistumisesi');
  await h.bot.sender.drain(10_000);
  return orderId;
}

test('the group chat gets no expert name: a 1:1 chat with the orderer is opened, and the contacts and the withdrawal go there', async () => {
  const orderer = user('Aino Ammattilainen');
  const group = groupChat(1);
  const orderId = await orderFromGroupThenWithdraw(orderer, group, 'Ryhmästä tilattu');

  // The bot asked Teams for a 1:1 chat with the orderer, in the group chat's tenant.
  const asked = h.connector.created();
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatchObject({ isGroup: false, members: [{ id: orderer.id }], tenantId: TENANT, channelData: { tenant: { id: TENANT } } });
  const personal = await h.bot.store.conversations.personalOf(orderer.aad);
  expect(personal).toMatchObject({ scope: 'personal', userAadObjectId: orderer.aad });

  // The orderer heard both in private: the contacts when the seat was taken, then the withdrawal.
  const privately = h.connector.sentTo(personal!._id).map(text).filter((s) => s.includes(orderId));
  expect(privately.some((s) => s.includes(t('fi', 'order.filledNotice', { count: 1 })) && s.includes('Eero Esimerkki') && s.includes('040 123 4567'))).toBe(true);
  expect(privately.some((s) => s.includes('Eero Esimerkki perui osallistumisensa'))).toBe(true);
  // The group chat got the order's own answer card only, never a name.
  const inGroup = h.connector.sentTo(group.id).map(text).join('\n');
  expect(inGroup).not.toContain('Eero');
  expect(inGroup).not.toContain('040 123 4567');
}, 60_000);

test('when Teams refuses the 1:1 chat, the group chat gets only a name-free notice and the coordinators are told', async () => {
  const orderer = user('Ville Virkailija');
  const group = groupChat(2);
  h.connector.reset();
  h.connector.respond = (call) => (call.path === '/v3/conversations' && !call.conversationId ? { status: 403, body: { error: { code: 'BotNotInConversationRoster', message: 'not installed' } } } : undefined);
  try {
    const orderId = await orderFromGroupThenWithdraw(orderer, group, 'Ryhmästä, ei yksityistä');
    expect(await h.bot.store.conversations.personalOf(orderer.aad)).toBeNull();

    const inGroup = h.connector.sentTo(group.id).map(text);
    expect(inGroup.join('\n')).not.toContain('Eero');
    const asks = inGroup.filter((s) => s.includes(`Tilauksesta ${orderId} on uutta tietoa`));
    // One for the seat taken (the order filled), one for the withdrawal: each says only where to look.
    expect(asks).toHaveLength(2);
    for (const s of asks) expect(s).toContain('avaa keskustelu Välittäjän kanssa');

    const toCoordinators = h.connector.sentTo(CHANNEL.id).map(text).filter((s) => s.includes(`Tilauksen ${orderId}`) && s.includes('ei voitu avata henkilökohtaista keskustelua'));
    expect(toCoordinators.some((s) => s.includes('Eero Esimerkki perui osallistumisensa'))).toBe(true);
  } finally {
    h.connector.respond = undefined;
  }
}, 60_000);
