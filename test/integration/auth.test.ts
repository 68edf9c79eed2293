import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { AppCredentials, AuthenticationConstants, ToBotFromBotOrEmulatorTokenValidationParameters } from 'botframework-connector';
import { parseConfig } from '../../src/config';
import { startBot } from '../../src/index';
import { createLogger } from '../../src/log';
import { Activity, fixture } from '../support/activities';
import { Harness, startHarness, testConfig } from '../support/harness';
import { channelClaims, generateSigningKey, OpenIdProvider, signJwt, startOpenIdProvider, unsignedJwt } from '../support/jwt';
import { stored } from '../support/db';

/**
 * With a bot id every POST /api/messages must carry a token the Bot Framework channel
 * signed for this bot (key from the OpenID metadata, issuer, audience, service URL, not
 * expired); anything else is 401 and the bot does nothing. The channel's OpenID provider
 * is a local stand-in (BOT_OPENID_METADATA_URL), since login.botframework.com is not
 * reachable from tests.
 */

const BOT_ID = '3f1b5a2e-7c4d-4e8f-9a0b-1c2d3e4f5a6b';
/** The county's tenant: the one the fixtures' activities come from. */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const FOREIGN_TENANT = 'f0e1d2c3-b4a5-4968-8776-655443322110';
const OTHER_APP_ID = 'c0ffee00-1111-4222-8333-444455556666';

let provider: OpenIdProvider;
let h: Harness;
let consoleError: jest.SpyInstance;
let seq = 0;

beforeAll(async () => {
  provider = await startOpenIdProvider();
  h = await startHarness(__filename, {
    BOT_ID,
    BOT_PASSWORD: 'unused-offline',
    BOT_TENANT_ID: TENANT,
    HOST: '127.0.0.1',
    BOT_OPENID_METADATA_URL: provider.metadataUrl,
    ALLOWED_TENANT_IDS: TENANT,
  });
  // Outgoing calls need an Entra token for the Bot Connector, fetched from
  // login.microsoftonline.com (unreachable here). The SDK keeps such tokens in a static
  // cache keyed by app id and scope; one is put there so the reply goes out through the
  // real credentials path (the stand-in connector accepts any token).
  const cache = (AppCredentials as unknown as { cache: Map<string, { accessToken: string; expiresOn: Date }> }).cache;
  cache.set(`${BOT_ID}${AuthenticationConstants.ToChannelFromBotOAuthScope}-cache`, {
    accessToken: 'outgoing-test-token',
    expiresOn: new Date(Date.now() + 3600_000),
  });
});
afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});
beforeEach(() => {
  h.connector.reset();
  // The SDK writes refused tokens to stderr (cloudAdapterReports); keep the test output readable.
  consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => consoleError.mockRestore());

/** A personal message in a conversation of its own, from the stand-in connector. */
function message(overrides: Record<string, unknown> = {}): Activity {
  const base = fixture('message-personal', h.connector.url);
  return fixture('message-personal', h.connector.url, {
    conversation: { ...base.conversation, id: `a:1auth-${++seq}` },
    ...overrides,
  });
}

/** POSTs an activity to the harness's bot, or to the bot at `url`. */
async function send(activity: Activity, authorization?: string, url = h.url): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(`${url}/api/messages`, { method: 'POST', headers, body: JSON.stringify(activity) });
  return { status: res.status, body: await res.text() };
}

/** 401, no conversation stored (nor any other), nothing sent to the connector. */
async function expectRejected(activity: Activity, authorization?: string): Promise<void> {
  const before = await stored(h).conversations.countDocuments();
  const res = await send(activity, authorization);
  expect(res.status).toBe(401);
  expect(await h.bot.store.conversations.get(activity.conversation.id)).toBeNull();
  expect(await stored(h).conversations.countDocuments()).toBe(before);
  expect(h.connector.calls).toEqual([]);
  expect(cloudAdapterReports()).toEqual([]);
}

/**
 * What CloudAdapter wrote to stderr about refused requests: it console.error()s the error of
 * every request it answers 401 (a stack trace). The adapter answers them itself. (The SDK's
 * token validator still writes a line of its own for some forged or expired tokens.)
 */
function cloudAdapterReports(): unknown[] {
  return consoleError.mock.calls.map(([first]) => first).filter((e) => e instanceof Error && (e as { statusCode?: number }).statusCode === 401);
}

const bearer = (token: string) => `Bearer ${token}`;

