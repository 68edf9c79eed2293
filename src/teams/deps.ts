import { Config } from '../config';
import { Logger } from '../log';
import { Store } from '../store';

/** What every route needs; built once in the composition root. */
export interface RouteDeps {
  config: Config;
  store: Store;
  log: Logger;
  now: () => Date;
}
