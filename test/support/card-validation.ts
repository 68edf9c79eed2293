// Validates Adaptive Cards offline with the official Adaptive Cards SDK (the object model
// the Teams clients render with), targeting schema version 1.5. It reports what the JSON
// schema would: unknown element and action types, invalid property values, duplicate ids,
// and properties the 1.5 object model does not know (dropped when the SDK re-serializes).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Values the SDK leaves out when serializing because they are the defaults. */
const DEFAULT_VALUES = new Set<unknown>(['', false, 'default', 'Default', 'auto', 'none', 'None']);

export function validateCard(card: unknown): string[] {
  const problems: string[] = [];
  const json = withChartFallbacks(card, problems) as Record<string, unknown>;
  if (json.type !== 'AdaptiveCard') problems.push('type must be AdaptiveCard');
  if (json.version !== '1.5') problems.push(`version must be "1.5" (got ${JSON.stringify(json.version)})`);
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  const parsed = new AC.AdaptiveCard();
  parsed.parse(json, ctx);
  for (let i = 0; i < ctx.eventCount; i++) problems.push(ctx.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) problems.push(e.message);
  const roundTrip = parsed.toJSON(ctx) as Record<string, unknown>;
  unknownProperties(json, roundTrip, '', problems);
  return problems;
}

function unknownProperties(input: unknown, output: unknown, at: string, problems: string[]): void {
  if (!input || typeof input !== 'object') return;
  if (Array.isArray(input)) {
    const out = Array.isArray(output) ? output : [];
    input.forEach((item, i) => unknownProperties(item, out[i], `${at}[${i}]`, problems));
    return;
  }
  const out = (output && typeof output === 'object' ? output : {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (key === '$schema') continue;
    // Action data is free-form: the SDK keeps it as is, nothing to check inside.
    if (key === 'data' && at.includes('actions')) continue;
    if (!(key in out)) {
      // An empty list (every action of a card hidden by $when) is valid; the SDK leaves it out.
      // isVisible: true is a default the SDK leaves out too (an element a template shows again).
      const isDefault = DEFAULT_VALUES.has(value) || (Array.isArray(value) && value.length === 0) || (key === 'isVisible' && value === true);
      if (!isDefault) problems.push(`unknown property ${at}.${key}`);
      continue;
    }
    unknownProperties(value, out[key], `${at}.${key}`, problems);
  }
}

/**
 * Teams' chart elements (Chart.VerticalBar, Chart.Line, …) are not in the 1.5 object model:
 * clients that do not know them render the element's `fallback` (the SDK does exactly that,
 * as the Agents Playground would). Each chart is checked here against the shape Teams
 * documents, must have a fallback (the same figures as text), and is replaced by that fallback
 * for the SDK's checks.
 */
const CHART_COMMON = ['type', 'id', 'title', 'colorSet', 'color', 'fallback', 'spacing', 'separator', 'height', 'horizontalAlignment', 'isVisible', 'requires', 'targetWidth', 'lang'];
const CHARTS: Record<string, { props: string[]; data: (d: unknown) => boolean }> = {
  'Chart.VerticalBar': { props: ['xAxisTitle', 'yAxisTitle', 'showBarValues', 'data'], data: (d) => isPoints(d) },
  'Chart.HorizontalBar': { props: ['xAxisTitle', 'yAxisTitle', 'displayMode', 'data'], data: (d) => isPoints(d) },
  'Chart.VerticalBar.Grouped': { props: ['xAxisTitle', 'yAxisTitle', 'stacked', 'showBarValues', 'data'], data: (d) => isSeries(d) },
  'Chart.Line': { props: ['xAxisTitle', 'yAxisTitle', 'data'], data: (d) => isSeries(d) },
};

function isPoints(d: unknown): boolean {
  return Array.isArray(d) && d.every((p) => p && typeof p === 'object' && ['string', 'number'].includes(typeof (p as { x: unknown }).x) && typeof (p as { y: unknown }).y === 'number' && Number.isFinite((p as { y: number }).y));
}
function isSeries(d: unknown): boolean {
  return Array.isArray(d) && d.every((s) => s && typeof s === 'object' && typeof (s as { legend: unknown }).legend === 'string' && isPoints((s as { values: unknown }).values));
}

function withChartFallbacks(node: unknown, problems: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => withChartFallbacks(n, problems));
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const chart = typeof o.type === 'string' ? CHARTS[o.type] : undefined;
  if (chart) {
    for (const k of Object.keys(o)) if (![...CHART_COMMON, ...chart.props].includes(k)) problems.push(`unknown property ${o.type}.${k}`);
    if (!chart.data(o.data)) problems.push(`${o.type}: data is not in the documented shape`);
    // "drop": the card shows the same figures as text anyway, next to the chart.
    if (o.fallback === 'drop') return { type: 'TextBlock', text: '' };
    if (!o.fallback || typeof o.fallback !== 'object') {
      problems.push(`${o.type}: no fallback element (clients without charts would show nothing)`);
      return { type: 'TextBlock', text: '' };
    }
    return withChartFallbacks(o.fallback, problems);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, withChartFallbacks(v, problems)]));
}
