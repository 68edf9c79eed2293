import { randomUUID } from 'node:crypto';
import { plainText } from '../cards/plainText';
import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
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
 * The order form card. Each rendering gets a one-time form id in its submit action's data
 * (kept when the same form is shown again with errors): submitting it twice places one order.
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
  return renderCard('order-form', locale, {
    formId,
    values: filled,
    errors: shown,
    choices: {
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

async function myOrdersCard(deps: RouteDeps, aad: string, locale: Locale): Promise<AdaptiveCard> {
  const orders = await deps.store.orders.ofOrderer(aad);
  return renderCard('my-orders', locale, {
    orders: orders.map((o) => ({
      number: o._id, title: plainText(o.title), when: whenText(o, deps.config.timeZone, locale), statusText: statusText(o, locale),
      canCancel: isLiveOrder(o.status),
      cancelText: cancelTerms(o, locale, deps.config.timeZone, deps.config.lateCancelHours),
    })),
  });
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
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId) return;
    await replyCard(c, await myOrdersCard(deps, aadObjectId, userLocale(c, deps)));
  });

  app.adaptiveCards.actionExecute('order.submit', async (c, _state, data) => {
    const loc = userLocale(c, deps);
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId) return refusalCard(loc, 'error.forbidden');
    if (!data || typeof data !== 'object' || hasOperatorKeys(data)) return orderForm(deps, loc, {}, { form: 'order.error.badInput' });
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
    const r = await offerWave(deps, orderId, expertId ? { expertIds: [expertId] } : {});
    const order = await deps.store.orders.get(orderId);
    if (!order) return refusalCard(loc, 'order.notFound');
    const notice = r.none ? t(loc, `order.noOffersSent.${r.none}`, { wave: r.wave, when: whenText(order, deps.config.timeZone, loc) }) : t(loc, 'order.offersSent', { count: r.sent, wave: r.wave });
    return brokeringCardFor(deps, order, loc, notice);
  };
  app.adaptiveCards.actionExecute('order.offerTop', (c, _s, data) => offerTo(c, data, true));
  app.adaptiveCards.actionExecute('order.offerTo', (c, _s, data) => offerTo(c, data, false));
}
