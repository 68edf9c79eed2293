import { randomUUID } from 'node:crypto';
import { plainText } from '../cards/plainText';
import { Application, TurnState } from './sdk';
import { ActivityTypes, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { FormValues } from '../cards/views';
import { ORDER_FORM_FIELDS, parseOrderForm } from '../domain/orderForm';
import { localParts } from '../domain/time';
import { Locale, MessageKey, t } from '../i18n';
import { cancelOrder, mayPlaceOrder, placeOrderOnce, statusText } from '../services/orders';
import { brokeringCardFor } from '../services/brokeringCard';
import { orderSummaryFor } from '../services/notify';
import { offerWave } from '../services/offering';
import { cancelTerms, whenText } from '../services/views';
import { actorOf, scopeOf, str } from './activity';
import { replyLocaleOf } from './channels';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { hasOperatorKeys } from './input';
import { aadIdSchema, orderNumberSchema, refusalCard, replyCard, replyNotice, strip, userLocale } from './kit';
import { isCoordinator, requireCoordinator } from './roles';
import { isLiveOrder } from '../domain/orderLifecycle';

/** The one-time id of an order form card (a v4 UUID, lower case as randomUUID makes it). */
const formIdSchema = z.string().length(36).regex(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
// Card action schemas, built once rather than per click.
const orderActionSchema = z.object({ orderId: orderNumberSchema }).strict();
const offerToSchema = z.object({ orderId: orderNumberSchema, expertId: aadIdSchema }).strict();

/**
 * The fields under "More details" on the order form: optional, or with a default that fits most
 * orders (one expert, the orderer's language). Every required field without a default stays in
 * view: Teams checks hidden required inputs too, and its message would sit where nobody sees it.
 */
export const ORDER_FORM_MORE_DETAILS = ['goal', 'seats', 'audienceSize', 'language', 'noteToCoordinator'] as const;

/**
 * The order form card: what, when, where and who first; the rest behind "More details", a
 * toggle that only hides them (hidden inputs are still sent with the submit). The section opens
 * by itself when the server found a mistake in it. Each rendering gets a one-time form id in
 * its submit action's data (kept when the same form is shown again with errors): submitting it
 * twice places one order.
 */
export function orderForm(deps: RouteDeps, locale: Locale, values: FormValues, errors: Record<string, string> = {}, formId: string = randomUUID()): AdaptiveCard {
  const c = deps.catalog;
  const shown: Record<string, string> = {};
  for (const [field, key] of Object.entries(errors)) shown[field] = t(locale, key as MessageKey);
  if (Object.keys(errors).length && !shown.form) shown.form = t(locale, 'order.error.fix');
  const tomorrow = localParts(new Date(deps.now().getTime() + 86_400_000), deps.config.timeZone).date;
  const defaults: FormValues = { date: tomorrow, time: '13:00', durationMinutes: 90, mode: 'onsite', seats: 1, language: locale, audienceSize: '' };
  const filled: Record<string, string | number> = {};
  for (const f of ORDER_FORM_FIELDS) filled[f] = values[f] ?? defaults[f] ?? '';
  // A choice's value is text: "2", not 2.
  filled.seats = String(filled.seats);
  return renderCard('order-form', locale, {
    formId,
    values: filled,
    errors: shown,
    moreShown: ORDER_FORM_MORE_DETAILS.some((f) => f in errors),
    choices: {
      seats: [1, 2, 3, 4, 5].map((n) => ({ title: String(n), value: String(n) })),
      themes: c.themes.map((x) => ({ title: x.labels[locale], value: x.id })),
      taskTypes: c.taskTypes.map((x) => ({ title: x.labels[locale], value: x.id })),
      municipalities: c.municipalities.map((m) => ({ title: m, value: m })),
      modes: (['onsite', 'remote', 'hybrid'] as const).map((m) => ({ title: t(locale, `mode.${m}`), value: m })),
      languages: (['fi', 'sv', 'en'] as const).map((l) => ({ title: t(locale, `language.${l}`), value: l })),
    },
  });
}

function typedValues(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!data || typeof data !== 'object') return out;
  for (const f of ORDER_FORM_FIELDS) {
    const v = (data as Record<string, unknown>)[f];
    if (typeof v === 'string' && v.length <= 4000) out[f] = v;
  }
  return out;
}

/** The verb of the my-orders card's refresh (and its "show my orders" button): the clicker's own orders. */
const MY_ORDERS_VIEW = 'order.myOrdersView';

/**
 * Universal Actions' refresh: Teams asks the bot for this card again for each of `userIds`
 * (Teams ids, 29:…) when they see it, and shows each the answer only in their own client.
 * Nobody else in the chat triggers it, so they keep seeing the card as posted.
 */
function myOrdersRefresh(userId: string): Record<string, unknown> {
  return { action: { type: 'Action.Execute', verb: MY_ORDERS_VIEW, data: {} }, userIds: [userId] };
}

/**
 * The user's orders with a Cancel button each. `shownTo`: the card sits in a group chat or a
 * channel, and is this Teams user's own view of it (it keeps the refresh, so it stays theirs).
 */
async function myOrdersCard(deps: RouteDeps, aad: string, locale: Locale, shownTo?: string): Promise<AdaptiveCard> {
  const orders = await deps.store.orders.ofOrderer(aad);
  const card = renderCard('my-orders', locale, {
    shared: false,
    orders: orders.map((o) => ({
      number: o._id, title: plainText(o.title), when: whenText(o, deps.config.timeZone, locale), statusText: statusText(o, locale),
      canCancel: isLiveOrder(o.status),
      cancelText: cancelTerms(o, locale, deps.config.timeZone, deps.config.lateCancelHours),
    })),
  });
  return shownTo ? { ...card, refresh: myOrdersRefresh(shownTo) } : card;
}

/**
 * What everyone in a group chat or channel sees of someone's `my orders`: no order, only that
 * each sees their own, and a button for clients that do not refresh cards themselves.
 */
function sharedMyOrdersCard(locale: Locale, askerId: string): AdaptiveCard {
  return { ...renderCard('my-orders', locale, { shared: true, orders: [] }), refresh: myOrdersRefresh(askerId) };
}

/**
 * Answers an invoke with `card` for the person who sent it, and only them. teams-ai would send
 * a returned card that has a `refresh` to everyone instead (it updates the message by the
 * invoke's replyToId: one person's orders in front of the whole chat; and "activityId cannot
 * be null" when the invoke names no message, as a refresh need not). An invoke answered here
 * is left alone by teams-ai.
 */
async function answerOnlyToInvoker(c: TurnContext, card: AdaptiveCard): Promise<void> {
  await c.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } } });
}

