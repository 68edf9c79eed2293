import { randomUUID } from 'node:crypto';
import type { RunningBot } from '../../src/index';
import { stored } from './db';

/** A date `daysAhead` days from now, as the order form's date input sends it. */
export function formDate(daysAhead: number): string {
  return new Date(Date.now() + daysAhead * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A valid order form submit: a remote 90-minute talk on mental health five days from now.
 * Tests override what they are about (`{ title, mode: 'onsite', … }`).
 */
export function orderFormData(overrides: Record<string, string> = {}, daysAhead = 5): Record<string, string> {
  return {
    // The card's one-time id (src/teams/orders.ts orderForm): a fresh card each call.
    formId: randomUUID(),
    themes: 'mental-health', taskType: 'talk', title: 'Kokemuspuheenvuoro', description: 'Kokemuspuheenvuoro henkilöstölle.', goal: '',
    date: formDate(daysAhead), time: '13:00', durationMinutes: '90', mode: 'remote', municipality: '', address: '', link: 'https://teams.example/meet',
    targetGroup: 'Hoitohenkilöstö', audienceSize: '', seats: '1', language: 'fi', costCentre: 'KP-1234',
    contactName: 'Aino', contactPhone: '040 1234567', contactEmail: '', noteToCoordinator: '',
    ...overrides,
  };
}

/** The on-site variant's place fields (Tampere, an address, 40 listeners). */
export const ONSITE = { mode: 'onsite', municipality: 'Tampere', address: 'Hatanpään valtatie 24', link: '', audienceSize: '40' };

/**
 * A filled one-seat order stored directly (90 min, remote), its seat taken by `expertAad`: for
 * tests of what happens after the task (feedback, jobs), not of how orders are placed.
 */
export async function storeFilledOrder(
  h: { bot: Pick<RunningBot, 'database' | 'store'> },
  p: { id: string; startsAt: Date; orderer: { aad: string; personal: string }; expertAad: string; now: Date },
): Promise<void> {
  const { id, startsAt, now } = p;
  const endsAt = new Date(startsAt.getTime() + 90 * 60000);
  await stored(h).orders.insertOne({
    _id: id, themes: ['mental-health'], taskType: 'talk', title: `Tehtävä ${id}`, description: 'x', startsAt, durationMinutes: 90, mode: 'remote', link: 'https://x',
    targetGroup: 'x', seats: 1, language: 'fi', costCentre: 'K1', contact: { name: 'Aino' }, orderer: { aadObjectId: p.orderer.aad, name: 'Aino' },
    conversationId: p.orderer.personal, endsAt, status: 'filled', createdAt: now, updatedAt: now,
  });
  await h.bot.store.assignments.claimSeat({ _id: id, seats: 1, startsAt, endsAt }, p.expertAad, now);
}
