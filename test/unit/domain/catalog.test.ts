import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CATALOG, DEFAULT_MUNICIPALITIES, DEFAULT_TASK_TYPES, DEFAULT_THEMES, catalogSchema, labelOf, parseCatalog } from '../../../src/domain/catalog';
import type { DefaultTaskTypeId, DefaultThemeId } from '../../../src/domain/types';

describe('default catalogue', () => {
  test('the themes of domain.md, each id once, in the type', () => {
    // Exact keys: a theme added to the type but not the list (or the reverse) fails here or under tsc.
    const all: Record<DefaultThemeId, true> = {
      'mental-health': true, 'substance-use': true, gambling: true, 'child-protection': true, family: true, disability: true, 'chronic-illness': true,
      ageing: true, caregiver: true, homelessness: true, 'criminal-sanctions': true, immigration: true, youth: true, loneliness: true,
    };
    expect(DEFAULT_THEMES.map((t) => t.id).sort()).toEqual(Object.keys(all).sort());
  });

  test('the task types of domain.md, each id once, in the type', () => {
    const all: Record<DefaultTaskTypeId, true> = {
      training: true, 'co-development': true, 'client-pair': true, 'peer-group': true, talk: true, 'working-group': true, 'independent-reception': true,
    };
    expect(DEFAULT_TASK_TYPES.map((t) => t.id).sort()).toEqual(Object.keys(all).sort());
  });

  test('every entry has fi, sv and en labels, and they differ from the id', () => {
    for (const e of [...DEFAULT_THEMES, ...DEFAULT_TASK_TYPES]) {
      for (const l of ['fi', 'sv', 'en'] as const) {
        expect(e.labels[l].trim().length).toBeGreaterThan(2);
        expect(e.labels[l]).not.toBe(e.id);
      }
    }
  });

  test('Finnish and Swedish labels of sensitive themes say what is meant', () => {
    const fi = (id: string) => labelOf(DEFAULT_THEMES, id, 'fi');
    // "Omaisuus" would read as "property".
    expect(fi('caregiver')).toBe('Omaisena oleminen');
    expect(labelOf(DEFAULT_THEMES, 'caregiver', 'sv')).toBe('Att vara närstående');
    expect(fi('child-protection')).toBe('Lastensuojelu (asiakkaana tai vanhempana)');
    expect(labelOf(DEFAULT_THEMES, 'criminal-sanctions', 'sv')).toBe('Brottspåföljder');
  });

  test('Pirkanmaa: all 23 municipalities, Kuhmoinen included, each once, in Finnish order', () => {
    expect(DEFAULT_MUNICIPALITIES).toHaveLength(23);
    expect(DEFAULT_MUNICIPALITIES).toContain('Kuhmoinen');
    expect(DEFAULT_MUNICIPALITIES).toContain('Mänttä-Vilppula');
    expect(new Set(DEFAULT_MUNICIPALITIES).size).toBe(23);
    expect([...DEFAULT_MUNICIPALITIES].sort(new Intl.Collator('fi').compare)).toEqual(DEFAULT_MUNICIPALITIES);
  });

  test('is valid against its own schema', () => {
    expect(catalogSchema.safeParse(DEFAULT_CATALOG).success).toBe(true);
  });
});

describe('a deployment replaces the lists', () => {
  const vantaa = {
    themes: [{ id: 'mental-health', labels: { fi: 'Mielenterveys', sv: 'Psykisk hälsa', en: 'Mental health' } }],
    taskTypes: [{ id: 'talk', labels: { fi: 'Puheenvuoro', sv: 'Anförande', en: 'Talk' } }],
    municipalities: ['Vantaa', 'Kerava'],
  };

  test('a valid catalogue is accepted as is', () => {
    expect(parseCatalog(vantaa)).toEqual({ ok: true, catalog: vantaa });
  });

  test('errors name their path', () => {
    const errors = (json: unknown) => {
      const r = parseCatalog(json);
      return r.ok ? '' : r.errors.join('\n');
    };
    expect(errors({ ...vantaa, themes: [] })).toMatch(/^themes: /);
    expect(errors({ ...vantaa, themes: [{ id: 'Mental Health', labels: vantaa.themes[0].labels }] })).toMatch(/themes\.0\.id/);
    expect(errors({ ...vantaa, taskTypes: [{ id: 'talk', labels: { fi: 'Puheenvuoro', en: 'Talk' } }] })).toMatch(/taskTypes\.0\.labels\.sv/);
    expect(errors({ ...vantaa, municipalities: ['Vantaa', 'Vantaa'] })).toMatch(/municipalities: Vantaa appears twice/);
    expect(errors({ ...vantaa, themes: [vantaa.themes[0], vantaa.themes[0]] })).toMatch(/themes: mental-health appears twice/);
    expect(errors({ ...vantaa, extra: 1 })).toMatch(/extra/);
    expect(errors(null)).not.toBe('');
  });

  test('labelOf falls back to the id for ids the catalogue no longer has', () => {
    expect(labelOf(vantaa.taskTypes, 'talk', 'sv')).toBe('Anförande');
    expect(labelOf(vantaa.taskTypes, 'retired-type', 'fi')).toBe('retired-type');
  });
});
