import { Config } from '../config';
import { Catalog } from '../domain/catalog';
import { FeeTariff } from '../domain/fees';
import { Logger } from '../log';
import { Store } from '../store';
import { NewOutboxItem } from '../store/outbox';
import type { StoredReference } from '../store/conversations';

/** Hands proactive messages to the outbox and nudges the sender. */
export interface Postman {
  post(items: NewOutboxItem[]): Promise<void>;
}

/**
 * Opens the bot's 1:1 chat with a user through a conversation shared with them (the messaging
 * transport's PersonalChatOpener); throws when Teams refuses.
 */
export interface PersonalChats {
  openPersonalChat(via: StoredReference, user: { id: string; aadObjectId?: string }): Promise<StoredReference>;
}

/** What the use cases need: the same for Teams routes and scheduled jobs. */
export interface ServiceDeps {
  config: Config;
  store: Store;
  log: Logger;
  catalog: Catalog;
  /** The fee tariff versions (config/fee-tariff.json), validated at start. */
  tariffs: FeeTariff[];
  postman: Postman;
  /** For what must not go to a group chat (experts' names, contacts): see services/notify.ts. */
  personalChats?: PersonalChats;
  now: () => Date;
  rng: () => number;
}
