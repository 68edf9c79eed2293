import { describe, expect, test } from '@jest/globals';
import { Candidate, FilterName, MatchContext, OrderNeed, explainMatch, isEligible, rankCandidates } from '../../../src/domain/matching';
import type { Order } from '../../../src/domain/orderLifecycle';
import type { Expert } from '../../../src/domain/types';

/** mulberry32: a small seeded PRNG, so tie-breaking is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START = new Date('2026-05-12T10:00:00Z');
const END = new Date('2026-05-12T12:00:00Z');

function expert(over: Partial<Candidate> = {}): Candidate {
  return {
    id: 'e1',
    status: 'active',
    paused: false,
    themes: ['mental-health', 'youth'],
    taskTypes: ['training', 'talk'],
    municipalities: ['Tampere'],
    remoteOk: false,
    languages: ['fi'],
    ...over,
  };
}

function order(over: Partial<OrderNeed> = {}): OrderNeed {
  return {
    themes: ['mental-health'],
    taskType: 'training',
    language: 'fi',
    mode: 'onsite',
    municipality: 'Tampere',
    startsAt: START,
    endsAt: END,
    ...over,
  };
}

function ctx(over: Partial<MatchContext> = {}): MatchContext {
  return { busy: new Map(), alreadyOffered: new Set(), recentAssignments: new Map(), ...over };
}

const ALL_FILTERS: FilterName[] = ['active', 'notPaused', 'themeOverlap', 'taskType', 'language', 'place', 'noOverlap', 'notAlreadyOffered'];

/** The filters that fail, in order. */
function failing(e: Candidate, o: OrderNeed, c: MatchContext): FilterName[] {
  return explainMatch(e, o, c)
    .filter((r) => !r.pass)
    .map((r) => r.filter);
}

describe('explainMatch', () => {
  test('lists all 8 hard filters, in order, all passing for a fully suitable expert', () => {
    const result = explainMatch(expert(), order(), ctx());
    expect(result.map((r) => r.filter)).toEqual(ALL_FILTERS);
    expect(result.every((r) => r.pass)).toBe(true);
    expect(isEligible(expert(), order(), ctx())).toBe(true);
  });

  test('still lists all 8 filters when every one fails', () => {
    const e = expert({ status: 'pending', paused: true, themes: ['gambling'], taskTypes: ['talk'], languages: ['sv'], municipalities: ['Nokia'] });
    const c = ctx({ busy: new Map([['e1', [{ startsAt: START, endsAt: END }]]]), alreadyOffered: new Set(['e1']) });
    const result = explainMatch(e, order(), c);
    expect(result).toHaveLength(8);
    expect(failing(e, order(), c)).toEqual(ALL_FILTERS);
    expect(isEligible(e, order(), c)).toBe(false);
  });
});

/** Each case breaks exactly one filter; the expert must fail that one and only that one. */
describe('each hard filter fails on its own', () => {
  const cases: [FilterName, Candidate, OrderNeed, MatchContext][] = [
    ['active', expert({ status: 'pending' }), order(), ctx()],
    ['active', expert({ status: 'rejected' }), order(), ctx()],
    ['notPaused', expert({ paused: true }), order(), ctx()],
    ['themeOverlap', expert({ themes: ['gambling', 'ageing'] }), order(), ctx()],
    ['themeOverlap', expert({ themes: [] }), order(), ctx()],
    ['taskType', expert({ taskTypes: ['talk'] }), order(), ctx()],
    ['language', expert({ languages: ['sv', 'en'] }), order(), ctx()],
    ['place', expert({ municipalities: ['Nokia'] }), order(), ctx()],
    ['noOverlap', expert(), order(), ctx({ busy: new Map([['e1', [{ startsAt: START, endsAt: END }]]]) })],
    ['notAlreadyOffered', expert(), order(), ctx({ alreadyOffered: new Set(['e1']) })],
  ];
  test.each(cases)('%s', (filter, e, o, c) => {
    expect(failing(e, o, c)).toEqual([filter]);
    expect(isEligible(e, o, c)).toBe(false);
  });
});

describe('themeOverlap', () => {
  test('passes when any one of several wanted themes matches', () => {
    expect(failing(expert({ themes: ['youth'] }), order({ themes: ['gambling', 'youth'] }), ctx())).toEqual([]);
  });
  test('fails when none of several wanted themes matches', () => {
    expect(failing(expert({ themes: ['youth'] }), order({ themes: ['gambling', 'ageing'] }), ctx())).toEqual(['themeOverlap']);
  });
});

describe('language', () => {
  test('passes for a Swedish order when the expert speaks Swedish among others', () => {
    expect(failing(expert({ languages: ['fi', 'sv'] }), order({ language: 'sv' }), ctx())).toEqual([]);
  });
});

