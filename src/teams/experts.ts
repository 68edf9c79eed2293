import { Application, TurnState } from './sdk';
import { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { AdaptiveCard, noticeCard, renderCard } from '../cards/render';
import { Locale, MessageKey, t } from '../i18n';
import { latestOf } from '../domain/expertReview';
import { ExpertDoc, ExpertProfile } from '../store/experts';
import { decideExpert, expertProfileOf, ownProfileCard, PROFILE_REFRESH_VERB, saveExpertProfile, setExpertPaused } from '../services/experts';
import { actorOf, scopeOf, str } from './activity';
import { commandPattern } from './commands';
import { RouteDeps } from './deps';
import { choiceList, FieldErrors, optionalText, parseCardData, requiredText, toggle } from './input';
import { aadIdSchema, refusalCard, replyCard, replyNotice, userLocale } from './kit';
import { requireCoordinator } from './roles';
import { replyLocaleOf } from './channels';

const LANGUAGES = ['fi', 'sv', 'en', 'other'] as const;
/** Longest accepted value of each free-text profile field (the schema's and the echo's limit). */
const TEXT_MAX = { displayName: 100, phone: 40, email: 200, description: 500, trainingOrganisation: 120, trainingYear: 4 };

function profileSchema(deps: RouteDeps) {
  const c = deps.catalog;
  const year = new Date(deps.now()).getUTCFullYear();
  return z
    .object({
      displayName: requiredText(TEXT_MAX.displayName),
      phone: optionalText(TEXT_MAX.phone).refine((v) => !v || /^\+?[0-9 ()-]{5,40}$/.test(v), { params: { key: 'phone' } }),
      email: optionalText(TEXT_MAX.email).refine((v) => !v || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), { params: { key: 'email' } }),
      themes: choiceList(c.themes.map((x) => x.id)),
      taskTypes: choiceList(c.taskTypes.map((x) => x.id)),
      municipalities: choiceList(c.municipalities, 0),
      remoteOk: toggle,
      languages: choiceList(LANGUAGES),
      description: requiredText(TEXT_MAX.description),
      trainingOrganisation: optionalText(TEXT_MAX.trainingOrganisation),
      trainingYear: z
        .string()
        .trim()
        .max(TEXT_MAX.trainingYear)
        .optional()
        .refine((v) => !v || v === '0' || (/^\d{4}$/.test(v) && Number(v) >= 1990 && Number(v) <= year), { params: { key: 'year' } }),
      feePreference: z.enum(['fee', 'volunteer']),
      consent: z.string().max(5).optional().refine((v) => v === 'true', { params: { key: 'consent' } }),
    })
    .strict()
    .superRefine((v, ctx) => {
      if (v.municipalities.length === 0 && !v.remoteOk) ctx.addIssue({ code: 'custom', path: ['municipalities'], params: { key: 'placeOrRemote' } });
    });
}

type FormValues = Record<string, string>;

function valuesOf(stored: ExpertDoc | null, typed?: Record<string, unknown>): FormValues {
  // The form edits what the expert last submitted (a draft under review, if any).
  const doc = stored && { ...stored, ...latestOf(stored) };
  const base: FormValues = {
    displayName: doc?.displayName ?? '', phone: doc?.phone ?? '', email: doc?.email ?? '',
    themes: doc?.themes.join(',') ?? '', taskTypes: doc?.taskTypes.join(',') ?? '', municipalities: doc?.municipalities.join(',') ?? '',
    remoteOk: String(doc?.remoteOk ?? false), languages: doc?.languages.join(',') ?? 'fi', description: doc?.description ?? '',
    trainingOrganisation: doc?.training?.organisation ?? '', trainingYear: doc?.training ? String(doc.training.year) : '',
    feePreference: doc?.feePreference ?? 'fee', consent: doc ? 'true' : 'false',
  };
  if (typed) for (const k of Object.keys(base)) if (echoable(typed[k], ECHO_LIMITS[k])) base[k] = typed[k] as string;
  return base;
}

