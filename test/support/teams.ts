import { randomUUID } from 'node:crypto';
import { Activity } from './activities';
import { Harness } from './harness';

/** A Teams user of the tests: ids as Teams sends them. */
export interface User {
  aad: string;
  id: string;
  name: string;
  personal: string;
}

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const BOT = { id: '28:00000000-0000-0000-0000-00000000b07', name: 'Välittäjä' };

export function user(name: string): User {
  const aad = randomUUID();
  return { aad, id: `29:${aad}`, name, personal: `a:1personal-${aad}` };
}

let seq = 0;

function base(h: Harness, u: User, conversation: Record<string, unknown>, locale = 'fi-FI'): Record<string, unknown> {
  return {
    id: `act-${Date.now()}-${++seq}`,
    timestamp: new Date().toISOString(),
    serviceUrl: h.connector.url,
    channelId: 'msteams',
    from: { id: u.id, name: u.name, aadObjectId: u.aad },
    recipient: BOT,
    conversation,
    locale,
    channelData: { tenant: { id: TENANT } },
  };
}

export function personalMessage(h: Harness, u: User, text: string, locale?: string): Activity {
  return { ...base(h, u, { conversationType: 'personal', tenantId: TENANT, id: u.personal }, locale), type: 'message', text } as unknown as Activity;
}

/** An Action.Execute click (invoke adaptiveCard/action) in the user's 1:1 chat or a given conversation. */
export function execute(h: Harness, u: User, verb: string, data: Record<string, unknown>, conversation?: Record<string, unknown>, channelData?: Record<string, unknown>): Activity {
  const conv = conversation ?? { conversationType: 'personal', tenantId: TENANT, id: u.personal };
  const a = base(h, u, conv);
  if (channelData) a.channelData = { ...(a.channelData as object), ...channelData };
  // As Teams sends it: replyToId is the message that holds the clicked card (teams-ai updates it
  // in place when the answer card has a refresh).
  return { ...a, type: 'invoke', name: 'adaptiveCard/action', replyToId: `card-${++seq}`, value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } } as unknown as Activity;
}

/** The card an Action.Execute returned (rendered in place of the clicked card). */
export function cardOf(res: { status: number; body: unknown }): Record<string, unknown> {
  const body = res.body as { statusCode: number; type: string; value: Record<string, unknown> };
  if (res.status !== 200 || body?.statusCode !== 200) throw new Error(`invoke failed: ${res.status} ${JSON.stringify(res.body)}`);
  return body.value;
}

export function text(card: unknown): string {
  return JSON.stringify(card);
}

/** The coordinators' channel of the tests' team, and a bot mention as Teams sends it. */
export const CHANNEL = { isGroup: true, conversationType: 'channel', tenantId: TENANT, id: '19:koord@thread.tacv2' };
export const CHANNEL_DATA = { team: { id: '19:team@thread.tacv2' }, channel: { id: '19:koord@thread.tacv2' } };
export const MENTION = [{ type: 'mention', text: '<at>Välittäjä</at>', mentioned: BOT }];

/** A message in the coordinators' channel, @mentioning the bot. */
export function channelMessage(h: Harness, from: User, textValue: string): Activity {
  return { ...execute(h, from, 'noop', {}, CHANNEL, CHANNEL_DATA), type: 'message', text: `<at>Välittäjä</at> ${textValue}`, entities: MENTION } as unknown as Activity;
}

/**
 * A channel conversation as real Teams sends it: conversation.id is the thread
 * ("19:…@thread.tacv2;messageid=N"), channelData.channel.id the channel, and the tenant in both
 * conversation.tenantId and channelData.tenant.id.
 */
export function channelThread(channelId: string, teamId: string, tenantId = TENANT): { conversation: Record<string, unknown>; channelData: Record<string, unknown> } {
  return {
    conversation: { isGroup: true, conversationType: 'channel', tenantId, id: `${channelId};messageid=${1700000000000 + ++seq}` },
    channelData: { teamsChannelId: channelId, teamsTeamId: teamId, channel: { id: channelId }, team: { id: teamId }, tenant: { id: tenantId } },
  };
}

/** A message typed in a channel thread (real shape, bot @mentioned). */
export function threadMessage(h: Harness, from: User, where: ReturnType<typeof channelThread>, textValue: string): Activity {
  const a = execute(h, from, 'noop', {}, where.conversation, where.channelData);
  a.channelData = where.channelData;
  return { ...a, type: 'message', text: `<at>Välittäjä</at> ${textValue}`, entities: MENTION, value: undefined } as unknown as Activity;
}

/** A card click (Action.Execute) on a card in a channel thread (real shape). */
export function threadClick(h: Harness, from: User, where: ReturnType<typeof channelThread>, verb: string, data: Record<string, unknown>): Activity {
  const a = execute(h, from, verb, data, where.conversation, where.channelData);
  a.channelData = where.channelData;
  return a;
}
