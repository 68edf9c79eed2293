import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { cardAttachment, noticeCard } from '../cards/render';
import { t } from '../i18n';
import { formatMonth } from '../i18n/format';
import { localeOf } from './activity';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { requireCoordinator } from './roles';

/**
 * Coordinators run jobs now: `digest now`, `fees 2026-10`. They go through the scheduler's
 * claim like the timed runs: a month's fee summary runs once however often it is asked for.
 */
export function registerJobCommands(app: Application<TurnState>, deps: RouteDeps): void {
  const run = async (c: TurnContext, job: string, opts: { key?: string; params?: Record<string, string> }) => {
    const loc = localeOf(c, deps.config.defaultLocale);
    const say = (text: string, tone: 'good' | 'attention' = 'good') => c.sendActivity({ attachments: [cardAttachment(noticeCard(text, tone))] });
    if (!(await requireCoordinator(c, deps, `run ${job}`))) {
      await say(t(loc, 'error.forbidden'), 'attention');
      return;
    }
    let outcome: string;
    try {
      outcome = await deps.scheduler.runNow(job, opts);
    } catch {
      await say(t(loc, 'job.unknown'), 'attention');
      return;
    }
    const key = outcome === 'done' ? 'job.done' : outcome === 'already-done' ? 'job.alreadyDone' : outcome === 'running-elsewhere' ? 'job.runningElsewhere' : 'job.failed';
    // The job's internal name stays out of the sentence: the message says what was done.
    const what = job === 'daily-digest' ? 'digest' : job === 'monthly-fees' ? 'fees' : 'other';
    const month = opts.params?.month ? formatMonth(loc, opts.params.month) : '';
    await say(t(loc, key, { job: what, month }), outcome === 'done' || outcome === 'already-done' ? 'good' : 'attention');
  };

  app.message(commandPattern('digestNow'), (c) => run(c, 'daily-digest', {}));
  app.message(commandPattern('fees', true), async (c) => {
    const month = /(\d{4}-(0[1-9]|1[0-2]))\s*$/.exec(c.activity.text ?? '')?.[1];
    if (!month) {
      await c.sendActivity({ attachments: [cardAttachment(noticeCard(t(localeOf(c, deps.config.defaultLocale), 'fees.usage'), 'attention'))] });
      return;
    }
    await run(c, 'monthly-fees', { key: month, params: { month } });
  });
}