/**
 * The longest typed value echoed back into the form when a submit is refused, per field: the
 * field's own maximum, and for choice lists room for every catalog id. A longer value (pasted
 * or forged) is not echoed, as on the order form: the refused card stays far below Teams'
 * ~28 KB message limit however large the submit was.
 */
const ECHO_LIMITS: Record<string, number> = {
  ...TEXT_MAX, themes: 1000, taskTypes: 1000, municipalities: 2000, remoteOk: 5, languages: 100, feePreference: 20, consent: 5,
};

/**
 * At most `limit` characters, and at most twice that once JSON-escaped (quotes and line
 * breaks are fine, a run of control characters six bytes each is not): all fields together
 * stay under about 10 KB in the card.
 */
function echoable(v: unknown, limit: number | undefined): v is string {
  return typeof v === 'string' && limit !== undefined && v.length <= limit && JSON.stringify(v).length <= 2 * limit + 2;
}

export function profileForm(deps: RouteDeps, locale: Locale, values: FormValues, errors: FieldErrors = {}): AdaptiveCard {
  const c = deps.catalog;
  const shownErrors: Record<string, string> = {};
  for (const [field, key] of Object.entries(errors)) shownErrors[field] = t(locale, key as MessageKey);
  return renderCard('expert-profile-form', locale, {
    values,
    errors: shownErrors,
    choices: {
      themes: c.themes.map((x) => ({ title: x.labels[locale], value: x.id })),
      taskTypes: c.taskTypes.map((x) => ({ title: x.labels[locale], value: x.id })),
      municipalities: c.municipalities.map((m) => ({ title: m, value: m })),
      languages: LANGUAGES.map((l) => ({ title: t(locale, `language.${l}` as MessageKey), value: l })),
      feePreferences: (['fee', 'volunteer'] as const).map((f) => ({ title: t(locale, `fee.${f}` as MessageKey), value: f })),
    },
  });
}

/** The version the card showed, as a number: the decision is on that version only. */
const decisionSchema = z
  .object({
    expertId: aadIdSchema,
    version: z.number().int().min(1).max(1e9),
    reason: optionalText(500),
  })
  .strict();

