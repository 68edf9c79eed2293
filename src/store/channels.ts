import { Collection, Db } from 'mongodb';

/** A channel of a team the bot is installed in, as Teams reported it. */
export interface TeamChannelDoc {
  _id: string; // channel id (also the channel's conversation id)
  teamId: string;
  name?: string;
  deleted: boolean;
  updatedAt: Date;
}

/** Deployment-wide settings that coordinators change from Teams. */
interface SettingDoc {
  _id: string;
  value: unknown;
  updatedAt: Date;
  updatedBy?: string;
}

export interface CoordinatorsChannel {
  conversationId: string;
  teamId: string;
}

export class ChannelRepo {
  readonly channels: Collection<TeamChannelDoc>;
  readonly settings: Collection<SettingDoc>;

  constructor(db: Db) {
    this.channels = db.collection<TeamChannelDoc>('teamChannels');
    this.settings = db.collection<SettingDoc>('settings');
  }

  async ensureIndexes(): Promise<void> {
    await this.channels.createIndex({ teamId: 1, name: 1 }, { name: 'team_name' });
  }

  async recordChannel(ch: { id: string; teamId: string; name?: string }, now: Date, deleted = false): Promise<void> {
    const set: Partial<TeamChannelDoc> = { teamId: ch.teamId, deleted, updatedAt: now };
    if (ch.name !== undefined) set.name = ch.name;
    await this.channels.updateOne({ _id: ch.id }, { $set: set }, { upsert: true });
  }

  channelsOf(teamId: string): Promise<TeamChannelDoc[]> {
    return this.channels.find({ teamId, deleted: false }).sort({ name: 1 }).toArray();
  }

  async setCoordinatorsChannel(ch: CoordinatorsChannel, byAadObjectId: string, now: Date): Promise<void> {
    await this.settings.updateOne(
      { _id: 'coordinatorsChannel' },
      { $set: { value: ch, updatedAt: now, updatedBy: byAadObjectId } },
      { upsert: true },
    );
  }

  async coordinatorsChannel(): Promise<CoordinatorsChannel | null> {
    const doc = await this.settings.findOne({ _id: 'coordinatorsChannel' });
    return (doc?.value as CoordinatorsChannel | undefined) ?? null;
  }
}
