import { Application, TurnState } from './sdk';
import { coordinatorsChannelOf } from '../services/channels';
import { TurnContext } from 'botbuilder';
import { parseDuration } from '../domain/duration';
import { Locale, MessageKey, t } from '../i18n';
import { MAX_ADVANCE_MS } from '../clock';
import { actorOf } from './activity';
import { CommandId, commandPattern } from './commands';
import { RouteDeps } from './deps';
import { replyNotice, userLocale } from './kit';
import { requireCoordinator } from './roles';
import { parsePeriod, periodLabel, previousPeriod } from '../domain/payPeriods';
import { localParts } from '../domain/time';
import { formatDate, formatTime } from '../i18n/format';
import { periodRange } from '../services/fees';
import { RunOutcome } from '../jobs/scheduler';

/** The scheduled jobs a coordinator can run now by a command without arguments. */
const RUN_NOW: [CommandId, string][] = [
  ['digestNow', 'daily-digest'],
  ['feedbackNow', 'feedback'],
  ['remindersNow', 'reminders'],
  ['wavesNow', 'offer-waves'],
  ['cleanupNow', 'cleanup'],
];

/** The `job` choice of the `job.outcome.*` sentences per scheduler job (whose names are internal). */
const OUTCOME_TEXT: Record<string, string> = {
  'daily-digest': 'digest',
  fees: 'fees',
  feedback: 'feedback',
  reminders: 'reminders',
  'offer-waves': 'waves',
  cleanup: 'cleanup',
};

/** What a run-now did, said in plain words for that job (never the job's or run's name). */
export function jobOutcomeText(locale: Locale, job: string, outcome: RunOutcome, period = ''): string {
  const key: MessageKey = outcome === 'done' ? 'job.outcome.done' : outcome === 'already-done' ? 'job.outcome.alreadyDone' : outcome === 'running-elsewhere' ? 'job.outcome.runningElsewhere' : 'job.outcome.failed';
  return t(locale, key, { job: OUTCOME_TEXT[job] ?? 'other', period });
}

/**
 * Coordinators run jobs now: `kooste nyt`, `palaute nyt`, `muistutukset nyt`, `tarjouskierros
 * nyt`, `siivous nyt`, `palkkiot 2026-10`. They go through the scheduler's claim like the timed
 * runs: a month's fee summary runs once however often it is asked for.
 * In local mode a coordinator can also move the bot's clock forward (`siirrä aikaa 2 h`).
 */
export function registerJobCommands(app: Application<TurnState>, deps: RouteDeps): void {
  const say = (c: TurnContext, text: string, tone: 'good' | 'attention' = 'good') => replyNotice(c, text, tone);
  const coordinatorOnly = async (c: TurnContext, action: string): Promise<boolean> => {
    if (await requireCoordinator(c, deps, action)) return true;
    await say(c, t(userLocale(c, deps), 'error.forbidden'), 'attention');
    return false;
  };
  const run = async (c: TurnContext, job: string, opts: { key?: string; params?: Record<string, string>; label?: string }) => {
    const loc = userLocale(c, deps);
    if (!(await coordinatorOnly(c, `run ${job}`))) return;
    // The digest goes only to the coordinators' channel: without one it would be made for nobody.
    if (job === 'daily-digest' && !(await coordinatorsChannelOf(deps))) {
      await say(c, t(loc, 'job.outcome.noChannel'), 'attention');
      return;
    }
    let outcome: RunOutcome;
    try {
      outcome = await deps.scheduler.runNow(job, opts);
    } catch {
      await say(c, t(loc, 'job.unknown'), 'attention');
      return;
    }
    // The period in words ("10/2026"), never the run's key.
    await say(c, jobOutcomeText(loc, job, outcome, opts.label), outcome === 'done' || outcome === 'already-done' ? 'good' : 'attention');
  };

  for (const [command, job] of RUN_NOW) app.message(commandPattern(command), (c) => run(c, job, {}));
  app.message(commandPattern('fees', true), async (c) => {
    const loc = userLocale(c, deps);
    const mode = deps.config.payPeriod;
    const id = /(\d{4}-\d{2}(?:\.\d)?)\s*$/.exec(c.activity.text ?? '')?.[1] ?? '';
    const period = parsePeriod(id, mode);
    if (!period) {
      const example = previousPeriod(localParts(deps.now(), deps.config.timeZone).date, mode).id;
      await say(c, t(loc, 'fees.usage', { example }), 'attention');
      return;
    }
    // A period is settled once: settling it before its end would leave its last days to the next.
    if (periodRange(period, deps.config.timeZone)[1].getTime() > deps.now().getTime()) {
      await say(c, t(loc, 'fees.notEnded', { period: periodLabel(period) }), 'attention');
      return;
    }
    await run(c, 'fees', { key: period.id, params: { period: period.id }, label: periodLabel(period) });
  });

  app.message(commandPattern('moveTime', true), async (c) => {
    const loc = userLocale(c, deps);
    // Not offered at all where Teams talks to the bot: with credentials there is no clock to move.
    if (!deps.config.localMode || !deps.timeTravel) {
      deps.log.warn({ action: 'moveTime', actor: actorOf(c).aadObjectId }, 'refused: not in local mode');
      await say(c, t(loc, 'clock.localOnly'), 'attention');
      return;
    }
    if (!(await coordinatorOnly(c, 'moveTime'))) return;
    const arg = commandPattern('moveTime', true).exec(c.activity.text ?? '')?.[1] ?? '';
    const ms = parseDuration(arg.replace(/^\+/, ''));
    if (ms === null || ms > MAX_ADVANCE_MS) {
      await say(c, t(loc, 'clock.usage'), 'attention');
      return;
    }
    deps.timeTravel.advance(ms);
    const now = deps.now();
    const total = deps.timeTravel.offsetMs();
    deps.log.info({ action: 'moveTime', advancedMs: ms, offsetMs: total }, 'local clock moved forward');
    // "3.1.2027 klo 00.53": the reader's own date and time format, like every card.
    await say(c, t(loc, 'clock.moved', { by: durationText(loc, ms), date: formatDate(loc, now, deps.config.timeZone), time: formatTime(loc, now, deps.config.timeZone), total: durationText(loc, total) }));
  });
}

/** "2 h 30 min", "1 vrk 2 h" in the reader's language (the units people type back). */
export function durationText(locale: Locale, ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const min = minutes % 60;
  const parts: string[] = [];
  if (d) parts.push(t(locale, 'clock.days', { n: d }));
  if (h) parts.push(`${h} h`);
  if (min || parts.length === 0) parts.push(`${min} min`);
  return parts.join(' ');
}
