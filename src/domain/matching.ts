/** The expert fields matching reads; no names, no contacts. */
export interface Candidate {
  id: string;
  status: 'pending' | 'active' | 'rejected';
  paused: boolean;
  themes: string[];
  taskTypes: string[];
  municipalities: string[];
  remoteOk: boolean;
  languages: string[];
}

export interface OrderNeed {
  themes: string[];
  taskType: string;
  language: string;
  mode: 'onsite' | 'remote' | 'hybrid';
  municipality?: string;
  startsAt: Date;
  endsAt: Date;
}

export interface MatchContext {
  /** Accepted assignments' time windows per expert id (double-booking filter). */
  busy: Map<string, { startsAt: Date; endsAt: Date }[]>;
  /** Experts already offered this order. */
  alreadyOffered: Set<string>;
  /** Assignments in the last 90 days per expert id (fair rotation). */
  recentAssignments: Map<string, number>;
}

export type FilterName = 'active' | 'notPaused' | 'themeOverlap' | 'taskType' | 'language' | 'place' | 'noOverlap' | 'notAlreadyOffered';
export interface FilterResult {
  filter: FilterName;
  pass: boolean;
}

const FILTERS: [FilterName, (e: Candidate, o: OrderNeed, c: MatchContext) => boolean][] = [
  ['active', (e) => e.status === 'active'],
  ['notPaused', (e) => !e.paused],
  ['themeOverlap', (e, o) => o.themes.some((t) => e.themes.includes(t))],
  ['taskType', (e, o) => e.taskTypes.includes(o.taskType)],
  ['language', (e, o) => e.languages.includes(o.language)],
  [
    'place',
    (e, o) =>
      (o.mode !== 'onsite' && e.remoteOk) || (o.mode !== 'remote' && !!o.municipality && e.municipalities.includes(o.municipality)),
  ],
  ['noOverlap', (e, o, c) => !(c.busy.get(e.id) ?? []).some((b) => b.startsAt < o.endsAt && b.endsAt > o.startsAt)],
  ['notAlreadyOffered', (e, _o, c) => !c.alreadyOffered.has(e.id)],
];

/** Every hard filter and whether the expert passes it: the answer to a coordinator's `why`. */
export function explainMatch(expert: Candidate, order: OrderNeed, ctx: MatchContext): FilterResult[] {
  return FILTERS.map(([filter, test]) => ({ filter, pass: test(expert, order, ctx) }));
}

export function isEligible(expert: Candidate, order: OrderNeed, ctx: MatchContext): boolean {
  return FILTERS.every(([, test]) => test(expert, order, ctx));
}

/**
 * Eligible experts, fairest first: fewest assignments in the last 90 days, ties in random
 * order (rng injected so tests are repeatable). Offers and declines are not counted, so
 * declining never lowers anyone's place.
 */
export function rankCandidates<E extends Candidate>(experts: E[], order: OrderNeed, ctx: MatchContext, rng: () => number): E[] {
  const keyed = experts
    .filter((e) => isEligible(e, order, ctx))
    .map((e) => ({ e, n: ctx.recentAssignments.get(e.id) ?? 0, tie: rng() }));
  keyed.sort((a, b) => a.n - b.n || a.tie - b.tie);
  return keyed.map((k) => k.e);
}

/** The next wave: at most `waveSize` of the ranked, never more than twice the open seats' worth needed. */
export function nextWave<E extends Candidate>(ranked: E[], waveSize: number): E[] {
  return ranked.slice(0, Math.max(0, waveSize));
}