describe('with BOT_ID every request is authenticated', () => {
  test('no Authorization header → 401', async () => {
    await expectRejected(message());
  });

  test('a non-Bearer or garbage Authorization header → 401', async () => {
    await expectRejected(message(), `Basic ${Buffer.from(`${BOT_ID}:unused-offline`).toString('base64')}`);
    await expectRejected(message(), 'Bearer not.a.jwt');
  });

  test('forged: signed by another key under the provider key id → 401', async () => {
    const a = message();
    const forger = generateSigningKey(provider.key.kid);
    await expectRejected(a, bearer(signJwt(channelClaims(BOT_ID, a.serviceUrl), forger)));
  });

  test('forged: signed by a key the provider does not publish → 401', async () => {
    const a = message();
    await expectRejected(a, bearer(signJwt(channelClaims(BOT_ID, a.serviceUrl), generateSigningKey())));
  });

  test('forged: claims altered after signing → 401', async () => {
    const a = message();
    const [header, , signature] = provider.sign(channelClaims(OTHER_APP_ID, a.serviceUrl)).split('.');
    const payload = Buffer.from(JSON.stringify(channelClaims(BOT_ID, a.serviceUrl))).toString('base64url');
    await expectRejected(a, bearer(`${header}.${payload}.${signature}`));
  });

  test('unsigned (alg: none) → 401', async () => {
    const a = message();
    await expectRejected(a, bearer(unsignedJwt(channelClaims(BOT_ID, a.serviceUrl), { kid: provider.key.kid })));
  });

  test('expired (beyond the 5-minute clock tolerance) → 401', async () => {
    const a = message();
    const now = Math.floor(Date.now() / 1000);
    const claims = channelClaims(BOT_ID, a.serviceUrl, { iat: now - 7200, nbf: now - 7200, exp: now - 600 });
    await expectRejected(a, bearer(provider.sign(claims)));
  });

  test('not yet valid (nbf in the future) → 401', async () => {
    const a = message();
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(a, bearer(provider.sign(channelClaims(BOT_ID, a.serviceUrl, { nbf: now + 3600, exp: now + 7200 }))));
  });

  test('wrong audience (another app id) → 401', async () => {
    const a = message();
    await expectRejected(a, bearer(provider.sign(channelClaims(OTHER_APP_ID, a.serviceUrl))));
  });

  test('wrong issuer → 401', async () => {
    const a = message();
    await expectRejected(a, bearer(provider.sign(channelClaims(BOT_ID, a.serviceUrl, { iss: 'https://api.botframework.example' }))));
  });

  test('an Entra (Emulator/skill) token is not a channel token → 401, and the SDK trusts no new issuer', async () => {
    const a = message();
    const tid = crypto.randomUUID();
    const issuersBefore = [...(ToBotFromBotOrEmulatorTokenValidationParameters.issuer as string[])];
    const claims = channelClaims(BOT_ID, a.serviceUrl, { iss: `https://sts.windows.net/${tid}/`, tid, appid: BOT_ID, ver: '1.0' });
    await expectRejected(a, bearer(provider.sign(claims)));
    expect(ToBotFromBotOrEmulatorTokenValidationParameters.issuer).toEqual(issuersBefore);
  });

  test('service URL claim differs from the activity service URL → 401', async () => {
    const a = message();
    await expectRejected(a, bearer(provider.sign(channelClaims(BOT_ID, 'https://smba.trafficmanager.net/emea/'))));
  });

  test('a key endorsed for msteams does not sign for another channel → 401', async () => {
    const a = message({ channelId: 'webchat' });
    await expectRejected(a, bearer(provider.sign(channelClaims(BOT_ID, a.serviceUrl))));
  });

  test('a valid channel token → 200: the reference is stored and the bot answers', async () => {
    const a = message();
    const res = await send(a, bearer(provider.sign(channelClaims(BOT_ID, a.serviceUrl))));
    expect(res.status).toBe(200);
    expect(provider.hits['/.well-known/openid-configuration']).toBeGreaterThanOrEqual(1);
    expect(provider.hits['/keys']).toBeGreaterThanOrEqual(1);
    const stored = await h.bot.store.conversations.get(a.conversation.id);
    expect(stored).toMatchObject({ scope: 'personal', reachable: true });
    expect(stored!.reference.serviceUrl).toBe(h.connector.url);
    await h.connector.waitFor(() => h.connector.sentTo(a.conversation.id).length === 1);
    expect(JSON.stringify(h.connector.sentTo(a.conversation.id)[0])).toContain('tilaa');
  });

  test('the same valid token replayed for another service URL → 401', async () => {
    const a = message();
    const token = provider.sign(channelClaims(BOT_ID, a.serviceUrl));
    expect((await send(a, bearer(token))).status).toBe(200);
    h.connector.reset();
    await expectRejected(message({ serviceUrl: 'http://127.0.0.1:9/' }), bearer(token));
  });
});

