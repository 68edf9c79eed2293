import { Application, TurnState } from './sdk';
import { plainText } from '../cards/plainText';
import { renderCard } from '../cards/render';
import { parseOrderNumber } from '../domain/orderNumber';
import { MessageKey, t } from '../i18n';
import { explainForCoordinator } from '../services/ranking';
import { actorOf } from './activity';
import { RouteDeps } from './deps';
import { replyCard, replyNotice, userLocale } from './kit';
import { requireCoordinator } from './roles';

/**
 * The longest `why` message parsed: the keyword, a name of at most WHY_MAX_NAME characters and
 * an order number fit well within it. Longer text is refused before any pattern sees it (a
 * backtracking pattern over a 240 KB message once held the event loop for 15 s).
 */
export const WHY_MAX_LENGTH = 200;
const WHY_MAX_NAME = 100;
const WHY_KEYWORDS = new Set(['why', 'miksi', 'varför']);

export type WhyCommand = { ok: true; name: string; orderId: string } | { ok: false; reason: 'tooLong' | 'usage' };

/**
 * `why <expert name> <order number>`, parsed in linear time: the length is capped first, then
 * the text is split on whitespace (no pattern with nested or adjacent open-ended repeats).
 */
export function parseWhyCommand(text: string): WhyCommand {
  if (text.length > WHY_MAX_LENGTH) return { ok: false, reason: 'tooLong' };
  const words = text.trim().split(/\s+/);
  if (words.length < 3 || !WHY_KEYWORDS.has(words[0].toLowerCase())) return { ok: false, reason: 'usage' };
  const orderNumber = parseOrderNumber(words[words.length - 1]);
  const name = words.slice(1, -1).join(' ');
  if (!orderNumber || name.length > WHY_MAX_NAME) return { ok: false, reason: 'usage' };
  return { ok: true, name, orderId: orderNumber.number };
}

export function registerWhyRoute(app: Application<TurnState>, deps: RouteDeps): void {
  app.message(/^\s*(?:why|miksi|varför)(?:\s|$)/i, async (c) => {
    const loc = userLocale(c, deps);
    const say = (text: string) => replyNotice(c, text, 'attention');
    if (!(await requireCoordinator(c, deps, 'why'))) {
      await say(t(loc, 'error.forbidden'));
      return;
    }
    const m = parseWhyCommand(c.activity.text ?? '');
    if (!m.ok) {
      await say(t(loc, m.reason === 'tooLong' ? 'why.tooLong' : 'why.usage'));
      return;
    }
    const why = await explainForCoordinator(deps, m.orderId, m.name, actorOf(c).aadObjectId ?? 'unknown');
    if (why.kind !== 'explained') {
      await say(why.kind === 'ambiguous' ? t(loc, 'why.ambiguous', { count: why.count }) : t(loc, 'why.notFound'));
      return;
    }
    const { expert: doc, order, results, guard } = why;
    const guardLine = guard === 'none' ? [] : [{ label: t(loc, 'guard.coordinatorLabel'), value: t(loc, guard === 'paused' ? 'guard.coordinatorPaused' : 'guard.coordinatorSet') }];
    const card = renderCard('why', loc, {
      heading: t(loc, 'why.heading', { name: plainText(doc.displayName), number: order._id }),
      filters: [...results.map((r) => ({ label: t(loc, `filter.${r.filter}` as MessageKey), value: t(loc, r.pass ? 'why.pass' : 'why.fail') })), ...guardLine],
      summary: t(loc, results.every((r) => r.pass) && guard !== 'paused' ? 'why.eligible' : 'why.notEligible'),
    });
    await replyCard(c, card);
  });
}
