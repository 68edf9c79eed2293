import { message } from '../services/views';
import { coordinatorsLocale } from '../services/notify';
import { buildDigest } from '../services/digest';
import { ServiceDeps } from '../services/deps';
import { JobDefinition } from './scheduler';

/** "HH:mm" in the deployment's time zone → a daily node-cron expression. */
export function dailyCron(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  return `${m} ${h} * * *`;
}

/**
 * The coordinators' daily digest. Its outbox key is the run's key, so a resumed or repeated
 * run of the same occurrence posts it once.
 */
export function digestJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'daily-digest',
    cron: dailyCron(deps.config.digestTime),
    async run(ctx) {
      const channel = await deps.store.channels.coordinatorsChannel();
      if (!channel) {
        deps.log.warn({ job: 'daily-digest' }, 'no coordinators channel; digest skipped');
        return;
      }
      const loc = coordinatorsLocale(deps, channel);
      const card = await buildDigest(deps, ctx.now(), loc);
      await deps.postman.post([{ key: `digest:${ctx.runKey}`, conversationId: channel.conversationId, activity: message(card) }]);
    },
  };
}
