import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { latestOf } from '../domain/expertReview';
import { euros } from '../domain/feeSummary';
import { ORDER_NUMBER_SOURCE } from '../domain/orderNumber';
import { parsePeriod, periodLabel } from '../domain/payPeriods';
import { formatMonth, formatWhen } from '../i18n/format';
import { profileTexts } from './experts';
import { localParts } from '../domain/time';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { OrderDoc } from '../store/orders';
import { ErasurePlan } from '../store/privacy';
import { ServiceDeps } from './deps';
import { brokeringCardFor, brokeringUpdate } from './brokeringCard';
import { coordinatorsLocale, orderSummaryFor } from './notify';
import { withdraw } from './offering';
import { message, whenText } from './views';
import { isLiveOrder } from '../domain/orderLifecycle';

// GDPR art. 15 (`my data`) and art. 17 (erasure), by id only: what is stored about a person is
// found through their Entra object id and the records that carry it, never by searching
// anyone's text for their name. Each repository exports and erases its own collections; this
// module decides the order and what follows for others (a released seat, a waiting card
// re-rendered, a payroll file withdrawn). What each step touches: docs/privacy.md.

/**
 * The steps of an erasure, in order. Every step can be repeated, and reads what it needs from
 * the plan recorded in the claim before the first step, never from data an earlier step
 * changed: a confirmation after a crash at any point runs them all again and ends in the same
 * state. The profile goes first, so nothing re-rendered afterwards can show the person.
 */
export const ERASURE_STEPS = ['profile', 'seats', 'offers', 'feeRecords', 'feedback', 'orders', 'outbox', 'payroll', 'conversations', 'access', 'farewell'] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

export interface ErasureResult {
  pseudonym: string;
  /** False only when `stopAfter` stopped it (a drill of an interruption). */
  complete: boolean;
}

/**
 * Erases a person after a coordinator confirmed. Returns null when there is no request to act
 * on: none was made, or a confirmation running at the same time has just finished it.
 * `stopAfter`: stops after that step as a crash there would (for drills and tests).
 */
export async function erasePerson(deps: ServiceDeps, aadObjectId: string, confirmedBy: string, o: { stopAfter?: ErasureStep } = {}): Promise<ErasureResult | null> {
  const aad = aadObjectId.toLowerCase();
  const now = deps.now();
  const previous = await deps.store.privacy.claimOf(aad);
  const claimed = await deps.store.privacy.claimErasure(aad, previous?.plan ?? (await planErasure(deps, aad, now)), now);
  // Read after the claim: a confirmation that finished meanwhile deleted the request first.
  const request = await deps.store.privacy.request(aad);
  if (!claimed || !request) {
    if (claimed?.mine) await deps.store.privacy.dropClaim(aad, claimed.claim.pseudonym);
    return null;
  }
  const pseudonym = request.pseudonym ?? claimed.claim.pseudonym;
  const ctx: StepContext = { deps, aad, pseudonym, plan: claimed.claim.plan };
  for (const step of ERASURE_STEPS) {
    await STEPS[step](ctx);
    if (o.stopAfter === step) return { pseudonym, complete: false };
  }
  await deps.store.privacy.finishErasure(aad, pseudonym, request.requestedAt, confirmedBy, deps.now());
  deps.log.info({ action: 'erase', steps: ERASURE_STEPS.length }, 'erasure finished');
  return { pseudonym, complete: true };
}

/**
 * A person asks for their data to be erased (art. 17): the request is recorded and the
 * coordinators' channel gets a card to confirm it. The card names the person (their profile
 * name, else `nameInTeams`, else their id): the coordinators may see who asks; no group chat does.
 */
export async function requestErasure(deps: ServiceDeps, aadObjectId: string, nameInTeams?: string): Promise<void> {
  await deps.store.privacy.requestErasure(aadObjectId, deps.now());
  const channel = await deps.store.channels.coordinatorsChannel();
  if (channel) {
    const who = (await deps.store.experts.get(aadObjectId))?.displayName ?? nameInTeams ?? aadObjectId;
    const cl = coordinatorsLocale(deps, channel);
    const card = renderCard('erasure-request', cl, { text: t(cl, 'erasure.text', { who: plainText(who) }), userId: aadObjectId, showConfirm: true });
    await deps.postman.post([{ key: `erasure:${aadObjectId}`, conversationId: channel.conversationId, activity: message(card) }]);
  }
  deps.log.info({ action: 'requestErasure', user: aadObjectId }, 'erasure requested');
}

