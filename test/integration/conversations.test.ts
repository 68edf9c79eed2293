import { fixture } from '../support/activities';
import { startHarness, Harness } from '../support/harness';
import { stored } from '../support/db';

let h: Harness;

beforeAll(async () => {
  h = await startHarness(__filename);
});
afterAll(async () => {
  await h.stop();
});
beforeEach(() => h.connector.reset());

function cardOf(body: Record<string, unknown>): Record<string, unknown> {
  const attachments = body.attachments as { contentType: string; content: Record<string, unknown> }[];
  expect(attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  return attachments[0].content;
}

test('a personal message stores the conversation reference and answers help in Finnish', async () => {
  const a = fixture('message-personal', h.connector.url);
  const res = await h.post(a);
  expect(res.status).toBe(200);
  const stored = await h.bot.store.conversations.personalOf('6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b');
  expect(stored).toMatchObject({ _id: 'a:1personal-aino', scope: 'personal', reachable: true });
  expect(stored!.reference.serviceUrl).toBe(h.connector.url);
  expect(JSON.stringify(stored)).not.toContain('Aino Ammattilainen');
  await h.connector.waitFor(() => h.connector.sentTo('a:1personal-aino').length === 1);
  const card = cardOf(h.connector.sentTo('a:1personal-aino')[0]);
  expect(JSON.stringify(card)).toContain('Välittäjä – kokemusasiantuntijoiden välitys');
  expect(JSON.stringify(card)).toContain('tilaa');
});

test('every message updates the reference (new service URL) without duplicating it', async () => {
  const first = fixture('message-personal', h.connector.url);
  await h.post(first);
  const before = await h.bot.store.conversations.get('a:1personal-aino');
  const moved = fixture('message-personal', `${h.connector.url}moved/`, { text: 'help', locale: 'en-US' });
  await h.post(moved);
  const after = await h.bot.store.conversations.get('a:1personal-aino');
  expect(after!.reference.serviceUrl).toBe(`${h.connector.url}moved/`);
  expect(after!.locale).toBe('en-US');
  expect(after!.createdAt.getTime()).toBe(before!.createdAt.getTime());
  expect(after!.updatedAt.getTime()).toBeGreaterThanOrEqual(before!.updatedAt.getTime());
  expect(await stored(h).conversations.countDocuments({ _id: 'a:1personal-aino' })).toBe(1);
});

test('personal installation welcomes the user in Swedish and stores the reference', async () => {
  const a = fixture('conversation-update-personal-install', h.connector.url);
  expect((await h.post(a)).status).toBe(200);
  await h.connector.waitFor(() => h.connector.sentTo('a:1personal-eero').length === 1);
  const card = JSON.stringify(cardOf(h.connector.sentTo('a:1personal-eero')[0]));
  expect(card).toContain('Välkommen till Välittäjä!');
  expect(await h.bot.store.conversations.personalOf('9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d')).not.toBeNull();
});

test('group chat installation stores the group chat and welcomes it', async () => {
  const a = fixture('conversation-update-groupchat-install', h.connector.url);
  await h.post(a);
  await h.connector.waitFor(() => h.connector.sentTo('19:tiimipalaveri@thread.v2').length === 1);
  expect(await h.bot.store.conversations.get('19:tiimipalaveri@thread.v2')).toMatchObject({ scope: 'groupChat' });
});

test('team installation records the team channels and welcomes the channel', async () => {
  h.connector.teamChannels['19:hyvinvointialue-general@thread.tacv2'] = [
    { id: '19:hyvinvointialue-general@thread.tacv2', name: undefined },
    { id: '19:koordinaattorit@thread.tacv2', name: 'Koordinaattorit' },
  ];
  await h.post(fixture('conversation-update-team-install', h.connector.url));
  await h.connector.waitFor(() => h.connector.sentTo('19:hyvinvointialue-general@thread.tacv2').length === 1);
  const channels = await h.bot.store.channels.channelsOf('19:hyvinvointialue-general@thread.tacv2');
  expect(channels.map((c) => c._id).sort()).toEqual(['19:hyvinvointialue-general@thread.tacv2', '19:koordinaattorit@thread.tacv2']);
});

test('installationUpdate and conversationUpdate of a new team arriving together: both handled, the channel welcomed once', async () => {
  // Teams sends the two within milliseconds; both store the new channel. On FerretDB (and
  // Cosmos DB) one of two concurrent upserts of a new _id fails with a duplicate key, which
  // used to fail the whole turn, so the welcome never came (seen in the Playground).
  for (let n = 0; n < 8; n++) {
    const team = `19:race-${n}-${Date.now()}@thread.tacv2`;
    h.connector.teamChannels[team] = [{ id: team, name: undefined }];
    const base = { conversation: { isGroup: true, conversationType: 'channel', tenantId: 't', id: team } };
    const channelData = { team: { id: team, name: 'Tiimi' }, tenant: { id: 't' } };
    const update = fixture('conversation-update-team-install', h.connector.url, { ...base, channelData: { ...channelData, eventType: 'teamMemberAdded' } });
    const install = fixture('conversation-update-team-install', h.connector.url, { ...base, type: 'installationUpdate', action: 'add', membersAdded: undefined, channelData });
    const answers = await Promise.all([h.post(install), h.post(update)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    await h.connector.waitFor(() => h.connector.sentTo(team).length === 1);
    expect(JSON.stringify(h.connector.sentTo(team)[0])).toContain('Tervetuloa Välittäjään!');
    expect(await stored(h).teamChannels.countDocuments({ _id: team })).toBe(1);
    expect(await stored(h).conversations.countDocuments({ _id: team })).toBe(1);
  }
});

test('concurrent upserts of one new channel all succeed (a lost insert race is retried as an update)', async () => {
  const now = new Date();
  for (let n = 0; n < 5; n++) {
    const id = `19:upsert-race-${n}-${Date.now()}@thread.tacv2`;
    await Promise.all(Array.from({ length: 6 }, (_, k) => h.bot.store.channels.recordChannel({ id, teamId: 'team-x', name: `n${k}` }, now)));
    expect(await stored(h).teamChannels.countDocuments({ _id: id })).toBe(1);
  }
});

test('with no coordinator configured no channel becomes the coordinators channel; the answer says how to configure one', async () => {
  // Formerly the first team to type the command became the coordinators' team for good.
  await h.post(fixture('message-channel', h.connector.url));
  const conv = '19:koordinaattorit@thread.tacv2;messageid=1700000000002';
  await h.connector.waitFor(() => h.connector.sentTo(conv).length === 1);
  expect(JSON.stringify(h.connector.sentTo(conv)[0])).toContain('COORDINATOR_AAD_IDS');
  expect(await h.bot.store.channels.coordinatorsChannel()).toBeNull();
});

test('unknown text gets the help card, not silence', async () => {
  await h.post(fixture('message-personal', h.connector.url, { text: 'mitä kuuluu?' }));
  await h.connector.waitFor(() => h.connector.sentTo('a:1personal-aino').length === 1);
  expect(JSON.stringify(h.connector.sentTo('a:1personal-aino')[0])).toContain('tilaa');
});

test('a burst from one chat writes its reference once; a change, an unreachable mark or a minute later writes again', async () => {
  const repo = h.bot.store.conversations;
  const writes = async (f: () => Promise<void>): Promise<number> => {
    const before = (await repo.get('burst-1'))?.updatedAt.getTime();
    await f();
    return (await repo.get('burst-1'))!.updatedAt.getTime() === before ? 0 : 1;
  };
  const doc = {
    _id: 'burst-1', scope: 'personal' as const, userAadObjectId: 'b0000000-0000-4000-8000-000000000001', locale: 'fi-FI',
    reference: { bot: { id: '28:bot' }, channelId: 'msteams', serviceUrl: 'https://smba.example/', conversation: { id: 'burst-1' } },
  };
  const t0 = Date.now();
  expect(await writes(() => repo.upsert(doc, new Date(t0)))).toBe(1);
  expect(await writes(() => repo.upsert(doc, new Date(t0 + 1_000)))).toBe(0);
  expect(await writes(() => repo.upsert({ ...doc, locale: 'sv-SE' }, new Date(t0 + 2_000)))).toBe(1);
  await repo.markUnreachable('burst-1', new Date(t0 + 3_000));
  expect((await repo.get('burst-1'))!.reachable).toBe(false);
  await repo.upsert({ ...doc, locale: 'sv-SE' }, new Date(t0 + 4_000));
  expect((await repo.get('burst-1'))!.reachable).toBe(true);
  expect(await writes(() => repo.upsert({ ...doc, locale: 'sv-SE' }, new Date(t0 + 5_000)))).toBe(0);
  expect(await writes(() => repo.upsert({ ...doc, locale: 'sv-SE' }, new Date(t0 + 4_000 + 61_000)))).toBe(1);
});
