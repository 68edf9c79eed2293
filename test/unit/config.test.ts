import { parseConfig } from '../../src/config';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/' };

test('defaults: port 3978, Finnish, Helsinki time, coordinator mode, loopback when unauthenticated', () => {
  const r = parseConfig(base);
  expect(r.ok).toBe(true);
  if (!r.ok) return;
  expect(r.config).toMatchObject({
    port: 3978,
    host: '127.0.0.1',
    localMode: true,
    timeZone: 'Europe/Helsinki',
    defaultLocale: 'fi',
    brokeringMode: 'coordinator',
    mongodbDb: 'valittaja',
  });
});

test('with bot credentials the bot authenticates and listens on all interfaces', () => {
  const r = parseConfig({ ...base, BOT_ID: '11111111-2222-4333-8444-555555555555', BOT_PASSWORD: 'secret', BOT_TYPE: 'SingleTenant', BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  expect(r.ok && r.config).toMatchObject({ localMode: false, host: '0.0.0.0', bot: { type: 'SingleTenant' } });
});

test('BOT_TYPE defaults to SingleTenant: with credentials the tenant is required; local mode needs neither', () => {
  const creds = { ...base, BOT_ID: '11111111-2222-4333-8444-555555555555', BOT_PASSWORD: 'secret' };
  const missing = parseConfig(creds);
  expect(!missing.ok && missing.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^BOT_TENANT_ID: is required when BOT_ID is set and BOT_TYPE is SingleTenant/)]));
  const single = parseConfig({ ...creds, BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  expect(single.ok && single.config.bot).toMatchObject({ type: 'SingleTenant', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  // A registration made before multi-tenant bots were retired still starts, when said so.
  const legacy = parseConfig({ ...creds, BOT_TYPE: 'MultiTenant', ALLOWED_TENANT_IDS: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  expect(legacy.ok && legacy.config.bot.type).toBe('MultiTenant');
  const managed = parseConfig({ ...base, BOT_ID: '11111111-2222-4333-8444-555555555555', BOT_TYPE: 'UserAssignedMSI', BOT_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
  expect(managed.ok).toBe(true);
  const local = parseConfig(base);
  expect(local.ok && local.config).toMatchObject({ localMode: true, bot: { type: 'SingleTenant' } });
});

test('one clear message per bad variable', () => {
  const r = parseConfig({
    PORT: 'abc',
    MONGODB_URI: 'http://nope',
    TIME_ZONE: 'Mars/Olympus',
    DEFAULT_LOCALE: 'de',
    BOT_ID: 'not-a-guid',
    BROKERING_MODE: 'sometimes',
    COORDINATOR_AAD_IDS: 'x,y',
  });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  const vars = r.errors.map((e) => e.split(':')[0]);
  expect(new Set(vars)).toEqual(new Set(['PORT', 'MONGODB_URI', 'TIME_ZONE', 'DEFAULT_LOCALE', 'BOT_ID', 'BROKERING_MODE', 'COORDINATOR_AAD_IDS']));
  expect(r.errors.find((e) => e.startsWith('PORT'))).toContain('"abc"');
});

test('a missing database URI is explained', () => {
  const r = parseConfig({});
  expect(r.ok).toBe(false);
  expect(!r.ok && r.errors[0]).toMatch(/^MONGODB_URI: is required/);
});

test('secrets are never echoed back', () => {
  const r = parseConfig({ ...base, BOT_ID: '11111111-2222-4333-8444-555555555555', BOT_PASSWORD: '', BOT_TYPE: 'SingleTenant' });
  expect(r.ok).toBe(false);
  expect(!r.ok && r.errors).toEqual(
    expect.arrayContaining([expect.stringMatching(/^BOT_PASSWORD: is required/), expect.stringMatching(/^BOT_TENANT_ID/)]),
  );
});

test('an unauthenticated bot refuses to listen beyond loopback', () => {
  const r = parseConfig({ ...base, HOST: '0.0.0.0' });
  expect(r.ok).toBe(false);
  expect(!r.ok && r.errors[0]).toMatch(/^HOST:/);
});

test('the unfilled alert window is at most the 30 days its once-only record is kept', () => {
  expect(parseConfig({ ...base, UNFILLED_ALERT_DAYS: '30' }).ok).toBe(true);
  const r = parseConfig({ ...base, UNFILLED_ALERT_DAYS: '31' });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.errors).toHaveLength(1);
  expect(r.errors[0]).toMatch(/^UNFILLED_ALERT_DAYS/);
});

test('the per-user order limit: 5 a minute by default, configurable, 0 turns it off, nonsense refused', () => {
  const r = parseConfig(base);
  expect(r.ok && r.config.orderSubmitsPerMinute).toBe(5);
  const set = parseConfig({ ...base, ORDER_SUBMITS_PER_MINUTE: '12' });
  expect(set.ok && set.config.orderSubmitsPerMinute).toBe(12);
  const off = parseConfig({ ...base, ORDER_SUBMITS_PER_MINUTE: '0' });
  expect(off.ok && off.config.orderSubmitsPerMinute).toBe(0);
  const bad = parseConfig({ ...base, ORDER_SUBMITS_PER_MINUTE: 'many' });
  expect(!bad.ok && bad.errors.join()).toContain('ORDER_SUBMITS_PER_MINUTE');
});

test('a bad MONGODB_URI is named but not echoed: it carries the database password', () => {
  const r = parseConfig({ ...base, MONGODB_URI: 'mongdb://valittaja:S3cret-pass@db.example:27017/' });
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.errors).toEqual([expect.stringMatching(/^MONGODB_URI: must start with mongodb:\/\//)]);
  expect(r.errors.join('\n')).not.toContain('S3cret-pass');
});

test('short notice: 48 hours by default, configurable, 0 turns the mark off, more than 30 days refused', () => {
  const r = parseConfig(base);
  expect(r.ok && r.config.shortNoticeHours).toBe(48);
  const set = parseConfig({ ...base, SHORT_NOTICE_HOURS: '72' });
  expect(set.ok && set.config.shortNoticeHours).toBe(72);
  const off = parseConfig({ ...base, SHORT_NOTICE_HOURS: '0' });
  expect(off.ok && off.config.shortNoticeHours).toBe(0);
  const bad = parseConfig({ ...base, SHORT_NOTICE_HOURS: '721' });
  expect(!bad.ok && bad.errors[0]).toMatch(/^SHORT_NOTICE_HOURS/);
  expect(parseConfig({ ...base, SHORT_NOTICE_HOURS: 'soon' }).ok).toBe(false);
});

test('REMINDER_DAYS: 7 and 1 by default; a list is deduplicated, largest first; 0, 31 or words are refused', () => {
  const days = (v?: string) => {
    const r = parseConfig(v === undefined ? base : { ...base, REMINDER_DAYS: v });
    return r.ok ? r.config.reminderDays : r.errors;
  };
  expect(days()).toEqual([7, 1]);
  expect(days('1, 14,1 ,3')).toEqual([14, 3, 1]);
  expect(days('2')).toEqual([2]);
  for (const bad of ['0', '31', 'week', '', '1,,x']) {
    const r = days(bad);
    expect(Array.isArray(r) && typeof r[0] === 'string' && r[0].startsWith('REMINDER_DAYS:')).toBe(true);
  }
});
