import { Config } from '../config';
import { Catalog } from '../domain/catalog';
import { FeeTariff } from '../domain/fees';
import { Logger } from '../log';
import { Store } from '../store';
import { NewOutboxItem } from '../store/outbox';

/** Hands proactive messages to the outbox and nudges the sender. */
export interface Postman {
  post(items: NewOutboxItem[]): Promise<void>;
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
  now: () => Date;
  rng: () => number;
  /** Lines other modules add to the daily digest (e.g. missing feedback, debrief requests). */
  digestExtras?: (now: Date, locale: 'fi' | 'sv' | 'en') => Promise<{ label: string; value: string }[]>;
}
