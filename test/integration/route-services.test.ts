import { createLogger } from '../../src/log';
import { ServiceDeps } from '../../src/services/deps';
import { earningsGuardStatus, ownEarningsGuard, saveEarningsGuard } from '../../src/services/benefitGuard';
import { channelChanged, coordinatorsChannelOf, recordTeamChannel, setCoordinatorsChannel } from '../../src/services/channels';
import { expertProfileOf, setExpertPaused } from '../../src/services/experts';
import { Harness, startHarness } from '../support/harness';

// Issue 14: the use cases the Teams routes for experts, earnings limits and channels used to
// hold themselves, now services; here the paths no route test reaches (a deleted channel, a
// volunteer month changed in a later month, pausing without a profile), against the real database.
let h: Harness;
beforeAll(async () => {
  h = await startHarness(__filename);
  await h.bot.scheduler.stop();
});
afterAll(() => h.stop());

const at = (iso: string): ServiceDeps => ({ ...h.bot.deps, now: () => new Date(iso) });

test('a deleted channel leaves the team list and is no longer posted to; a renamed one is listed by its new name', async () => {
  const deps = at('2026-03-10T10:00:00Z');
  const reference = { _id: '19:kanava-a@thread.tacv2', scope: 'channel' as const, reference: { conversation: { id: '19:kanava-a@thread.tacv2' }, serviceUrl: h.connector.url } };
  await recordTeamChannel(deps, { id: '19:kanava-a@thread.tacv2', teamId: 'team-r', name: 'A' }, reference as never);
  await recordTeamChannel(deps, { id: '19:kanava-b@thread.tacv2', teamId: 'team-r', name: 'B' });
  expect(await h.bot.store.conversations.get('19:kanava-a@thread.tacv2')).toMatchObject({ reachable: true });
  // Without a reference the channel is listed but nothing is stored to post in it.
  expect(await h.bot.store.conversations.get('19:kanava-b@thread.tacv2')).toBeNull();

  await channelChanged(deps, { id: '19:kanava-b@thread.tacv2', teamId: 'team-r', name: 'B uusi' }, false);
  await channelChanged(deps, { id: '19:kanava-a@thread.tacv2', teamId: 'team-r', name: 'A' }, true);
  const listed = await h.bot.store.channels.channelsOf('team-r');
  expect(listed.map((c) => [c._id, c.name])).toEqual([['19:kanava-b@thread.tacv2', 'B uusi']]);
  expect(await h.bot.store.conversations.get('19:kanava-a@thread.tacv2')).toMatchObject({ reachable: false });
});

test("the coordinators' channel is known with the language it was marked in", async () => {
  expect(await coordinatorsChannelOf(h.bot.deps)).toBeNull();
  await setCoordinatorsChannel(h.bot.deps, { conversationId: '19:koord@thread.tacv2', teamId: 'team-r', tenantId: 'tenant-r' }, 'coordinator-aad', 'sv');
  expect(await coordinatorsChannelOf(h.bot.deps)).toEqual({
    channel: expect.objectContaining({ conversationId: '19:koord@thread.tacv2', teamId: 'team-r', tenantId: 'tenant-r', locale: 'sv' }),
    locale: 'sv',
  });
});

test('pausing needs a profile; a paused profile reads back paused', async () => {
  expect(await setExpertPaused(h.bot.deps, 'no-profile-aad', true)).toBeNull();
  expect(await expertProfileOf(h.bot.deps, 'no-profile-aad')).toBeNull();
  await h.bot.store.experts.saveProfile('Expert-R', { displayName: 'Rinne Riikka', themes: ['mental-health'], taskTypes: ['talk'], municipalities: [], remoteOk: true, languages: ['fi'], description: 'x', feePreference: 'fee' }, new Date('2026-03-01T10:00:00Z'));
  expect(await setExpertPaused(h.bot.deps, 'Expert-R', true)).toMatchObject({ _id: 'expert-r', paused: true });
  expect(await expertProfileOf(h.bot.deps, 'expert-r')).toMatchObject({ paused: true });
  expect(await setExpertPaused(h.bot.deps, 'expert-r', false)).toMatchObject({ paused: false });
});

test("an earnings limit needs a profile; a volunteer month is changed only for this month, earlier ones are kept", async () => {
  expect(await ownEarningsGuard(h.bot.deps, 'no-profile-aad')).toEqual({ kind: 'noProfile' });
  expect(await ownEarningsGuard(h.bot.deps, 'EXPERT-R')).toEqual({ kind: 'found', guard: null });

  const logs: string[] = [];
  const log = createLogger('info', { write: (line: string) => void logs.push(line) });
  const march = { ...at('2026-03-15T10:00:00Z'), log };
  const april = { ...at('2026-04-15T10:00:00Z'), log };
  await saveEarningsGuard(march, 'Expert-R', { limitCents: 30000, per: 'month', pauseAtLimit: true, volunteerThisMonth: true });
  let saved = await saveEarningsGuard(april, 'expert-r', { limitCents: 30000, per: 'month', pauseAtLimit: true, volunteerThisMonth: true, noteUrl: 'https://example.org/muistio' });
  expect(saved.volunteerMonths).toEqual(['2026-03', '2026-04']);
  saved = await saveEarningsGuard(april, 'expert-r', { per: 'year', pauseAtLimit: false, volunteerThisMonth: false });
  expect(saved).toMatchObject({ per: 'year', pauseAtLimit: false, volunteerMonths: ['2026-03'] });
  expect(saved.limitCents).toBeUndefined();
  expect(saved.noteUrl).toBeUndefined();

  const own = await ownEarningsGuard(april, 'expert-r');
  expect(own).toMatchObject({ kind: 'found', guard: { volunteerMonths: ['2026-03'] } });
  const status = await earningsGuardStatus(april, 'expert-r', own.kind === 'found' ? own.guard : null);
  expect(status).toMatchObject({ month: '2026-04', volunteerThisMonth: false, earnedCents: 0, window: { id: '2026' } });
  expect((await earningsGuardStatus(march, 'expert-r', own.kind === 'found' ? own.guard : null)).volunteerThisMonth).toBe(true);
  // No figure in the log: the limit is the expert's own.
  expect(logs.filter((l) => l.includes('earnings limit saved'))).toHaveLength(3);
  expect(logs.join('\n')).not.toMatch(/30000|muistio|volunteerMonths/);
});
