/** Waiting on the system clock, for the outbox's sender, its app budget and its transport. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once `clock` reads `at` or later. A timer may fire a millisecond early, so this
 * looks again rather than trusting one sleep: a request must never leave before its time.
 */
export async function sleepUntil(at: number, clock: () => number, sleepFor: (ms: number) => Promise<void> = sleep): Promise<void> {
  while (clock() < at) await sleepFor(at - clock());
}
