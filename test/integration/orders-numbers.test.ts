import { randomUUID } from 'node:crypto';
import { parseOrderForm } from '../../src/domain/orderForm';
import { localParts } from '../../src/domain/time';
import { placeOrderOnce } from '../../src/services/orders';
import { Harness, startHarness } from '../support/harness';
import { cardOf, execute, personalMessage, text, user } from '../support/teams';
import { orderFormData } from '../support/orders';
import { stored } from '../support/db';
import { OrderDoc, OrderRepo, SHARED_YEAR_CALM } from '../../src/store/orders';

// Order numbers under load: the sequence is decided by unique inserts of the order itself,
// not by a counter ($inc is read-then-write on FerretDB 1.x, so two racers could share a value).
const professionals = Array.from({ length: 4 }, (_, i) => user(`Ammattilainen ${i}`));
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename);
  for (const p of professionals) await h.post(personalMessage(h, p, 'ohje'));
}, 30000);
afterAll(() => h.stop());

function orderForm(title: string): Record<string, string> {
  return orderFormData({ formId: randomUUID(), title });
}

const year = () => localParts(new Date(), 'Europe/Helsinki').date.slice(0, 4);
const numbered = (n: number) => `T-${year()}-${String(n).padStart(4, '0')}`;

test('20 concurrent placements of the year\'s first orders: 20 orders, 20 distinct numbers consecutive from 1, no failures', async () => {
  // Straight to the service, all at once: the first orders of a year are where a counter's
  // upsert raced (two inserts of the counter: one failed with a duplicate key).
  const deps = h.bot.deps;
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => {
      const { formId, ...fields } = orderForm(`Palvelu ${i}`);
      const parsed = parseOrderForm(fields, { catalog: deps.catalog, now: new Date(), timeZone: deps.config.timeZone });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const p = professionals[i % professionals.length];
      return placeOrderOnce(deps, parsed.value, { aadObjectId: p.aad, name: p.name }, p.personal, formId);
    }),
  );
  expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
  const numbers = results.map((r) => {
    const placed = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof placeOrderOnce>>>).value;
    return placed.kind === 'placed' ? placed.order._id : placed.kind;
  });
  expect([...numbers].sort()).toEqual(Array.from({ length: 20 }, (_, i) => numbered(i + 1)));
  expect(await stored(h).orders.countDocuments()).toBe(20);
}, 120000);

test('20 concurrent order form submits over HTTP: 20 more orders, numbers 21-40, every submit answered with its number', async () => {
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => h.post(execute(h, professionals[i % professionals.length], 'order.submit', orderForm(`Rinnakkainen ${i}`)))),
  );
  const numbers = results.map((r) => /T-\d{4}-\d{4}/.exec(text(cardOf(r)))?.[0]);
  expect(numbers.every(Boolean)).toBe(true);
  expect(new Set(numbers).size).toBe(20);
  expect([...numbers].sort()).toEqual(Array.from({ length: 20 }, (_, i) => numbered(i + 21)));
  const kept = await stored(h).orders.find({}, { projection: { _id: 1 } }).toArray();
  expect(kept.map((o) => o._id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => numbered(i + 1)));
  // The hint is kept up (it may lag behind, never run ahead).
  const hint = await h.bot.database.db.collection('orderNumberHints').findOne({ _id: `order-${year()}` as never });
  expect(hint?.seq).toBeGreaterThan(20);
  expect(hint?.seq).toBeLessThanOrEqual(40);
}, 120000);

test('a lagging or missing hint only costs retries: the next number is still the next free one', async () => {
  // The hint says 3 (it lags far behind the 20 orders): the insert steps over the taken numbers.
  await h.bot.database.db.collection('orderNumberHints').updateOne({ _id: `order-${year()}` as never }, { $set: { seq: 3 } });
  const a = /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professionals[0], 'order.submit', orderForm('Jäljessä'))))))?.[0];
  expect(a).toBe(numbered(41));
  // No hint at all (e.g. removed): the year's orders are looked at once.
  await h.bot.database.db.collection('orderNumberHints').deleteMany({});
  const b = /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professionals[1], 'order.submit', orderForm('Ilman vihjettä'))))))?.[0];
  expect(b).toBe(numbered(42));
  expect(await stored(h).orders.countDocuments()).toBe(42);
});

