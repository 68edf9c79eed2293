import type { Catalog } from '../domain/catalog';
import type { Order } from '../domain/orderLifecycle';
import type { Locale, OfferStatus } from '../domain/types';

/**
 * The data each card template of cards/ is rendered with: one view per template, named after
 * it, so `renderCard(name, locale, data)` accepts only that card's data (CardDataByName) and a
 * field a template binds cannot be forgotten or misspelled by whoever builds the card. The
 * card's own localized strings (`${t.…}`) and `locale` are bound by renderCard, not here.
 *
 * Every string here is ready to show: localized by the builder, and text users typed already
 * passed through plainText once (src/cards/plainText.ts).
 */

/** One row of facts: a localized label and its value (a card shows it as two wrapping columns, or a FactSet row). */
export interface Fact {
  label: string;
  value: string;
}

/** One line of a list of TextBlocks. */
export interface Line {
  text: string;
}

/** One choice of an Input.ChoiceSet: what is shown and the value submitted. */
export interface Choice {
  title: string;
  value: string;
}

/** Adaptive Cards' text colours a card's notice or state line may take. */
export type TextColor = 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';

/**
 * A form's fields as shown (what was stored or typed, kept when a submit is refused), by the
 * input's id. Values typed in Teams come back as strings; defaults may be numbers.
 */
export type FormValues = Readonly<Record<string, string | number>>;

/** A form's refusals, localized, by the input's id (`form`: the line above the submit button). */
export type FormErrors = Readonly<Record<string, string>>;

/**
 * What every card built from an order needs besides the order: the catalog's labels, the
 * deployment's time zone (every time on a card is local time) and a task's fee line. One
 * object, built once from the services' deps (`cardContext` in src/services/views.ts).
 */
export interface CardContext {
  catalog: Catalog;
  timeZone: string;
  /** The fee line of a task in the reader's language: the tariff row valid on the task's day. */
  feeText(order: Pick<Order, 'taskType' | 'startsAt'>, locale: Locale): string;
  /** The time a card is made at: by when to answer, whether an offer has expired, short notice. */
  now(): Date;
  /** A task starting within this many hours is "at short notice" (SHORT_NOTICE_HOURS); 0: never. */
  shortNoticeHours: number;
}

/** One series of a Teams chart (`Chart.VerticalBar.Grouped`, `Chart.Line`): its legend and points. */
export interface ChartSeries {
  legend: string;
  values: ChartPoint[];
}

/** One bar or point of a Teams chart: the label on the x axis and the value. */
export interface ChartPoint {
  x: string;
  y: number;
}

/** cards/digest.json — the coordinators' daily digest. */
export interface DigestCardData {
  date: string;
  summary: Fact[];
  newOrders: Line[];
  unfilled: Line[];
  upcoming: Line[];
  unreachable: Line[];
  fairnessText: string;
  /** The fairness level in words with its one-line meaning (never the coefficient). */
  fairnessScore: string;
  /** The share of approved experts with a task in 90 days. */
  shareText: string;
  /** Approved experts never sent an offer (names: the digest goes to the coordinators' channel only). */
  neverOffered: Line[];
  neverOfferedHeading: string;
  /** False when nobody is approved yet: the list says nothing then. */
  showNeverOffered: boolean;
  /** Offers and tasks per expert (null: nobody had either); its fallback is `perExpertLines`. */
  perExpertChart: ChartSeries[] | null;
  perExpertLines: Line[];
  /** The weekly fill rate in % (null: no order started in the window); its fallback is `fillLines`. */
  fillChart: ChartSeries[] | null;
  fillLines: Line[];
}

/** cards/earnings-guard.json — the expert's own earnings limit, a form. */
export interface EarningsGuardCardData {
  /** This period's earnings and the limit, one line each. */
  status: Line[];
  values: FormValues;
  errors: FormErrors;
  notice?: string;
  /** The link to the expert's own note, shown as a link when set. */
  noteUrl?: string;
}

/** cards/erasure-request.json — a person's erasure request in the coordinators' channel. */
export interface ErasureRequestCardData {
  text: string;
  /** The person's AAD object id: the confirm button's data, never shown. */
  userId: string;
  showConfirm: boolean;
  notice?: string;
}