/** `notRequested`: nothing to confirm; `erased`: this confirmation erased them; `alreadyDone`: one running alongside did. */
export type ConfirmErasureResult = { kind: 'notRequested' | 'erased' | 'alreadyDone' };

/**
 * A coordinator confirms an erasure request. Only a pending request is acted on; the farewell
 * to the person is the erasure's own last step (erasePerson).
 */
export async function confirmErasure(deps: ServiceDeps, aadObjectId: string, confirmedBy: string): Promise<ConfirmErasureResult> {
  const request = await deps.store.privacy.request(aadObjectId);
  if (!request || request.status !== 'requested') return { kind: 'notRequested' };
  const erased = await erasePerson(deps, aadObjectId, confirmedBy);
  if (!erased) {
    // A confirmation running at the same time (a double click) finished it: the same answer.
    deps.log.info({ action: 'erase', user: aadObjectId }, 'erasure already done alongside');
    return { kind: 'alreadyDone' };
  }
  deps.log.info({ action: 'erase', user: aadObjectId }, 'personal data erased');
  return { kind: 'erased' };
}

/** What the erasure will need, read by id before anything changes (see ErasurePlan). */
async function planErasure(deps: ServiceDeps, aad: string, now: Date): Promise<ErasurePlan> {
  const [conversations, offers, { assignments, withdrawals }, placed, waitingMonths] = await Promise.all([
    deps.store.conversations.ofUser(aad),
    deps.store.offers.ofExpert(aad),
    deps.store.assignments.ofExpert(aad),
    deps.store.orders.placedBy(aad),
    deps.store.feeExports.waitingMonths(),
  ]);
  const waiting = new Set(waitingMonths);
  const latest = [...conversations].sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime())[0];
  return {
    conversationIds: conversations.map((c) => c._id),
    linkedOrderIds: unique([...offers, ...assignments, ...withdrawals].map((x) => x.orderId).concat(placed.map((p) => p._id))),
    placedOrderIds: placed.map((p) => p._id),
    futureSeatOrderIds: unique(assignments.filter((a) => a.status === 'accepted' && a.startsAt.getTime() > now.getTime()).map((a) => a.orderId)),
    // A payroll file lists the month's settled fees: the person is in it if a fee of theirs is stored.
    payrollMonths: unique(assignments.filter((a) => a.fee).map((a) => localParts(a.startsAt, deps.config.timeZone).date.slice(0, 7)).filter((m) => waiting.has(m))).sort(),
    ...(latest ? { farewell: { conversationId: latest._id, ...(latest.locale ? { locale: latest.locale } : {}) } } : {}),
  };
}

interface StepContext {
  deps: ServiceDeps;
  aad: string;
  pseudonym: string;
  plan: ErasurePlan;
}

