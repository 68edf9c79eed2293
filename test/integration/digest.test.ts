import { randomUUID } from 'node:crypto';
import { t } from '../../src/i18n';
import { buildDigest } from '../../src/services/digest';
import { activeExpert } from '../support/experts';
import { Harness, startHarness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, MENTION, personalMessage, text, user } from '../support/teams';
import { jobOutcomeText } from '../../src/teams/jobs';
import { validateCard } from '../support/card-validation';

const coordinator = user('Kaisa Koordinaattori');
let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename, { COORDINATOR_AAD_IDS: coordinator.aad });
});
afterAll(() => h.stop());

test('digest now before the coordinators channel is marked says so in words and runs nothing; then the channel is marked', async () => {
  h.connector.reset();
  await h.post(personalMessage(h, coordinator, 'kooste nyt'));
  await h.connector.waitFor(() => h.connector.sentTo(coordinator.personal).length === 1);
  expect(text(h.connector.sentTo(coordinator.personal)[0])).toContain(t('fi', 'job.outcome.noChannel'));
  expect(await h.bot.store.jobRuns.recent('daily-digest', 5)).toHaveLength(0);
  await h.post({ ...execute(h, coordinator, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: 'koordinaattorikanava' } as never);
  expect(await h.bot.store.channels.coordinatorsChannel()).not.toBeNull();
});

function channelMessage(textValue: string, from = coordinator) {
  return { ...execute(h, from, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: `<at>Välittäjä</at> ${textValue}`, entities: MENTION } as never;
}

test('digest now posts the digest once per run to the coordinators channel, with new and unfilled orders and the fairness line', async () => {
  const professional = user('Aino');
  await h.post(personalMessage(h, professional, 'ohje'));
  const d = new Date(Date.now() + 4 * 86_400_000).toISOString().slice(0, 10);
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', {
    formId: randomUUID(), themes: 'mental-health', taskType: 'talk', title: 'Koosteeseen tuleva tilaus', description: 'x', goal: '', date: d, time: '10:00', durationMinutes: '60',
    mode: 'remote', municipality: '', address: '', link: 'https://teams.example/x', targetGroup: 'Hoitajat', audienceSize: '', seats: '2', language: 'fi',
    costCentre: 'K1', contactName: 'Aino', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
  }))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  h.connector.reset();
  await h.post(channelMessage('kooste nyt'));
  await h.bot.sender.drain(10000);
  const posted = h.connector.sentTo(CHANNEL.id).map(text);
  const digest = posted.find((p) => p.includes(t('fi', 'digest.title')) && p.includes(t('fi', 'digest.fairness')));
  expect(digest).toBeDefined();
  expect(digest).toContain(orderId);
  expect(digest).toContain('Koosteeseen tuleva tilaus');
  expect(digest).toContain(t('fi', 'digest.fairnessLevel', { level: 'none' }));
  expect(digest).not.toMatch(/Gini|daily-digest/);
  expect(posted.some((p) => p.includes(jobOutcomeText('fi', 'daily-digest', 'done')))).toBe(true);
  expect(await h.bot.store.jobRuns.recent('daily-digest', 5)).toHaveLength(1);
});

test('only coordinators can run jobs', async () => {
  const stranger = user('Joku');
  h.connector.reset();
  await h.post(personalMessage(h, stranger, 'digest now'));
  await h.connector.waitFor(() => h.connector.sentTo(stranger.personal).length === 1);
  expect(text(h.connector.sentTo(stranger.personal)[0])).toContain('ei ole oikeutta');
  expect(await h.bot.store.jobRuns.recent('daily-digest', 5)).toHaveLength(1);
});

