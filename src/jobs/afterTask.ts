import { renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { coordinatorsLocale } from '../services/notify';
import { localParts, zonedTimeToUtc } from '../domain/time';
import { pickLocale, t } from '../i18n';
import { ServiceDeps } from '../services/deps';
import { requestFeedback } from '../services/feedback';
import { coordinatorAlert } from '../services/handlers';
import { message, whenText, whereText } from '../services/views';
import { dailyCron } from './digest';
import { JobDefinition } from './scheduler';
import { OPEN_ORDER_STATUSES, statusesAllowing } from '../domain/orderLifecycle';

const DAY = 86_400_000;
const NUDGE_AFTER = 2 * DAY;
const MAX_NUDGES = 2;

/** Every 5 minutes: orders whose end passed get their feedback cards; missing feedback is nudged at most twice. */
export function feedbackJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'feedback',
    cron: '*/5 * * * *',
    async run(ctx) {
      const now = ctx.now();
      for (const order of await deps.store.orders.endedBy(statusesAllowing('complete'), now)) {
        await requestFeedback(deps, order, now);
      }
      // A nudge two days after the request, a second two days after the first, then never again.
      // Counting from the last nudge, not from the request: after downtime the two must not go together.
      for (const r of await deps.store.feedback.unanswered(new Date(now.getTime() - NUDGE_AFTER), MAX_NUDGES)) {
        if ((r.nudgedAt ?? r.sentAt).getTime() > now.getTime() - NUDGE_AFTER) continue;
        const order = await deps.store.orders.get(r.orderId);
        const conv = await deps.store.conversations.get(r.conversationId);
        if (!order || !conv) continue;
        const loc = pickLocale(conv.locale, deps.config.defaultLocale);
        const n = r.nudges + 1;
        await deps.postman.post([{ key: `feedback-nudge:${r._id}:${n}`, conversationId: conv._id, activity: message(renderCard('notice', loc, { text: t(loc, 'feedback.nudge', { number: order._id, title: plainText(order.title) }), tone: 'default' })) }]);
        await deps.store.feedback.markNudged(r._id, n, now);
      }
    },
  };
}

/** The local calendar date `days` after `date` (YYYY-MM-DD): calendar days, whatever DST does to hours. */
function addLocalDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * Daily at REMINDER_TIME: reminders to experts and orderers of the tasks starting REMINDER_DAYS
 * (e.g. 7 and 1) local calendar days from today, and an alert to coordinators of orders still
 * unfilled UNFILLED_ALERT_DAYS before the start. Keys are per assignment (the orderer's per
 * order) and per number of days, so each reminder goes once whatever runs it; the day-before
 * key is the one earlier versions used, so an upgrade on a reminder day repeats nothing.
 */
export function remindersJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'reminders',
    cron: dailyCron(deps.config.reminderTime),
    async run(ctx) {
      const now = ctx.now();
      const tz = deps.config.timeZone;
      const today = localParts(now, tz).date;
      for (const days of deps.config.reminderDays) {
        const date = addLocalDays(today, days);
        const from = zonedTimeToUtc(date, '00:00', tz);
        const to = zonedTimeToUtc(addLocalDays(date, 1), '00:00', tz);
        if (!from || !to) continue;
        const due = await deps.store.assignments.acceptedStartingIn(from.getTime() > now.getTime() ? from : now, to);
        for (const a of due.filter((x) => x.startsAt > now && localParts(x.startsAt, tz).date === date)) {
          const order = await deps.store.orders.get(a.orderId);
          if (!order) continue;
          const prefix = days === 1 ? 'reminder:day-before' : `reminder:${days}-days-before`;
          for (const [who, aad] of [['expert', a.expertId], ['orderer', order.orderer.aadObjectId]] as const) {
            // As with the feedback card: an orderer without a 1:1 chat is reached where the order was placed.
            const conv = (await deps.store.conversations.personalOf(aad)) ?? (who === 'orderer' ? await deps.store.conversations.get(order.conversationId) : null);
            if (!conv) continue;
            const loc = pickLocale(conv.locale, deps.config.defaultLocale);
            const text = t(loc, 'reminder.daysBefore', { days, when: whenText(order, tz, loc), number: order._id, title: plainText(order.title), where: whereText(order, loc) });
            const key = who === 'expert' ? `${prefix}:${a._id}` : `${prefix}:${order._id}:orderer`;
            await deps.postman.post([{ key, conversationId: conv._id, activity: message(renderCard('notice', loc, { text, tone: 'default' })) }]);
          }
        }
      }
      const channel = await deps.store.channels.coordinatorsChannel();
      if (!channel) return;
      const horizon = new Date(now.getTime() + deps.config.unfilledAlertDays * DAY);
      const loc = coordinatorsLocale(deps, channel);
      for (const order of await deps.store.orders.startingBetween(OPEN_ORDER_STATUSES, now, horizon)) {
        const taken = await deps.store.assignments.countLive(order._id);
        const days = Math.ceil((order.startsAt.getTime() - now.getTime()) / DAY);
        const text = t(loc, 'reminder.unfilled', { number: order._id, title: plainText(order.title), days, taken, seats: order.seats });
        // The coordinator who took the order on is @mentioned: it needs them now.
        await deps.postman.post([{ key: `reminder:unfilled:${order._id}`, conversationId: channel.conversationId, activity: message(await coordinatorAlert(deps, order._id, loc, text)) }]);
      }
    },
  };
}