export function registerExpertRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const personalOnly = async (c: TurnContext): Promise<string | undefined> => {
    const { aadObjectId } = actorOf(c);
    if (scopeOf(c) !== 'personal' || !aadObjectId) {
      await replyNotice(c, t(userLocale(c, deps), 'order.notPersonal'), 'attention');
      return undefined;
    }
    return aadObjectId;
  };

  app.message(commandPattern('register'), async (c) => {
    const aad = await personalOnly(c);
    if (!aad) return;
    await replyCard(c, profileForm(deps, userLocale(c, deps), valuesOf(await expertProfileOf(deps, aad))));
  });

  app.message(commandPattern('profile'), async (c) => {
    const aad = await personalOnly(c);
    if (!aad) return;
    const doc = await expertProfileOf(deps, aad);
    await replyCard(c, doc ? ownProfileCard(deps, doc, userLocale(c, deps), undefined, c.activity.from?.id) : noticeCard(t(userLocale(c, deps), 'expert.noProfile')));
  });

  for (const paused of [true, false]) {
    app.message(commandPattern(paused ? 'pause' : 'resume'), async (c) => {
      const aad = await personalOnly(c);
      if (!aad) return;
      const doc = await setExpertPaused(deps, aad, paused);
      await replyNotice(c, t(userLocale(c, deps), doc ? (paused ? 'expert.paused' : 'expert.resumed') : 'expert.noProfile'));
    });
    app.adaptiveCards.actionExecute(paused ? 'expert.pause' : 'expert.resume', async (c) => {
      const { aadObjectId } = actorOf(c);
      const doc = aadObjectId ? await setExpertPaused(deps, aadObjectId, paused) : null;
      if (!doc) return noticeCard(t(userLocale(c, deps), 'expert.noProfile'));
      return ownProfileCard(deps, doc, userLocale(c, deps), { text: t(userLocale(c, deps), paused ? 'expert.paused' : 'expert.resumed') }, c.activity.from?.id);
    });
  }

  // Teams asks for the owner's profile card again when they view it (the card's refresh): the
  // card shows the profile as it is now. Only the asker's own profile; nothing is changed.
  app.adaptiveCards.actionExecute(PROFILE_REFRESH_VERB, async (c) => {
    const { aadObjectId } = actorOf(c);
    const doc = aadObjectId ? await expertProfileOf(deps, aadObjectId) : null;
    if (!doc) return noticeCard(t(userLocale(c, deps), 'expert.noProfile'));
    return ownProfileCard(deps, doc, userLocale(c, deps), undefined, c.activity.from?.id);
  });

  app.adaptiveCards.actionExecute('expert.editProfile', async (c) => {
    const { aadObjectId } = actorOf(c);
    return profileForm(deps, userLocale(c, deps), valuesOf(aadObjectId ? await expertProfileOf(deps, aadObjectId) : null));
  });

  app.adaptiveCards.actionExecute('expert.saveProfile', async (c, _state, data) => {
    const loc = userLocale(c, deps);
    const { aadObjectId } = actorOf(c);
    if (!aadObjectId || scopeOf(c) !== 'personal') return refusalCard(loc, 'order.notPersonal');
    const parsed = parseCardData(profileSchema(deps), data, 'profile');
    if (!parsed.ok) {
      deps.log.info({ action: 'expert.saveProfile', fields: Object.keys(parsed.errors) }, 'profile refused');
      return profileForm(deps, loc, valuesOf(await expertProfileOf(deps, aadObjectId), data as Record<string, unknown>), parsed.errors);
    }
    const v = parsed.value;
    const profile: ExpertProfile = {
      displayName: v.displayName, phone: v.phone, email: v.email, themes: v.themes, taskTypes: v.taskTypes,
      municipalities: v.municipalities, remoteOk: v.remoteOk, languages: v.languages as ExpertProfile['languages'], description: v.description,
      training: v.trainingOrganisation && v.trainingYear && v.trainingYear !== '0' ? { organisation: v.trainingOrganisation, year: Number(v.trainingYear) } : undefined,
      feePreference: v.feePreference,
    };
    const saved = await saveExpertProfile(deps, aadObjectId, profile);
    const key: MessageKey = saved.doc.status === 'active' ? (saved.waiting ? 'expert.savedForReview' : 'expert.savedActive') : 'expert.saved';
    let notice = t(loc, key);
    if (saved.card === 'noChannel') notice = `${notice} ${t(loc, 'expert.noCoordinatorsChannel')}`;
    return ownProfileCard(deps, saved.doc, loc, { text: notice, color: 'Good' }, c.activity.from?.id);
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.adaptiveCards.actionExecute(`expert.${decision}`, async (c, _state, data) => {
      // The approval card lives in the coordinators' channel: its update keeps the channel's language.
      const loc = await replyLocaleOf(c, deps);
      if (!(await requireCoordinator(c, deps, `expert.${decision}`))) return refusalCard(loc, 'error.forbidden');
      const parsed = parseCardData(decisionSchema, data, 'profile');
      if (!parsed.ok) return refusalCard(loc, 'error.badInput');
      const r = await decideExpert(deps, {
        expertId: parsed.value.expertId, version: parsed.value.version, decision,
        by: actorOf(c).aadObjectId ?? '', byName: str(c.activity.from?.name) ?? '', reason: parsed.value.reason,
      }, loc);
      if (r.kind === 'notFound') return refusalCard(loc, 'error.badInput');
      return r.card;
    });
  }
}