describe('place', () => {
  const place = (e: Candidate, o: OrderNeed) => explainMatch(e, o, ctx()).find((r) => r.filter === 'place')!.pass;

  test('onsite: passes in the expert’s municipality, whether or not remote is ok', () => {
    expect(place(expert({ remoteOk: false }), order({ mode: 'onsite' }))).toBe(true);
    expect(place(expert({ remoteOk: true }), order({ mode: 'onsite' }))).toBe(true);
  });
  test('onsite: fails elsewhere even if the expert is fine with remote', () => {
    expect(place(expert({ municipalities: ['Nokia'], remoteOk: true }), order({ mode: 'onsite' }))).toBe(false);
  });
  test('onsite: fails when the order has no municipality', () => {
    expect(place(expert(), order({ mode: 'onsite', municipality: undefined }))).toBe(false);
  });
  test('remote: passes for a remote-ok expert anywhere', () => {
    expect(place(expert({ municipalities: ['Nokia'], remoteOk: true }), order({ mode: 'remote', municipality: undefined }))).toBe(true);
  });
  test('remote: fails for an expert who is not remote-ok, even in the same municipality', () => {
    expect(place(expert({ remoteOk: false }), order({ mode: 'remote', municipality: 'Tampere' }))).toBe(false);
  });
  test('hybrid: passes for a remote-ok expert elsewhere', () => {
    expect(place(expert({ municipalities: ['Nokia'], remoteOk: true }), order({ mode: 'hybrid' }))).toBe(true);
  });
  test('hybrid: passes for a local expert who is not remote-ok', () => {
    expect(place(expert({ remoteOk: false }), order({ mode: 'hybrid' }))).toBe(true);
  });
  test('hybrid: fails for a non-remote expert elsewhere', () => {
    expect(place(expert({ municipalities: ['Nokia'], remoteOk: false }), order({ mode: 'hybrid' }))).toBe(false);
  });
});

describe('noOverlap', () => {
  const at = (iso: string) => new Date(`2026-05-12T${iso}:00Z`);
  const busyWith = (startsAt: Date, endsAt: Date) => ctx({ busy: new Map([['e1', [{ startsAt, endsAt }]]]) });
  const free = (c: MatchContext) => explainMatch(expert(), order(), c).find((r) => r.filter === 'noOverlap')!.pass;

  test('passes with no busy windows', () => {
    expect(free(ctx())).toBe(true);
  });
  test('touching intervals do not overlap: busy ending exactly at the start', () => {
    expect(free(busyWith(at('08:00'), at('10:00')))).toBe(true);
  });
  test('touching intervals do not overlap: busy starting exactly at the end', () => {
    expect(free(busyWith(at('12:00'), at('14:00')))).toBe(true);
  });
  test('one minute into the start overlaps', () => {
    expect(free(busyWith(at('08:00'), at('10:01')))).toBe(false);
  });
  test('one minute before the end overlaps', () => {
    expect(free(busyWith(at('11:59'), at('14:00')))).toBe(false);
  });
  test('a busy window inside the order overlaps', () => {
    expect(free(busyWith(at('10:30'), at('11:00')))).toBe(false);
  });
  test('a busy window containing the order overlaps', () => {
    expect(free(busyWith(at('09:00'), at('13:00')))).toBe(false);
  });
  test('any one of several windows overlapping is enough', () => {
    const c = ctx({ busy: new Map([['e1', [{ startsAt: at('06:00'), endsAt: at('07:00') }, { startsAt: at('11:00'), endsAt: at('13:00') }]]]) });
    expect(free(c)).toBe(false);
  });
  test('only the expert’s own busy windows count', () => {
    expect(free(ctx({ busy: new Map([['someone-else', [{ startsAt: START, endsAt: END }]]]) }))).toBe(true);
  });
});

describe('notAlreadyOffered', () => {
  test('only this expert’s own earlier offer excludes them', () => {
    expect(failing(expert(), order(), ctx({ alreadyOffered: new Set(['e2', 'e3']) }))).toEqual([]);
  });
});