test("the digest names who was assigned to tomorrow's task", async () => {
  const professional = user('Aino');
  await h.post(personalMessage(h, professional, 'ohje'));
  const expert = await activeExpert(h, coordinator, 'Eero Esimerkki');
  const placed = text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title: 'Huomisen tehtävä' }, 1)))));
  const orderId = /T-\d{4}-\d{4}/.exec(placed)![0];
  await h.post(execute(h, coordinator, 'order.offerTo', { orderId, expertId: expert.aad }, CHANNEL, CHANNEL_DATA));
  expect(text(cardOf(await h.post(execute(h, expert, 'offer.accept', { offerId: `${orderId}:${expert.aad}` }))))).toContain(t('fi', 'offerHeading.accepted'));
  const digest = text(await buildDigest(h.bot.deps, new Date(), 'fi'));
  expect(digest).toMatch(new RegExp(`${orderId} · Huomisen tehtävä · [a-z]{2} \\d+\\.\\d+\\.\\d{4} klo \\d\\d\\.\\d\\d \\(1 h 30 min\\) · Eero Esimerkki`));
});

test('fairness in words, the share with a task, a "never offered" list, and charts with the same figures as text', async () => {
  await activeExpert(h, coordinator, 'Mirja Maalla');
  // Two orders that started last week: one took place, one reached its start unfilled.
  const some = (await h.bot.store.orders.createdSince(new Date(0)))[0];
  const lastWeek = new Date(Date.now() - 3 * 86_400_000);
  await h.bot.store.orders.insert({ ...some, _id: 'T-2026-9901', startsAt: lastWeek, endsAt: new Date(lastWeek.getTime() + 3_600_000), status: 'done' });
  await h.bot.store.orders.insert({ ...some, _id: 'T-2026-9902', startsAt: lastWeek, endsAt: new Date(lastWeek.getTime() + 3_600_000), status: 'unfilled' });

  const card = await buildDigest(h.bot.deps, new Date(), 'fi');
  expect(validateCard(card)).toEqual([]);
  const all = text(card);
  expect(all).not.toMatch(/Gini|\(\d,\d\d\)/);
  expect(all).toContain(t('fi', 'digest.fairnessLevel', { level: 'even' }).slice(0, 'Tasapuolisuus: '.length));
  const approved = await h.bot.store.experts.activeIds();
  // Eero took tomorrow's task (the test before); Mirja has nothing.
  expect(all).toContain(t('fi', 'digest.taskShare', { withTask: 1, experts: approved.length, share: 1 / approved.length }));
  expect(all).toContain(t('fi', 'digest.neverOfferedHeading', { count: 1 }));
  expect(all).toContain('"text":"Mirja Maalla"');

  const body = card.body as Record<string, unknown>[];
  const bars = body.find((b) => b.type === 'Chart.VerticalBar.Grouped') as { data: { legend: string; values: { x: string; y: number }[] }[]; fallback: unknown };
  expect(bars.data.map((s) => s.legend)).toEqual([t('fi', 'digest.chart.offers'), t('fi', 'digest.chart.tasks')]);
  expect(bars.data[0].values).toEqual([{ x: 'Eero Esimerkki', y: 1 }]);
  expect(bars.data[1].values).toEqual([{ x: 'Eero Esimerkki', y: 1 }]);
  // The fallback says the same in words.
  expect(text(bars.fallback)).toContain(t('fi', 'digest.expertLine', { name: 'Eero Esimerkki', offers: 1, tasks: 1 }));

  const line = body.find((b) => b.type === 'Chart.Line') as { data: { values: { x: string; y: number }[] }[]; fallback: unknown };
  expect(line.data[0].values).toHaveLength(1);
  expect(line.data[0].values[0].y).toBe(50);
  expect(text(line.fallback)).toMatch(/Viikko alkaen \d+\.\d+\.: 2 tilausta, niistä 1 täyttyi \(50\s%\)/);

  // A client without charts (the SDK the Playground renders with) shows the fallbacks.
  const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, new AC.SerializationContext(AC.Versions.v1_5));
  const rendered = JSON.stringify(parsed.toJSON());
  expect(rendered).toContain(t('fi', 'digest.expertLine', { name: 'Eero Esimerkki', offers: 1, tasks: 1 }));
  expect(rendered).toContain(t('fi', 'digest.chart.fillTitle'));

  for (const locale of ['sv', 'en'] as const) {
    const other = await buildDigest(h.bot.deps, new Date(), locale);
    expect(validateCard(other)).toEqual([]);
    expect(text(other)).toContain(t(locale, 'digest.neverOfferedHeading', { count: 1 }));
  }
});
