import fs from 'node:fs';
import path from 'node:path';
import { CARDS_DIR } from '../../src/cards/render';
import { argumentNames, catalogs, compile, Locale, MessageKey, pickLocale, t, section } from '../../src/i18n';
import { jobOutcomeText } from '../../src/teams/jobs';
import { formatDate, formatDuration, formatMonth, formatNumber, formatWhen } from '../../src/i18n/format';

const LOCALES: Locale[] = ['fi', 'sv', 'en'];
const keys = Object.keys(catalogs.fi) as MessageKey[];

test('Swedish and English have exactly the Finnish keys, none empty', () => {
  for (const locale of ['sv', 'en'] as const) {
    expect(Object.keys(catalogs[locale]).sort()).toEqual([...keys].sort());
    for (const v of Object.values(catalogs[locale])) expect(v.trim()).not.toBe('');
  }
});

test('every message is valid ICU MessageFormat, with the same parameters in every language', () => {
  for (const key of keys) {
    for (const locale of LOCALES) expect(() => compile(locale, key)).not.toThrow();
    expect([key, argumentNames('sv', key)]).toEqual([key, argumentNames('fi', key)]);
    expect([key, argumentNames('en', key)]).toEqual([key, argumentNames('fi', key)]);
  }
});

test('a card template binds only messages without parameters (a template cannot fill them)', () => {
  for (const file of fs.readdirSync(CARDS_DIR).filter((f) => f.endsWith('.json'))) {
    const name = file.replace(/\.json$/, '');
    const bound = [...fs.readFileSync(path.join(CARDS_DIR, file), 'utf8').matchAll(/\$\{t\.([\w.]+)\}/g)].map((m) => `${name}.${m[1]}` as MessageKey);
    for (const key of bound) {
      expect([key, key in catalogs.fi]).toEqual([key, true]);
      expect([key, argumentNames('fi', key)]).toEqual([key, []]);
    }
  }
});

test('the activity locale picks the language; Finnish is the default', () => {
  expect(pickLocale('sv-FI')).toBe('sv');
  expect(pickLocale('en-US')).toBe('en');
  expect(pickLocale('de-DE')).toBe('fi');
  expect(pickLocale(undefined)).toBe('fi');
  expect(pickLocale('xx', 'en')).toBe('en');
});

test('t fills parameters and refuses to leave one empty; section nests keys for card templates', () => {
  expect(t('en', 'error.generic')).toMatch(/try again/);
  expect(t('fi', 'where.hybrid', { place: 'Oulu' })).toBe('Oulu tai etänä');
  expect(() => t('fi', 'where.hybrid')).toThrow();
  expect(section('fi', 'help')).toMatchObject({ cmd: { order: expect.any(String) } });
});

