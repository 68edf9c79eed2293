import { Config } from '../config';
import { Scheduler } from '../jobs/scheduler';
import { ServiceDeps } from '../services/deps';
import { Logger } from '../log';
import { Store } from '../store';

/** What every route needs; built once in the composition root. */
export interface RouteDeps extends ServiceDeps {
  config: Config;
  store: Store;
  log: Logger;
  now: () => Date;
  scheduler: Pick<Scheduler, 'runNow'>;
}
