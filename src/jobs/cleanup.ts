import { ServiceDeps } from '../services/deps';
import { feedbackRetention } from '../services/feedback';
import { JobDefinition } from './scheduler';

const DAY = 86_400_000;

/**
 * Nightly clean-up in place of TTL indexes (not portable): processed activity ids after 2
 * days, delivered outbox messages and their leases after 30 days, payroll files after 7 days,
 * order forms' one-time claims after 90 days (the double-submit guard needs them only briefly),
 * per-user rate limit slots after a day, free-text feedback after FEEDBACK_RETENTION_DAYS.
 */
export function cleanupJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'cleanup',
    cron: '30 3 * * *',
    async run(ctx) {
      const now = ctx.now().getTime();
      const removed: Record<string, number> = {
        activities: await deps.store.activities.removeOlderThan(new Date(now - 2 * DAY)),
        outbox: await deps.store.outbox.removeSentBefore(new Date(now - 30 * DAY), new Date(now)),
        leases: await deps.store.outbox.pruneLeases(new Date(now - 30 * DAY)),
        feeExports: await deps.store.feeExports.removeOlderThan(new Date(now - 7 * DAY)),
        orderForms: await deps.store.orders.removeFormClaimsBefore(new Date(now - 90 * DAY)),
        // Rate limit slots count for a minute; a day keeps them for a look after an incident.
        rateLimitSlots: await deps.store.rateLimits.removeBefore(new Date(now - DAY)),
      };
      Object.assign(removed, await feedbackRetention(deps, ctx.now()));
      deps.log.info({ job: 'cleanup', ...removed }, 'clean-up done');
    },
  };
}
