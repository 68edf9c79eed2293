import { JobDefinition } from './scheduler';
import { ServiceDeps } from '../services/deps';
import { closedOfferCards, finishCutShortWithdrawals, offerWave } from '../services/offering';
import { closeUnfilled, finishCutShortCancellations } from '../services/orders';
import { OFFERS_CLOSE_BEFORE_START_HOURS } from '../domain/waves';
import { LIVE_ORDER_STATUSES } from '../domain/orderLifecycle';

/** Hours before the start when open offers expire: nobody should accept a task too late to prepare. */
export const EXPIRE_BEFORE_START_HOURS = OFFERS_CLOSE_BEFORE_START_HOURS;

/**
 * Every minute:
 * - the next wave for orders whose last wave has waited WAVE_WAIT_MINUTES with seats still
 *   open, and the rest of a wave cut short by a crash (offerWave resumes it once its claim is
 *   WAVE_IN_FLIGHT_MS old: a younger one is still being queued by its sender), also when its
 *   sender died before the order turned "offering";
 * - expiry of offers whose task starts soon;
 * - orders that reached their start with nobody accepted are closed as 'unfilled';
 * - cancellations and withdrawals a crash cut short are finished.
 * All are safe to repeat: waves are claimed by number, offers and messages are keyed by id.
 */
export function waveJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'offer-waves',
    cron: '* * * * *',
    async run(ctx) {
      const now = ctx.now();
      const soon = new Date(now.getTime() + EXPIRE_BEFORE_START_HOURS * 3600_000);
      const cutoff = new Date(now.getTime() - deps.config.waveWaitMinutes * 60_000);
      await finishCutShortCancellations(deps, now);
      await finishCutShortWithdrawals(deps, now);
      for (const order of await deps.store.orders.dueForWave(cutoff, soon)) await offerWave(deps, order._id, { leaveWaveInFlight: true });
      // A first wave claimed (a coordinator's click, or auto mode) whose sender died before the
      // order turned "offering" is finished too; an order nobody has sent yet is left alone.
      for (const orderId of await deps.store.orders.newStartingAfter(soon)) {
        if (await deps.store.offers.waveClaim(orderId, 1)) await offerWave(deps, orderId, { leaveWaveInFlight: true });
      }
      // One scan for both: orders starting soon (their offers expire) and those started unfilled.
      for (const order of await deps.store.orders.startingBy(LIVE_ORDER_STATUSES, soon)) {
        if (await closeUnfilled(deps, order, now)) continue;
        if (order.status === 'new') continue;
        const closed = await deps.store.offers.closeOpen(order._id, 'expired', now);
        await deps.postman.post(await closedOfferCards(deps, order, closed, 'expired'));
      }
    },
  };
}
