import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, cardAttachment, noticeCard } from '../cards/render';
import { NoticeCardData } from '../cards/views';
import { isOrderNumber } from '../domain/orderNumber';
import { Locale, MessageKey, t } from '../i18n';
import { OfferRepo } from '../store/offers';
import { localeOf } from './activity';
import { RouteDeps } from './deps';
import { hasOperatorKeys } from './input';

/**
 * What every route does the same way: the user's language, answering with a card or a notice,
 * and the ids that card data carries. The coordinator guard is `requireCoordinator`
 * (src/teams/roles.ts); parsing card forms is src/teams/input.ts.
 */

/** The language to answer the acting user in (resolved once per turn; the deployment's default if the turn never was). */
export function userLocale(context: TurnContext, deps: Pick<RouteDeps, 'config'>): Locale {
  return localeOf(context, deps.config.defaultLocale);
}

/** Sends a card as a new message in the conversation (an answer to a typed command). */
export async function replyCard(context: TurnContext, card: AdaptiveCard): Promise<void> {
  await context.sendActivity({ attachments: [cardAttachment(card)] });
}

/** Sends a one-line notice as a new message in the conversation. */
export async function replyNotice(context: TurnContext, text: string, tone: NoticeCardData['tone'] = 'default'): Promise<void> {
  await replyCard(context, noticeCard(text, tone));
}

/** A clicked action refused or failed: the card that replaces the clicked one, saying why. */
export function refusalCard(locale: Locale, key: MessageKey): AdaptiveCard {
  return noticeCard(t(locale, key), 'attention');
}

/** A user's Microsoft Entra object id in card data (an expert's id, the subject of an erasure). */
export const aadIdSchema = z.string().regex(/^[0-9a-f-]{36}$/);

/** An order number in card data, exactly as the bot writes it (domain/orderNumber.ts owns the format). */
export const orderNumberSchema = z.string().max(20).refine(isOrderNumber);

/** An offer's id in card data: the order and the expert it was made to (OfferRepo.idOf). */
export const offerIdSchema = z.string().max(80).refine((id) => {
  const parts = OfferRepo.partsOf(id);
  return !!parts && isOrderNumber(parts.orderId) && aadIdSchema.safeParse(parts.expertId).success && OfferRepo.idOf(parts.orderId, parts.expertId) === id;
});

/** Card action data for a strict schema: the echoed `verb` dropped; null (refused) with any `$` or `.` key. */
export function strip(data: unknown): unknown {
  if (!data || typeof data !== 'object' || hasOperatorKeys(data)) return null;
  const { verb: _v, ...rest } = data as Record<string, unknown>;
  return rest;
}
