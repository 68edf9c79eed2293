import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { ExpertProfileCardData, TextColor } from '../cards/views';
import { labelOf } from '../domain/catalog';
import { latestOf, profileOf, reviewOf } from '../domain/expertReview';
import { Locale, MessageKey, pickLocale, t } from '../i18n';
import { ExpertDecisionDoc, ExpertDoc, ExpertProfile } from '../store/experts';
import { ServiceDeps } from './deps';
import { coordinatorsLocale } from './notify';
import { message } from './views';

/**
 * Experts' profiles and their review: saving, the approval card in the coordinators' channel,
 * and coordinators' decisions. Version rules: domain/expertReview.
 *
 * Crash safety: every step is keyed so that repeating it is harmless, and a recovery job
 * (jobs/expertReviews) repeats what a crash cut short:
 * - a version waiting for review whose approval card was not posted (or not updated to it):
 *   `ensureApprovalCard` posts it, or updates the round's card in place, by outbox key;
 * - a decision claimed (unique insert per version) but not completed: `completeDecision`
 *   carries it out on the profile, queues the expert's notice and the card update, by key.
 * The next save or click does the same at once.
 */

type CardDeps = Pick<ServiceDeps, 'catalog'>;

export interface ProfileCardOptions {
  heading: string;
  notice?: string;
  noticeColor?: TextColor;
  forOwner?: boolean;
  /** Approve / reject buttons for this version (only while it is the one under review). */
  decisionVersion?: number;
  /** The owner's Teams user id (`from.id`): Teams refreshes the owner's card for them when they view it. */
  refreshFor?: string;
}

/** A decision as the coordinators' card states it: what was decided, on what, and by whom. */
export interface DecisionShown {
  decision: 'approve' | 'reject';
  kind: 'new' | 'changes';
  /** The coordinator's name as Teams gave it on the click; '' when not known (the card then names nobody). */
  byName: string;
}

/**
 * The profile's state in words, for the expert and the coordinators alike: waiting for the
 * first approval, active, active with changes waiting, paused, or not approved.
 */
export function profileStatusText(doc: ExpertDoc, locale: Locale): string {
  if (doc.status !== 'active') return t(locale, `expert.status.${doc.status}` as MessageKey);
  if (doc.draft) return t(locale, 'expert.status.changesPending');
  return t(locale, doc.paused ? 'expert.status.paused' : 'expert.status.active');
}

/** A profile's fields in words (labels of themes, task types, languages, fee): the card's and `my data`'s. */
export function profileTexts(c: ServiceDeps['catalog'], doc: ExpertDoc, shown: ExpertProfile, locale: Locale) {
  const place = [...shown.municipalities, ...(shown.remoteOk ? [t(locale, 'expert.remote')] : [])].join(', ') || t(locale, 'expert.none');
  return {
    statusText: profileStatusText(doc, locale),
    themesText: shown.themes.map((id) => labelOf(c.themes, id, locale)).join(', '),
    taskTypesText: shown.taskTypes.map((id) => labelOf(c.taskTypes, id, locale)).join(', '),
    placeText: place,
    languagesText: shown.languages.map((l) => t(locale, `language.${l}` as MessageKey)).join(', '),
    trainingText: shown.training ? `${shown.training.organisation} ${shown.training.year}` : t(locale, 'expert.none'),
    feeText: t(locale, `fee.${shown.feePreference}` as MessageKey),
    contactText: [shown.phone, shown.email].filter(Boolean).join(' · ') || t(locale, 'expert.none'),
  };
}

/** A profile as a card: for the expert (own actions) or coordinators (approve / reject one version). */
export function profileCard(deps: CardDeps, doc: ExpertDoc, shown: ExpertProfile, locale: Locale, o: ProfileCardOptions): AdaptiveCard {
  const data: ExpertProfileCardData = {
    heading: o.heading,
    displayName: shown.displayName,
    description: shown.description,
    ...profileTexts(deps.catalog, doc, shown, locale),
    showDecision: o.decisionVersion !== undefined,
    version: o.decisionVersion ?? 0,
    showOwnerActions: !!o.forOwner,
    paused: doc.paused,
    expertId: doc._id,
  };
  if (o.notice) {
    data.notice = o.notice;
    data.noticeColor = o.noticeColor ?? 'Default';
  }
  const card = renderCard('expert-profile', locale, data);
  // The owner's card is refreshed by Teams when they look at it again (Universal Actions, for
  // them only): a card saved while waiting for approval does not keep saying so afterwards.
  return o.forOwner && o.refreshFor ? { ...card, refresh: { action: { type: 'Action.Execute', verb: PROFILE_REFRESH_VERB }, userIds: [o.refreshFor] } } : card;
}

