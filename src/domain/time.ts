/**
 * Wall-clock time in a named time zone ↔ instants, with Intl only. Dates people type in
 * cards ("2026-12-03", "13:00") mean Helsinki time, whatever the server's zone is.
 */

/**
 * Formatters by kind and zone: creating an Intl.DateTimeFormat costs far more than using one
 * (it was the bot's largest own CPU cost per order), and there are only a few zones.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'offset' | 'parts', timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = kind === 'offset'
      ? new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    formatters.set(key, f);
  }
  return f;
}

function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = formatter('offset', timeZone).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - instant.getTime()) / 60000);
}

/**
 * The instant of a local date and time. For a time that does not exist (spring forward) the
 * result is shifted forward by the gap; for one that exists twice (autumn) the first is taken.
 */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time);
  if (!d || !t) return null;
  const [y, mo, da, h, mi] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59) return null;
  const naive = Date.UTC(y, mo - 1, da, h, mi);
  if (new Date(naive).getUTCDate() !== da) return null;
  // Offsets a day either side: before and after any change near this wall-clock time.
  const before = offsetMinutes(new Date(naive - 86_400_000), timeZone) * 60000;
  const after = offsetMinutes(new Date(naive + 86_400_000), timeZone) * 60000;
  const fits = (u: number) => naive - offsetMinutes(new Date(u), timeZone) * 60000 === u;
  const valid = [naive - before, naive - after].filter(fits);
  // Exists (once or twice): the first. In a gap: the old offset, i.e. shifted forward.
  return new Date(valid.length ? Math.min(...valid) : naive - before);
}

/** "3.12.2026 klo 13.00" style local parts of an instant, for cards. */
export function localParts(instant: Date, timeZone: string): { date: string; time: string } {
  const p = Object.fromEntries(formatter('parts', timeZone).formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}
