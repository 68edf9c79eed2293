import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { euros } from '../domain/feeSummary';
import { Locale, MessageKey, t } from '../i18n';
import { earningsGuardStatus, ownEarningsGuard, saveEarningsGuard, windowLabel } from '../services/benefitGuard';
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
  const card = async (aad: string, loc: Locale, o: { guard: EarningsGuardDoc | null; values?: Record<string, string>; errors?: FieldErrors; notice?: string }): Promise<AdaptiveCard> => {
    const g = o.guard;
    const { settings, window: w, earnedCents, volunteerThisMonth } = await earningsGuardStatus(deps, aad, g);
    const status = [
      { text: `${t(loc, w.id.length === 4 ? 'guard.thisYear' : 'guard.thisMonth', { window: windowLabel(w) })}: ${euros(earnedCents)} €` },
      { text: g?.limitCents ? t(loc, 'guard.limitStatus', { limit: euros(g.limitCents), per: t(loc, settings.per === 'year' ? 'guard.perYear' : 'guard.perMonth') }) : t(loc, 'guard.noLimit') },
    ];
    const values = o.values ?? {
      limitEuros: g?.limitCents ? euros(g.limitCents).replace(/,00$/, '') : '', per: settings.per, pauseAtLimit: String(settings.pauseAtLimit),
      volunteerThisMonth: String(volunteerThisMonth), noteUrl: g?.noteUrl ?? '',
    };
    const errors: Record<string, string> = {};
    for (const [f, key] of Object.entries(o.errors ?? {})) errors[f] = t(loc, key as MessageKey);
    return renderCard('earnings-guard', loc, { status, values, errors, ...(o.notice ? { notice: o.notice } : {}), ...(g?.noteUrl ? { noteUrl: g.noteUrl } : {}) });
  };

  /** The asker and their limit, or the refusal's text: only in the 1:1 chat, only with an expert profile. */
  const ownGuard = async (c: TurnContext, loc: Locale): Promise<{ refused: string } | { aad: string; guard: EarningsGuardDoc | null }> => {
    if (scopeOf(c) !== 'personal') return { refused: t(loc, 'guard.personalOnly') };
    const aad = actorOf(c).aadObjectId?.toLowerCase();
    const own = aad ? await ownEarningsGuard(deps, aad) : { kind: 'noProfile' as const };
    if (!aad || own.kind === 'noProfile') return { refused: t(loc, 'guard.noProfile') };
    return { aad, guard: own.guard };
  };

  app.message(commandPattern('earningsLimit'), async (c) => {
    const loc = userLocale(c, deps);
    const own = await ownGuard(c, loc);
    if ('refused' in own) {
      await replyNotice(c, own.refused, 'attention');
      return;
    }
    await replyCard(c, await card(own.aad, loc, { guard: own.guard }));
  });

  app.adaptiveCards.actionExecute('earningsGuard.save', async (c, _s, data) => {
    const loc = userLocale(c, deps);
    const own = await ownGuard(c, loc);
    if ('refused' in own) return noticeCard(own.refused, 'attention');
    const parsed = parseCardData(guardSchema, data, 'earnings-guard');
    if (!parsed.ok) {
      const typed: Record<string, string> = {};
      for (const k of ['limitEuros', 'per', 'pauseAtLimit', 'volunteerThisMonth', 'noteUrl']) {
        const v = (data as Record<string, unknown>)?.[k];
        if (typeof v === 'string' && v.length <= 300) typed[k] = v;
      }
      return card(own.aad, loc, { guard: own.guard, values: typed, errors: parsed.errors });
    }
    const v = parsed.value;
    const saved = await saveEarningsGuard(deps, own.aad, {
      limitCents: v.limitEuros, per: v.per, pauseAtLimit: v.pauseAtLimit, volunteerThisMonth: v.volunteerThisMonth, noteUrl: v.noteUrl,
    });
    return card(own.aad, loc, { guard: saved, notice: t(loc, 'guard.saved') });
  });
}