describe('ALLOWED_TENANT_IDS: only the county\'s tenant', () => {
  /** Every document of every collection of the bot's database, to prove nothing was written. */
  async function snapshot(): Promise<string> {
    const db = h.bot.database.db;
    // jobRuns: the scheduler's own minute-by-minute runs, whatever the requests do.
    const names = (await db.listCollections().toArray()).map((c) => c.name).filter((n) => n !== 'jobRuns').sort();
    const parts: string[] = [];
    for (const name of names) parts.push(`${name}:${JSON.stringify(await db.collection(name).find().sort({ _id: 1 }).toArray())}`);
    return parts.join('\n');
  }

  /** Authenticated (a valid channel token), from `tenant`: 403, no reply, the database unchanged. */
  async function expectForbidden(activity: Activity): Promise<void> {
    const before = await snapshot();
    const res = await send(activity, bearer(provider.sign(channelClaims(BOT_ID, activity.serviceUrl))));
    expect(res.status).toBe(403);
    // A reply inside the turn would have reached the connector before the answer; anything for
    // later would be in the outbox, i.e. in the database.
    expect(h.connector.calls).toEqual([]);
    expect(await snapshot()).toBe(before);
  }

  const foreign = (overrides: Record<string, unknown> = {}): Activity => {
    const a = message();
    return { ...a, conversation: { ...a.conversation, tenantId: FOREIGN_TENANT }, channelData: { tenant: { id: FOREIGN_TENANT } }, ...overrides } as Activity;
  };

  test('a message from another tenant → 403, no reply, nothing stored', async () => {
    await expectForbidden(foreign());
  });

  test('a card action and an install from another tenant → 403, nothing stored', async () => {
    await expectForbidden(foreign({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'help', data: {} }, trigger: 'manual' } }));
    const install = fixture('conversation-update-personal-install', h.connector.url);
    await expectForbidden({ ...install, conversation: { ...install.conversation, tenantId: FOREIGN_TENANT }, channelData: { tenant: { id: FOREIGN_TENANT } } } as Activity);
  });

  test('no tenant, or two tenants that disagree → 403', async () => {
    const a = message();
    await expectForbidden({ ...a, conversation: { id: a.conversation.id, conversationType: 'personal' }, channelData: {} } as Activity);
    await expectForbidden({ ...a, channelData: { tenant: { id: FOREIGN_TENANT } } } as Activity); // conversation says the county's
  });

  test('the county\'s tenant (any letter case) is served', async () => {
    const a = message({ channelData: { tenant: { id: TENANT.toUpperCase() } } });
    const res = await send(a, bearer(provider.sign(channelClaims(BOT_ID, a.serviceUrl))));
    expect(res.status).toBe(200);
    expect(await h.bot.store.conversations.get(a.conversation.id)).not.toBeNull();
  });

  test('config: required with credentials, defaults to BOT_TENANT_ID, GUIDs only; optional in local mode', () => {
    const creds = { MONGODB_URI: 'mongodb://127.0.0.1:27017/', BOT_ID, BOT_PASSWORD: 'x' };
    // A single-tenant bot (the default) names its tenant, and the allowed tenants default to it.
    const noTenant = parseConfig(creds);
    expect(!noTenant.ok && noTenant.errors[0]).toMatch(/^BOT_TENANT_ID: is required when BOT_ID is set/);
    // A managed identity names no tenant of its own: then the allowed tenants must be given.
    const missing = parseConfig({ ...creds, BOT_TYPE: 'UserAssignedMSI' });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.errors[0]).toMatch(/^ALLOWED_TENANT_IDS: is required when BOT_ID is set/);
    const single = parseConfig({ ...creds, BOT_TENANT_ID: TENANT });
    expect(single.ok && single.config.allowedTenantIds).toEqual([TENANT]);
    const listed = parseConfig({ ...creds, BOT_TENANT_ID: TENANT, ALLOWED_TENANT_IDS: ` ${FOREIGN_TENANT.toUpperCase()} , ${TENANT}` });
    expect(listed.ok && listed.config.allowedTenantIds).toEqual([FOREIGN_TENANT, TENANT]);
    const bad = parseConfig({ ...creds, BOT_TENANT_ID: TENANT, ALLOWED_TENANT_IDS: 'contoso.onmicrosoft.com' });
    expect(!bad.ok && bad.errors[0]).toMatch(/^ALLOWED_TENANT_IDS: each must be a tenant id/);
    const local = parseConfig({ MONGODB_URI: 'mongodb://127.0.0.1:27017/' });
    expect(local.ok && local.config.allowedTenantIds).toEqual([]);
  });
});

