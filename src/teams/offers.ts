import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, noticeCard } from '../cards/render';
import { Locale, t } from '../i18n';
import { acceptOffer, declineOffer, withdraw } from '../services/offering';
import { cardContext, offerCard } from '../services/views';
import { OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { actorOf, localeOf } from './activity';
import { RouteDeps } from './deps';
import { optionalText } from './input';
import { strip } from './orders';

const offerIdSchema = z.string().regex(/^T-\d{4}-\d{4,6}:[0-9a-f-]{36}$/);
// Built once, not per click (every Accept of a race parses with the same schema).
const acceptSchema = z.object({ offerId: offerIdSchema }).strict();
const declineSchema = z.object({ offerId: offerIdSchema, reason: optionalText(500) }).strict();
const withdrawSchema = z.object({ orderId: z.string().regex(/^T-\d{4}-\d{4,6}$/) }).strict();

export function registerOfferRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const locale = (c: TurnContext) => localeOf(c, deps.config.defaultLocale);
  const card = (order: OrderDoc, offerId: string, state: OfferStatus, loc: Locale, stateText?: string): AdaptiveCard =>
    offerCard(order, offerId, state, loc, cardContext(deps), { stateText });

  app.adaptiveCards.actionExecute('offer.accept', async (c, _s, data) => {
    const loc = locale(c);
    const parsed = acceptSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return noticeCard(t(loc, 'error.badInput'), 'attention');
    const r = await acceptOffer(deps, parsed.data.offerId, aadObjectId);
    switch (r.kind) {
      case 'accepted':
      case 'already':
        return card(r.order, parsed.data.offerId, 'accepted', loc);
      case 'filled':
        return card(r.order, parsed.data.offerId, 'filled', loc, t(loc, 'order.lateAccept'));
      case 'closed':
        return card(r.order, parsed.data.offerId, r.state, loc);
      case 'notYours':
        deps.log.warn({ action: 'offer.accept', offerId: parsed.data.offerId }, 'refused: offer of another expert');
        return noticeCard(t(loc, 'offer.notYours'), 'attention');
      default:
        return noticeCard(t(loc, 'order.notFound'), 'attention');
    }
  });

  app.adaptiveCards.actionExecute('offer.decline', async (c, _s, data) => {
    const loc = locale(c);
    const parsed = declineSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return noticeCard(t(loc, 'error.badInput'), 'attention');
    const r = await declineOffer(deps, parsed.data.offerId, aadObjectId, parsed.data.reason);
    if (r.kind === 'declined') return card(r.order, parsed.data.offerId, 'declined', loc);
    if (r.kind === 'closed') return card(r.order, parsed.data.offerId, r.state, loc);
    if (r.kind === 'notYours') return noticeCard(t(loc, 'offer.notYours'), 'attention');
    return noticeCard(t(loc, 'order.notFound'), 'attention');
  });

  app.adaptiveCards.actionExecute('assignment.withdraw', async (c, _s, data) => {
    const loc = locale(c);
    const parsed = withdrawSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return noticeCard(t(loc, 'error.badInput'), 'attention');
    const r = await withdraw(deps, parsed.data.orderId, aadObjectId);
    if (r.kind === 'notFound') return noticeCard(t(loc, 'order.notFound'), 'attention');
    // After the start: recorded as "could not come", the card says so (and offers no button).
    if (r.kind === 'absent') return card(r.order, `${parsed.data.orderId}:${aadObjectId}`, 'withdrawn', loc, t(loc, 'offer.state.absent'));
    return card(r.order, `${parsed.data.orderId}:${aadObjectId}`, 'withdrawn', loc);
  });
}
