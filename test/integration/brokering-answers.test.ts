import { t } from '../../src/i18n';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, text, user, User } from '../support/teams';

// The coordinators' card shows each answer as it comes: a decline at once, with the reason the
// expert gave (marked for the coordinators only), and, once nobody suitable is left, says so
// and what the coordinator can do.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
let h: Harness;
let first: User;
let second: User;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, { WAVE_SIZE: '1' });
  first = await activeExpert(h, coordinator, 'Eero Esimerkki');
  second = await activeExpert(h, coordinator, 'Outi Odottava');
}, 60_000);
afterAll(() => h.stop());

/** The newest version of the order's card in the coordinators' channel (posted or updated). */
function channelCard(orderId: string): string {
  const cards = h.connector.calls.filter((c) => c.conversationId.startsWith(CHANNEL.id) && text(c.body).includes(orderId)).map((c) => text(c.body));
  return cards[cards.length - 1] ?? '';
}

test('a decline shows on the coordinators\' card at once, with its reason; when nobody is left, the card says so', async () => {
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Vastaukset näkyviin' })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: first.aad }, CHANNEL, CHANNEL_DATA));
  await h.bot.sender.drain(10000);

  await h.post(execute(h, first, 'offer.decline', { offerId: `${orderId}:${first.aad}`, reason: 'Olen sairaana' }));
  await h.bot.sender.drain(10000);
  // The decline sent the next round to the other expert at once; the card shows both.
  let card = channelCard(orderId);
  expect(card).toContain(t('fi', 'order.declinedWithReason', { reason: 'Olen sairaana' }));
  expect(card).toContain(t('fi', 'order.outlook.waiting'));
  expect(card).toContain(t('fi', 'order.brokeringHeading.offering'));
  expect(card).not.toContain(t('fi', 'order.outlook.nobodyLeft', { free: 1 }));
  // The reason is for the coordinators: the orderer never sees it.
  expect(h.connector.sentTo(professional.personal).map(text).join()).not.toContain('Olen sairaana');

  await h.post(execute(h, second, 'offer.decline', { offerId: `${orderId}:${second.aad}` }));
  await h.bot.sender.drain(10000);
  card = channelCard(orderId);
  expect(card).toContain(t('fi', 'order.outlook.nobodyLeft', { free: 1 }));
  expect(card).not.toContain(t('fi', 'order.outlook.waiting'));
  expect(card).not.toContain('order.offerTop');
});
