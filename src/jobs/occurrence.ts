/**
 * Which occurrence a cron tick belongs to. Every instance must derive the same run key from
 * its own tick, so the key is an absolute instant (UTC ISO), never a local wall-clock string:
 * across the autumn DST change 03:30 Helsinki happens twice, and each is its own instant.
 */

/** Six fields (seconds first) tick every second; five fields at most every minute. */
export function cronUnitMs(cron: string): number {
  return cron.trim().split(/\s+/).length >= 6 ? 1000 : 60_000;
}

/**
 * The scheduled instant of a tick: the tick time truncated to the schedule's unit. node-cron
 * passes the planned slot, so this only removes jitter; truncating (not rounding) is right
 * because a timer is late, not early, and a late tick must keep its own slot.
 */
export function occurrenceOf(cron: string, tick: Date): Date {
  const unit = cronUnitMs(cron);
  return new Date(Math.floor(tick.getTime() / unit) * unit);
}

/** The run key part for a scheduled occurrence. */
export function occurrenceKey(scheduledFor: Date): string {
  return scheduledFor.toISOString();
}

/**
 * The calendar date ('YYYY-MM-DD') of an instant in the deployment's time zone: what jobs
 * put in idempotency keys such as `digest:2026-11-22:<conversationId>`.
 */
export function localDate(instant: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}
