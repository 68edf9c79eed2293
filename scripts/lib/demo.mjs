// The three-role local demo of `npm start`: who acts in which window, what each window's mock
// tenant holds, and what is seeded so that an order can be placed at once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from './local.mjs';

const require = createRequire(import.meta.url);

export const BOT_PORT = 3978;

/** The mock tenant all three windows share (users, the coordinators' team). */
export function readTenant() {
  const YAML = require('yaml');
  return YAML.parse(fs.readFileSync(path.join(root, '.m365agentsplayground.yml'), 'utf8'));
}

/**
 * One window per role, each on a fixed port and acting as its own user. Only the coordinator's
 * window has the coordinators' team: every Playground installs the bot into every channel it
 * shows, and the bot answers a conversation through the Playground that last wrote in it, so a
 * channel shared by three windows would send Kaisa's cards to whichever window opened it last.
 * The others get a team and a group chat of their own (as a professional's own team would be).
 */
export function demoRoles(tenant = readTenant()) {
  const all = [tenant.currentUser, ...tenant.users];
  const byName = (first) => {
    const u = all.find((x) => x.givenName === first);
    if (!u) throw new Error(`${first} is not in .m365agentsplayground.yml`);
    return u;
  };
  // PLAYGROUND_PORTS=a,b,c moves the three windows (the e2e test runs beside a running demo).
  const ports = (process.env.PLAYGROUND_PORTS ?? '56150,56151,56152').split(',').map(Number);
  if (ports.length !== 3 || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535)) throw new Error('PLAYGROUND_PORTS: three port numbers, e.g. 56150,56151,56152');
  return [
    {
      role: 'professional', user: byName('Aino'), port: ports[0], ownTeam: { name: 'Perhekeskus', channel: 'Tiimi' },
      tryThis: ['type "tilaa" (order) and fill in the card: theme Mielenterveys, a time tomorrow', '"omat tilaukset" (my orders) shows your orders and their state'],
    },
    {
      role: 'expert', user: byName('Eero'), port: ports[1], ownTeam: { name: 'Kokemusasiantuntijat', channel: 'Vertaistuki' },
      tryThis: ['offers arrive in this chat once Kaisa offers the task: accept with one click', '"profiili" (profile) shows your expert profile'],
    },
    {
      role: 'coordinator', user: byName('Kaisa'), port: ports[2], ownTeam: null,
      tryThis: [
        `open "${tenant.team.name} - ${tenant.team.channels[0].name}" (the coordinators' channel): new orders arrive there; offer one to Eero`,
        'in the channel (@mention the bot): "siirrä aikaa 1 vrk" (move time), "palaute nyt", "kooste nyt", "palkkiot YYYY-MM"',
      ],
    },
  ];
}

/** A stable id of this window's own, so references the bot stored survive a restart. */
function ownId(seed, kind) {
  return createHash('sha256').update(`${seed}:${kind}`).digest('hex').slice(0, 32);
}

/** The config edit for a role's window (see demoRoles). */
export function windowConfig(role) {
  return (cfg) => {
    if (!role.ownTeam) return cfg;
    const seed = role.user.aadObjectId;
    return {
      ...cfg,
      groupChat: { id: `19:${ownId(seed, 'group')}@thread.v2`, name: cfg.groupChat.name },
      team: {
        id: `19:${ownId(seed, 'team')}@thread.tacv2`,
        name: role.ownTeam.name,
        aadGroupId: uuidOf(ownId(seed, 'group-aad')),
        channels: [{ id: `19:${ownId(seed, 'channel')}@thread.tacv2`, name: role.ownTeam.channel }],
      },
    };
  };
}

function uuidOf(hex) {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Seeds through the bot's own repositories (dist/store): the demo users speak Finnish unless
 * they chose otherwise, and (unless `empty`) Eero is an approved expert, so an order finds him.
 * Idempotent: what a user changed in an earlier run is kept.
 */
export async function seed({ uri, dbName, tenant = readTenant(), empty = false }) {
  const { MongoClient } = require('mongodb');
  const { createStore } = require(path.join(root, 'dist', 'store', 'index.js'));
  const client = await new MongoClient(uri).connect();
  try {
    const store = createStore(client.db(dbName));
    const now = new Date();
    const roles = demoRoles(tenant);
    for (const { user } of roles) {
      const id = user.aadObjectId.toLowerCase();
      if (!(await store.preferences.localeOf(id, now))) await store.preferences.setLocale(id, 'fi', now);
    }
    if (empty) return { expert: false };
    const eero = roles.find((r) => r.role === 'expert').user;
    const kaisa = roles.find((r) => r.role === 'coordinator').user;
    const id = eero.aadObjectId.toLowerCase();
    if (!(await store.experts.get(id))) {
      await store.experts.saveProfile(id, {
        displayName: eero.name, phone: '040 765 4321', themes: ['mental-health', 'substance-use'], taskTypes: ['talk', 'training', 'peer-group'],
        municipalities: ['Tampere', 'Nokia'], remoteOk: true, languages: ['fi', 'en'],
        description: 'Kokemusta mielenterveys- ja päihdepalveluista; puhun mielelläni henkilöstölle ja opiskelijoille.', feePreference: 'fee',
      }, now);
      await store.experts.decide(id, 'active', kaisa.aadObjectId.toLowerCase(), now);
    }
    return { expert: true };
  } finally {
    await client.close();
  }
}

/** A message from the window's user to a conversation, through the Playground (as its page sends it). */
async function postAs(playgroundUrl, conversationId, text, bot, from) {
  const at = `<at>${bot.name}</at>`;
  const res = await fetch(`${playgroundUrl}/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // `from` is required but the Playground sends as its current user whatever it says.
    body: JSON.stringify({ type: 'text', text: `${at} ${text}`, textFormat: 'plain', from: { id: from.id }, mentions: [{ mentioned: { id: bot.id, name: bot.name }, text: at }] }),
  });
  if (!res.ok) throw new Error(`the Playground refused the message: ${res.status} ${await res.text()}`);
}

/**
 * Kaisa installs the bot in the coordinators' channel and marks it, in her own window, as she
 * would by hand: the bot stores the channel with her Playground as its address, and she is a
 * configured coordinator (COORDINATOR_AAD_IDS), which marking the channel requires.
 */
export async function prepareCoordinatorsChannel(playgroundUrl, tenant = readTenant()) {
  const channelId = tenant.team.channels[0].id;
  const install = await fetch(`${playgroundUrl}/_debug/conversation/${encodeURIComponent(channelId)}/installation`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  if (!install.ok) throw new Error(`installing the bot in the coordinators' channel failed: ${install.status}`);
  const kaisa = demoRoles(tenant).find((r) => r.role === 'coordinator').user;
  await postAs(playgroundUrl, channelId, 'koordinaattorikanava', tenant.bot, kaisa);
  return channelId;
}
