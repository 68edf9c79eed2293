import { Harness, startHarness } from '../support/harness';
import { stored } from '../support/db';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(__filename);
});
afterAll(() => h.stop());

test('the clean-up job removes old processed activity ids, delivered messages payroll files and order form claims, and keeps recent ones', async () => {
  const old = new Date(Date.now() - 40 * 86_400_000);
  const now = new Date();
  await stored(h).processedActivities.insertMany([{ _id: 'c|old', at: old }, { _id: 'c|new', at: now }]);
  await stored(h).feeExports.insertMany([
    { _id: 'old', month: '2026-09', fileName: 'a.csv', csv: 'x', createdAt: old },
    { _id: 'new', month: '2026-10', fileName: 'b.csv', csv: 'y', createdAt: now },
  ]);
  const longAgo = new Date(Date.now() - 100 * 86_400_000);
  await stored(h).orderForms.insertMany([
    { _id: 'form-old', formId: 'form-old', gen: 0, at: longAgo },
    { _id: 'form-new', formId: 'form-new', gen: 0, at: old },
  ]);
  expect(await h.bot.scheduler.runNow('cleanup', { key: 'test' })).toBe('done');
  expect((await stored(h).processedActivities.find().toArray()).map((d) => d._id)).toEqual(['c|new']);
  expect((await stored(h).feeExports.find().toArray()).map((d) => d._id)).toEqual(['new']);
  expect((await stored(h).orderForms.find().toArray()).map((d) => d._id)).toEqual(['form-new']);
});

test('free-text feedback goes after FEEDBACK_RETENTION_DAYS (numbers stay); anonymous texts by month; texts a crash left unmoved are moved first', async () => {
  const s = h.bot.store;
  const DAY = 86_400_000;
  const retention = h.bot.deps.config.feedbackRetentionDays;
  const expired = new Date(Date.now() - (retention + 40) * DAY);
  const recent = new Date(Date.now() - 5 * DAY);
  const ymd = (d: Date) => d.toISOString().slice(0, 7);
  await stored(h).feedback.insertMany([
    { _id: 'T-2025-0001:orderer', orderId: 'T-2025-0001', role: 'orderer', answers: { tookPlace: 'yes', actualMinutes: 60, useful: 5 }, text: 'Vanha teksti', createdAt: expired },
    { _id: 'T-2026-0002:orderer', orderId: 'T-2026-0002', role: 'orderer', answers: { tookPlace: 'yes', actualMinutes: 60, useful: 4 }, text: 'Uusi teksti', createdAt: recent },
    {
      _id: 'T-2026-0003:e1', orderId: 'T-2026-0003', role: 'expert', expertId: 'e1', answers: { tookPlace: 'yes', actualMinutes: 60 }, createdAt: recent,
      anonymous: { id: 'a-stranded', text: 'Jäi siirtämättä' },
    },
  ]);
  await stored(h).anonymousFeedback.insertMany([
    { _id: 'a-old', month: ymd(expired), text: 'Vanha nimetön' },
    { _id: 'a-new', month: ymd(recent), text: 'Uusi nimetön' },
  ]);
  expect(await h.bot.scheduler.runNow('cleanup', { key: 'retention' })).toBe('done');

  const old = (await s.feedback.get('T-2025-0001:orderer'))!;
  expect(old.text).toBeUndefined();
  expect(old.answers).toMatchObject({ useful: 5, actualMinutes: 60 });
  expect((await s.feedback.get('T-2026-0002:orderer'))!.text).toBe('Uusi teksti');
  expect((await s.feedback.get('T-2026-0003:e1'))!.anonymous).toBeUndefined();
  expect((await stored(h).anonymousFeedback.find().sort({ _id: 1 }).toArray()).map((d) => [d._id, d.text])).toEqual([
    ['a-new', 'Uusi nimetön'],
    ['a-stranded', 'Jäi siirtämättä'],
  ]);
});
