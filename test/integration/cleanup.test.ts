import { Harness, startHarness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(__filename);
});
afterAll(() => h.stop());

test('the clean-up job removes old processed activity ids, delivered messages and payroll files, and keeps recent ones', async () => {
  const s = h.bot.store;
  const old = new Date(Date.now() - 40 * 86_400_000);
  const now = new Date();
  await s.activities.col.insertMany([{ _id: 'c|old', at: old }, { _id: 'c|new', at: now }]);
  await s.feeExports.col.insertMany([
    { _id: 'old', month: '2026-09', fileName: 'a.csv', csv: 'x', createdAt: old },
    { _id: 'new', month: '2026-10', fileName: 'b.csv', csv: 'y', createdAt: now },
  ]);
  expect(await h.bot.scheduler.runNow('cleanup', { key: 'test' })).toBe('done');
  expect((await s.activities.col.find().toArray()).map((d) => d._id)).toEqual(['c|new']);
  expect((await s.feeExports.col.find().toArray()).map((d) => d._id)).toEqual(['new']);
});
