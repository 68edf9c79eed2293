import { mentionTag, Mentionable, withMentions } from '../cards/mentions';
import { AdaptiveCard, renderCard } from '../cards/render';
import { Locale } from '../i18n';
import { Coordinator, HandlerDoc, HandlerRepo } from '../store/handlers';
import { ServiceDeps } from './deps';

export type { Coordinator };

/**
 * The coordinator whose click sent an order its first offers takes the order on: alerts about
 * it (unfilled, an orderer who cannot be reached, an absence, a debrief) @mention them. Later
 * clicks by others do not take it over; the first is kept.
 */
export async function rememberOrderHandler(deps: ServiceDeps, orderId: string, coordinator: Coordinator): Promise<void> {
  await deps.store.handlers.take({ _id: HandlerRepo.orderKey(orderId), kind: 'order', orderId, coordinator: normalized(coordinator), at: deps.now() });
}

/** Who to @mention about an order: its handler, or nobody (see docs/teams.md: a card cannot mention the channel). */
export async function orderHandler(deps: ServiceDeps, orderId: string): Promise<Mentionable | null> {
  return mentionOf(await deps.store.handlers.get(HandlerRepo.orderKey(orderId)));
}

/** The mention of a handler record; none after the coordinator's erasure (their name and ids are gone). */
export function mentionOf(doc: HandlerDoc | null): Mentionable | null {
  if (!doc || !doc.coordinator.name) return null;
  return { id: doc.coordinator.userId ?? doc.coordinator.aadObjectId, name: doc.coordinator.name };
}

/**
 * A one-line alert for the coordinators' channel about an order that needs someone: the
 * order's handler is @mentioned in front of the text, when there is one.
 */
export async function coordinatorAlert(deps: ServiceDeps, orderId: string, locale: Locale, text: string): Promise<AdaptiveCard> {
  const who = await orderHandler(deps, orderId);
  const card = renderCard('notice', locale, { text: who ? `${mentionTag(who)} ${text}` : text, tone: 'attention' });
  return who ? withMentions(card, [who]) : card;
}

function normalized(c: Coordinator): Coordinator {
  return { aadObjectId: c.aadObjectId.toLowerCase(), name: c.name, ...(c.userId ? { userId: c.userId } : {}) };
}