describe('rankCandidates', () => {
  const ids = (xs: Candidate[]) => xs.map((x) => x.id);

  test('fewest recent assignments first', () => {
    const experts = ['a', 'b', 'c', 'd'].map((id) => expert({ id }));
    const c = ctx({ recentAssignments: new Map([['a', 3], ['b', 0], ['c', 1], ['d', 7]]) });
    expect(ids(rankCandidates(experts, order(), c, seeded(1)))).toEqual(['b', 'c', 'a', 'd']);
  });

  test('an expert missing from recentAssignments counts as zero', () => {
    const experts = ['a', 'b'].map((id) => expert({ id }));
    const c = ctx({ recentAssignments: new Map([['a', 1]]) });
    expect(ids(rankCandidates(experts, order(), c, seeded(1)))).toEqual(['b', 'a']);
  });

  test('ineligible experts are excluded, whatever their count', () => {
    const experts = [
      expert({ id: 'ok' }),
      expert({ id: 'paused', paused: true }),
      expert({ id: 'pending', status: 'pending' }),
      expert({ id: 'wrong-lang', languages: ['sv'] }),
      expert({ id: 'busy' }),
      expert({ id: 'offered' }),
    ];
    const c = ctx({
      busy: new Map([['busy', [{ startsAt: START, endsAt: END }]]]),
      alreadyOffered: new Set(['offered']),
      recentAssignments: new Map([['ok', 9]]),
    });
    expect(ids(rankCandidates(experts, order(), c, seeded(1)))).toEqual(['ok']);
  });

  test('no eligible experts → empty list', () => {
    expect(rankCandidates([expert({ paused: true })], order(), ctx(), seeded(1))).toEqual([]);
  });

  test('returns the very expert objects, extra fields included', () => {
    const e = { ...expert({ id: 'x' }), displayName: 'kept' };
    expect(rankCandidates([e], order(), ctx(), seeded(1))[0]).toBe(e);
  });

  describe('ties broken by the injected rng', () => {
    const tied = Array.from({ length: 10 }, (_, i) => expert({ id: `t${i}` }));
    const c = ctx({ recentAssignments: new Map([['low', 0], ['high', 5], ...tied.map((t) => [t.id, 2] as [string, number])]) });
    const all = [expert({ id: 'high' }), ...tied, expert({ id: 'low' })];

    test('the same seed gives the same order', () => {
      const first = ids(rankCandidates(all, order(), c, seeded(42)));
      const second = ids(rankCandidates(all, order(), c, seeded(42)));
      expect(second).toEqual(first);
    });

    test('different seeds reorder the tied experts only', () => {
      const orders = [1, 2, 3, 4, 5].map((s) => ids(rankCandidates(all, order(), c, seeded(s))));
      for (const o of orders) {
        expect(o).toHaveLength(12);
        expect(o[0]).toBe('low');
        expect(o[11]).toBe('high');
        expect([...o.slice(1, 11)].sort()).toEqual(tied.map((t) => t.id).sort());
      }
      // 10! orders among the ties: five seeds agreeing on one would mean the rng is ignored.
      expect(new Set(orders.map((o) => o.join())).size).toBeGreaterThan(1);
    });

    test('the rng decides the order among ties (lower draw first)', () => {
      const two = [expert({ id: 'p' }), expert({ id: 'q' })];
      const draws = (xs: number[]) => {
        let i = 0;
        return () => xs[i++];
      };
      expect(ids(rankCandidates(two, order(), ctx(), draws([0.9, 0.1])))).toEqual(['q', 'p']);
      expect(ids(rankCandidates(two, order(), ctx(), draws([0.1, 0.9])))).toEqual(['p', 'q']);
    });

    test('the rng never outweighs the assignment count', () => {
      const two = [expert({ id: 'busy-one' }), expert({ id: 'idle-one' })];
      const cc = ctx({ recentAssignments: new Map([['busy-one', 1], ['idle-one', 2]]) });
      const draws = [0.99, 0.0];
      let i = 0;
      expect(ids(rankCandidates(two, order(), cc, () => draws[i++]))).toEqual(['busy-one', 'idle-one']);
    });
  });

  test('declines/offers are never counted: alreadyOffered only filters, it does not move anyone', () => {
    const experts = ['a', 'b', 'c', 'd'].map((id) => expert({ id }));
    const counts = new Map([['a', 2], ['b', 0], ['c', 1], ['d', 0]]);
    const without = ids(rankCandidates(experts, order(), ctx({ recentAssignments: counts }), seeded(7)));
    // 'd' is excluded because it was offered; the others keep their relative order.
    const withOffer = ids(rankCandidates(experts, order(), ctx({ recentAssignments: counts, alreadyOffered: new Set(['d']) }), seeded(7)));
    expect(withOffer).toEqual(without.filter((id) => id !== 'd'));
    // An offered set naming no candidate changes nothing at all.
    const unrelated = ids(rankCandidates(experts, order(), ctx({ recentAssignments: counts, alreadyOffered: new Set(['zz', 'yy']) }), seeded(7)));
    expect(unrelated).toEqual(without);
  });

  test('the context carries no offers or declines count to rank by', () => {
    // Exact-keys check: adding e.g. `declines` to MatchContext breaks this under tsc.
    const keys: Record<keyof MatchContext, true> = { busy: true, alreadyOffered: true, recentAssignments: true };
    expect(Object.keys(keys).sort()).toEqual(['alreadyOffered', 'busy', 'recentAssignments']);
  });
});

