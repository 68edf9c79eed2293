import { randomUUID } from 'node:crypto';
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
