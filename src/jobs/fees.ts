import { renderCard } from '../cards/render';
import { plainText } from '../cards/plainText';
import { coordinatorsLocale } from '../services/notify';
import { euros, decimalHours } from '../domain/feeSummary';
import { FeeTariff } from '../domain/fees';
import { t } from '../i18n';
import { formatMonth } from '../i18n/format';
import { ServiceDeps } from '../services/deps';
import { settleMonth } from '../services/fees';
import { message } from '../services/views';
import { JobDefinition } from './scheduler';

export function previousMonth(localDate: string): string {
  const [y, m] = localDate.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

/**
 * Monthly fee summary (1st day 07:00 for the previous month, or `fees YYYY-MM`): a card in the
 * coordinators' channel and the payroll CSV offered to each coordinator in their 1:1 chat
 * with a Teams file consent card (the file is saved to their OneDrive when they accept).
 */
export function feesJob(deps: ServiceDeps & { tariffs: FeeTariff[] }): JobDefinition {
  return {
    name: 'monthly-fees',
    cron: '0 7 1 * *',
    async run(ctx) {
      const month = typeof ctx.params?.month === 'string' ? ctx.params.month : previousMonth(ctx.localDate);
      const { summary, csv } = await settleMonth(deps, month);
      const channel = await deps.store.channels.coordinatorsChannel();
      const loc = coordinatorsLocale(deps, channel);
      const card = renderCard('fee-summary', loc, {
        month: formatMonth(loc, month),
        experts: summary.perExpert.map((e) => ({ text: t(loc, 'fees.expertLine', { name: plainText(e.expertName), n: e.assignments, hours: decimalHours(e.hours), fee: euros(e.feeCents), travel: euros(e.travelCents), total: euros(e.totalCents) }) })),
        centres: summary.perCostCentre.map((c) => ({ text: t(loc, 'fees.centreLine', { centre: plainText(c.costCentre), n: c.assignments, hours: decimalHours(c.hours), total: euros(c.totalCents) }) })),
        totalText: t(loc, 'fees.total', { n: summary.totals.assignments, hours: decimalHours(summary.totals.hours), total: euros(summary.totals.totalCents) }),
      });
      if (channel) await deps.postman.post([{ key: `fees:${ctx.runKey}`, conversationId: channel.conversationId, activity: message(card) }]);
      const file = await deps.store.feeExports.create(month, csv, ctx.now());
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
              content: { description: t(loc, 'fees.fileDescription', { month: formatMonth(loc, month) }), sizeInBytes: bytes, acceptContext: { exportId: file._id }, declineContext: { exportId: file._id } },
            }],
          },
        }]);
      }
      deps.log.info({ month, assignments: summary.totals.assignments }, 'fee summary made');
    },
  };
}
