import { z } from 'zod';

export type Locale = 'fi' | 'sv' | 'en';
export type Labels = Record<Locale, string>;
export interface CatalogEntry {
  id: string;
  labels: Labels;
}

/** The lists a deployment can replace: themes, task types and the county's municipalities. */
export interface Catalog {
  themes: CatalogEntry[];
  taskTypes: CatalogEntry[];
  municipalities: string[];
}

const entry = z.object({ id: z.string().regex(/^[a-z0-9-]{2,40}$/), labels: z.object({ fi: z.string().min(1), sv: z.string().min(1), en: z.string().min(1) }) });
export const catalogSchema = z.object({
  themes: z.array(entry).min(1),
  taskTypes: z.array(entry).min(1),
  municipalities: z.array(z.string().min(1).max(60)).min(1),
});

/** Task types of the seeds (domain.md), with the tariff rows they map to. */
export const DEFAULT_TASK_TYPES: CatalogEntry[] = [
  { id: 'training', labels: { fi: 'Koulutus ammattilaisille tai opiskelijoille', sv: 'Utbildning för yrkespersoner eller studerande', en: 'Training professionals or students' } },
  { id: 'co-development', labels: { fi: 'Kehittäminen ja vaikuttaminen (kehittäjäryhmät, asiakasraadit)', sv: 'Utveckling och påverkan (utvecklingsgrupper, klientpaneler)', en: 'Co-development and advocacy (development groups, client panels)' } },
  { id: 'client-pair', labels: { fi: 'Ammattilaisen työparina asiakasprosessissa', sv: 'Yrkespersonens arbetspar i en klientprocess', en: "Professional's pair in a client process" } },
  { id: 'peer-group', labels: { fi: 'Vertaisryhmän ohjaus tai vetäminen', sv: 'Leda eller medleda en kamratgrupp', en: 'Leading or co-leading a peer group' } },
  { id: 'talk', labels: { fi: 'Puheenvuoro ryhmässä tai tilaisuudessa', sv: 'Anförande i en grupp eller ett evenemang', en: 'Talk in a group or at an event' } },
  { id: 'working-group', labels: { fi: 'Työryhmän jäsenyys', sv: 'Medlemskap i en arbetsgrupp', en: 'Working group membership' } },
  { id: 'independent-reception', labels: { fi: 'Itsenäinen vastaanotto', sv: 'Självständig mottagning', en: 'Independent reception' } },
];

export const DEFAULT_THEMES: CatalogEntry[] = [
  { id: 'mental-health', labels: { fi: 'Mielenterveys', sv: 'Psykisk hälsa', en: 'Mental health' } },
  { id: 'substance-use', labels: { fi: 'Päihteet', sv: 'Missbruk', en: 'Substance use' } },
  { id: 'gambling', labels: { fi: 'Rahapelaaminen', sv: 'Penningspel', en: 'Gambling' } },
  { id: 'child-protection', labels: { fi: 'Lastensuojelu (asiakkaana tai vanhempana)', sv: 'Barnskydd (som klient eller förälder)', en: 'Child protection (as client or parent)' } },
  { id: 'family', labels: { fi: 'Perhe ja vanhemmuus', sv: 'Familj och föräldraskap', en: 'Family and parenting' } },
  { id: 'disability', labels: { fi: 'Vammaisuus', sv: 'Funktionsnedsättning', en: 'Disability' } },
  { id: 'chronic-illness', labels: { fi: 'Pitkäaikais- tai somaattinen sairaus', sv: 'Långvarig eller somatisk sjukdom', en: 'Chronic or somatic illness' } },
  { id: 'ageing', labels: { fi: 'Ikääntyminen ja vanhuspalvelut', sv: 'Åldrande och äldreomsorg', en: 'Ageing and elderly care' } },
  { id: 'caregiver', labels: { fi: 'Omaisuus', sv: 'Närstående', en: 'Caregiving relative' } },
  { id: 'homelessness', labels: { fi: 'Asunnottomuus', sv: 'Bostadslöshet', en: 'Homelessness' } },
  { id: 'criminal-sanctions', labels: { fi: 'Rikosseuraamukset', sv: 'Brottspåföljder', en: 'Criminal sanctions' } },
  { id: 'immigration', labels: { fi: 'Maahanmuutto', sv: 'Invandring', en: 'Immigration' } },
  { id: 'youth', labels: { fi: 'Nuoruus', sv: 'Ungdom', en: 'Youth' } },
  { id: 'loneliness', labels: { fi: 'Yksinäisyys', sv: 'Ensamhet', en: 'Loneliness' } },
];

/** Pirkanmaa wellbeing services county (the tariff's source) as the default area. */
export const DEFAULT_MUNICIPALITIES = [
  'Akaa', 'Hämeenkyrö', 'Ikaalinen', 'Juupajoki', 'Kangasala', 'Kihniö', 'Lempäälä', 'Mänttä-Vilppula',
  'Nokia', 'Orivesi', 'Parkano', 'Pirkkala', 'Punkalaidun', 'Pälkäne', 'Ruovesi', 'Sastamala',
  'Tampere', 'Urjala', 'Valkeakoski', 'Vesilahti', 'Virrat', 'Ylöjärvi',
];

export const DEFAULT_CATALOG: Catalog = { themes: DEFAULT_THEMES, taskTypes: DEFAULT_TASK_TYPES, municipalities: DEFAULT_MUNICIPALITIES };

export function labelOf(entries: CatalogEntry[], id: string, locale: Locale): string {
  return entries.find((e) => e.id === id)?.labels[locale] ?? id;
}
