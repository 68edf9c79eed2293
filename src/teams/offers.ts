import { Application, TurnState } from './sdk';
import { z } from 'zod';
import { AdaptiveCard } from '../cards/render';
import { Locale, t } from '../i18n';
import { acceptOffer, declineOffer, withdraw } from '../services/offering';
import { cardContext, offerCard } from '../services/views';
import { OfferRepo, OfferStatus } from '../store/offers';
import { OrderDoc } from '../store/orders';
import { actorOf } from './activity';
import { RouteDeps } from './deps';
import { optionalText } from './input';
import { offerIdSchema, orderNumberSchema, refusalCard, strip, userLocale } from './kit';

// Built once, not per click (every Accept of a race parses with the same schema).
const acceptSchema = z.object({ offerId: offerIdSchema }).strict();
const declineSchema = z.object({ offerId: offerIdSchema, reason: optionalText(500) }).strict();
const withdrawSchema = z.object({ orderId: orderNumberSchema }).strict();

export function registerOfferRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const card = (order: OrderDoc, offerId: string, state: OfferStatus, loc: Locale, stateText?: string): AdaptiveCard =>
    offerCard(order, offerId, state, loc, cardContext(deps), { stateText });

  app.adaptiveCards.actionExecute('offer.accept', async (c, _s, data) => {
    const loc = userLocale(c, deps);
    const parsed = acceptSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return refusalCard(loc, 'error.badInput');
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
        return refusalCard(loc, 'offer.notYours');
      default:
        return refusalCard(loc, 'order.notFound');
    }
  });

  app.adaptiveCards.actionExecute('offer.decline', async (c, _s, data) => {
    const loc = userLocale(c, deps);
    const parsed = declineSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return refusalCard(loc, 'error.badInput');
    const r = await declineOffer(deps, parsed.data.offerId, aadObjectId, parsed.data.reason);
    if (r.kind === 'declined') return card(r.order, parsed.data.offerId, 'declined', loc);
    if (r.kind === 'closed') return card(r.order, parsed.data.offerId, r.state, loc);
    if (r.kind === 'notYours') return refusalCard(loc, 'offer.notYours');
    return refusalCard(loc, 'order.notFound');
  });

  app.adaptiveCards.actionExecute('assignment.withdraw', async (c, _s, data) => {
    const loc = userLocale(c, deps);
    const parsed = withdrawSchema.safeParse(strip(data));
    const { aadObjectId } = actorOf(c);
    if (!parsed.success || !aadObjectId) return refusalCard(loc, 'error.badInput');
    const r = await withdraw(deps, parsed.data.orderId, aadObjectId);
    if (r.kind === 'notFound') return refusalCard(loc, 'order.notFound');
    // After the start: recorded as "could not come", the card says so (and offers no button).
    if (r.kind === 'absent') return card(r.order, OfferRepo.idOf(parsed.data.orderId, aadObjectId), 'withdrawn', loc, t(loc, 'offer.state.absent'));
    return card(r.order, OfferRepo.idOf(parsed.data.orderId, aadObjectId), 'withdrawn', loc);
  });
}
