import { expertReviewsJob } from '../../src/jobs/expertReviews';
import { Scheduler } from '../../src/jobs/scheduler';
import { createLogger } from '../../src/log';
import { Harness } from '../support/harness';
import { decisionData, expertProfile, startForJobTests } from '../support/experts';
import { cardOf, CHANNEL, CHANNEL_DATA, execute, personalMessage, text, user, User } from '../support/teams';

/**
 * Issue 11, item 6: a crash right after a profile was saved left it pending with no approval
 * card (and re-saving posted none); a crash right after Approve left the expert untold (the
 * second click answered "Approved" and sent nothing). Both are completed by the next save or
 * click, and by the `expert-reviews` job.
 *
 * The crash is injected where it hurts: the bot dies when it hands the approval card (or the
 * expert's notice) to the outbox, after the profile (or the decision) was written.
 */

const coordinator = user('Kaisa Koordinaattori');
const professional = user('Paula Ammattilainen');
let h: Harness;
let crashOn: string | undefined;

beforeAll(async () => {
  h = await startForJobTests(__filename, coordinator, professional);
  const outbox = h.bot.store.outbox;
  // Every way into the outbox (enqueue, and the sender's post, which claims as it queues) goes through enqueueClaiming.
  const enqueueClaiming = outbox.enqueueClaiming.bind(outbox);
  outbox.enqueueClaiming = async (items, now, claim) => {
    if (crashOn && items.some((i) => i.key.startsWith(crashOn!))) {
      crashOn = undefined;
      throw new Error('simulated crash (kill -9) before the outbox write');
    }
    return enqueueClaiming(items, now, claim);
  };
});
afterAll(() => h.stop());

/** Runs the expert-reviews job once through a scheduler's claim, as a cron tick or `runNow` would. */
async function runReviewsJob(key: string): Promise<string> {
  const scheduler = new Scheduler({ repo: h.bot.store.jobRuns, timeZone: h.bot.config.timeZone, log: createLogger('silent') }).register(expertReviewsJob(h.bot.deps));
  return scheduler.runNow('expert-reviews', { key });
}

async function registered(name: string): Promise<User> {
  const u = user(name);
  await h.post(personalMessage(h, u, 'ilmoittaudu'));
  return u;
}

/** Approval cards for this expert that reached the coordinators' channel. */
async function approvalCardsOf(u: User): Promise<number> {
  await h.bot.sender.drain(10_000);
  return h.connector.sentTo(CHANNEL.id).filter((b) => text(b).includes(u.aad)).length;
}

async function saveCrashingBeforeTheCard(u: User, name: string): Promise<void> {
  crashOn = 'expert-approval:';
  const res = await h.post(execute(h, u, 'expert.saveProfile', expertProfile(name)));
  expect(text(res.body)).not.toContain('Odottaa'); // the turn died: the expert saw an error
  expect(crashOn).toBeUndefined();
  expect((await h.bot.store.experts.get(u.aad))!.status).toBe('pending');
  expect(await approvalCardsOf(u)).toBe(0);
}

test('a profile saved without its approval card gets the card when the expert saves again', async () => {
  const u = await registered('Sirpa Tallentaja');
  await saveCrashingBeforeTheCard(u, 'Sirpa Tallentaja');
  expect(text(cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile('Sirpa Tallentaja')))))).toContain('Odottaa');
  expect(await approvalCardsOf(u)).toBe(1);
  // Saving once more posts no second card.
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile('Sirpa Tallentaja'))));
  expect(await approvalCardsOf(u)).toBe(1);
});

test('a profile saved without its approval card gets the card from the expert-reviews job', async () => {
  const u = await registered('Jaana Jonossa');
  await saveCrashingBeforeTheCard(u, 'Jaana Jonossa');
  expect(await runReviewsJob('first')).toBe('done');
  expect(await approvalCardsOf(u)).toBe(1);
  expect(await runReviewsJob('again')).toBe('done');
  expect(await approvalCardsOf(u)).toBe(1);
});

async function approveCrashingBeforeTheNotice(u: User, name: string): Promise<Record<string, unknown>> {
  cardOf(await h.post(execute(h, u, 'expert.saveProfile', expertProfile(name))));
  await h.bot.sender.drain(10_000);
  const shown = await decisionData(h, u);
  crashOn = 'expert-decision:';
  const res = await h.post(execute(h, coordinator, 'expert.approve', shown, CHANNEL, CHANNEL_DATA));
  expect(text(res.body)).not.toContain('Hyväksytty');
  expect(crashOn).toBeUndefined();
  expect((await h.bot.store.experts.get(u.aad))!.status).toBe('active');
  await h.bot.sender.drain(10_000);
  expect(h.connector.sentTo(u.personal).filter((b) => text(b).includes('Profiilisi on hyväksytty'))).toHaveLength(0);
  return shown;
}

test('after a crash between Approve and the notice, the second click tells the expert (once)', async () => {
  const u = await registered('Heikki Hyväksytty');
  const shown = await approveCrashingBeforeTheNotice(u, 'Heikki Hyväksytty');
  expect(text(cardOf(await h.post(execute(h, coordinator, 'expert.approve', shown, CHANNEL, CHANNEL_DATA))))).toContain('Hyväksytty');
  await h.bot.sender.drain(10_000);
  expect(h.connector.sentTo(u.personal).filter((b) => text(b).includes('Profiilisi on hyväksytty'))).toHaveLength(1);
  // A third click, or the job, tells nobody again.
  cardOf(await h.post(execute(h, coordinator, 'expert.approve', shown, CHANNEL, CHANNEL_DATA)));
  await runReviewsJob('after-click');
  await h.bot.sender.drain(10_000);
  expect(h.connector.sentTo(u.personal).filter((b) => text(b).includes('Profiilisi on hyväksytty'))).toHaveLength(1);
});

test('after a crash between Approve and the notice, the expert-reviews job tells the expert and updates the card', async () => {
  const u = await registered('Liisa Luvattu');
  await approveCrashingBeforeTheNotice(u, 'Liisa Luvattu');
  h.connector.reset();
  expect(await runReviewsJob('recover-notice')).toBe('done');
  await h.bot.sender.drain(10_000);
  expect(h.connector.sentTo(u.personal).filter((b) => text(b).includes('Profiilisi on hyväksytty'))).toHaveLength(1);
  const cardUpdate = h.connector.calls.find((c) => c.method === 'PUT' && c.conversationId.split(';')[0] === CHANNEL.id && text(c.body).includes('Liisa Luvattu'));
  expect(text(cardUpdate?.body)).toContain('Hyväksytty (Kaisa Koordinaattori)');
});