describe('explainMatch: reason keys and order shapes', () => {
  test('every result names its check with an existing i18n key filter.<name>', () => {
    const results = explainMatch(expert({ paused: true }), order(), ctx());
    expect(results.map((r) => r.reasonKey)).toEqual(ALL_FILTERS.map((f) => `filter.${f}`));
    expect(results.find((r) => r.filter === 'notPaused')).toEqual({ filter: 'notPaused', pass: false, reasonKey: 'filter.notPaused' });
  });

  test('an order with a duration instead of an end is matched on start + duration', () => {
    const busy = new Map([['e1', [{ startsAt: new Date('2026-05-12T11:30:00Z'), endsAt: new Date('2026-05-12T13:00:00Z') }]]]);
    const byDuration = (durationMinutes: number): OrderNeed => ({ themes: ['mental-health'], taskType: 'training', language: 'fi', mode: 'onsite', municipality: 'Tampere', startsAt: START, durationMinutes });
    expect(isEligible(expert(), byDuration(90), ctx({ busy }))).toBe(true); // 10:00-11:30 touches 11:30
    expect(isEligible(expert(), byDuration(91), ctx({ busy }))).toBe(false);
  });

  test('the domain Expert and Order types can be matched as they are', () => {
    const e: Expert = {
      id: 'x', aadObjectId: 'x', displayName: 'X', themes: ['youth'], taskTypes: ['talk'], municipalities: ['Nokia'], remoteOk: true,
      languages: ['sv', 'other'], description: '', feePreference: 'volunteer', status: 'active', paused: false, createdAt: START, updatedAt: START,
    };
    const o: Order = {
      orderer: { aadObjectId: 'p', name: 'P' }, conversationId: 'a:p', themes: ['youth', 'loneliness'], taskType: 'talk', title: 't',
      description: 'd', startsAt: START, endsAt: new Date(START.getTime() + 3_600_000), durationMinutes: 60, mode: 'remote', link: 'https://x.fi',
      targetGroup: 'g', seats: 1, language: 'sv', costCentre: 'KP', contact: { name: 'P' }, status: 'offering', createdAt: START, updatedAt: START,
    };
    expect(explainMatch(e, o, ctx()).every((r) => r.pass)).toBe(true);
    expect(rankCandidates([e], o, ctx(), seeded(1))).toEqual([e]);
  });
});

describe('rankCandidates: fairness at scale', () => {
  test('over many seeds, each of the tied experts comes first about equally often', () => {
    const tied = ['a', 'b', 'c', 'd'].map((id) => expert({ id }));
    const first = new Map<string, number>();
    for (let s = 1; s <= 4000; s++) {
      const top = rankCandidates(tied, order(), ctx(), seeded(s))[0].id;
      first.set(top, (first.get(top) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(first.get(id)).toBeGreaterThan(850); // 1000 expected each
      expect(first.get(id)).toBeLessThan(1150);
    }
  });

  // How fast: `npm run bench -- matching` (a timed assert here would flake on a busy machine).
  test('10,000 experts: only the eligible, fewest recent assignments first', () => {
    const themes = ['mental-health', 'substance-use', 'youth', 'family', 'disability', 'ageing'];
    const towns = ['Tampere', 'Nokia', 'Ylöjärvi', 'Kangasala', 'Akaa', 'Orivesi'];
    const rnd = seeded(99);
    const experts = Array.from({ length: 10_000 }, (_, i) =>
      expert({
        id: `e${i}`,
        themes: [themes[i % 6], themes[(i * 7) % 6]],
        taskTypes: i % 3 ? ['training', 'talk'] : ['peer-group'],
        municipalities: [towns[i % 6], towns[(i + 1) % 6]],
        remoteOk: i % 2 === 0,
        languages: i % 10 ? ['fi'] : ['fi', 'sv'],
        paused: i % 17 === 0,
      }));
    const recentAssignments = new Map(experts.map((e) => [e.id, Math.floor(rnd() * 6)] as [string, number]));
    const busy = new Map(experts.filter((_, i) => i % 50 === 0).map((e) => [e.id, [{ startsAt: START, endsAt: END }]] as [string, { startsAt: Date; endsAt: Date }[]]));
    const c = ctx({ recentAssignments, busy, alreadyOffered: new Set(experts.slice(0, 300).map((e) => e.id)) });
    const o = order({ mode: 'hybrid', themes: ['mental-health', 'youth'] });
    const ranked: Candidate[] = rankCandidates(experts, o, c, seeded(1));
    expect(ranked.length).toBeGreaterThan(1000);
    expect(ranked.map((e) => e.id).sort()).toEqual(experts.filter((e) => isEligible(e, o, c)).map((e) => e.id).sort());
    for (let i = 1; i < ranked.length; i++) expect(recentAssignments.get(ranked[i - 1].id)! <= recentAssignments.get(ranked[i].id)!).toBe(true);
  });
});
