import { Db } from 'mongodb';
import type { RunningBot } from '../../src/index';
import type { SeenDoc } from '../../src/store/activities';
import type { AssignmentDoc, WithdrawalDoc } from '../../src/store/assignments';
import type { HandlerDoc } from '../../src/store/handlers';
import type { ConversationDoc } from '../../src/store/conversations';
import type { TeamChannelDoc } from '../../src/store/channels';
import type { ExpertDecisionDoc, ExpertDoc } from '../../src/store/experts';
import type { FeeExportDoc } from '../../src/store/exports';
import type { FeedbackDoc, FeedbackRequestDoc } from '../../src/store/feedback';
import type { JobRunDoc } from '../../src/store/jobRuns';
import type { OfferDoc } from '../../src/store/offers';
import type { FormClaimDoc, OrderDoc } from '../../src/store/orders';
import type { BodyDoc, DueDoc, LeaseDoc, OutcomeDoc, StateDoc } from '../../src/store/outboxDocs';
import type { EarningsGuardDoc } from '../../src/store/earningsGuards';
import type { FeeLineDoc, SettlementDoc } from '../../src/store/feeLedger';
import type { UserPreferenceDoc } from '../../src/store/preferences';
import type { RateTokenDoc } from '../../src/store/rateTokens';
import type { ErasureClaimDoc, ErasureRequestDoc, ProfileAccessDoc } from '../../src/store/privacy';

/**
 * The stored collections as the driver sees them, by collection name: for tests that set up a
 * state no use case makes (an old order, a half-done step of a crash) or check what was stored.
 * Production code reaches a collection only through its repository (src/store), whose
 * collection fields are private; tests read and write beside it, never through those fields.
 */
export function collectionsOf(db: Db) {
  return {
    orders: db.collection<OrderDoc>('orders'),
    orderForms: db.collection<FormClaimDoc>('orderForms'),
    offers: db.collection<OfferDoc>('offers'),
    assignments: db.collection<AssignmentDoc>('assignments'),
    withdrawals: db.collection<WithdrawalDoc>('withdrawals'),
    experts: db.collection<ExpertDoc>('experts'),
    expertDecisions: db.collection<ExpertDecisionDoc>('expertDecisions'),
    conversations: db.collection<ConversationDoc>('conversations'),
    teamChannels: db.collection<TeamChannelDoc>('teamChannels'),
    feedback: db.collection<FeedbackDoc>('feedback'),
    feedbackRequests: db.collection<FeedbackRequestDoc>('feedbackRequests'),
    handlers: db.collection<HandlerDoc>('handlers'),
    anonymousFeedback: db.collection<{ _id: string; month: string; text: string }>('anonymousFeedback'),
    feeExports: db.collection<FeeExportDoc>('feeExports'),
    profileAccessLog: db.collection<ProfileAccessDoc>('profileAccessLog'),
    erasureRequests: db.collection<ErasureRequestDoc>('erasureRequests'),
    erasurePseudonyms: db.collection<ErasureClaimDoc>('erasurePseudonyms'),
    processedActivities: db.collection<SeenDoc>('processedActivities'),
    jobRuns: db.collection<JobRunDoc>('jobRuns'),
    outbox: db.collection<StateDoc>('outbox'),
    outboxOutcomes: db.collection<OutcomeDoc>('outboxOutcomes'),
    outboxDue: db.collection<DueDoc>('outboxDue'),
    /** Written only by the versions before the activity moved into the outbox record: tests of the upgrade set it up. */
    outboxBodies: db.collection<BodyDoc>('outboxBodies'),
    outboxLeases: db.collection<LeaseDoc>('outboxLeases'),
    earningsGuards: db.collection<EarningsGuardDoc>('earningsGuards'),
    userPreferences: db.collection<UserPreferenceDoc>('userPreferences'),
    feeLines: db.collection<FeeLineDoc>('feeLines'),
    feeSettlements: db.collection<SettlementDoc>('feeSettlements'),
    rateTokens: db.collection<RateTokenDoc>('rateTokens'),
  };
}

export type Collections = ReturnType<typeof collectionsOf>;

/** The collections of a running bot's database (a harness: `stored(h)`). */
export function stored(h: { bot: Pick<RunningBot, 'database'> }): Collections {
  return collectionsOf(h.bot.database.db);
}

/**
 * Every document of every collection that contains one of `needles` (case-insensitive): the
 * erasure tests' oracle that nothing of a person is left anywhere, whatever collection holds it.
 */
export async function documentsContaining(h: { bot: Pick<RunningBot, 'database'> }, needles: string[]): Promise<{ collection: string; doc: string }[]> {
  const db = h.bot.database.db;
  const found: { collection: string; doc: string }[] = [];
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      const json = JSON.stringify(doc).toLowerCase();
      if (needles.some((n) => json.includes(n.toLowerCase()))) found.push({ collection: name, doc: JSON.stringify(doc) });
    }
  }
  return found;
}
