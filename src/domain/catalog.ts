import { z } from 'zod';
import type { DefaultTaskTypeId, DefaultThemeId, Locale } from './types';

export type { Locale } from './types';
export type Labels = Record<Locale, string>;
export interface CatalogEntry<Id extends string = string> {
  id: Id;
  labels: Labels;
}

/** The lists a deployment can replace: themes, task types and the county's municipalities. */
export interface Catalog {
  themes: CatalogEntry[];
  taskTypes: CatalogEntry[];
  municipalities: string[];
}

const label = z.string().trim().min(1).max(120);
const entry = z.object({ id: z.string().regex(/^[a-z0-9-]{2,40}$/), labels: z.object({ fi: label, sv: label, en: label }).strict() }).strict();

/** Ids are stored on orders and profiles: a list naming one twice would make them ambiguous. */
function unique(ctx: z.RefinementCtx, path: string, values: string[]): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) ctx.addIssue({ code: 'custom', path: [path], message: `${v} appears twice` });
    seen.add(v);
  }
}

export const catalogSchema = z
  .object({
    themes: z.array(entry).min(1),
    taskTypes: z.array(entry).min(1),
    municipalities: z.array(z.string().trim().min(1).max(60)).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    unique(ctx, 'themes', c.themes.map((t) => t.id));
    unique(ctx, 'taskTypes', c.taskTypes.map((t) => t.id));
    unique(ctx, 'municipalities', c.municipalities);
  });

/** A deployment's catalogue file, validated; errors are "path: message" lines for the start-up log. */
export function parseCatalog(json: unknown): { ok: true; catalog: Catalog } | { ok: false; errors: string[] } {
  const r = catalogSchema.safeParse(json);
  if (r.success) return { ok: true, catalog: r.data };
  return { ok: false, errors: r.error.issues.map((i) => `${i.path.join('.') || 'catalog'}: ${i.message}`) };
}

/** Task types of the seeds (domain.md); each has one row in config/fee-tariff.json. */
export const DEFAULT_TASK_TYPES: CatalogEntry<DefaultTaskTypeId>[] = [
  { id: 'training', labels: { fi: 'Ammattilaisten tai opiskelijoiden kouluttaminen', sv: 'Utbildning av yrkespersoner eller studerande', en: 'Training professionals or students' } },
  { id: 'co-development', labels: { fi: 'Kehittäminen ja vaikuttaminen (kehittäjäryhmät, asiakasraadit)', sv: 'Utveckling och påverkan (utvecklingsgrupper, klientråd)', en: 'Co-development and advocacy (development groups, client panels)' } },
  { id: 'client-pair', labels: { fi: 'Vertaistuki ammattilaisen työparina asiakasprosessissa', sv: 'Kamratstöd som yrkespersonens arbetspar i en klientprocess', en: "Peer support as a professional's pair in a client process" } },
  { id: 'peer-group', labels: { fi: 'Vertaisryhmän ohjaaminen tai yhteisohjaaminen', sv: 'Att leda eller samleda en kamratstödsgrupp', en: 'Leading or co-leading a peer group' } },
  { id: 'talk', labels: { fi: 'Puheenvuoro ryhmässä tai tilaisuudessa', sv: 'Anförande i en grupp eller vid ett evenemang', en: 'Talk in a group or at an event' } },
  { id: 'working-group', labels: { fi: 'Työryhmän jäsenyys', sv: 'Medlemskap i en arbetsgrupp', en: 'Working group membership' } },
  { id: 'independent-reception', labels: { fi: 'Itsenäinen vastaanotto', sv: 'Självständig mottagning', en: 'Independent reception' } },
];

export const DEFAULT_THEMES: CatalogEntry<DefaultThemeId>[] = [
  { id: 'mental-health', labels: { fi: 'Mielenterveys', sv: 'Psykisk hälsa', en: 'Mental health' } },
  { id: 'substance-use', labels: { fi: 'Päihteet', sv: 'Rusmedel', en: 'Substance use' } },
  { id: 'gambling', labels: { fi: 'Rahapelaaminen', sv: 'Penningspel', en: 'Gambling' } },
  { id: 'child-protection', labels: { fi: 'Lastensuojelu (asiakkaana tai vanhempana)', sv: 'Barnskydd (som klient eller förälder)', en: 'Child protection (as client or parent)' } },
  { id: 'family', labels: { fi: 'Perhe ja vanhemmuus', sv: 'Familj och föräldraskap', en: 'Family and parenting' } },
  { id: 'disability', labels: { fi: 'Vammaisuus', sv: 'Funktionsnedsättning', en: 'Disability' } },
  { id: 'chronic-illness', labels: { fi: 'Pitkäaikainen tai somaattinen sairaus', sv: 'Långvarig eller somatisk sjukdom', en: 'Chronic or somatic illness' } },
  { id: 'ageing', labels: { fi: 'Ikääntyminen ja vanhuspalvelut', sv: 'Åldrande och äldreomsorg', en: 'Ageing and elderly care' } },
  // Not "omaisuus" (that means property): the experience of being a caregiving relative.
  { id: 'caregiver', labels: { fi: 'Omaisena oleminen', sv: 'Att vara närstående', en: 'Caregiving relative' } },
  { id: 'homelessness', labels: { fi: 'Asunnottomuus', sv: 'Bostadslöshet', en: 'Homelessness' } },
  { id: 'criminal-sanctions', labels: { fi: 'Rikosseuraamukset', sv: 'Brottspåföljder', en: 'Criminal sanctions' } },
  { id: 'immigration', labels: { fi: 'Maahanmuutto', sv: 'Invandring', en: 'Immigration' } },
  { id: 'youth', labels: { fi: 'Nuoruus', sv: 'Ungdom', en: 'Youth' } },
  { id: 'loneliness', labels: { fi: 'Yksinäisyys', sv: 'Ensamhet', en: 'Loneliness' } },
];

/**
 * The 23 municipalities of the Pirkanmaa wellbeing services county (the tariff's source), the
 * default area. Kuhmoinen joined Pirkanmaa from Central Finland on 1 January 2021.
 */
export const DEFAULT_MUNICIPALITIES = [
  'Akaa', 'Hämeenkyrö', 'Ikaalinen', 'Juupajoki', 'Kangasala', 'Kihniö', 'Kuhmoinen', 'Lempäälä', 'Mänttä-Vilppula',
  'Nokia', 'Orivesi', 'Parkano', 'Pirkkala', 'Punkalaidun', 'Pälkäne', 'Ruovesi', 'Sastamala',
  'Tampere', 'Urjala', 'Valkeakoski', 'Vesilahti', 'Virrat', 'Ylöjärvi',
];

export const DEFAULT_CATALOG: Catalog = { themes: DEFAULT_THEMES, taskTypes: DEFAULT_TASK_TYPES, municipalities: DEFAULT_MUNICIPALITIES };

/** The label of an id in a locale; an id the catalogue no longer has is shown as is. */
export function labelOf(entries: CatalogEntry[], id: string, locale: Locale): string {
  return entries.find((e) => e.id === id)?.labels[locale] ?? id;
}
