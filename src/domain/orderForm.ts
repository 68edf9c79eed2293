import { z } from 'zod';
import { Catalog } from './catalog';
import { zonedTimeToUtc } from './time';
import { offerExpired } from './waves';

/** The order form as validated: what an Order is made of, before it has a number. */
export interface OrderInput {
  themes: string[];
  taskType: string;
  title: string;
  description: string;
  goal?: string;
  startsAt: Date;
  durationMinutes: number;
  mode: 'onsite' | 'remote' | 'hybrid';
  municipality?: string;
  address?: string;
  link?: string;
  targetGroup: string;
  audienceSize?: number;
  seats: number;
  language: 'fi' | 'sv' | 'en';
  costCentre: string;
  contact: { name: string; phone?: string; email?: string };
  noteToCoordinator?: string;
}

export type FormErrors = Record<string, string>;
export type OrderFormResult = { ok: true; value: OrderInput } | { ok: false; errors: FormErrors };

const text = (max: number) => z.string().trim().max(max, 'tooLong');
const optional = (max: number) => text(max).optional().transform((s) => (s ? s : undefined));
const intString = (min: number, max: number) =>
  z.union([z.string().trim(), z.number()]).transform((v, ctx) => {
    const n = typeof v === 'number' ? v : v === '' ? NaN : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: 'outOfRange' });
      return z.NEVER;
    }
    return n;
  });

/** Shape of the submit: every field the card has, nothing else (strict), sizes bounded. */
const shape = z
  .object({
    themes: z.union([z.string().max(2000), z.array(z.string().max(60)).max(50)]),
    taskType: text(60),
    title: text(120),
    description: text(2000),
    goal: optional(1000),
    date: text(10),
    time: text(8),
    durationMinutes: intString(15, 480),
    mode: z.enum(['onsite', 'remote', 'hybrid'], { message: 'unknownChoice' }),
    municipality: optional(60),
    address: optional(200),
    link: optional(500),
    targetGroup: text(200),
    // Clients render an empty number input as 0: both mean "not given".
    audienceSize: z.union([z.literal(''), intString(0, 10000)]).optional(),
    seats: intString(1, 5),
    language: z.enum(['fi', 'sv', 'en'], { message: 'unknownChoice' }),
    costCentre: text(60),
    contactName: text(120),
    contactPhone: optional(40),
    contactEmail: optional(200),
    noteToCoordinator: optional(1000),
  })
  .strict();

export const ORDER_FORM_FIELDS = Object.keys(shape.shape);

/**
 * Validates an order form submit against the catalog and the clock. Returns every error at
 * once, keyed by field, as message keys (`order.error.*`) the Teams layer localizes.
 */
export function parseOrderForm(raw: unknown, opts: { catalog: Catalog; now: Date; timeZone: string }): OrderFormResult {
  const r = shape.safeParse(raw);
  const errors: FormErrors = {};
  const add = (field: string, key: string) => {
    if (!errors[field]) errors[field] = `order.error.${key}`;
  };
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = issue.path.length ? String(issue.path[0]) : 'form';
      if (issue.code === 'unrecognized_keys') add('form', 'badInput');
      else if (issue.message === 'tooLong' || issue.code === 'too_big') add(field, 'tooLong');
      else if (issue.message === 'outOfRange') add(field, field === 'durationMinutes' ? 'duration' : 'outOfRange');
      else if (issue.message === 'unknownChoice') add(field, 'unknownChoice');
      else add(field, 'required');
    }
    return { ok: false, errors };
  }
  const f = r.data;
  const themes = (Array.isArray(f.themes) ? f.themes : f.themes.split(',')).map((s) => s.trim()).filter(Boolean);
  const themeIds = new Set(opts.catalog.themes.map((t) => t.id));
  if (themes.length === 0) add('themes', 'required');
  else if (!themes.every((t) => themeIds.has(t))) add('themes', 'unknownChoice');
  if (!f.taskType) add('taskType', 'required');
  else if (!opts.catalog.taskTypes.some((t) => t.id === f.taskType)) add('taskType', 'unknownChoice');
  for (const field of ['title', 'description', 'targetGroup', 'costCentre', 'contactName'] as const) if (!f[field]) add(field, 'required');

  const startsAt = f.date && f.time ? zonedTimeToUtc(f.date, f.time, opts.timeZone) : null;
  if (!f.date) add('date', 'required');
  if (!f.time) add('time', 'required');
  if (f.date && f.time && !startsAt) add('date', 'invalidDate');
  if (startsAt && startsAt.getTime() <= opts.now.getTime()) add('date', 'startInPast');
  // Offers close some hours before the start: an order inside that time could never be offered.
  else if (startsAt && offerExpired({ startsAt }, undefined, opts.now)) add('date', 'tooSoon');

  const onsite = f.mode !== 'remote';
  const remote = f.mode !== 'onsite';
  if (onsite) {
    if (!f.municipality) add('municipality', 'required');
    else if (!opts.catalog.municipalities.includes(f.municipality)) add('municipality', 'unknownChoice');
    if (!f.address) add('address', 'required');
  }
  if (remote) {
    if (!f.link) add('link', 'required');
    else if (!isHttpsUrl(f.link)) add('link', 'https');
  }
  // The orderer must be reachable: a name alone would show the expert "–" as the contact.
  if (!f.contactPhone && !f.contactEmail) add('contactPhone', 'contactWay');
  if (f.contactEmail && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.contactEmail)) add('contactEmail', 'email');
  if (f.contactPhone && !/^\+?[0-9 ()-]{5,40}$/.test(f.contactPhone)) add('contactPhone', 'phone');
  if (Object.keys(errors).length > 0 || !startsAt) return { ok: false, errors };

  return {
    ok: true,
    value: {
      themes: [...new Set(themes)],
      taskType: f.taskType,
      title: f.title,
      description: f.description,
      goal: f.goal,
      startsAt,
      durationMinutes: f.durationMinutes,
      mode: f.mode,
      municipality: onsite ? f.municipality : undefined,
      address: onsite ? f.address : undefined,
      link: remote ? f.link : undefined,
      targetGroup: f.targetGroup,
      audienceSize: typeof f.audienceSize === 'number' && f.audienceSize > 0 ? f.audienceSize : undefined,
      seats: f.seats,
      language: f.language,
      costCentre: f.costCentre,
      contact: { name: f.contactName, phone: f.contactPhone, email: f.contactEmail },
      noteToCoordinator: f.noteToCoordinator,
    },
  };
}

function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Kept here too: services/orders.ts imports it from the form module. */
export { formatOrderNumber } from './orderNumber';