/** The verb Teams sends when it refreshes an expert's own profile card. */
export const PROFILE_REFRESH_VERB = 'expert.showProfile';

/**
 * The expert's own view: what they last submitted, its state, their actions. With their Teams
 * user id the card refreshes itself for them (see PROFILE_REFRESH_VERB).
 */
export function ownProfileCard(deps: CardDeps, doc: ExpertDoc, locale: Locale, notice?: { text: string; color?: TextColor }, teamsUserId?: string): AdaptiveCard {
  return profileCard(deps, doc, latestOf(doc), locale, { heading: t(locale, 'expert.heading.own'), forOwner: true, notice: notice?.text, noticeColor: notice?.color, refreshFor: teamsUserId });
}

/**
 * The coordinators' card of the version under review (decision buttons bound to it), or of the
 * profile as it stands: its title follows the state ("waits for approval" only while a version
 * waits; after a decision, what was decided).
 */
export function reviewCard(deps: CardDeps, doc: ExpertDoc, locale: Locale, notice?: { text: string; color?: TextColor }): AdaptiveCard {
  const review = reviewOf(doc);
  if (!review) return standingCard(deps, doc, locale, notice);
  const heading = t(locale, review.kind === 'changes' ? 'expert.heading.changes' : 'expert.heading.approval');
  return profileCard(deps, doc, review.profile, locale, { heading, decisionVersion: review.version, notice: notice?.text, noticeColor: notice?.color });
}

/** A profile with nothing waiting: titled by the last decision, if any, without decision buttons. */
function standingCard(deps: CardDeps, doc: ExpertDoc, locale: Locale, notice?: { text: string; color?: TextColor }): AdaptiveCard {
  const last = doc.lastDecision;
  const heading = last ? decisionHeading(locale, { decision: last.decision, kind: last.kind ?? 'new' }) : t(locale, 'expert.heading.profile');
  return profileCard(deps, doc, profileOf(doc), locale, { heading, notice: notice?.text, noticeColor: notice?.color });
}

function decisionHeading(locale: Locale, d: Pick<DecisionShown, 'decision' | 'kind'>): string {
  const key: MessageKey = d.kind === 'changes'
    ? d.decision === 'approve' ? 'expert.heading.changesApproved' : 'expert.heading.changesRejected'
    : d.decision === 'approve' ? 'expert.heading.approved' : 'expert.heading.rejected';
  return t(locale, key);
}

/**
 * The coordinators' card once a version is decided: titled by the decision (never "waits for
 * approval"), the profile as it now serves, who decided, no buttons. When the expert has
 * already submitted a newer version, the card says it is on a card of its own.
 */
export function decidedCard(deps: CardDeps, doc: ExpertDoc, d: DecisionShown, locale: Locale, extra?: string): AdaptiveCard {
  const approve = d.decision === 'approve';
  const lines = [
    d.byName ? t(locale, approve ? 'expert.approvedNotice' : 'expert.rejectedNotice', { by: d.byName }) : '',
    reviewOf(doc) ? t(locale, 'expert.newerVersionWaits') : '',
    extra ?? '',
  ].filter(Boolean);
  return profileCard(deps, doc, profileOf(doc), locale, {
    heading: decisionHeading(locale, d),
    ...(lines.length ? { notice: lines.join(' '), noticeColor: approve ? 'Good' : 'Attention' } : {}),
  });
}

export type ApprovalCardOutcome = 'posted' | 'updated' | 'current' | 'noChannel' | 'none';

/**
 * Makes the coordinators' channel show the version under review: posts the round's card, or
 * updates it in place when the expert edited the pending version. Keyed by version, so a
 * repeat (the job, a re-save) queues nothing new.
 */
