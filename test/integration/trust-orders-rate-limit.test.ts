import { MongoClient } from 'mongodb';
import { RateLimitRepo } from '../../src/store/rateLimits';
import { startHarness, Harness, testDbName } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, execute, personalMessage, text, user } from '../support/teams';
import { stored } from '../support/db';

// One user may place ORDER_SUBMITS_PER_MINUTE orders a minute (5 by default); the sixth gets
// its form back with a clear message and nothing is stored. The slots are unique inserts in the
// database, so the limit holds across instances. The clock is injected: the test moves it.
const MINUTE = 60_000;
// The start of a coming minute, plus a second: the test's submits all fall in one minute.
const base = Math.ceil(Date.now() / MINUTE) * MINUTE + 1000;
let offset = 0;
const now = () => new Date(base + offset);
let h: Harness;
const hasty = user('Kiireinen Tilaaja');
const calm = user('Rauhallinen Tilaaja');

beforeAll(async () => {
  h = await startHarness(__filename, { ORDER_SUBMITS_PER_MINUTE: '5' }, { now });
  await h.post(personalMessage(h, hasty, 'ohje'));
  await h.post(personalMessage(h, calm, 'ohje'));
}, 30_000);
afterAll(() => h.stop());

const submit = async (who = hasty, title = 'Tilaus') => text(cardOf(await h.post(execute(h, who, 'order.submit', orderFormData({ title })))));
const ordersOf = (who = hasty) => stored(h).orders.countDocuments({ 'orderer.aadObjectId': who.aad });

test('five orders a minute are placed; the sixth is refused with the form as typed, and nothing is stored', async () => {
  for (let i = 1; i <= 5; i++) expect(await submit(hasty, `Tilaus ${i}`)).toMatch(/T-\d{4}-\d{4}/);
  expect(await ordersOf()).toBe(5);

  offset = 40_000;
  const refused = await submit(hasty, 'Kuudes tilaus');
  expect(refused).toContain('Olet lähettänyt useita tilauksia minuutin sisällä');
  expect(refused).toContain('Kuudes tilaus'); // the form keeps what was typed
  expect(refused).not.toMatch(/T-\d{4}-\d{4}/);
  expect(await ordersOf()).toBe(5);

  // Another user is not affected.
  expect(await submit(calm, 'Toisen tilaus')).toMatch(/T-\d{4}-\d{4}/);

  // The next minute the user may order again.
  offset = MINUTE + 1000;
  expect(await submit(hasty, 'Seuraava minuutti')).toMatch(/T-\d{4}-\d{4}/);
  expect(await ordersOf()).toBe(6);
}, 60_000);

test('the limit holds across instances: two stores on two connections give exactly five slots of a minute', async () => {
  const uri = process.env.TEST_MONGODB_URI!;
  const [a, b] = [new MongoClient(uri), new MongoClient(uri)];
  try {
    const db = testDbName(__filename);
    const here = new RateLimitRepo(a.db(db));
    const there = new RateLimitRepo(b.db(db));
    const at = new Date(base + 10 * MINUTE);
    const takes = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? here : there).take('order', 'user-x', at, 5)));
    expect(takes.filter(Boolean)).toHaveLength(5);
    expect(await here.take('order', 'user-x', new Date(at.getTime() + MINUTE), 5)).toBe(true);
    // 0 means no limit.
    for (let i = 0; i < 7; i++) expect(await here.take('order', 'user-y', at, 0)).toBe(true);
  } finally {
    await a.close();
    await b.close();
  }
});
