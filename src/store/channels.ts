import { Collection, Db } from 'mongodb';
import { upsertRetryingLostInsert } from './duplicates';

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
  /** For the coordinators' channel: the language of its cards (kept beside the value). */
  locale?: string;
  updatedAt: Date;
  updatedBy?: string;
}

/** The coordinators' channel and the language its cards are written in. */
export interface CoordinatorsChannel {
  conversationId: string;
  teamId: string;
  /**
   * 'fi' | 'sv' | 'en', from the activity that marked the channel: cards posted there and
   * their in-place updates (whoever clicks) stay in this one language. Absent on channels
   * marked before it was recorded (the deployment default applies).
   */
  locale?: string;
  /**
   * The tenant of the activity that marked the channel (by a configured coordinator): the
   * home tenant members must belong to for the channel to grant the coordinator role when
   * BOT_TENANT_ID is not set. Absent on channels marked before it was recorded.
   */
  tenantId?: string;
  /** Who marked it (Entra object id). */
  markedBy?: string;
}

export class ChannelRepo {
  private readonly channels: Collection<TeamChannelDoc>;
  private readonly settings: Collection<SettingDoc>;

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
    await upsertRetryingLostInsert(() => this.channels.updateOne({ _id: ch.id }, { $set: set }, { upsert: true }));
  }

  channelsOf(teamId: string): Promise<TeamChannelDoc[]> {
    return this.channels.find({ teamId, deleted: false }).sort({ name: 1 }).toArray();
  }

  async setCoordinatorsChannel(ch: CoordinatorsChannel, byAadObjectId: string, now: Date, locale?: string): Promise<void> {
    const value: Record<string, string> = { conversationId: ch.conversationId, teamId: ch.teamId };
    if (ch.tenantId) value.tenantId = ch.tenantId;
    const set: Partial<SettingDoc> = { value, updatedAt: now, updatedBy: byAadObjectId };
    if (locale) set.locale = locale;
    this.channelRead = null;
    await upsertRetryingLostInsert(() => this.settings.updateOne({ _id: 'coordinatorsChannel' }, { $set: set }, { upsert: true }));
    // A read that began while this was written must not answer callers after it.
    this.channelRead = null;
  }

  /**
   * The coordinators' channel with the language its cards are posted in (one read by _id).
   * Callers at the same time share one read (every order placed reads it; so does every role
   * check): nothing is kept after the read ends, so a change made anywhere is seen by every read
   * that starts after it; a change made here is seen by every caller after it returns.
   */
  async coordinatorsChannel(): Promise<CoordinatorsChannel | null> {
    let read = this.channelRead;
    if (!read) {
      const started = (read = this.readCoordinatorsChannel().finally(() => {
        if (this.channelRead === started) this.channelRead = null;
      }));
      this.channelRead = started;
    }
    const channel = await read;
    return channel && { ...channel };
  }

  private channelRead: Promise<CoordinatorsChannel | null> | null = null;

  private async readCoordinatorsChannel(): Promise<CoordinatorsChannel | null> {
    const doc = await this.settings.findOne({ _id: 'coordinatorsChannel' });
    const value = doc?.value as { conversationId: string; teamId: string; tenantId?: string } | undefined;
    if (!value) return null;
    return {
      conversationId: value.conversationId,
      teamId: value.teamId,
      ...(doc?.locale ? { locale: doc.locale } : {}),
      ...(value.tenantId ? { tenantId: value.tenantId } : {}),
      ...(doc?.updatedBy ? { markedBy: doc.updatedBy } : {}),
    };
  }

  /** Erasure: settings the person changed no longer name them. */
  async forgetEditor(aadObjectId: string): Promise<void> {
    await this.settings.updateMany({ updatedBy: aadObjectId }, { $unset: { updatedBy: '' } });
  }
}