export async function ensureApprovalCard(deps: ServiceDeps, expertId: string): Promise<ApprovalCardOutcome> {
  const doc = await deps.store.experts.get(expertId);
  const review = doc && reviewOf(doc);
  if (!doc || !review) return 'none';
  const channel = await deps.store.channels.coordinatorsChannel();
  if (!channel) return 'noChannel';
  if (doc.approvalCardVersion === review.version && doc.approvalCardKey && (await deps.store.outbox.has(doc.approvalCardKey))) return 'current';
  const locale = coordinatorsLocale(deps, channel);
  const card = reviewCard(deps, doc, locale);
  const firstKey = doc.approvalCardKey && (await deps.store.outbox.has(doc.approvalCardKey)) ? doc.approvalCardKey : undefined;
  if (firstKey) {
    await deps.postman.post([{ key: `${firstKey}:v${review.version}`, conversationId: channel.conversationId, op: 'update', updateOf: firstKey, activity: message(card) }]);
    await deps.store.experts.markApprovalCard(doc._id, review.version);
  } else {
    const key = `expert-approval:${doc._id}:v${review.version}`;
    await deps.postman.post([{ key, conversationId: channel.conversationId, activity: message(card) }]);
    await deps.store.experts.markApprovalCard(doc._id, review.version, key);
  }
  await deps.store.privacy.logAccess(doc._id, `channel:${channel.conversationId}`, 'approval', deps.now());
  return firstKey ? 'updated' : 'posted';
}

/** The expert's profile as stored (with any draft under review), or null when they have none. */
export async function expertProfileOf(deps: ServiceDeps, expertId: string): Promise<ExpertDoc | null> {
  return deps.store.experts.get(expertId);
}

/**
 * The expert pauses or resumes offers to themselves (`pause` / `resume`, or the card's
 * buttons). Null when they have no profile.
 */
export async function setExpertPaused(deps: ServiceDeps, expertId: string, paused: boolean): Promise<ExpertDoc | null> {
  return deps.store.experts.setPaused(expertId, paused, deps.now());
}

export interface SavedProfile {
  doc: ExpertDoc;
  isNew: boolean;
  /** What the save did to the review (see domain/expertReview.EditOutcome). */
  outcome: 'unchanged' | 'review' | 'changesForReview' | 'applied';
  /** Whether a version now waits for review, and whether the channel has its card. */
  waiting: boolean;
  card: ApprovalCardOutcome;
}

/** Saves a profile and makes sure the version waiting for review (if any) is on the coordinators' card. */
export async function saveExpertProfile(deps: ServiceDeps, expertId: string, profile: ExpertProfile): Promise<SavedProfile> {
  const saved = await deps.store.experts.saveProfile(expertId, profile, deps.now());
  deps.log.info({ expertId: saved.doc._id, isNew: saved.isNew, outcome: saved.outcome }, 'profile saved');
  // Also after an unchanged save: a card a crash left unposted is posted now.
  const card = await ensureApprovalCard(deps, saved.doc._id);
  const doc = (await deps.store.experts.get(saved.doc._id)) ?? saved.doc;
  return { doc, isNew: saved.isNew, outcome: saved.outcome, waiting: !!reviewOf(doc), card };
}

export type DecisionResult =
  | { kind: 'decided'; doc: ExpertDoc; card: AdaptiveCard }
  | { kind: 'stale'; doc: ExpertDoc; card: AdaptiveCard }
  | { kind: 'alreadyDecided'; doc: ExpertDoc; card: AdaptiveCard }
  | { kind: 'notFound' };

type DecisionInput = { expertId: string; version: number; decision: 'approve' | 'reject'; by: string; byName: string; reason?: string };

/**
 * A coordinator's approve / reject of the version the card showed. Claimed per version by a
 * unique insert; a decision found claimed but not completed (a crash, or a click at the same
 * moment) is completed here, so the second click tells the expert if the first could not.
 * A click on a version decided and completed before is answered from the profile's
 * lastDecision: the same coordinator's repeat as the first answer, anyone else's as "already decided".
 */
export async function decideExpert(deps: ServiceDeps, input: DecisionInput, locale: Locale): Promise<DecisionResult> {
  const doc = await deps.store.experts.get(input.expertId);
  if (!doc) return { kind: 'notFound' };
  let decision = await deps.store.experts.decisionOn(doc._id, input.version);
  if (!decision) {
    if (doc.lastDecision && doc.lastDecision.version === input.version) return answer(deps, input, doc, doc.lastDecision, locale);
    const review = reviewOf(doc);
    if (!review || review.version !== input.version) {
      // The card showed another version (or none is waiting): show what is current instead.
      deps.log.info({ expertId: doc._id, shown: input.version, current: review?.version }, 'stale approval card');
      return { kind: 'stale', doc, card: reviewCard(deps, doc, locale, { text: t(locale, review ? 'expert.staleVersion' : 'expert.nothingToDecide') }) };
    }
    decision = await deps.store.experts.claimDecision({
      expertId: doc._id, version: review.version, kind: review.kind, decision: input.decision, by: input.by, byName: input.byName, reason: input.reason, at: deps.now(),
      ...(doc.approvalCardKey ? { cardKey: doc.approvalCardKey } : {}),
    });
    if (!decision) {
      // Another click claimed and completed it a moment ago.
      const now = (await deps.store.experts.get(doc._id)) ?? doc;
      if (now.lastDecision?.version === review.version) return answer(deps, input, now, now.lastDecision, locale);
      return { kind: 'stale', doc: now, card: reviewCard(deps, now, locale, { text: t(locale, 'expert.nothingToDecide') }) };
    }
  }
  const after = (await completeDecision(deps, decision, { updateCard: false })) ?? doc;
  // What was carried out on this version (a claim made after another click's completed claim
  // was removed finds the version decided already: the profile says how).
  const done = after.lastDecision?.version === decision.version ? after.lastDecision : decision;
  return answer(deps, input, after, done, locale);
}