export function registerOrderRoutes(app: Application<TurnState>, deps: RouteDeps): void {

  app.message(commandPattern('order'), async (c) => {
    if (scopeOf(c) === 'channel') {
      // Orders come from chats; channels are for coordinators. Still, help rather than refuse.
      await replyNotice(c, t(userLocale(c, deps), 'order.notPersonal'), 'attention');
      return;
    }
    // The contact person is usually the orderer: their Teams name is filled in, to change if not.
    await replyCard(c, orderForm(deps, userLocale(c, deps), { contactName: c.activity.from?.name ?? '' }));
  });

  app.message(commandPattern('myOrders'), async (c) => {
    const { aadObjectId, userId } = actorOf(c);
    if (!aadObjectId) return;
    // In a group chat or channel the orders and their Cancel buttons are the asker's alone:
    // the posted card shows none, and Teams refreshes it to the asker's own view for them only.
    if (scopeOf(c) !== 'personal' && userId) return void (await replyCard(c, sharedMyOrdersCard(userLocale(c, deps), userId)));
    await replyCard(c, await myOrdersCard(deps, aadObjectId, userLocale(c, deps)));
  });

  // The refresh of a my-orders card (automatic, or the "show my orders" button): whoever asks
  // sees their own orders, identity from the activity; the card data names nobody.
  app.adaptiveCards.actionExecute(MY_ORDERS_VIEW, async (c, _state, data) => {
    const loc = userLocale(c, deps);
    const { aadObjectId, userId } = actorOf(c);
    if (!z.object({}).strict().safeParse(strip(data)).success || !aadObjectId) return refusalCard(loc, 'error.badInput');
    const card = await myOrdersCard(deps, aadObjectId, loc, scopeOf(c) === 'personal' ? undefined : userId);
    await answerOnlyToInvoker(c, card);
    return card;
  });

  app.adaptiveCards.actionExecute('order.submit', async (c, _state, data) => {
    const loc = userLocale(c, deps);
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId) return refusalCard(loc, 'error.forbidden');
    if (!data || typeof data !== 'object' || hasOperatorKeys(data)) return orderForm(deps, loc, { contactName: c.activity.from?.name ?? '' }, { form: 'order.error.badInput' });
    const { verb: _v, formId: rawFormId, ...fields } = data as Record<string, unknown>;
    // Every order form card carries its one-time id: a submit without one was not made from it.
    const formId = formIdSchema.safeParse(rawFormId);
    if (!formId.success) {
      deps.log.info({ action: 'order.submit', fields: ['formId'] }, 'order refused');
      return orderForm(deps, loc, typedValues(data), { form: 'order.error.badInput' });
    }
    const parsed = parseOrderForm(fields, { catalog: deps.catalog, now: deps.now(), timeZone: deps.config.timeZone });
    if (!parsed.ok) {
      deps.log.info({ action: 'order.submit', fields: Object.keys(parsed.errors) }, 'order refused');
      return orderForm(deps, loc, typedValues(data), parsed.errors, formId.data);
    }
    if (!(await mayPlaceOrder(deps, aadObjectId))) {
      // The form comes back as typed: nothing is lost, the user sends it again in a moment.
      deps.log.warn({ action: 'order.submit' }, 'order refused: per-user rate limit');
      return orderForm(deps, loc, typedValues(data), { form: 'order.error.rateLimited' }, formId.data);
    }
    const orderer = { aadObjectId, name: str(c.activity.from?.name) ?? '', userId: str(c.activity.from?.id) };
    const r = await placeOrderOnce(deps, parsed.value, orderer, c.activity.conversation.id, formId.data);
    if (r.kind === 'forbidden') return refusalCard(loc, 'error.forbidden');
    if (r.kind === 'pending') return noticeCard(t(loc, 'order.stillSaving'), 'default');
    // A repeated submit gets the very card the first one got.
    return orderSummaryFor(deps, r.order, loc, {
      heading: t(loc, 'order.heading.placed'),
      notice: t(loc, deps.config.brokeringMode === 'auto' ? 'order.placedAuto' : 'order.placedCoordinator'),
      withContacts: false,
      fresh: r.kind === 'placed',
    });
  });

  app.adaptiveCards.actionExecute('order.cancel', async (c, _state, data) => {
    // A coordinator may cancel from the channel card: answer in the channel's language there.
    const loc = await replyLocaleOf(c, deps);
    const { aadObjectId } = actorOf(c);
    const parsed = orderActionSchema.safeParse(strip(data));
    if (!parsed.success || !aadObjectId) return refusalCard(loc, 'error.badInput');
    const r = await cancelOrder(deps, parsed.data.orderId, { aadObjectId, isCoordinator: await isCoordinator(c, deps) });
    if (r.kind === 'forbidden') {
      deps.log.warn({ action: 'order.cancel', orderId: parsed.data.orderId }, 'refused: not the orderer or a coordinator');
      return refusalCard(loc, 'error.forbidden');
    }
    if (r.kind === 'notFound') return refusalCard(loc, 'order.notFound');
    if (r.kind === 'notCancellable') return refusalCard(loc, 'order.cannotCancel');
    return orderSummaryFor(deps, r.order, loc, {
      heading: t(loc, 'order.heading.status'),
      notice: t(loc, r.late ? 'order.cancelledLateNotice' : 'order.cancelledNotice', { hours: deps.config.lateCancelHours }),
      withContacts: false,
    });
  });

  const offerTo = async (c: TurnContext, data: unknown, top: boolean): Promise<AdaptiveCard> => {
    const loc = await replyLocaleOf(c, deps);
    if (!(await requireCoordinator(c, deps, top ? 'order.offerTop' : 'order.offerTo'))) {
      return refusalCard(loc, 'error.forbidden');
    }
    const schema = top ? orderActionSchema : offerToSchema;
    const parsed = schema.safeParse(strip(data));
    if (!parsed.success) return refusalCard(loc, 'error.badInput');
    const { orderId } = parsed.data;
    const expertId = 'expertId' in parsed.data ? (parsed.data.expertId as string) : undefined;
    // The coordinator whose click sends offers takes the order on: its alerts @mention them.
    const actor = actorOf(c);
    const by = actor.aadObjectId ? { aadObjectId: actor.aadObjectId, userId: str(c.activity.from?.id), name: str(c.activity.from?.name) ?? '' } : undefined;
    const r = await offerWave(deps, orderId, { ...(expertId ? { expertIds: [expertId] } : {}), by });
    const order = await deps.store.orders.get(orderId);
    if (!order) return refusalCard(loc, 'order.notFound');
    const notice = r.none ? t(loc, `order.noOffersSent.${r.none}`, { wave: r.wave, when: whenText(order, deps.config.timeZone, loc) }) : t(loc, 'order.offersSent', { count: r.sent, wave: r.wave });
    return brokeringCardFor(deps, order, loc, notice);
  };
  app.adaptiveCards.actionExecute('order.offerTop', (c, _s, data) => offerTo(c, data, true));
  app.adaptiveCards.actionExecute('order.offerTo', (c, _s, data) => offerTo(c, data, false));
}