/**
 * Two repositories on the same database, as two instances, numbering orders of year `Y`: place an
 * order through one, read the year's number hint, write a number of the year.
 */
function twoInstances(Y: number) {
  const format = (y: number, seq: number) => `T-${y}-${String(seq).padStart(4, '0')}`;
  // Only the number and the time matter here; the rest of an order is not looked at.
  const build = (id: string) => ({ _id: id, createdAt: new Date() }) as unknown as OrderDoc;
  return {
    a: new OrderRepo(h.bot.database.db),
    b: new OrderRepo(h.bot.database.db),
    place: async (repo: OrderRepo) => (await repo.insertNumbered(Y, build, format))._id,
    /** The order number `seq` of the year. */
    number: (seq: number) => format(Y, seq),
    hint: async () => (await h.bot.database.db.collection('orderNumberHints').findOne({ _id: `order-${Y}` as never }))?.seq as number | undefined,
  };
}

test('the number hint: written now and then while one process has the year to itself, after every order once another took a number first', async () => {
  const { a, b, place, hint } = twoInstances(2031); // a year no other test uses
  expect(await place(a)).toBe('T-2031-0001');
  expect(await hint()).toBe(1); // a process's first number of the year is marked
  for (let i = 2; i <= 9; i++) await place(a);
  expect(await hint()).toBe(1); // alone: no write per order
  await place(a);
  expect(await hint()).toBe(10); // every tenth
  for (let i = 11; i <= 15; i++) await place(a);
  expect(await hint()).toBe(10); // lags, never runs ahead
  // A second instance starts from the lagging hint, steps over the taken numbers, and from then
  // on both keep the hint exact.
  expect(await place(b)).toBe('T-2031-0016');
  expect(await hint()).toBe(16);
  expect(await place(a)).toBe('T-2031-0017');
  expect(await hint()).toBe(17);
  expect(await place(a)).toBe('T-2031-0018');
  expect(await hint()).toBe(18);
  expect(await h.bot.database.db.collection('orders').countDocuments({ _id: { $gte: 'T-2031-', $lt: 'T-2031.' } as never })).toBe(18);
});

test('the number hint: a year once shared is the process\'s own again after SHARED_YEAR_CALM numbers in a row without meeting another\'s', async () => {
  const { a, b, place, hint, number } = twoInstances(2032);
  for (let i = 1; i <= 3; i++) await place(a);
  // b meets a's numbers (its hint lags): from then on both write the hint after each order.
  expect(await place(b)).toBe('T-2032-0004');
  expect(await place(a)).toBe('T-2032-0005'); // a meets b's 4: its last contention
  expect(await hint()).toBe(5);
  // b stops placing orders. a writes after each of its next SHARED_YEAR_CALM - 1 numbers...
  for (let n = 6; n < 5 + SHARED_YEAR_CALM; n++) {
    await place(a);
    expect(await hint()).toBe(n);
  }
  // ...and then only every tenth again (20): the hint lags, never runs ahead.
  const calmFrom = 5 + SHARED_YEAR_CALM;
  for (let n = calmFrom; n <= 20; n++) {
    expect(await place(a)).toBe(number(n));
    expect(await hint()).toBe(n % 10 === 0 ? n : Math.max(calmFrom - 1, Math.floor(n / 10) * 10));
  }
  // b comes back: it meets a's numbers, steps over them from the lagging hint, and both are exact again.
  const next = 21;
  expect(await place(b)).toBe(number(next));
  expect(await hint()).toBe(next);
  expect(await place(a)).toBe(number(next + 1));
  expect(await hint()).toBe(next + 1);
  expect(await h.bot.database.db.collection('orders').countDocuments({ _id: { $gte: 'T-2032-', $lt: 'T-2032.' } as never })).toBe(next + 1);
});
