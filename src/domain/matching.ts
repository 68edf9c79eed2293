/**
 * Who may be offered an order: hard filters (each a named check a coordinator can ask about
 * with `why`), then a fair rotation among those who pass.
 */

/** The expert fields matching reads; no names, no contacts. */
export interface Candidate {
  id: string;
  status: 'pending' | 'active' | 'rejected';
  paused: boolean;
  themes: readonly string[];
  taskTypes: readonly string[];
  municipalities: readonly string[];
  remoteOk: boolean;
  languages: readonly string[];
}

/** The order fields matching reads; its end is `endsAt` or the start plus the duration. */
export type OrderNeed = {
  themes: readonly string[];
  taskType: string;
  language: string;
  mode: 'onsite' | 'remote' | 'hybrid';
  municipality?: string;
  startsAt: Date;
} & ({ endsAt: Date } | { durationMinutes: number });

export interface TimeWindow {
  startsAt: Date;
  endsAt: Date;
}

export interface MatchContext {
  /** Accepted assignments' time windows per expert id (double-booking filter). */
  busy: ReadonlyMap<string, readonly TimeWindow[]>;
  /** Experts already offered this order. */
  alreadyOffered: ReadonlySet<string>;
  /** Assignments (never offers or declines) in the last 90 days per expert id: fair rotation. */
  recentAssignments: ReadonlyMap<string, number>;
}

export type FilterName = 'active' | 'notPaused' | 'themeOverlap' | 'taskType' | 'language' | 'place' | 'noOverlap' | 'notAlreadyOffered';

export interface FilterResult {
  filter: FilterName;
  pass: boolean;
  /** Message key naming the check (`filter.<name>`); the Teams layer pairs it with pass/fail. */
  reasonKey: `filter.${FilterName}`;
}

/** An order prepared once, so that checking 10,000 experts does no repeated work. */
interface CompiledNeed {
  themes: ReadonlySet<string>;
  taskType: string;
  language: string;
  onsite: boolean;
  remote: boolean;
  municipality?: string;
  start: number;
  end: number;
}

function compile(o: OrderNeed): CompiledNeed {
  const start = o.startsAt.getTime();
  const end = 'endsAt' in o && o.endsAt instanceof Date ? o.endsAt.getTime() : start + ('durationMinutes' in o ? o.durationMinutes : 0) * 60_000;
  return {
    themes: new Set(o.themes), taskType: o.taskType, language: o.language,
    // Hybrid: either on site in the municipality or remotely.
    onsite: o.mode !== 'remote', remote: o.mode !== 'onsite',
    municipality: o.municipality, start, end,
  };
}

type Check = (e: Candidate, o: CompiledNeed, c: MatchContext) => boolean;

const FILTERS: readonly (readonly [FilterName, Check])[] = [
  ['active', (e) => e.status === 'active'],
  ['notPaused', (e) => !e.paused],
  ['themeOverlap', (e, o) => e.themes.some((t) => o.themes.has(t))],
  ['taskType', (e, o) => e.taskTypes.includes(o.taskType)],
  ['language', (e, o) => e.languages.includes(o.language)],
  ['place', (e, o) => (o.remote && e.remoteOk) || (o.onsite && o.municipality !== undefined && e.municipalities.includes(o.municipality))],
  // Touching windows (one ends as the other starts) are fine.
  ['noOverlap', (e, o, c) => !(c.busy.get(e.id) ?? []).some((b) => b.startsAt.getTime() < o.end && b.endsAt.getTime() > o.start)],
  ['notAlreadyOffered', (e, _o, c) => !c.alreadyOffered.has(e.id)],
];

/** Every hard filter and whether the expert passes it: the answer to a coordinator's `why`. */
export function explainMatch(expert: Candidate, order: OrderNeed, ctx: MatchContext): FilterResult[] {
  const need = compile(order);
  return FILTERS.map(([filter, check]) => ({ filter, pass: check(expert, need, ctx), reasonKey: `filter.${filter}` as const }));
}

export function isEligible(expert: Candidate, order: OrderNeed, ctx: MatchContext): boolean {
  const need = compile(order);
  return FILTERS.every(([, check]) => check(expert, need, ctx));
}

/**
 * Eligible experts, fairest first: fewest assignments in the last 90 days, ties in random
 * order (one rng draw per eligible expert, in input order, so a seeded rng repeats exactly).
 * Offers and declines are not counted, so declining never lowers anyone's place.
 */
export function rankCandidates<E extends Candidate>(experts: readonly E[], order: OrderNeed, ctx: MatchContext, rng: () => number): E[] {
  const need = compile(order);
  const keyed: { e: E; n: number; tie: number }[] = [];
  for (const e of experts) {
    if (FILTERS.every(([, check]) => check(e, need, ctx))) keyed.push({ e, n: ctx.recentAssignments.get(e.id) ?? 0, tie: rng() });
  }
  // Numbers only in the comparator: 10,000 experts sort in about a millisecond.
  keyed.sort((a, b) => a.n - b.n || a.tie - b.tie);
  return keyed.map((k) => k.e);
}
