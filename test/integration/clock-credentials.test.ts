import { AppCredentials, AuthenticationConstants } from 'botframework-connector';
import { Activity } from '../support/activities';
import { Harness, startHarness } from '../support/harness';
import { OpenIdProvider, channelClaims, startOpenIdProvider } from '../support/jwt';
import { BOT, CHANNEL, CHANNEL_DATA, TENANT, text, user } from '../support/teams';
import { ranNow } from '../support/jobs';

// With bot credentials (a real Teams deployment) the clock cannot be moved: the command is
// refused even for a configured coordinator, and the help does not offer it.
const BOT_ID = '3f1b5a2e-7c4d-4e8f-9a0b-1c2d3e4f5a6b';
const coordinator = user('Kaisa Koordinaattori');
let provider: OpenIdProvider;
let h: Harness;
let seq = 0;

beforeAll(async () => {
  provider = await startOpenIdProvider();
  h = await startHarness(__filename, {
    BOT_ID, BOT_PASSWORD: 'unused-offline', HOST: '127.0.0.1', BOT_OPENID_METADATA_URL: provider.metadataUrl, COORDINATOR_AAD_IDS: coordinator.aad, BOT_TENANT_ID: TENANT,
  });
  // As in auth.test.ts: a cached outgoing token, so replies go out through the real credentials path.
  const cache = (AppCredentials as unknown as { cache: Map<string, { accessToken: string; expiresOn: Date }> }).cache;
  cache.set(`${BOT_ID}${AuthenticationConstants.ToChannelFromBotOAuthScope}-cache`, { accessToken: 'outgoing-test-token', expiresOn: new Date(Date.now() + 3600_000) });
});
afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

/** A channel message from the coordinator, signed as the Teams channel signs it. */
async function say(words: string): Promise<string> {
  h.connector.reset();
  const bot = { ...BOT, id: `28:${BOT_ID}` };
  const activity = {
    id: `cred-${++seq}`, type: 'message', timestamp: new Date().toISOString(), serviceUrl: h.connector.url, channelId: 'msteams',
    from: { id: coordinator.id, name: coordinator.name, aadObjectId: coordinator.aad }, recipient: bot,
    conversation: CHANNEL, locale: 'fi-FI', channelData: { tenant: { id: TENANT }, ...CHANNEL_DATA }, text: `<at>Välittäjä</at> ${words}`, entities: [{ type: 'mention', text: '<at>Välittäjä</at>', mentioned: bot }],
  } as unknown as Activity;
  const res = await fetch(`${h.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${provider.sign(channelClaims(BOT_ID, h.connector.url))}` },
    body: JSON.stringify(activity),
  });
  expect(res.status).toBe(200);
  await h.connector.waitFor(() => h.connector.sentTo(CHANNEL.id).some((a) => a.type === 'message'));
  return h.connector.sentTo(CHANNEL.id).map(text).join('\n');
}

test('a configured coordinator cannot move the clock when the bot has credentials', async () => {
  expect(h.bot.config.localMode).toBe(false);
  for (const words of ['siirrä aikaa 2 h', 'flytta tiden 2 h', 'move time 2 h']) {
    expect(await say(words)).toContain('vain paikallisessa kokeilussa');
  }
  expect(h.bot.clock.offsetMs()).toBe(0);
  expect(Math.abs(h.bot.deps.now().getTime() - Date.now())).toBeLessThan(60_000);
});

test('the help in a channel does not offer moving the clock; jobs can still be run now', async () => {
  expect(await say('ohje')).not.toContain('siirrä aikaa');
  expect(await say('palaute nyt')).toMatch(ranNow('feedback'));
});