const STEPS: Record<ErasureStep, (c: StepContext) => Promise<void>> = {
  profile: async ({ deps, aad }) => {
    await deps.store.experts.eraseExpert(aad);
    await deps.store.earningsGuards.eraseExpert(aad);
  },

  // A seat of a task still to come is given back the way a withdrawal is: the orderer and the
  // coordinators are told (without a name: the profile is gone) and the next wave goes.
  seats: async ({ deps, aad, plan }) => {
    for (const orderId of plan.futureSeatOrderIds) await withdraw(deps, orderId, aad);
  },

  offers: ({ deps, aad }) => deps.store.offers.eraseExpert(aad),
  feeRecords: async ({ deps, aad, pseudonym }) => {
    await deps.store.assignments.pseudonymize(aad, pseudonym);
    await deps.store.feeLedger.pseudonymize(aad, pseudonym);
  },
  feedback: async ({ deps, aad, pseudonym, plan }) => {
    await deps.store.feedback.eraseParticipant(aad, pseudonym, plan.placedOrderIds);
    // A debrief the person asked for: who took it on is kept no longer than the request.
    await deps.store.handlers.eraseExpert(aad);
  },
  orders: ({ deps, aad, pseudonym }) => deps.store.orders.pseudonymizeOrderer(aad, pseudonym),

  outbox: async ({ deps, aad, pseudonym, plan }) => {
    await deps.store.outbox.eraseItemsOf([aad, ...plan.conversationIds], plan.conversationIds, [farewellKey(pseudonym)]);
    await rerenderWaiting(deps, plan.linkedOrderIds);
    await deps.store.outbox.dropFinishedBodies();
    await refreshOpenOrderCards(deps, plan.linkedOrderIds);
  },

  // A waiting payroll file is withdrawn and the coordinators told to run `fees` again (it is
  // then made from the stored fees, the person's row under the pseudonym). The notice goes
  // first: a crash in between must not withdraw a file without telling anyone.
  payroll: async ({ deps, pseudonym, plan }) => {
    if (plan.payrollMonths.length === 0) return;
    const channel = await deps.store.channels.coordinatorsChannel();
    if (channel) {
      const loc = coordinatorsLocale(deps, channel);
      await deps.postman.post(plan.payrollMonths.map((month) => ({
        key: `erasure-payroll:${pseudonym}:${month}`,
        conversationId: channel.conversationId,
        activity: message(renderCard('notice', loc, { text: t(loc, 'privacy.payrollWithdrawn', { month }), tone: 'attention' })),
      })));
    } else {
      deps.log.warn({ months: plan.payrollMonths }, 'payroll files withdrawn by an erasure; no coordinators channel to tell');
    }
    await deps.store.feeExports.removeOfMonths(plan.payrollMonths);
  },

  conversations: async ({ deps, aad, plan }) => {
    await deps.store.conversations.unlinkUser(aad);
    await deps.store.activities.forgetConversations(plan.conversationIds);
  },

  access: async ({ deps, aad, pseudonym }) => {
    await deps.store.privacy.eraseAccessOf(aad);
    // A coordinator's name and Teams id on the orders and debriefs they took on (for @mentions).
    await deps.store.handlers.eraseCoordinator(aad, pseudonym);
    await deps.store.preferences.eraseUser(aad);
    await deps.store.channels.forgetEditor(aad);
  },

  // Keyed by the pseudonym: the outbox must not keep the erased person's id either.
  farewell: async ({ deps, pseudonym, plan }) => {
    if (!plan.farewell) return;
    const locale = pickLocale(plan.farewell.locale, deps.config.defaultLocale);
    const card = noticeCard(t(locale, 'erasure.doneForUser'), 'good');
    await deps.postman.post([{ key: farewellKey(pseudonym), conversationId: plan.farewell.conversationId, activity: message(card) }]);
  },
};

function farewellKey(pseudonym: string): string {
  return `erased:${pseudonym}`;
}

const N = ORDER_NUMBER_SOURCE;
/** The kinds of waiting message about an order that show experts' names or contacts, by key. */
const ORDER_MESSAGES: { pattern: RegExp; kind: 'brokering' | 'seatTaken' | 'filled' | 'withdrawn' | 'unfilled' }[] = [
  { pattern: new RegExp(`^brokering:(${N})(?::update:\\d+)?$`), kind: 'brokering' },
  { pattern: new RegExp(`^seat-taken:(${N}):\\d+$`), kind: 'seatTaken' },
  { pattern: new RegExp(`^order-filled:(${N}):\\d+$`), kind: 'filled' },
  { pattern: new RegExp(`^withdrawn:((${N})#\\d+@\\d+)$`), kind: 'withdrawn' },
  { pattern: new RegExp(`^order-unfilled:(${N})$`), kind: 'unfilled' },
];

/**
 * Waiting messages about the person's orders that show experts' names or contacts (the
 * coordinators' card of an order, the orderer's status card) are rendered again from the data
 * as it is now, the person no longer in it, and replace the waiting body: each still goes to
 * its reader, only without the person. Bodies are never edited as text.
 */
