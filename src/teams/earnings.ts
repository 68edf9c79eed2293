import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { GuardSettings } from '../domain/benefitGuard';
import { euros } from '../domain/feeSummary';
import { localParts } from '../domain/time';
import { Locale, MessageKey, t } from '../i18n';
import { earnedIn, windowOf } from '../services/benefitGuard';
import { EarningsGuardDoc } from '../store/earningsGuards';
import { actorOf, scopeOf } from './activity';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { FieldErrors, optionalText, parseCardData, toggle } from './input';
import { replyCard, replyNotice, userLocale } from './kit';

/** Euros as typed ("300", "300,50", "300.5"), at most 1 000 000 €, to whole cents; empty = no limit. */
const euroAmount = z.string().trim().max(12).optional().transform((v, ctx) => {
  if (!v) return undefined;
  const m = /^(\d{1,7})(?:[.,](\d{1,2}))?$/.exec(v.replace(/\s/g, ''));
  const cents = m ? Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0')) : NaN;
  if (!m || cents <= 0 || cents > 100_000_000) {
    ctx.addIssue({ code: 'custom', params: { key: 'amount' } });
    return z.NEVER;
  }
  return cents;
});

const guardSchema = z.object({
  limitEuros: euroAmount,
  per: z.enum(['month', 'year']),
  pauseAtLimit: toggle,
  volunteerThisMonth: toggle,
  noteUrl: optionalText(300).refine((v) => !v || (URL.canParse(v) && new URL(v).protocol === 'https:'), { params: { key: 'url' } }),
}).strict();

/**
 * The expert's own earnings limit: `ansioraja` in the 1:1 chat opens the card; the figure and
 * the note stay the expert's (a collection of their own, shown to nobody else). Coordinators
 * may learn only that a limit exists.
 */
export function registerEarningsGuardRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const card = async (aad: string, loc: Locale, o: { guard?: EarningsGuardDoc | null; values?: Record<string, string>; errors?: FieldErrors; notice?: string }): Promise<AdaptiveCard> => {
    const g = o.guard ?? null;
    const settings: GuardSettings = g ?? { per: 'month', pauseAtLimit: false, volunteerMonths: [] };
    const w = windowOf(deps, settings, deps.now());
    const expert = await deps.store.experts.get(aad);
    const earned = await earnedIn(deps, aad, settings, w, expert?.feePreference === 'volunteer');
    const windowLabel = w.id.length === 4 ? w.id : `${Number(w.id.slice(5))}/${w.id.slice(0, 4)}`;
    const status = [
      { text: `${t(loc, w.id.length === 4 ? 'guard.thisYear' : 'guard.thisMonth', { window: windowLabel })}: ${euros(earned)} €` },
      { text: g?.limitCents ? t(loc, 'guard.limitStatus', { limit: euros(g.limitCents), per: t(loc, settings.per === 'year' ? 'guard.perYear' : 'guard.perMonth') }) : t(loc, 'guard.noLimit') },
    ];
    const month = localParts(deps.now(), deps.config.timeZone).date.slice(0, 7);
    const values = o.values ?? {
      limitEuros: g?.limitCents ? euros(g.limitCents).replace(/,00$/, '') : '', per: settings.per, pauseAtLimit: String(settings.pauseAtLimit),
      volunteerThisMonth: String(settings.volunteerMonths.includes(month)), noteUrl: g?.noteUrl ?? '',
    };
    const errors: Record<string, string> = {};
    for (const [f, key] of Object.entries(o.errors ?? {})) errors[f] = t(loc, key as MessageKey);
    return renderCard('earnings-guard', loc, { status, values, errors, ...(o.notice ? { notice: o.notice } : {}), ...(g?.noteUrl ? { noteUrl: g.noteUrl } : {}) });
  };

  const refusal = async (c: TurnContext, loc: Locale): Promise<string | null> => {
    if (scopeOf(c) !== 'personal') return t(loc, 'guard.personalOnly');
    const aad = actorOf(c).aadObjectId;
    if (!aad || !(await deps.store.experts.get(aad))) return t(loc, 'guard.noProfile');
    return null;
  };

  app.message(commandPattern('earningsLimit'), async (c) => {
    const loc = userLocale(c, deps);
    const refused = await refusal(c, loc);
    if (refused) {
      await replyNotice(c, refused, 'attention');
      return;
    }
    const aad = actorOf(c).aadObjectId!.toLowerCase();
    await replyCard(c, await card(aad, loc, { guard: await deps.store.earningsGuards.get(aad) }));
  });

  app.adaptiveCards.actionExecute('earningsGuard.save', async (c, _s, data) => {
    const loc = userLocale(c, deps);
    const refused = await refusal(c, loc);
    if (refused) return noticeCard(refused, 'attention');
    const aad = actorOf(c).aadObjectId!.toLowerCase();
    const before = await deps.store.earningsGuards.get(aad);
    const parsed = parseCardData(guardSchema, data, 'earnings-guard');
    if (!parsed.ok) {
      const typed: Record<string, string> = {};
      for (const k of ['limitEuros', 'per', 'pauseAtLimit', 'volunteerThisMonth', 'noteUrl']) {
        const v = (data as Record<string, unknown>)?.[k];
        if (typeof v === 'string' && v.length <= 300) typed[k] = v;
      }
      return card(aad, loc, { guard: before, values: typed, errors: parsed.errors });
    }
    const v = parsed.value;
    const month = localParts(deps.now(), deps.config.timeZone).date.slice(0, 7);
    // Volunteer months: this month added or removed; earlier ones kept (they were settled so).
    const months = new Set((before?.volunteerMonths ?? []).filter((m) => m !== month));
    if (v.volunteerThisMonth) months.add(month);
    const saved = await deps.store.earningsGuards.save(aad, {
      ...(v.limitEuros ? { limitCents: v.limitEuros } : {}), per: v.per, pauseAtLimit: v.pauseAtLimit, volunteerMonths: [...months].sort(), ...(v.noteUrl ? { noteUrl: v.noteUrl } : {}),
    }, deps.now());
    // No figures in the log: the limit is the expert's own.
    deps.log.info({ action: 'earningsGuard.save' }, 'earnings limit saved');
    return card(aad, loc, { guard: saved, notice: t(loc, 'guard.saved') });
  });
}
