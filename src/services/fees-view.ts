import { tariffFor } from '../domain/fees';
import { localParts } from '../domain/time';
import { Locale, t } from '../i18n';
import { OrderDoc } from '../store/orders';
import { ServiceDeps } from './deps';

/**
 * The fee line of an offer: the tariff row valid on the task's day (tariffs and time zone come
 * with the deps, no module state); without one, the offer says honestly that the tariff applies.
 */
export function feeText(order: Pick<OrderDoc, 'taskType' | 'startsAt'>, locale: Locale, deps: Pick<ServiceDeps, 'tariffs' | 'config'>): string {
  const row = tariffFor(deps.tariffs, localParts(order.startsAt, deps.config.timeZone).date)?.rows.find((r) => r.taskType === order.taskType);
  if (!row) return t(locale, 'fee.unknown');
  const amount = (row.amountCents / 100).toFixed(2).replace('.', locale === 'en' ? '.' : ',').replace(/[.,]00$/, '');
  return `${t(locale, row.kind === 'perHour' ? 'fee.perHour' : 'fee.perTime', { amount })} ${t(locale, 'fee.travel')}`;
}