describe('plurals: 0, 1 and 2 in each language', () => {
  const cases: [MessageKey, Record<string, string | number>, Record<Locale, [string, string, string]>][] = [
    ['recent.count', {}, {
      fi: ['ei tehtäviä 90 päivässä', '1 tehtävä 90 päivässä', '2 tehtävää 90 päivässä'],
      sv: ['inga uppdrag på 90 dagar', '1 uppdrag på 90 dagar', '2 uppdrag på 90 dagar'],
      en: ['no tasks in 90 days', '1 task in 90 days', '2 tasks in 90 days'],
    }],
    ['order.offersSent', { wave: 1 }, {
      fi: ['Tarjous lähetettiin 0 kokemusasiantuntijalle (1. kierros).', 'Tarjous lähetettiin yhdelle kokemusasiantuntijalle (1. kierros).', 'Tarjous lähetettiin 2 kokemusasiantuntijalle (1. kierros).'],
      sv: ['Erbjudandet skickades till 0 erfarenhetsexperter (omgång 1).', 'Erbjudandet skickades till en erfarenhetsexpert (omgång 1).', 'Erbjudandet skickades till 2 erfarenhetsexperter (omgång 1).'],
      en: ['Offer sent to 0 experts (round 1).', 'Offer sent to one expert (round 1).', 'Offer sent to 2 experts (round 1).'],
    }],
    ['order.expertsHeading', {}, {
      fi: ['Kokemusasiantuntijoiden yhteystiedot', 'Kokemusasiantuntijan yhteystiedot', 'Kokemusasiantuntijoiden yhteystiedot'],
      sv: ['Erfarenhetsexperternas kontaktuppgifter', 'Erfarenhetsexpertens kontaktuppgifter', 'Erfarenhetsexperternas kontaktuppgifter'],
      en: ["The experts' contact details", "The expert's contact details", "The experts' contact details"],
    }],
    ['order.cancelledLateNotice', {}, {
      fi: ['Tilaus on peruttu alle 0 tuntia ennen alkua. Tehtävän jo ottaneille kokemusasiantuntijoille maksetaan palkkio.', 'Tilaus on peruttu alle tunnin ennen alkua. Tehtävän jo ottaneille kokemusasiantuntijoille maksetaan palkkio.', 'Tilaus on peruttu alle 2 tuntia ennen alkua. Tehtävän jo ottaneille kokemusasiantuntijoille maksetaan palkkio.'],
      sv: ['Beställningen avbokades mindre än 0 timmar före starten. Erfarenhetsexperter som redan tagit uppdraget får arvodet.', 'Beställningen avbokades mindre än en timme före starten. Erfarenhetsexperter som redan tagit uppdraget får arvodet.', 'Beställningen avbokades mindre än 2 timmar före starten. Erfarenhetsexperter som redan tagit uppdraget får arvodet.'],
      en: ['The order was cancelled less than 0 hours before the start. Experts who had already accepted are paid the fee.', 'The order was cancelled less than one hour before the start. Experts who had already accepted are paid the fee.', 'The order was cancelled less than 2 hours before the start. Experts who had already accepted are paid the fee.'],
    }],
    ['reminder.daysBefore', { when: 'X', number: 'T-1', title: 'Y', where: 'Z' }, {
      fi: ['Muistutus: 0 päivän kuluttua X · T-1 Y · Z', 'Muistutus: huomenna X · T-1 Y · Z', 'Muistutus: 2 päivän kuluttua X · T-1 Y · Z'],
      sv: ['Påminnelse: om 0 dagar X · T-1 Y · Z', 'Påminnelse: i morgon X · T-1 Y · Z', 'Påminnelse: om 2 dagar X · T-1 Y · Z'],
      en: ['Reminder: in 0 days X · T-1 Y · Z', 'Reminder: tomorrow X · T-1 Y · Z', 'Reminder: in 2 days X · T-1 Y · Z'],
    }],
    ['digest.neverOfferedHeading', {}, {
      fi: ['Jokaiselle hyväksytylle on tarjottu tehtävää', 'Ei vielä yhtään tarjousta: 1 kokemusasiantuntija', 'Ei vielä yhtään tarjousta: 2 kokemusasiantuntijaa'],
      sv: ['Alla godkända har fått ett erbjudande', 'Inget erbjudande ännu: 1 erfarenhetsexpert', 'Inget erbjudande ännu: 2 erfarenhetsexperter'],
      en: ['Every approved expert has been offered a task', 'No offer yet: 1 expert by experience', 'No offer yet: 2 experts by experience'],
    }],
    ['digest.moreExperts', {}, {
      fi: ['… ja 0 muuta kokemusasiantuntijaa', '… ja 1 muu kokemusasiantuntija', '… ja 2 muuta kokemusasiantuntijaa'],
      sv: ['… och 0 erfarenhetsexperter till', '… och 1 erfarenhetsexpert till', '… och 2 erfarenhetsexperter till'],
      en: ['… and 0 more experts by experience', '… and 1 more expert by experience', '… and 2 more experts by experience'],
    }],
    ['my-data.readsMade', {}, {
      fi: ['Olet itse katsonut 0 kokemusasiantuntijan profiilia koordinaattorina.', 'Olet itse katsonut 1 kokemusasiantuntijan profiilin koordinaattorina.', 'Olet itse katsonut 2 kokemusasiantuntijan profiilia koordinaattorina.'],
      sv: ['Du har själv sett 0 erfarenhetsexperters profiler som koordinator.', 'Du har själv sett 1 erfarenhetsexperts profil som koordinator.', 'Du har själv sett 2 erfarenhetsexperters profiler som koordinator.'],
      en: ["As a coordinator you have viewed 0 experts' profiles.", "As a coordinator you have viewed 1 expert's profile.", "As a coordinator you have viewed 2 experts' profiles."],
    }],
    ['digest.daysToStart', {}, {
      fi: ['alkuun 0 päivää', 'alkuun 1 päivä', 'alkuun 2 päivää'],
      sv: ['0 dagar till start', '1 dag till start', '2 dagar till start'],
      en: ['0 days to start', '1 day to start', '2 days to start'],
    }],
  ];
  const countName = (key: MessageKey) => argumentNames('fi', key).find((n) => ['count', 'n', 'days', 'hours'].includes(n))!;
  test.each(cases.flatMap(([key, params, expected]) => LOCALES.map((l) => [key, l, params, expected[l]] as const)))('%s in %s', (key, locale, params, expected) => {
    expect([0, 1, 2].map((n) => t(locale, key, { ...params, [countName(key)]: n }))).toEqual(expected);
  });

  test('the fairness line: no "1 aktiivista", no "1 tehtävää"', () => {
    const line = (l: Locale, experts: number, assignments: number) => t(l, 'digest.fairnessText', { experts, assignments, max: 1, min: 0 });
    expect(line('fi', 1, 1)).toBe('1 aktiivinen kokemusasiantuntija. 1 tehtävä 90 päivässä. Eniten yhdellä: 1. Vähiten yhdellä: 0.');
    expect(line('fi', 2, 0)).toMatch(/^2 aktiivista kokemusasiantuntijaa\. Ei tehtäviä 90 päivässä\./);
    expect(line('sv', 1, 2)).toMatch(/^1 aktiv erfarenhetsexpert\. 2 uppdrag på 90 dagar\./);
    expect(line('en', 1, 1)).toMatch(/^1 active expert\. 1 task in 90 days\./);
    expect(line('en', 0, 2)).toMatch(/^No active experts\. 2 tasks in 90 days\./);
  });

  test('hours before a late cancellation: 1 and 24', () => {
    expect(t('fi', 'offer.state.cancelledPaid', { hours: 1 })).toContain('alle tunnin ennen alkua');
    expect(t('fi', 'offer.state.cancelledPaid', { hours: 24 })).toContain('alle 24 tuntia ennen alkua');
    expect(t('sv', 'offer.state.cancelledPaid', { hours: 1 })).toContain('mindre än en timme');
    expect(t('en', 'offer.state.cancelledPaid', { hours: 24 })).toContain('less than 24 hours');
  });
});

