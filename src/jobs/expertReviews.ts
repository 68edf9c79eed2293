import { ServiceDeps } from '../services/deps';
import { recoverExpertReviews } from '../services/experts';
import { JobDefinition } from './scheduler';

/**
 * Every minute: finishes what a crash left half done in experts' review — a version waiting
 * for review with no approval card in the coordinators' channel (or a card showing an older
 * version), and a coordinator's decision that changed the profile but never told the expert.
 * Safe to repeat: cards and notices are keyed by the version, decisions are claimed per version.
 */
export function expertReviewsJob(deps: ServiceDeps): JobDefinition {
  return {
    name: 'expert-reviews',
    cron: '* * * * *',
    async run() {
      const done = await recoverExpertReviews(deps);
      if (done.decisions || done.cards) deps.log.info({ job: 'expert-reviews', ...done }, 'expert reviews completed');
    },
  };
}