async function rerenderWaiting(deps: ServiceDeps, linkedOrderIds: string[]): Promise<void> {
  const linked = new Set(linkedOrderIds);
  for (const item of await deps.store.outbox.waiting()) {
    for (const { pattern, kind } of ORDER_MESSAGES) {
      const m = pattern.exec(item._id);
      if (!m) continue;
      const orderId = kind === 'withdrawn' ? m[2] : m[1];
      if (!linked.has(orderId)) break;
      const order = await deps.store.orders.get(orderId);
      if (!order) break;
      const activity = kind === 'brokering'
        ? message(await brokeringCardFor(deps, order, coordinatorsLocale(deps, await deps.store.channels.coordinatorsChannel())))
        : message(await ordererCard(deps, order, item.conversationId, kind, m[1]));
      await deps.store.outbox.replaceWaitingBody(item._id, activity);
      break;
    }
  }
}

/**
 * The coordinators' card of each still open order the person was offered lists them by name
 * (offered, accepted, declined): it is updated in place, rendered from the data without them.
 * Cards of finished orders are left as they are (see docs/privacy.md, known limits).
 */
async function refreshOpenOrderCards(deps: ServiceDeps, linkedOrderIds: string[]): Promise<void> {
  for (const order of await deps.store.orders.byIds(linkedOrderIds)) {
    if (!isLiveOrder(order.status)) continue;
    if (await deps.store.outbox.has(`brokering:${order._id}`)) await brokeringUpdate(deps, order);
  }
}

/** The orderer's status card as notifyOrderer renders it, for the notice a waiting item carries. */
async function ordererCard(deps: ServiceDeps, order: OrderDoc, conversationId: string, kind: 'seatTaken' | 'filled' | 'withdrawn' | 'unfilled', ref: string) {
  const conv = await deps.store.conversations.get(conversationId);
  const locale = pickLocale(conv?.locale, deps.config.defaultLocale);
  return orderSummaryFor(deps, order, locale, {
    heading: t(locale, 'order.heading.status'),
    notice: await ordererNotice(deps, order, locale, kind, ref),
    withContacts: conv?.scope === 'personal',
  });
}

async function ordererNotice(deps: ServiceDeps, order: OrderDoc, locale: Locale, kind: 'seatTaken' | 'filled' | 'withdrawn' | 'unfilled', ref: string): Promise<string> {
  switch (kind) {
    case 'filled':
      return t(locale, 'order.filledNotice', { count: order.seats });
    case 'unfilled':
      return t(locale, 'order.unfilledNotice');
    case 'seatTaken':
      return t(locale, 'order.seatTakenNotice', { name: '', taken: await deps.store.assignments.countLive(order._id), seats: order.seats });
    case 'withdrawn': {
      // The withdrawal record names who withdrew; an erased expert (no profile) is not named.
      const record = await deps.store.assignments.withdrawal(ref);
      const expert = record ? await deps.store.experts.get(record.expertId) : null;
      return expert ? t(locale, 'order.withdrawnNotice', { name: expert.displayName }) : t(locale, 'privacy.seatReleasedNotice');
    }
  }
}

/**
 * Everything stored about a person (`my data`, GDPR art. 15), by their id and the records that
 * carry it: each repository's own part. Anonymous feedback texts link to nobody by design and
 * cannot be shown; free texts others wrote are theirs (see docs/privacy.md).
 */
export async function personalData(deps: ServiceDeps, aadObjectId: string) {
  const aad = aadObjectId.toLowerCase();
  const [expertProfile, ordersPlaced, offers, { assignments, withdrawals }, conversations, privacy] = await Promise.all([
    deps.store.experts.get(aad),
    deps.store.orders.placedBy(aad),
    deps.store.offers.ofExpert(aad),
    deps.store.assignments.ofExpert(aad),
    deps.store.conversations.ofUser(aad),
    deps.store.privacy.ofPerson(aad),
  ]);
  const [feedback, messages, feeLines, earningsLimit, preferences, takenOn] = await Promise.all([
    deps.store.feedback.ofPerson(aad, ordersPlaced.map((o) => o._id)),
    deps.store.outbox.recordsFor(conversations.map((c) => c._id)),
    deps.store.feeLedger.ofExpert(aad),
    deps.store.earningsGuards.get(aad),
    deps.store.preferences.of(aad),
    deps.store.handlers.ofPerson(aad),
  ]);
  return {
    /** Whose data this is (lower case): the card tells what they did from what was done for them. */
    aad,
    expertProfile,
    ordersPlaced,
    offers,
    assignments,
    withdrawals,
    feeLines,
    earningsLimit,
    preferences,
    feedbackAnswers: feedback.answers,
    feedbackRequests: feedback.requests,
    takenOnByCoordinator: takenOn,
    erasureRequest: privacy.erasureRequest,
    erasureInProgress: privacy.erasureInProgress,
    conversations,
    messagesToYou: messages,
    profileAccessLog: privacy.profileAccessLog,
    profileReadsMade: privacy.accessesMade,
  };
}