function answer(deps: ServiceDeps, input: DecisionInput, doc: ExpertDoc, d: { decision: 'approve' | 'reject'; by: string; kind?: 'new' | 'changes' }, locale: Locale): DecisionResult {
  const kind = d.kind ?? 'new';
  if (d.decision !== input.decision || d.by !== input.by) {
    // Another coordinator's decision: the card says what it was, without their name (not known here).
    return { kind: 'alreadyDecided', doc, card: decidedCard(deps, doc, { decision: d.decision, kind, byName: '' }, locale, t(locale, 'expert.alreadyDecided')) };
  }
  // The same coordinator: their name from this very click.
  return { kind: 'decided', doc, card: decidedCard(deps, doc, { decision: d.decision, kind, byName: input.byName }, locale) };
}

/**
 * Carries out a claimed decision; safe to repeat. The expert's notice is keyed by the version
 * decided. `updateCard`: also update the approval card in the channel (the recovery job; a
 * click answers the clicked card in place itself).
 */
export async function completeDecision(deps: ServiceDeps, d: ExpertDecisionDoc, o: { updateCard: boolean }): Promise<ExpertDoc | null> {
  const cardKey = d.cardKey;
  const applied = await deps.store.experts.applyDecision(d, deps.now());
  if (!applied) {
    // The profile is gone (erased): nothing to tell anyone.
    await deps.store.experts.completeDecision(d._id);
    return null;
  }
  const doc = applied;
  // What was carried out on this version, should another claim have decided it first.
  if (doc.lastDecision?.version === d.version && doc.lastDecision.decision !== d.decision) d = { ...d, decision: doc.lastDecision.decision, byName: '' };
  const conv = await deps.store.conversations.personalOf(doc._id);
  if (conv) {
    const el = pickLocale(conv.locale, deps.config.defaultLocale);
    const changes = d.kind === 'changes';
    const key: MessageKey = d.decision === 'approve' ? (changes ? 'expert.youApprovedChanges' : 'expert.youApproved') : changes ? 'expert.youRejectedChanges' : 'expert.youRejected';
    const text = t(el, key, { reason: d.reason ?? '–' });
    // The decision comes with the profile as it now stands: the newest card in the chat is current.
    const card = ownProfileCard(deps, doc, el, { text, color: d.decision === 'approve' ? 'Good' : 'Attention' }, conv.reference.user?.id);
    await deps.postman.post([{ key: `expert-decision:${doc._id}:v${d.version}`, conversationId: conv._id, activity: message(card) }]);
  }
  if (o.updateCard && cardKey) {
    const channel = await deps.store.channels.coordinatorsChannel();
    if (channel && (await deps.store.outbox.has(cardKey))) {
      const card = decidedCard(deps, doc, d, coordinatorsLocale(deps, channel));
      await deps.postman.post([{ key: `${cardKey}:decided:v${d.version}`, conversationId: channel.conversationId, op: 'update', updateOf: cardKey, activity: message(card) }]);
    }
  }
  await deps.store.experts.completeDecision(d._id);
  deps.log.info({ expertId: doc._id, decision: d.decision, version: d.version }, 'expert decided');
  return doc;
}

/**
 * The recovery job's work: completes decisions a crash cut short, and posts (or updates) the
 * approval card of every version waiting without one. Returns counts for the log.
 */
export async function recoverExpertReviews(deps: ServiceDeps): Promise<{ decisions: number; cards: number }> {
  let decisions = 0;
  for (const d of await deps.store.experts.openDecisions()) {
    await completeDecision(deps, d, { updateCard: true });
    decisions++;
  }
  let cards = 0;
  for (const doc of await deps.store.experts.underReview()) {
    const r = await ensureApprovalCard(deps, doc._id);
    if (r === 'posted' || r === 'updated') cards++;
  }
  return { decisions, cards };
}