describe('formats', () => {
  const instant = new Date('2026-12-10T11:00:00Z'); // Thursday, 13.00 in Helsinki
  const tz = 'Europe/Helsinki';
  test('date and time with the weekday, the local way', () => {
    expect(formatWhen('fi', instant, tz)).toBe('to 10.12.2026 klo 13.00');
    expect(formatWhen('sv', instant, tz)).toBe('tors 10.12.2026 kl. 13.00');
    expect(formatWhen('en', instant, tz)).toBe('Thu 10/12/2026, 13:00');
    expect(formatDate('fi', instant, tz)).toBe('10.12.2026');
  });
  test('months by name, durations, decimal comma', () => {
    expect(formatMonth('fi', '2026-12')).toBe('joulukuu 2026');
    expect(formatMonth('sv', '2026-12')).toBe('december 2026');
    expect(formatMonth('en', '2026-12')).toBe('December 2026');
    expect(formatDuration('fi', 90)).toBe('1 h 30 min');
    expect(formatDuration('fi', 60)).toBe('1 h');
    expect(formatDuration('sv', 5)).toBe('5 min');
    expect(formatNumber('fi', 12.5, 1)).toBe('12,5');
    expect(formatNumber('sv', 12.5, 1)).toBe('12,5');
    expect(formatNumber('en', 12.5, 1)).toBe('12.5');
  });
});

test('no internal job names in what a coordinator reads: each job\'s outcome in plain words', () => {
  const jobs = ['daily-digest', 'fees', 'feedback', 'reminders', 'offer-waves', 'cleanup'];
  const outcomes = ['done', 'already-done', 'running-elsewhere', 'failed', 'failed-before', 'abandoned', 'not-run'] as const;
  for (const locale of LOCALES) {
    const seen = new Set<string>();
    for (const job of jobs) {
      for (const outcome of outcomes) {
        const text = jobOutcomeText(locale, job, outcome, job === 'fees' ? '10/2026' : '');
        expect(text).not.toMatch(/daily-digest|monthly-fees|offer-waves|cleanup\b|\{|\}|\(\)/);
        seen.add(text);
      }
    }
    // Each job says its own thing: 6 jobs × 4 distinct sentences (failed, failed-before, abandoned and not-run read alike).
    expect(seen.size).toBe(24);
  }
  expect(jobOutcomeText('fi', 'daily-digest', 'done')).toBe('Päivän kooste on lähetetty koordinaattorien kanavalle.');
  expect(jobOutcomeText('fi', 'fees', 'already-done', '10/2026')).toMatch(/^Palkkioyhteenveto \(10\/2026\) on jo tehty\./);
  expect(jobOutcomeText('sv', 'offer-waves', 'done')).toMatch(/^De öppna beställningarna har gåtts igenom\./);
  expect(jobOutcomeText('en', 'cleanup', 'failed')).toBe('Old data could not be deleted. Please try again in a moment.');
});
