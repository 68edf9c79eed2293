import { renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { coordinatorsLocale } from '../services/notify';
import { euros, decimalHours } from '../domain/feeSummary';
import { FeeTariff } from '../domain/fees';
import { finnishDate, periodLabel, previousPeriod } from '../domain/payPeriods';
import { t } from '../i18n';
import { formatMonth } from '../i18n/format';
import { ServiceDeps } from '../services/deps';
import { PAY_DELAY_GOAL_DAYS, settlePeriod } from '../services/fees';
import { message } from '../services/views';
import { JobDefinition } from './scheduler';

/**
 * Fee settlement per pay period (the 1st at 07:00 for the previous month; twice a month also
 * the 16th for the 1st–15th), or `fees <period>`: a card in the coordinators' channel with the
 * payment date and the Incomes Register deadline, and the payroll CSV offered to each
 * coordinator in their 1:1 chat with a Teams file consent card (saved to their OneDrive when
 * they accept). A period is settled once; what arrives later goes into the next one.
 */
export function feesJob(deps: ServiceDeps & { tariffs: FeeTariff[] }): JobDefinition {
  return {
    name: 'fees',
    cron: deps.config.payPeriod === 'semimonthly' ? '0 7 1,16 * *' : '0 7 1 * *',
    async run(ctx) {
      const periodId = typeof ctx.params?.period === 'string' ? ctx.params.period : previousPeriod(ctx.localDate, deps.config.payPeriod).id;
      const r = await settlePeriod(deps, periodId, ctx.now());
      // The command checks both first; a timed run always settles an ended period.
      if (!r.ok) throw new Error(`cannot settle ${periodId}: ${r.reason}`);
      const { summary, csv, delay } = r;
      const channel = await deps.store.channels.coordinatorsChannel();
      const loc = coordinatorsLocale(deps, channel);
      const notes = [
        t(loc, 'fees.paymentDate', { date: finnishDate(r.paymentDate) }),
        t(loc, 'fees.reportBy', { date: finnishDate(r.reportBy) }),
        ...(delay.assignments > 0 ? [t(loc, 'fees.delay', { median: delay.medianDays, max: delay.maxDays, goal: PAY_DELAY_GOAL_DAYS, within: delay.withinGoal, n: delay.assignments })] : []),
        ...(summary.totals.adjustmentLines > 0 ? [t(loc, 'fees.adjustments', { n: summary.totals.adjustmentLines, amount: euros(summary.totals.adjustmentCents) })] : []),
        ...(r.notComputed > 0 ? [t(loc, 'fees.notComputed', { n: r.notComputed })] : []),
      ];
      const card = renderCard('fee-summary', loc, {
        month: periodLabel(r.period),
        notes: notes.map((text) => ({ text })),
        experts: summary.perExpert.map((e) => ({ text: t(loc, 'fees.expertLine', { name: plainText(e.expertName), n: e.assignments, hours: decimalHours(e.hours), fee: euros(e.feeCents), travel: euros(e.travelCents), total: euros(e.totalCents) }) })),
        centres: summary.perCostCentre.flatMap((c) => [
          { text: t(loc, 'fees.centreLine', { centre: plainText(c.costCentre), n: c.assignments, hours: decimalHours(c.hours), total: euros(c.totalCents) }) },
          ...(c.cancellationCents !== 0 ? [{ text: t(loc, 'fees.centreCancellations', { centre: plainText(c.costCentre), amount: euros(c.cancellationCents) }) }] : []),
        ]),
        // The same figures as the lines above, drawn; clients without charts leave it out.
        centresChart: summary.perCostCentre.filter((c) => c.totalCents > 0).map((c) => ({ x: plainText(c.costCentre), y: c.totalCents / 100 })),
        totalText: t(loc, 'fees.total', { n: summary.totals.assignments, hours: decimalHours(summary.totals.hours), total: euros(summary.totals.totalCents) }),
      });
      if (channel) await deps.postman.post([{ key: `fees:${ctx.runKey}`, conversationId: channel.conversationId, activity: message(card) }]);
      const file = await deps.store.feeExports.create(r.period.id, csv, ctx.now());
      const bytes = Buffer.byteLength(csv, 'utf8');
      for (const aad of deps.config.coordinatorAadIds) {
        const conv = await deps.store.conversations.personalOf(aad);
        if (!conv) continue;
        await deps.postman.post([{
          key: `fees-file:${ctx.runKey}:${aad}`,
          conversationId: conv._id,
          activity: {
            type: 'message',
            attachments: [{
              contentType: 'application/vnd.microsoft.teams.card.file.consent',
              name: file.fileName,
              content: { description: t(loc, 'fees.fileDescription', { month: periodLabel(r.period) }), sizeInBytes: bytes, acceptContext: { exportId: file._id }, declineContext: { exportId: file._id } },
            }],
          },
        }]);
      }
      deps.log.info({ period: r.period.id, assignments: summary.totals.assignments, adjustments: summary.totals.adjustmentLines }, 'fee settlement made');
    },
  };
}
