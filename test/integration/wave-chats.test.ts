import { FIRST_SLICE, SLICES_BY_KEY } from '../../src/domain/waves';
import { offerWave } from '../../src/services/offering';
import { activeExpert, startForJobTests } from '../support/experts';
import { Harness } from '../support/harness';
import { orderFormData } from '../support/orders';
import { cardOf, execute, text, user, User } from '../support/teams';

// A wave written in more than one slice (src/domain/waves.ts fanOutSlices) looks up every
// expert's 1:1 chat once, not once per slice: on FerretDB each lookup of a list of users reads
// every chat (docs/performance.md). The first two slices' chats are looked up by key instead (two
// reads each, `personalChats` then the chat), so the first offers wait for no such read.
// BENCH_STATS=1 counts the bot's commands.
const coordinator = user('Kaisa Koordinaattori');
const professional = user('Aino Ammattilainen');
const BY_KEY = SLICES_BY_KEY * FIRST_SLICE;
const WAVE = BY_KEY + 3;
let h: Harness;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional, { WAVE_SIZE: String(WAVE), BENCH_STATS: '1' });
}, 30000);
afterAll(() => h.stop());

async function placeOrder(title: string): Promise<string> {
  return /T-\d{4}-\d{4}/.exec(text(cardOf(await h.post(execute(h, professional, 'order.submit', orderFormData({ title }))))))![0];
}

/** `find conversations` and `find personalChats` commands while `run` runs, the outbox sender stopped meanwhile. */
async function chatReads(run: () => Promise<unknown>): Promise<{ chats: number; links: number }> {
  await h.bot.sender.stop();
  try {
    const counts = () => h.bot.database.commandCounts() ?? {};
    const before = { ...counts() };
    await run();
    const after = counts();
    return {
      chats: (after['find conversations'] ?? 0) - (before['find conversations'] ?? 0),
      links: (after['find personalChats'] ?? 0) - (before['find personalChats'] ?? 0),
    };
  } finally {
    h.bot.sender.start();
  }
}

const offersTo = (u: User, orderId: string) => h.connector.sentTo(u.personal).filter((a) => text(a).includes('offer.accept') && text(a).includes(orderId));

test(`a wave of ${WAVE} (three slices) reads every chat once after its first two slices' chats by key, and each expert gets one offer card in their own chat`, async () => {
  const experts: User[] = [];
  for (let i = 0; i < WAVE; i++) experts.push(await activeExpert(h, coordinator, `Asiantuntija ${i + 1}`));
  const orderId = await placeOrder('Iso aalto');
  expect(await chatReads(() => offerWave(h.bot.deps, orderId))).toEqual({ links: BY_KEY, chats: BY_KEY + 1 });
  await h.bot.sender.drain(10000);
  for (const e of experts) expect(offersTo(e, orderId)).toHaveLength(1);
});

test('a wave that fits in one slice looks up only its own experts\' chats, by key', async () => {
  const orderId = await placeOrder('Pieni aalto');
  const read = await chatReads(() => offerWave(h.bot.deps, orderId, { count: 2 }));
  expect(read).toEqual({ links: 2, chats: 2 });
  await h.bot.sender.drain(10000);
  expect(await h.bot.store.offers.ofOrder(orderId)).toHaveLength(2);
});

test('a wave\'s offers go out with the chats the wave read (no read of a chat per message); an unreachable chat is read and gets nothing', async () => {
  const reachable = [await activeExpert(h, coordinator, 'Asiantuntija R1'), await activeExpert(h, coordinator, 'Asiantuntija R2')];
  const gone = await activeExpert(h, coordinator, 'Asiantuntija Poissa');
  const orderId = await placeOrder('Viitteet mukana');
  await h.bot.sender.drain(10000);
  // Everyone of this order's wave, and nobody else: the two reachable experts. The wave looks
  // up their chats (by key); delivering its cards reads none.
  const chatReads = () => h.bot.database.commandCounts()?.['find conversations'] ?? 0;
  const before = chatReads();
  await offerWave(h.bot.deps, orderId, { expertIds: reachable.map((e) => e.aad) });
  const queued = chatReads();
  await h.bot.sender.drain(10000);
  expect(queued - before).toBe(2);
  expect(chatReads() - queued).toBe(0);
  for (const e of reachable) expect(offersTo(e, orderId)).toHaveLength(1);
  // A chat Teams refused before: its offer is queued without a reference, so the sender reads
  // the chat, finds it unreachable and sends nothing.
  await h.bot.store.conversations.markUnreachable(gone.personal, new Date());
  await offerWave(h.bot.deps, orderId, { expertIds: [gone.aad] });
  await h.bot.sender.drain(10000);
  expect(offersTo(gone, orderId)).toHaveLength(0);
  const offer = (await h.bot.store.offers.ofOrder(orderId)).find((o) => o.expertId === gone.aad.toLowerCase())!;
  expect(await h.bot.store.outbox.get(`offer:${offer._id}`)).toMatchObject({ status: 'failed', lastError: 'unreachable' });
});
