import { catalogs, pickLocale, t, section } from '../../src/i18n';

test('Swedish and English have exactly the Finnish keys, none empty', () => {
  const keys = Object.keys(catalogs.fi).sort();
  for (const locale of ['sv', 'en'] as const) {
    expect(Object.keys(catalogs[locale]).sort()).toEqual(keys);
    for (const v of Object.values(catalogs[locale])) expect(v.trim()).not.toBe('');
  }
});

test('placeholders match across languages', () => {
  const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join(',');
  for (const [key, fi] of Object.entries(catalogs.fi)) {
    expect([key, names(catalogs.sv[key as keyof typeof catalogs.fi])]).toEqual([key, names(fi)]);
    expect([key, names(catalogs.en[key as keyof typeof catalogs.fi])]).toEqual([key, names(fi)]);
  }
});

test('the activity locale picks the language; Finnish is the default', () => {
  expect(pickLocale('sv-FI')).toBe('sv');
  expect(pickLocale('en-US')).toBe('en');
  expect(pickLocale('de-DE')).toBe('fi');
  expect(pickLocale(undefined)).toBe('fi');
  expect(pickLocale('xx', 'en')).toBe('en');
});

test('t fills placeholders; section nests keys for card templates', () => {
  expect(t('en', 'error.generic')).toMatch(/try again/);
  expect(section('fi', 'help')).toMatchObject({ cmd: { order: expect.any(String) } });
});
