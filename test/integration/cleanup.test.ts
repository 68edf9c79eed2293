import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(__filename);
});
afterAll(() => h.stop());

test('the clean-up job removes old processed activity ids, delivered messages payroll files and order form claims, and keeps recent ones', async () => {
  const s = h.bot.store;
  const old = new Date(Date.now() - 40 * 86_400_000);
  const now = new Date();
  await s.activities.col.insertMany([{ _id: 'c|old', at: old }, { _id: 'c|new', at: now }]);
  await s.feeExports.col.insertMany([
    { _id: 'old', month: '2026-09', fileName: 'a.csv', csv: 'x', createdAt: old },
    { _id: 'new', month: '2026-10', fileName: 'b.csv', csv: 'y', createdAt: now },
  ]);
  const longAgo = new Date(Date.now() - 100 * 86_400_000);
  await s.orders.forms.insertMany([
    { _id: 'form-old', formId: 'form-old', gen: 0, orderId: 'T-2026-0001', at: longAgo },
    { _id: 'form-new', formId: 'form-new', gen: 0, at: old },
  ]);
  expect(await h.bot.scheduler.runNow('cleanup', { key: 'test' })).toBe('done');
  expect((await s.activities.col.find().toArray()).map((d) => d._id)).toEqual(['c|new']);
  expect((await s.feeExports.col.find().toArray()).map((d) => d._id)).toEqual(['new']);
  expect((await s.orders.forms.find().toArray()).map((d) => d._id)).toEqual(['form-new']);
});