describe('start-up says whether requests are authenticated', () => {
  function capture(): { stream: Writable; lines: () => { level: number; msg: string }[] } {
    let out = '';
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    return { stream, lines: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
  }

  test('without BOT_ID: LOCAL MODE, not authenticated, on loopback', async () => {
    const log = capture();
    const bot = await startBot(testConfig(__filename), createLogger('info', log.stream));
    try {
      expect(bot.config.host).toBe('127.0.0.1');
      const warning = log.lines().find((l) => l.msg.includes('LOCAL MODE'));
      expect(warning).toBeDefined();
      expect(warning!.level).toBe(40);
      expect(warning!.msg).toMatch(/NOT authenticated/);
      expect(log.lines().some((l) => /authentication on/.test(l.msg))).toBe(false);
    } finally {
      await bot.stop();
    }
  });

  test('with BOT_ID: authentication on, no LOCAL MODE', async () => {
    const log = capture();
    const config = testConfig(__filename, { BOT_ID, BOT_PASSWORD: 'unused-offline', BOT_TENANT_ID: TENANT, HOST: '127.0.0.1', ALLOWED_TENANT_IDS: TENANT });
    const bot = await startBot(config, createLogger('info', log.stream));
    try {
      expect(log.lines().some((l) => l.msg === 'Bot Framework authentication on')).toBe(true);
      expect(log.lines().some((l) => l.msg.includes('LOCAL MODE'))).toBe(false);
    } finally {
      await bot.stop();
    }
  });

  test('a refused request is one line in the log, with what was wrong and neither the token nor the activity', async () => {
    const log = capture();
    const config = testConfig(__filename, { BOT_ID, BOT_PASSWORD: 'unused-offline', BOT_TENANT_ID: TENANT, HOST: '127.0.0.1', ALLOWED_TENANT_IDS: TENANT, BOT_OPENID_METADATA_URL: provider.metadataUrl });
    const bot = await startBot(config, createLogger('info', log.stream));
    try {
      const a = fixture('message-personal', 'http://127.0.0.1:9/', { text: 'Henkilötunnus 010190-123A' });
      const token = provider.sign(channelClaims(OTHER_APP_ID, a.serviceUrl));
      const url = `http://127.0.0.1:${bot.port}`;
      expect((await send(a, undefined, url)).status).toBe(401);
      expect((await send(a, bearer(token), url)).status).toBe(401);
      const refused = log.lines().filter((l) => l.msg === 'refused: request not authenticated') as { level: number; msg: string; authError: string }[];
      expect(refused.map((l) => l.level)).toEqual([40, 40]);
      expect(refused[0].authError).toBe('not a Bot Framework channel token');
      expect(refused[1].authError).toMatch(/AppId/);
      const all = JSON.stringify(log.lines());
      expect(all).not.toContain(token);
      expect(all).not.toContain('010190');
      expect(cloudAdapterReports()).toEqual([]);
    } finally {
      await bot.stop();
    }
  });

  // Without credentials config refuses a non-loopback HOST: test/unit/config.test.ts,
  // "an unauthenticated bot refuses to listen beyond loopback".
});

describe('BOT_OPENID_METADATA_URL', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/', BOT_ID, BOT_PASSWORD: 'x', BOT_TENANT_ID: TENANT, ALLOWED_TENANT_IDS: TENANT };

  test('is optional: unset keeps the public cloud default', () => {
    const r = parseConfig(base);
    expect(r.ok && r.config.bot.openIdMetadataUrl).toBeUndefined();
  });

  test('accepts https anywhere and http only on loopback', () => {
    for (const url of ['https://login.botframework.azure.us/v1/.well-known/openidconfiguration', 'http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:1/x']) {
      const r = parseConfig({ ...base, BOT_OPENID_METADATA_URL: url });
      expect(r.ok && r.config.bot.openIdMetadataUrl).toBe(url);
    }
    for (const url of ['http://login.example.com/x', 'http://10.0.0.1/x', 'ftp://127.0.0.1/x', 'not a url']) {
      const r = parseConfig({ ...base, BOT_OPENID_METADATA_URL: url });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.errors[0]).toMatch(/^BOT_OPENID_METADATA_URL: /);
    }
  });
});