/** cards/expert-profile-form.json — registering or editing an expert profile. */
export interface ExpertProfileFormCardData {
  values: FormValues;
  errors: FormErrors;
  choices: { themes: Choice[]; taskTypes: Choice[]; municipalities: Choice[]; languages: Choice[]; feePreferences: Choice[] };
}

/** cards/expert-profile.json — a profile, for the expert (own actions) or the coordinators (approve / reject). */
export interface ExpertProfileCardData {
  heading: string;
  displayName: string;
  description: string;
  statusText: string;
  themesText: string;
  taskTypesText: string;
  placeText: string;
  languagesText: string;
  trainingText: string;
  feeText: string;
  contactText: string;
  /** Approve / reject buttons, bound to `version`. */
  showDecision: boolean;
  version: number;
  showOwnerActions: boolean;
  paused: boolean;
  expertId: string;
  notice?: string;
  noticeColor?: TextColor;
}

/** cards/fee-summary.json — an ended pay period's fees in the coordinators' channel. */
export interface FeeSummaryCardData {
  month: string;
  notes: Line[];
  experts: Line[];
  centres: Line[];
  /** The cost centres' totals in euros, drawn (the same figures as `centres`; no chart when empty). */
  centresChart: ChartPoint[];
  totalText: string;
}

/** cards/feedback-orderer.json and cards/feedback-expert.json — feedback after a task, a form or the stored answers. */
export interface FeedbackCardData {
  /** "T-2026-0042 · title · when". */
  task: string;
  orderId: string;
  answered: boolean;
  /** The stored answers, once answered. */
  stored: Fact[];
  values: FormValues;
  errors: FormErrors;
  choices: { tookPlace: Choice[]; scale: Choice[] };
}

/** cards/help.json — the commands of this kind of conversation. */
export interface HelpCardData {
  title: string;
  /** A line above the commands; empty for none. */
  note: string;
  commands: { word: string; text: string }[];
  showCoordinatorNote: boolean;
}

/** cards/languageChoice.json — the language buttons. */
export interface LanguageChoiceCardData {
  current: string;
}

/** One section of cards/my-data.json: a heading, facts and lines (any of them may be empty). */
export interface MyDataSection {
  heading: string;
  facts: Fact[];
  lines: Line[];
}

/** cards/my-data.json — what is stored about the user, in words (the whole export follows as a file). */
export interface MyDataCardData {
  sections: MyDataSection[];
  /** The note that the file follows in the next message. */
  withFile: boolean;
  showErasure: boolean;
  notice?: string;
}

/** One order on cards/my-orders.json. */
export interface MyOrderLine {
  number: string;
  title: string;
  when: string;
  statusText: string;
  canCancel: boolean;
  /** What cancelling means, asked before it is done. */
  cancelText: string;
}

/**
 * cards/my-orders.json — the orderer's orders. `shared`: the card as posted in a group chat or
 * channel, showing no order (each person's own view comes by the card's refresh).
 */
export interface MyOrdersCardData {
  shared?: boolean;
  orders: MyOrderLine[];
}

/**
 * cards/debrief.json — an expert's debrief request in the coordinators' channel. `attention`:
 * the @mention tag of the coordinator who took the order on (while nobody took the request);
 * `status`: nobody yet, or who took it (with their tag); `note`: for the one who clicked only.
 */
export interface DebriefCardData {
  attention?: string;
  request: string;
  facts: Fact[];
  status: string;
  taken: boolean;
  note?: string;
  orderId: string;
  expertId: string;
}

/** cards/notice.json — a one-line confirmation, refusal or error. */
export interface NoticeCardData {
  text: string;
  tone: 'default' | 'good' | 'attention';
}

/** cards/offer.json — the expert's offer card, in every state of the offer. */
export interface OfferCardData {
  heading: string;
  title: string;
  description: string;
  facts: Fact[];
  state: OfferStatus;
  /** The line under the heading; empty while open. */
  stateText: string;
  stateColor: TextColor;
  /** The orderer's contact: only once the expert accepted. */
  contactFacts: Fact[];
  offerId: string;
  orderId: string;
  /** "Vastaa viimeistään …": only while the offer is open. */
  answerBy?: string;
  /** "Lyhyellä varoitusajalla: alkaa …": an open offer of a task starting soon. */
  shortNotice?: string;
  /** Add to calendar: only once the task is the expert's. */
  calendarUrl?: string;
  calendarTitle?: string;
}

