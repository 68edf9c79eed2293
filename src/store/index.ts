import { Db } from 'mongodb';
import { ActivityLog } from './activities';
import { AssignmentRepo } from './assignments';
import { ChannelRepo } from './channels';
import { ConversationRepo } from './conversations';
import { ExpertRepo } from './experts';
import { FeeExportRepo } from './exports';
import { FeedbackRepo } from './feedback';
import { HandlerRepo } from './handlers';
import { FeeLedgerRepo } from './feeLedger';
import { EarningsGuardRepo } from './earningsGuards';
import { JobRunRepo } from './jobRuns';
import { OfferRepo } from './offers';
import { OrderRepo } from './orders';
import { OutboxRepo } from './outbox';
import { UserPreferenceRepo } from './preferences';
import { PrivacyRepo } from './privacy';
import { RateLimitRepo } from './rateLimits';
import { RateTokenRepo } from './rateTokens';

/** Every repository, one per collection; the only code that knows MongoDB. */
export interface Store {
  conversations: ConversationRepo;
  channels: ChannelRepo;
  jobRuns: JobRunRepo;
  outbox: OutboxRepo;
  experts: ExpertRepo;
  orders: OrderRepo;
  offers: OfferRepo;
  assignments: AssignmentRepo;
  activities: ActivityLog;
  privacy: PrivacyRepo;
  feeExports: FeeExportRepo;
  feedback: FeedbackRepo;
  handlers: HandlerRepo;
  rateLimits: RateLimitRepo;
  feeLedger: FeeLedgerRepo;
  earningsGuards: EarningsGuardRepo;
  preferences: UserPreferenceRepo;
  rateTokens: RateTokenRepo;
}

export function createStore(db: Db): Store {
  const conversations = new ConversationRepo(db);
  return {
    conversations,
    channels: new ChannelRepo(db),
    jobRuns: new JobRunRepo(db),
    outbox: new OutboxRepo(db),
    experts: new ExpertRepo(db),
    orders: new OrderRepo(db),
    offers: new OfferRepo(db),
    assignments: new AssignmentRepo(db),
    activities: new ActivityLog(db),
    privacy: new PrivacyRepo(db),
    feeExports: new FeeExportRepo(db),
    feedback: new FeedbackRepo(db),
    handlers: new HandlerRepo(db),
    rateLimits: new RateLimitRepo(db),
    feeLedger: new FeeLedgerRepo(db),
    earningsGuards: new EarningsGuardRepo(db),
    preferences: new UserPreferenceRepo(db),
    rateTokens: new RateTokenRepo(db),
  };
}

/** Creates every index; idempotent, run at each start. */
export async function ensureIndexes(store: Store): Promise<void> {
  for (const repo of Object.values(store)) await repo.ensureIndexes();
}
