import { Locale, t } from '../i18n';
import { OrderDoc } from '../store/orders';

/**
 * The fee line of an offer. Until the tariff module computes it, the offer says honestly
 * that the tariff applies rather than showing a number.
 */
let lookup: ((taskType: string, date: Date) => { kind: 'perTime' | 'perHour' | 'package'; amountCents: number } | undefined) | undefined;

export function setFeeLookup(fn: typeof lookup): void {
  lookup = fn;
}

export function feeText(order: Pick<OrderDoc, 'taskType' | 'startsAt'>, locale: Locale): string {
  const row = lookup?.(order.taskType, order.startsAt);
  if (!row) return t(locale, 'fee.unknown');
  const amount = (row.amountCents / 100).toFixed(2).replace('.', locale === 'en' ? '.' : ',').replace(/[.,]00$/, '');
  return `${t(locale, row.kind === 'perHour' ? 'fee.perHour' : 'fee.perTime', { amount })} ${t(locale, 'fee.travel')}`;
}
