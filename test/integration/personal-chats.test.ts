import { MongoClient } from 'mongodb';
import { ConversationRepo, ConversationUpsert } from '../../src/store/conversations';
import { testConfig, testDbName } from '../support/harness';

// A user's latest 1:1 chat is also kept by key (`personalChats`, src/store/conversations.ts):
// a wave's first offers look their chats up that way instead of reading every chat (FerretDB
// answers any other filter by reading the whole collection). It must agree with the chats.
let client: MongoClient;
let repo: ConversationRepo;
const t0 = new Date('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function personal(id: string, aad: string, serviceUrl = 'https://smba.example/emea/'): ConversationUpsert {
  return {
    _id: id, scope: 'personal', tenantId: 't', userAadObjectId: aad, locale: 'fi-FI',
    reference: { bot: { id: '28:bot' }, channelId: 'msteams', serviceUrl, conversation: { id, conversationType: 'personal', tenantId: 't' }, user: { id: `29:${aad}`, aadObjectId: aad } },
  };
}

beforeAll(async () => {
  client = new MongoClient(testConfig(__filename).mongodbUri);
  const db = client.db(testDbName(__filename));
  await db.dropDatabase();
  repo = new ConversationRepo(db);
  await repo.ensureIndexes();
});
afterAll(() => client.close());

test('the key lookup follows the chats: the latest chat of each user, found with reads by key only, for many users or one', async () => {
  await repo.upsert(personal('a:1old', 'aaa'), at(0));
  await repo.upsert(personal('a:1new', 'aaa'), at(1000));
  await repo.upsert(personal('a:1bee', 'bbb'), at(0));
  const monitored = await new MongoClient(testConfig(__filename).mongodbUri, { monitorCommands: true }).connect();
  try {
    const filters: string[] = [];
    monitored.on('commandStarted', (e) => { if (e.commandName === 'find') filters.push(JSON.stringify(Object.keys(e.command.filter ?? {}))); });
    const there = new ConversationRepo(monitored.db(testDbName(__filename)));
    const few = await there.personalOfFew(['AAA', 'bbb']);
    expect(Object.fromEntries([...few].map(([aad, c]) => [aad, c._id]))).toEqual({ aaa: 'a:1new', bbb: 'a:1bee' });
    expect(few.get('aaa')!.reference.serviceUrl).toBe('https://smba.example/emea/');
    // One user's chat (a reminder, a feedback card) is found the same way.
    expect((await there.personalOf('BBB'))?._id).toBe('a:1bee');
    expect(new Set(filters)).toEqual(new Set(['["_id"]']));
  } finally {
    await monitored.close();
  }
  expect(Object.fromEntries([...(await repo.personalOfMany(['aaa', 'bbb']))].map(([aad, c]) => [aad, c._id]))).toEqual({ aaa: 'a:1new', bbb: 'a:1bee' });
});

test('chats stored before the key lookup existed are found too, and indexed at the next start (never over a newer one)', async () => {
  const db = client.db(testDbName(__filename));
  // As an older version left them: chats only.
  await db.collection('conversations').insertOne({ ...personal('a:1legacy', 'ccc'), reachable: true, createdAt: at(0), updatedAt: at(0) } as never);
  expect((await repo.personalOfFew(['ccc'])).get('ccc')?._id).toBe('a:1legacy');
  await repo.upsert(personal('a:1newer', 'ddd'), at(5000));
  await db.collection('conversations').insertOne({ ...personal('a:1older', 'ddd'), reachable: true, createdAt: at(0), updatedAt: at(0) } as never);
  expect(await repo.indexPersonalChats()).toBe(1); // ccc; ddd's link stays as upsert wrote it
  expect(await db.collection('personalChats').findOne({ _id: 'ccc' } as never)).toMatchObject({ conversationId: 'a:1legacy' });
  expect(await db.collection('personalChats').findOne({ _id: 'ddd' } as never)).toMatchObject({ conversationId: 'a:1newer' });
  expect(await repo.indexPersonalChats()).toBe(0);
});

test('erasure: unlinking a user removes their key lookup, and their chat is no longer theirs by any lookup', async () => {
  await repo.upsert(personal('a:1erased', 'eee'), at(0));
  await repo.unlinkUser('EEE');
  const db = client.db(testDbName(__filename));
  expect(await db.collection('personalChats').countDocuments({ _id: 'eee' } as never)).toBe(0);
  expect((await repo.personalOfFew(['eee'])).size).toBe(0);
  expect(await repo.personalOf('eee')).toBeNull();
});

test('only a new 1:1 chat writes its key lookup: a refresh of a known chat (a card click a minute later) is one write, as before', async () => {
  const monitored = await new MongoClient(testConfig(__filename).mongodbUri, { monitorCommands: true }).connect();
  try {
    const writes: string[] = [];
    monitored.on('commandStarted', (e) => { if (e.commandName === 'update') writes.push(`update ${e.command.update}`); });
    const here = new ConversationRepo(monitored.db(testDbName(__filename)));
    await here.upsert(personal('a:1fresh', 'fff'), at(0));
    expect(writes).toEqual(['update conversations', 'update personalChats']);
    writes.length = 0;
    await here.upsert(personal('a:1fresh', 'fff', 'https://smba.example/amer/'), at(2 * ConversationRepo.REFRESH_MS));
    expect(writes).toEqual(['update conversations']);
    expect((await here.personalOfFew(['fff'])).get('fff')!.reference.serviceUrl).toBe('https://smba.example/amer/');
  } finally {
    await monitored.close();
  }
});
