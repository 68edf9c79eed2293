import { jobOutcomeText } from '../../src/teams/jobs';

/**
 * What a coordinator reads after a run-now that ran, or found this minute's run done or
 * running (a timed tick of the same minute may have come first): any of the three, in Finnish.
 */
export function ranNow(job: string, period = ''): RegExp {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp((['done', 'already-done', 'running-elsewhere'] as const).map((o) => escape(jobOutcomeText('fi', job, o, period))).join('|'));
}
