import { z } from 'zod';

/** Field → message key of what is wrong with it; `form` for the card as a whole. */
export type FieldErrors = Record<string, string>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const MAX_KEYS = 60;

/**
 * Keys a MongoDB query or update could read as operators or paths. Card data never has
 * them legitimately, so their presence refuses the whole submit.
 */
export function hasOperatorKeys(value: unknown, depth = 0): boolean {
  if (depth > 8) return true;
  if (Array.isArray(value)) return value.some((v) => hasOperatorKeys(v, depth + 1));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length > MAX_KEYS) return true;
    return keys.some((k) => k.startsWith('$') || k.includes('.') || hasOperatorKeys((value as Record<string, unknown>)[k], depth + 1));
  }
  return false;
}

/**
 * Parses a card submit with a strict zod schema. Teams adds no fields of its own to
 * Action.Execute data, but clients may echo the action's `verb`; that one is dropped.
 * Errors become message keys per field (`<prefix>.error.required`, …) for the card.
 */
export function parseCardData<S extends z.ZodTypeAny>(schema: S, raw: unknown, prefix: string): Parsed<z.infer<S>> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || hasOperatorKeys(raw)) {
    return { ok: false, errors: { form: 'error.badInput' } };
  }
  const { verb: _verb, ...data } = raw as Record<string, unknown>;
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : 'form';
    if (errors[field]) continue;
    errors[field] = messageKeyOf(issue, prefix);
  }
  return { ok: false, errors };
}

/**
 * The typed values of a refused submit, to show again in the form: only texts and numbers (an
 * input's value is one of them; anything else in forged data is not echoed).
 */
export function echoedValues(raw: unknown): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  return out;
}

function messageKeyOf(issue: z.ZodIssue, prefix: string): string {
  if (issue.code === 'unrecognized_keys') return 'error.badInput';
  if (issue.code === 'custom' && typeof issue.params?.key === 'string') {
    const key: string = issue.params.key;
    return key.includes('.') ? key : `${prefix}.error.${key}`;
  }
  if (issue.code === 'too_big') return `${prefix}.error.tooLong`;
  if (issue.code === 'invalid_enum_value' || issue.code === 'invalid_literal') return `${prefix}.error.unknownChoice`;
  if (issue.code === 'invalid_string' && issue.validation === 'email') return `${prefix}.error.email`;
  return `${prefix}.error.required`;
}

/** A text input: trimmed, bounded; empty counts as missing. */
export const requiredText = (max: number) => z.string().trim().min(1).max(max);
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((s) => (s ? s : undefined));

/** Input.ChoiceSet multi-select sends "a,b,c"; every value must be one of `allowed`. */
export function choiceList(allowed: readonly string[], min = 1) {
  const set = new Set(allowed);
  return z
    .union([z.string().max(4000), z.array(z.string().max(200)).max(200)])
    .optional()
    .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().refine((s) => set.has(s), { params: { key: 'unknownChoice' } }))
        .min(min)
        .transform((a) => [...new Set(a)]),
    );
}

/** Input.Toggle sends "true"/"false". */
export const toggle = z.enum(['true', 'false']).optional().transform((v) => v === 'true');
