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
  const json = card as Record<string, unknown>;
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
      // An empty list (no actions in this state) is left out by the SDK like a default value.
      if (!DEFAULT_VALUES.has(value) && !(Array.isArray(value) && value.length === 0)) problems.push(`unknown property ${at}.${key}`);
      continue;
    }
    unknownProperties(value, out[key], `${at}.${key}`, problems);
  }
}
