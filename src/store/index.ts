import { Db } from 'mongodb';
import { ChannelRepo } from './channels';
import { ConversationRepo } from './conversations';
import { JobRunRepo } from './jobRuns';

/** Every repository, one per collection; the only code that knows MongoDB. */
export interface Store {
  conversations: ConversationRepo;
  channels: ChannelRepo;
  jobRuns: JobRunRepo;
}

export function createStore(db: Db): Store {
  return {
    conversations: new ConversationRepo(db),
    channels: new ChannelRepo(db),
    jobRuns: new JobRunRepo(db),
  };
}

/** Creates every index; idempotent, run at each start. */
export async function ensureIndexes(store: Store): Promise<void> {
  for (const repo of Object.values(store)) await repo.ensureIndexes();
}
