import { MovableClock } from '../clock';
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
  /** Present only in local mode (no bot credentials): lets a coordinator move the clock forward. */
  timeTravel?: Pick<MovableClock, 'advance' | 'offsetMs'>;
}
