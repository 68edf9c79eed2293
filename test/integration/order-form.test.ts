import { localParts } from '../../src/domain/time';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';
import { stored } from '../support/db';

// The order form through the bot: the orderer's Teams name filled in, the optional fields
// hidden but sent, a 5-minute duration refused with the minimum named; and the cards the
// order then makes: the expert's offer says by when to answer, and both the offer and the
// coordinators' card say when a task is at short notice.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const HOUR = 3_600_000;
let h: Harness;
let expert: User;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional);
  expert = await activeExpert(h, coordinator, 'Eero Esimerkki');
}, 60_000);
afterAll(() => h.stop());

const lastTo = (conversationId: string) => {
  const sent = h.connector.sentTo(conversationId);
  return text(sent[sent.length - 1]);
};

test("'tilaa' shows the form with the orderer's Teams name as the contact and the optional part hidden", async () => {
  await h.post(personalMessage(h, professional, 'tilaa'));
  const form = lastTo(professional.personal);
  expect(form).toMatch(/"id":"contactName","label":"Yhteyshenkilö","value":"Aino Ammattilainen"/);
  expect(form).toContain('"type":"Action.ToggleVisibility","title":"Lisätiedot (valinnainen)"');
  expect(form).toMatch(/"id":"moreDetails","isVisible":false/);
});

test('a 5-minute task is refused with the minimum named; the 5 stays as typed and nothing is stored', async () => {
  const before = await stored(h).orders.countDocuments({});
  const card = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Viiden minuutin puheenvuoro', durationMinutes: '5' })))));
  expect(card).toContain('Keston on oltava 15–480 minuuttia');
  expect(card).toMatch(/"id":"durationMinutes","label":"Kesto \(15–480 min\)","value":"5"/);
  expect(await stored(h).orders.countDocuments({})).toBe(before);
});

test('placed at short notice: the offer says by when to answer and warns; so does the coordinators\' card', async () => {
  const at = new Date(Date.now() + 30 * HOUR);
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Huomenna', ...localParts(at, 'Europe/Helsinki') })))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  const order = (await h.bot.store.orders.get(orderId))!;
  // The hidden fields came with the submit: one expert, in Finnish.
  expect([order.seats, order.language]).toEqual([1, 'fi']);

  const brokering = text(cardOf(await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA))));
  expect(brokering).toMatch(/Lyhyellä varoitusajalla: alkaa (päivän|2 päivän|\d+ tunnin) kuluttua\./);
  const deadline = localParts(new Date(order.startsAt.getTime() - 2 * HOUR), 'Europe/Helsinki');
  const [y, m, d] = deadline.date.split('-').map(Number);
  const offer = await waitForText(expert.personal, 'Vastaa viimeistään');
  expect(offer).toContain(`Vastaa viimeistään`);
  expect(offer).toContain(`${d}.${m}.${y} klo ${deadline.time.replace(':', '.')}. Sen jälkeen tarjous ei ole enää voimassa.`);
  expect(offer).toMatch(/Lyhyellä varoitusajalla: alkaa (päivän|2 päivän|\d+ tunnin) kuluttua\./);
}, 30_000);

/** The newest message to a conversation that contains `needle`, once the sender delivered it. */
async function waitForText(conversationId: string, needle: string): Promise<string> {
  const find = () => h.connector.sentTo(conversationId).map(text).reverse().find((s) => s.includes(needle));
  await h.connector.waitFor(() => find() !== undefined, 10_000);
  return find()!;
}