export type PersonalData = Awaited<ReturnType<typeof personalData>>;

/** How many items of a list the card shows; the rest are counted, and all are in the file. */
const SHOWN = 20;

interface Section {
  heading: string;
  facts: { label: string; value: string }[];
  lines: { text: string }[];
}

/**
 * `my data` as people read it (GDPR art. 15): the same records as the file, in sections, in
 * the reader's language and time zone, with order numbers but no internal ids. The person's own
 * health themes are shown: this is their own data, in their 1:1 chat.
 */
export function myDataCard(deps: Pick<ServiceDeps, 'catalog' | 'config'>, data: PersonalData, locale: Locale, o: { withFile: boolean; notice?: string }): AdaptiveCard {
  const tz = deps.config.timeZone;
  const when = (d: Date) => formatWhen(locale, d, tz);
  const none = [{ text: t(locale, 'my-data.none') }];
  const capped = (lines: { text: string }[]) => (lines.length > SHOWN ? [...lines.slice(0, SHOWN), { text: t(locale, 'my-data.more', { count: lines.length - SHOWN }) }] : lines);
  const section = (key: MessageKey, facts: Section['facts'], lines: Section['lines']): Section => ({ heading: t(locale, key), facts, lines });
  const newestFirst = <T>(xs: T[], at: (x: T) => Date) => [...xs].sort((a, b) => at(b).getTime() - at(a).getTime());

  const profile = data.expertProfile;
  const profileSection = profile
    ? (() => {
      const shown = latestOf(profile);
      const p = profileTexts(deps.catalog, profile, shown, locale);
      const label = (k: string) => t(locale, `expert-profile.label.${k}` as MessageKey);
      return section('my-data.section.profile', [
        { label: t(locale, 'my-data.name'), value: plainText(shown.displayName) },
        { label: label('status'), value: p.statusText },
        { label: label('themes'), value: p.themesText },
        { label: label('taskTypes'), value: p.taskTypesText },
        { label: label('place'), value: p.placeText },
        { label: label('languages'), value: p.languagesText },
        { label: label('training'), value: p.trainingText },
        { label: label('fee'), value: p.feeText },
        { label: label('contact'), value: p.contactText },
      ], [{ text: plainText(shown.description) }]);
    })()
    : section('my-data.section.profile', [], [{ text: t(locale, 'my-data.noProfile') }]);

  const orders = newestFirst(data.ordersPlaced, (x) => x.startsAt).map((x) => ({ text: `${x._id} · ${plainText(x.title)} · ${whenText(x, tz, locale)} · ${t(locale, `status.${x.status}` as MessageKey)}` }));
  const tasks = [
    ...newestFirst(data.assignments, (a) => a.startsAt).map((a) => ({ text: `${a.orderId} · ${when(a.startsAt)} · ${t(locale, `my-data.taskStatus.${a.status}` as MessageKey)}` })),
    ...newestFirst(data.withdrawals, (w) => w.withdrawnAt).map((w) => ({ text: t(locale, 'my-data.withdrawn', { order: w.orderId, when: when(w.withdrawnAt) }) })),
  ];
  const offerCounts = new Map<string, number>();
  for (const x of data.offers) offerCounts.set(x.status, (offerCounts.get(x.status) ?? 0) + 1);
  const feedback = data.feedbackAnswers.map((f) => ({
    text: t(locale, 'my-data.feedbackAnswer', { order: f.orderId, role: f.role === 'expert' ? 'expert' : 'orderer', text: f.text ? `”${plainText(f.text)}”` : '–' }),
  }));
  const perPeriod = new Map<string, { cents: number; tasks: Set<string> }>();
  for (const l of data.feeLines) {
    const p = perPeriod.get(l.period) ?? { cents: 0, tasks: new Set<string>() };
    p.cents += l.cents;
    p.tasks.add(l.assignmentId);
    perPeriod.set(l.period, p);
  }
  const fees = [...perPeriod].sort(([a], [b]) => b.localeCompare(a)).map(([period, p]) => ({ text: t(locale, 'my-data.feeLine', { period: periodText(period, locale), amount: euros(p.cents), count: p.tasks.size }) }));
  const limit = data.earningsLimit?.limitCents !== undefined ? [{ text: t(locale, 'my-data.earningsLimit', { amount: euros(data.earningsLimit.limitCents), per: data.earningsLimit.per }) }] : [];
  const access = newestFirst(data.profileAccessLog, (a) => a.at).map((a) => ({ text: t(locale, 'my-data.accessLine', { when: when(a.at), purpose: a.purpose }) }));
  const readsMade = data.profileReadsMade.length > 0 ? [{ text: t(locale, 'my-data.readsMade', { count: data.profileReadsMade.length }) }] : [];
  const handled = newestFirst(data.takenOnByCoordinator, (x) => x.at).map((x) => {
    const key: MessageKey = x.coordinator.aadObjectId === data.aad ? (x.kind === 'order' ? 'my-data.handled.order' : 'my-data.handled.debrief') : 'my-data.handled.askedDebrief';
    return { text: t(locale, key, { order: x.orderId, when: when(x.at) }) };
  });
  const erasure = data.erasureInProgress
    ? t(locale, 'my-data.erasureInProgress')
    : data.erasureRequest?.status === 'requested' ? t(locale, 'my-data.erasureRequested', { when: when(data.erasureRequest.requestedAt) }) : t(locale, 'my-data.noErasure');

  const sections: Section[] = [
    profileSection,
    section('my-data.section.orders', [], orders.length ? capped(orders) : none),
    section('my-data.section.tasks', [], tasks.length ? capped(tasks) : none),
    section('my-data.section.offers', [...offerCounts].map(([status, n]) => ({ label: t(locale, `my-data.offerStatus.${status}` as MessageKey), value: String(n) })), offerCounts.size ? [] : none),
    section('my-data.section.feedback', [{ label: t(locale, 'privacy.count.feedbackRequests'), value: String(data.feedbackRequests.length) }], capped(feedback)),
    section('my-data.section.fees', [], fees.length || limit.length ? [...capped(fees), ...limit] : none),
    section('my-data.section.preferences', [{ label: t(locale, 'my-data.language'), value: data.preferences ? t(locale, `language.${data.preferences.locale}` as MessageKey) : t(locale, 'my-data.languageFromTeams') }], []),
    section('my-data.section.access', [], access.length || readsMade.length ? [...capped(access), ...readsMade] : none),
    section('my-data.section.messages', [
      { label: t(locale, 'my-data.conversations'), value: String(data.conversations.length) },
      { label: t(locale, 'my-data.messages'), value: String(data.messagesToYou.length) },
    ], []),
    ...(handled.length ? [section('my-data.section.handled', [], capped(handled))] : []),
    section('my-data.section.erasure', [], [{ text: erasure }]),
  ];
  return renderCard('my-data', locale, { sections, withFile: o.withFile, showErasure: !data.erasureRequest && !data.erasureInProgress, ...(o.notice ? { notice: o.notice } : {}) });
}

/** A pay period in words: "lokakuu 2026", or "1.–15.10.2026" for half a month. */
function periodText(id: string, locale: Locale): string {
  if (/^\d{4}-\d{2}$/.test(id)) return formatMonth(locale, id);
  const half = parsePeriod(id, 'semimonthly');
  return half ? periodLabel(half) : id;
}

/**
 * The whole export as a file (the same records the card summarizes, as stored, ids included:
 * that is what "machine-readable" means here). Made when the person accepts the file, never
 * stored: a copy of someone's data is not kept waiting in the database.
 */
export async function personalDataFile(deps: ServiceDeps, aadObjectId: string): Promise<Buffer> {
  return Buffer.from(JSON.stringify(await personalData(deps, aadObjectId), null, 2), 'utf8');
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