/** What the coordinators' card says about finding experts (services/brokeringCard.ts brokeringOutlook). */
export type BrokeringOutlook = 'suggestions' | 'waiting' | 'nobodyLeft' | 'closed';

/** cards/order-brokering.json — the coordinators' card of an order. */
export interface OrderBrokeringCardData {
  heading: string;
  number: string;
  title: string;
  facts: Fact[];
  outlook: BrokeringOutlook;
  /** Ranked experts to offer to, each with an Offer button. */
  suggestions: { expertId: string; name: string; detail: string }[];
  /** Whom the order was offered to, with their answer in words. */
  offered: { name: string; status: string }[];
  /** A large wave summed up by answer. */
  offeredSummary?: string;
  showActions: boolean;
  offerTopTitle: string;
  outlookText?: string;
  notice?: string;
  noticeColor?: TextColor;
  /** "Lyhyellä varoitusajalla: alkaa …": an order still open whose task starts soon. */
  shortNotice?: string;
}

/** cards/order-form.json — the order form, empty or refused with the typed values kept. */
export interface OrderFormCardData {
  /** One-time id in the submit's data: a double submit places one order. */
  formId: string;
  values: FormValues;
  errors: FormErrors;
  /** Whether "More details" is open: only when the server found a mistake in it. */
  moreShown: boolean;
  choices: { themes: Choice[]; taskTypes: Choice[]; municipalities: Choice[]; modes: Choice[]; languages: Choice[]; seats: Choice[] };
}

/** An accepted expert as the orderer sees them: name, contact, introduction — never themes. */
export interface AcceptedExpertView {
  name: string;
  contact: string;
  description: string;
}

/** cards/order-summary.json — the orderer's card of an order. */
export interface OrderSummaryCardData {
  heading: string;
  number: string;
  title: string;
  facts: Fact[];
  experts: AcceptedExpertView[];
  expertsHeading: string;
  canCancel: boolean;
  cancelText: string;
  calendarUrl?: string;
  calendarTitle?: string;
  notice?: string;
  noticeColor?: TextColor;
}

/** cards/why.json — which matching filters an expert passes for an order. */
export interface WhyCardData {
  heading: string;
  filters: Fact[];
  summary: string;
}

/** Each template of cards/ by its file name, with the data it is rendered with. */
export interface CardDataByName {
  debrief: DebriefCardData;
  digest: DigestCardData;
  'earnings-guard': EarningsGuardCardData;
  'erasure-request': ErasureRequestCardData;
  'expert-profile-form': ExpertProfileFormCardData;
  'expert-profile': ExpertProfileCardData;
  'fee-summary': FeeSummaryCardData;
  'feedback-expert': FeedbackCardData;
  'feedback-orderer': FeedbackCardData;
  help: HelpCardData;
  languageChoice: LanguageChoiceCardData;
  'my-data': MyDataCardData;
  'my-orders': MyOrdersCardData;
  notice: NoticeCardData;
  offer: OfferCardData;
  'order-brokering': OrderBrokeringCardData;
  'order-form': OrderFormCardData;
  'order-summary': OrderSummaryCardData;
  why: WhyCardData;
}

export type CardName = keyof CardDataByName;

/** Every template's name; a unit test checks it against the files in cards/. */
export const CARD_NAMES: readonly CardName[] = Object.keys({
  debrief: 1, digest: 1, 'earnings-guard': 1, 'erasure-request': 1, 'expert-profile-form': 1, 'expert-profile': 1, 'fee-summary': 1,
  'feedback-expert': 1, 'feedback-orderer': 1, help: 1, languageChoice: 1, 'my-data': 1, 'my-orders': 1, notice: 1, offer: 1,
  'order-brokering': 1, 'order-form': 1, 'order-summary': 1, why: 1,
} satisfies Record<CardName, 1>) as CardName[];
