import http from 'node:http';
import { BOT, CHANNEL, CHANNEL_DATA, TENANT, User } from './teams';

/**
 * A tiny seeded fuzzer for the bot's HTTP endpoint: a PRNG, hostile values, and request
 * generators. The same seed gives the same requests, so a failure reproduces (the failing
 * request's index and kind are reported).
 */

/** mulberry32: 32-bit state, good enough to drive a fuzzer, and reproducible. */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rand {
  constructor(private readonly next: () => number) {}
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** Own `__proto__` / `constructor` keys: an object literal would set the prototype instead. */
const PROTO_OBJECTS = [
  '{"__proto__":{"polluted":"yes","isCoordinator":true}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"toString":"x","valueOf":1}}',
  '{"prototype":{"polluted":"yes"},"__defineGetter__":"x"}',
];
export const protoObject = (r: Rand): Record<string, unknown> => JSON.parse(r.pick(PROTO_OBJECTS)) as Record<string, unknown>;

const OPERATOR_OBJECTS: (() => unknown)[] = [
  () => ({ $ne: null }),
  () => ({ $ne: '' }),
  () => ({ $gt: '' }),
  () => ({ $gte: 0 }),
  () => ({ $exists: true }),
  () => ({ $regex: '.*' }),
  () => ({ $in: ['open', 'accepted', 'pending', 'requested'] }),
  () => ({ $nin: [] }),
  () => ({ $where: 'sleep(5000) || true' }),
  () => ({ $expr: { $eq: [1, 1] } }),
  () => ({ $function: { body: 'function(){return true}', args: [], lang: 'js' } }),
  () => ({ $set: { status: 'active' } }),
  () => ({ $or: [{ _id: { $exists: true } }] }),
  () => ({ 'a.b': 1 }),
  () => ({ 'orderer.aadObjectId': { $ne: null } }),
  () => ({ x: { $ne: null } }),
  () => [{ $ne: null }],
];

export const HUGE = 'x'.repeat(100_000);

/** Strings that are hostile but may well be valid free text (never used alone to make a payload invalid). */
const ODD_STRINGS = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\u202eevil\u202c', '\u200b\u200d\ufeff', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧨👩‍👩‍👧‍👦', 'Å Ä Ö å ä ö', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  '\ud800', '\udfff\ud800', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '${$root}', '${t.title}', '${json($root)}',
  '{{user.name}}', '%s%s%s%n', '../../../../etc/passwd', 'C:\\Windows\\system32', "'; DROP TABLE orders; --", 'null', 'undefined',
  'true', '0', '-1', 'NaN', 'Infinity', '1e309', '[object Object]', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  'javascript:alert(1)', 'data:text/html,<b>x</b>', 'https://evil.example/', 'x'.repeat(4001), 'ä'.repeat(2500), '\r\n'.repeat(300),
];
export const oddString = (r: Rand): string => r.pick(ODD_STRINGS);

function deep(r: Rand, depth: number): unknown {
  let v: unknown = r.chance(0.5) ? 'leaf' : { $ne: null };
  for (let i = 0; i < depth; i++) v = r.chance(0.5) ? [v] : { a: v };
  return v;
}

/**
 * A value that no field of any card accepts: not a string, not a number, not an array of
 * strings (all of which some fields take), or a string longer than any field's limit.
 */
export function invalidValue(r: Rand): unknown {
  switch (r.int(8)) {
    case 0:
    case 1:
      return r.pick(OPERATOR_OBJECTS)();
    case 2:
      return protoObject(r);
    case 3:
      return deep(r, 1 + r.int(r.chance(0.2) ? 3000 : 40));
    case 4:
      return r.pick([null, true, false]);
    case 5:
      // Longer than any field's limit; now and then the full 100 kB.
      return r.chance(0.3) ? HUGE : 'x'.repeat(4001 + r.int(6000));
    case 6:
      return [r.pick([1, null, {}, [], { $ne: null }, true])];
    default:
      return {};
  }
}

/** A hostile value that is not a string (operator objects, wrong types, deep nesting). */
export function nonString(r: Rand): unknown {
  switch (r.int(6)) {
    case 0:
    case 1:
      return r.pick(OPERATOR_OBJECTS)();
    case 2:
      return protoObject(r);
    case 3:
      return deep(r, 1 + r.int(40));
    case 4:
      return r.pick([null, true, false, 0, -1, 1e308]);
    default:
      return [r.pick<unknown>(['x', 1, null, { $ne: null }])];
  }
}

/** Any JSON value, hostile or not. */
export function anyValue(r: Rand): unknown {
  switch (r.int(6)) {
    case 0:
      return invalidValue(r);
    case 1:
      return oddString(r);
    case 2:
      return r.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -0]);
    case 3:
      return [oddString(r), oddString(r)];
    case 4:
      return r.pick(['mental-health', 'talk', 'Tampere', 'fi', 'true', 'onsite', 'remote']);
    default:
      return HUGE.slice(0, r.int(5000));
  }
}

/**
 * A string in place of an id that can never match the id's pattern: the real id with a
 * trailing newline (a `$` without the m flag would still match before it in some engines),
 * a prefix, unicode digits, upper-case hex, doubled, truncated…
 */
export function nearMissId(r: Rand, real: string): string {
  const variants = [
    `${real}\n`, `${real} `, ` ${real}`, `${real}\u0000`, `x${real}`, `${real}x`, real.toUpperCase().replace(/^T/, 'T') + 'ABC'.slice(0, 1 + r.int(2)),
    real.replace(/\d/, '٣'), real.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))), `${real}${real}`, real.slice(0, -1), `${real}|${real}`,
    `${real}:`, `:${real}`, real.replace(/-/g, '_'), `${real}.*`, `.*`, '^T-', `${real}/../x`, `${real}%00`, real.replace(/[a-f]/g, (c) => c.toUpperCase()) + 'Z',
  ];
  return r.pick(variants);
}

/** A value that is never a valid id: a near-miss string or a value of the wrong type. */
export function badId(r: Rand, real: string): unknown {
  return r.chance(0.5) ? nearMissId(r, real) : invalidValue(r);
}

// ---------------------------------------------------------------------------------------
// Requests

export interface FuzzRequest {
  /** For the report: which generator made it. */
  kind: string;
  contentType?: string;
  body: string | Buffer;
  /** Larger than the server's body limit: 413 (or the connection cut while sending) is the expected answer. */
  oversize?: boolean;
  /** Posted to this path (default /api/messages). */
  path?: string;
  method?: string;
}

export interface FuzzResult {
  status: number;
  /** Set when no HTTP answer came (connection reset, timeout). */
  error?: string;
  body: string;
  ms: number;
}

/** Sends raw requests over a keep-alive agent (what Bot Framework's front door does too). */
export class RawClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  constructor(private readonly base: string) {}

  send(req: FuzzRequest, timeoutMs = 20_000): Promise<FuzzResult> {
    const t0 = Date.now();
    const url = new URL(req.path ?? '/api/messages', this.base);
    const body = typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : req.body;
    return new Promise((resolve) => {
      const headers: Record<string, string | number> = { 'content-length': body.length };
      if (req.contentType !== undefined) headers['content-type'] = req.contentType;
      const r = http.request(url, { method: req.method ?? 'POST', agent: this.agent, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - t0 }));
        res.on('error', (e) => resolve({ status: 0, error: e.message, body: '', ms: Date.now() - t0 }));
      });
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, error: e.code ?? e.message, body: '', ms: Date.now() - t0 }));
      r.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `count` generated requests with at most `concurrency` in flight. */
export async function runBounded(count: number, concurrency: number, make: (i: number) => FuzzRequest, send: (req: FuzzRequest, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await send(make(i), i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** What the generator may aim at: real ids from the seeded database, and who is who. */
export interface FuzzWorld {
  serviceUrl: string;
  coordinator: User;
  /** Active expert with an open offer (openOrderId) and an accepted seat (filledOrderId). */
  expert: User;
  /** Expert waiting for approval. */
  pending: User;
  /** Orderer of both orders. */
  orderer: User;
  /** Has asked for erasure; not yet confirmed. */
  erasable: User;
  strangers: User[];
  openOrderId: string;
  filledOrderId: string;
  form: () => Record<string, unknown>;
  profile: () => Record<string, unknown>;
}

/** Every Action.Execute verb the app registers (src/teams/*.ts). */
export const VERBS = [
  'order.submit', 'order.cancel', 'order.offerTo', 'order.offerTop', 'offer.accept', 'offer.decline', 'assignment.withdraw',
  'expert.saveProfile', 'expert.approve', 'expert.reject', 'expert.pause', 'expert.resume', 'expert.editProfile',
  'privacy.requestErasure', 'privacy.confirmErasure', 'feedback.orderer', 'feedback.expert',
] as const;

/** Verbs no route has. Half of them carry a valid order form: were any routed to order.submit, an order would appear. */
const UNKNOWN_VERBS: unknown[] = [
  'order', 'order.submit ', 'ORDER.SUBMIT', 'order.submit\u0000', 'offer.accept.x', '', ' ', '$ne', '__proto__', 'constructor', 'toString',
  'hasOwnProperty', 'noop', '*', '.*', 'x'.repeat(10_000), 123, null, true, { $ne: null }, ['order.submit'], { verb: 'order.submit' },
];

const OTHER_INVOKE_NAMES = [
  'task/fetch', 'task/submit', 'composeExtension/query', 'composeExtension/submitAction', 'signin/verifyState', 'signin/tokenExchange',
  'fileConsent/invoke', 'actionableMessage/executeAction', 'config/fetch', 'config/submit', 'tab/fetch', 'healthCheck', 'adaptiveCard/action ',
  'ADAPTIVECARD/ACTION', '', '__proto__', 'x'.repeat(3000),
];

/** Bare command words that only read (or answer with a form): safe to send as they are. */
const READ_ONLY_COMMANDS = ['ohje', 'apua', 'help', '?', 'hjälp', 'tilaa', 'order', 'beställ', 'omat tilaukset', 'my orders', 'ilmoittaudu', 'register', 'profiili', 'profile', 'omat tiedot', 'my data'];
/** Command words that write when valid: always sent with garbage after them, so they never match. */
const WRITING_COMMANDS = ['tauko', 'pause', 'jatka', 'resume', 'koordinaattorikanava', 'coordinators channel', 'kooste nyt', 'digest now', 'palkkiot', 'fees', 'arvoden'];

let seq = 0;

export class FuzzGenerator {
  /** Actors that sent a well-formed privacy.requestErasure (valid whatever its data: the handler reads none). */
  readonly erasureRequestedBy = new Set<string>();

  constructor(
    private readonly r: Rand,
    private readonly w: FuzzWorld,
  ) {}

  next(i: number): FuzzRequest {
    const p = this.r.float();
    return p < 0.58 ? this.invoke() : p < 0.8 ? this.message() : p < 0.85 ? this.event() : this.garbage(i);
  }

  // --- (a) card actions ---------------------------------------------------------------

  private invoke(): FuzzRequest {
    const r = this.r;
    const w = this.w;
    if (r.chance(0.05)) return this.json('invoke:otherName', this.envelope(r.pick(w.strangers), { type: 'invoke', name: r.pick(OTHER_INVOKE_NAMES), value: anyValue(r) }), true);
    if (r.chance(0.05)) {
      const value = r.pick<unknown>([null, 'x', [], 1, { action: anyValue(r) }, { action: { type: 'Action.Submit', verb: 'order.submit', data: w.form() } }, { action: { type: 'Action.Execute' } }]);
      return this.json('invoke:badValue', this.envelope(r.pick(this.actors()), { type: 'invoke', name: 'adaptiveCard/action', value }), true);
    }
    if (r.chance(0.06)) return this.executeAs('invoke:unknownVerb', r.pick(this.actors()), r.pick(UNKNOWN_VERBS), r.chance(0.5) ? w.form() : anyValue(r));
    const verb = r.pick(VERBS);
    switch (verb) {
      case 'order.submit':
        return this.execute(verb, r.pick([w.orderer, w.coordinator, ...w.strangers]), this.spoil(w.form(), ORDER_REQUIRED, ORDER_INVALID));
      case 'expert.saveProfile':
        return this.execute(verb, r.pick([w.expert, w.pending, ...w.strangers]), this.spoil(w.profile(), PROFILE_REQUIRED, PROFILE_INVALID));
      case 'order.cancel':
        return this.execute(verb, r.pick([w.orderer, w.coordinator, this.stranger()]), this.spoilIds({ orderId: this.orderId() }));
      case 'order.offerTop':
        return this.execute(verb, w.coordinator, this.spoilIds({ orderId: this.orderId() }), r.chance(0.5));
      case 'order.offerTo':
        return this.execute(verb, w.coordinator, this.spoilIds({ orderId: this.orderId(), expertId: r.pick([w.expert.aad, w.pending.aad]) }), r.chance(0.5));
      case 'offer.accept':
        return this.execute(verb, r.chance(0.8) ? w.expert : this.stranger(), this.spoilIds({ offerId: `${w.openOrderId}:${w.expert.aad}` }));
      case 'offer.decline':
        return this.execute(verb, r.chance(0.8) ? w.expert : this.stranger(), this.spoilIds({ offerId: `${w.openOrderId}:${w.expert.aad}`, reason: 'ei sovi' }, ['reason']));
      case 'assignment.withdraw':
        return this.execute(verb, r.chance(0.8) ? w.expert : this.stranger(), this.spoilIds({ orderId: w.filledOrderId }));
      case 'expert.approve':
      case 'expert.reject':
        return this.execute(verb, w.coordinator, this.spoilIds({ expertId: w.pending.aad, version: 1, reason: 'syy' }, ['reason']), r.chance(0.5));
      case 'privacy.confirmErasure':
        return this.execute(verb, w.coordinator, this.spoilIds({ userId: w.erasable.aad }), r.chance(0.5));
      case 'feedback.orderer':
        return this.execute(verb, w.orderer, this.spoilFeedback({ orderId: this.orderId(), tookPlace: 'yes', goalsMet: '4', useful: '5', orderAgain: 'true', text: 'hyvä' }));
      case 'feedback.expert':
        return this.execute(verb, w.expert, this.spoilFeedback({ orderId: w.filledOrderId, tookPlace: 'yes', howItWent: '4', travelKm: '10', ticketEuros: '', debrief: 'false', text: '' }));
      case 'expert.pause':
      case 'expert.resume':
        // The handler reads no data: for an expert this is a valid click that writes. Sent by
        // people without a profile only, whose click changes nothing.
        return this.execute(verb, this.stranger(), anyValue(r));
      case 'expert.editProfile':
        return this.execute(verb, r.pick(this.actors()), anyValue(r)); // reads only
      case 'privacy.requestErasure': {
        // Valid whatever the data (it reads none): recorded, and the test expects exactly these requests.
        const who = r.pick([w.orderer, ...w.strangers]);
        this.erasureRequestedBy.add(who.aad);
        return this.execute(verb, who, anyValue(r), false, true);
      }
    }
  }

  private orderId(): string {
    return this.r.chance(0.5) ? this.w.openOrderId : this.w.filledOrderId;
  }

  private stranger(): User {
    return this.r.pick(this.w.strangers);
  }

  private actors(): User[] {
    const w = this.w;
    return [w.coordinator, w.expert, w.pending, w.orderer, ...w.strangers];
  }

  /**
   * A well-shaped form made invalid by at least one change that no input passes (a field
   * removed, a value of the wrong kind, an unknown or operator key, a near-miss value), plus
   * hostile but possibly valid strings in other fields.
   */
  private spoil(data: Record<string, unknown>, required: readonly string[], invalid: Record<string, readonly string[]>): unknown {
    const r = this.r;
    if (r.chance(0.04)) return anyValue(r); // not even an object
    const fields = Object.keys(data);
    for (let k = r.int(3); k > 0; k--) data[r.pick(fields)] = oddString(r); // maybe valid, maybe not
    const spoilers = 1 + r.int(2);
    for (let k = 0; k < spoilers; k++) {
      switch (r.int(5)) {
        case 0:
          delete data[r.pick(required)];
          break;
        case 1:
          data[r.pick(fields)] = invalidValue(r);
          break;
        case 2: {
          const field = r.pick(Object.keys(invalid));
          data[field] = r.pick(invalid[field]);
          break;
        }
        case 3:
          this.addBadKey(data);
          break;
        default:
          data[r.pick(required)] = invalidValue(r);
      }
    }
    // Each change above makes the form invalid on its own, and none of them undoes another.
    return data;
  }

  /** Id payloads: every id replaced by a never-matching value, or a bad key added, or the id left out. */
  private spoilIds(data: Record<string, unknown>, optional: string[] = []): unknown {
    const r = this.r;
    if (r.chance(0.05)) return anyValue(r);
    const ids = Object.keys(data).filter((k) => !optional.includes(k));
    switch (r.int(4)) {
      case 0:
        this.addBadKey(data);
        if (r.chance(0.5)) for (const k of ids) data[k] = badId(r, String(data[k]));
        break;
      case 1:
        delete data[r.pick(ids)];
        break;
      default: {
        // One id spoiled, the others real: the sharpest probe of each check.
        const k = r.pick(ids);
        data[k] = badId(r, String(data[k]));
      }
    }
    for (const k of optional) if (r.chance(0.5)) data[k] = r.chance(0.5) ? oddString(r) : invalidValue(r);
    if (r.chance(0.2)) data.verb = r.pick<unknown>(['order.cancel', invalidValue(r)]);
    return data;
  }

  private spoilFeedback(data: Record<string, unknown>): unknown {
    const r = this.r;
    if (r.chance(0.4)) return this.spoilIds(data, Object.keys(data).filter((k) => k !== 'orderId'));
    const keys = Object.keys(data).filter((k) => k !== 'orderId');
    if (r.chance(0.5)) this.addBadKey(data);
    else data[r.pick(['tookPlace', 'goalsMet', 'useful', 'howItWent'].filter((k) => k in data))] = r.chance(0.5) ? invalidValue(r) : r.pick(['maybe', '6', '0', '', ' yes']);
    for (let k = r.int(2); k > 0; k--) data[r.pick(keys)] = oddString(r);
    data[r.pick(['tookPlace', 'goalsMet', 'useful', 'howItWent'].filter((k) => k in data))] = invalidValue(r);
    return data;
  }

  private addBadKey(data: Record<string, unknown>): void {
    const r = this.r;
    const key = r.pick(['$set', '$where', 'a.b', 'orderer.aadObjectId', '$ne', 'status', 'unknownField', '', ' ', '__proto__', 'constructor', 'prototype', 'x'.repeat(5000)]);
    if (key === '__proto__') Object.defineProperty(data, '__proto__', { value: { polluted: 'yes' }, enumerable: true, configurable: true, writable: true });
    else data[key] = r.chance(0.5) ? anyValue(r) : { $ne: null };
  }

  private execute(verb: (typeof VERBS)[number], u: User, data: unknown, inChannel = false, cleanEnvelope = false): FuzzRequest {
    return this.executeAs(`invoke:${verb}`, u, verb, data, inChannel, cleanEnvelope);
  }

  private executeAs(kind: string, u: User, verb: unknown, data: unknown, inChannel = false, cleanEnvelope = false): FuzzRequest {
    const value: Record<string, unknown> = { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' };
    const conversation = inChannel ? CHANNEL : { conversationType: 'personal', tenantId: TENANT, id: u.personal };
    const a = this.envelope(u, { type: 'invoke', name: 'adaptiveCard/action', value, conversation, ...(inChannel ? { channelData: { tenant: { id: TENANT }, ...CHANNEL_DATA } } : {}) });
    return this.json(kind, a, !cleanEnvelope);
  }

  // --- (b) messages ---------------------------------------------------------------------

  private message(): FuzzRequest {
    const r = this.r;
    const w = this.w;
    const u = r.pick(this.actors());
    let text: unknown;
    switch (r.int(7)) {
      case 0:
        text = r.pick(READ_ONLY_COMMANDS);
        break;
      case 1:
        text = `${r.pick([...READ_ONLY_COMMANDS, ...WRITING_COMMANDS])} x${oddString(r)}${r.chance(0.3) ? ` ${w.openOrderId}` : ''}`;
        break;
      case 2:
        // `why <name> <order>`: names never contained in a seeded display name ("§"), so a coordinator's query finds nobody.
        text = `${r.pick(['why', 'miksi', 'varför', 'WHY'])} ${r.pick(['§', '§ x', `§${oddString(r)}`, `${HUGE.slice(0, 200)}§`])} ${r.pick([w.openOrderId, w.filledOrderId, 'T-1999-0001', nearMissId(r, w.openOrderId)])}`;
        break;
      case 3:
        text = `${r.pick(['palkkiot', 'fees', 'arvoden'])} ${r.pick(['2026-13', '2026-00', '202-01', 'x', '../2026-01/..', '2026-1', `${oddString(r)}`, '2026-01x'])}`;
        break;
      case 4:
        text = r.chance(0.5) ? oddString(r) : r.chance(0.2) ? HUGE : HUGE.slice(0, r.int(10_000));
        break;
      case 5:
        text = r.chance(0.7) ? anyValue(r) : undefined; // a non-string text, or none
        if (typeof text === 'string') text = `x${text}`;
        break;
      default:
        text = `<at>Välittäjä</at> ${r.pick(READ_ONLY_COMMANDS)}${r.chance(0.5) ? oddString(r) : ''}`;
    }
    const inChannel = r.chance(0.2);
    const extra: Record<string, unknown> = { type: 'message', text };
    if (inChannel) {
      extra.conversation = CHANNEL;
      extra.channelData = { tenant: { id: TENANT }, ...CHANNEL_DATA };
      extra.entities = [{ type: 'mention', text: '<at>Välittäjä</at>', mentioned: BOT }];
    }
    if (r.chance(0.2)) extra.value = r.chance(0.5) ? anyValue(r) : { verb: r.pick(VERBS), ...(w.form() as object) }; // an Action.Submit-style message
    if (r.chance(0.1)) extra.attachments = anyValue(r);
    // Most messages ask for their replies in the HTTP response (a Bot Framework delivery mode
    // the adapter supports): the same routes run, without an outbound call per reply, which
    // in this single process costs as much CPU as the rest of the turn. The others reply
    // through the stand-in connector as in Teams.
    if (r.chance(0.75)) extra.deliveryMode = 'expectReplies';
    return this.json('message', this.envelope(u, extra), true);
  }

  // --- (b') conversation events -------------------------------------------------------------

  /**
   * Installs, member changes and channel events, whose channelData ids the bot stores (team
   * channels, conversation references). Each id is either a well-formed one or a non-string;
   * the well-formed ones are chosen so that a valid event writes only the fuzz channel
   * ('19:fuzzchan…'), which the test allows: in the coordinators' channel, only its own team.
   */
  private event(): FuzzRequest {
    const r = this.r;
    const inChannel = r.chance(0.5);
    const id = (good: string) => (r.chance(0.5) ? good : nonString(r));
    const channelData: Record<string, unknown> = {
      tenant: { id: r.chance(0.8) ? TENANT : nonString(r) },
      team: r.chance(0.9) ? { id: id(inChannel || r.chance(0.5) ? CHANNEL_DATA.team.id : '19:fuzzteam@thread.tacv2'), name: r.chance(0.5) ? oddString(r) : nonString(r) } : nonString(r),
      channel: r.chance(0.9) ? { id: id('19:fuzzchan@thread.tacv2'), name: nonString(r) } : nonString(r),
      eventType: r.pick<unknown>(['channelCreated', 'channelRenamed', 'channelDeleted', 'channelRestored', 'teamRenamed', 'teamMemberAdded', nonString(r)]),
    };
    const type = r.pick(['conversationUpdate', 'conversationUpdate', 'conversationUpdate', 'installationUpdate']);
    const u = r.pick(this.actors());
    const fields: Record<string, unknown> = {
      type,
      conversation: inChannel ? CHANNEL : { conversationType: 'personal', tenantId: TENANT, id: u.personal },
      channelData,
      membersAdded: r.pick<unknown>([[{ id: BOT.id }], [{ id: u.id, aadObjectId: u.aad }], [], anyValue(r), [nonString(r)]]),
      membersRemoved: r.chance(0.2) ? [{ id: BOT.id }] : undefined,
      action: r.pick<unknown>(['add', 'remove', 'add-upgrade', nonString(r)]),
    };
    return this.json(`event:${type}`, this.envelope(u, fields), false);
  }

  // --- shared envelope ------------------------------------------------------------------

  /** A Teams activity envelope; with `hostile`, sometimes one of its fields gets a hostile value. */
  private envelope(u: User, fields: Record<string, unknown>): Record<string, unknown> {
    return {
      id: `fuzz-${Date.now()}-${++seq}`,
      timestamp: new Date().toISOString(),
      serviceUrl: this.w.serviceUrl,
      channelId: 'msteams',
      from: { id: u.id, name: u.name, aadObjectId: u.aad },
      recipient: BOT,
      conversation: { conversationType: 'personal', tenantId: TENANT, id: u.personal },
      locale: this.r.pick(['fi-FI', 'fi-FI', 'sv-SE', 'en-US']),
      channelData: { tenant: { id: TENANT } },
      ...fields,
    };
  }

  private json(kind: string, activity: Record<string, unknown>, mayHarm: boolean): FuzzRequest {
    const r = this.r;
    if (mayHarm && r.chance(0.15)) {
      const field = r.pick(['locale', 'from.name', 'from.aadObjectId', 'from.role', 'channelData', 'channelData.team', 'conversation.conversationType', 'conversation.tenantId', 'entities', 'timestamp', 'localTimestamp', 'replyToId', 'deliveryMode', 'membersAdded', 'recipient.name', 'id', 'name', 'action', 'textFormat', 'attachments']);
      const [a, b] = field.split('.');
      const value = field === 'deliveryMode' ? r.pick(['expectReplies', 'notification', 'x', 1]) : r.chance(0.3) ? oddString(r) : invalidValue(r);
      if (b) {
        const parent = activity[a];
        activity[a] = parent && typeof parent === 'object' && !Array.isArray(parent) ? { ...(parent as object), [b]: value } : { [b]: value };
      } else activity[field] = value;
      kind = `${kind}+envelope`;
    }
    return { kind, contentType: 'application/json', body: JSON.stringify(activity) };
  }

  // --- (c) garbage ------------------------------------------------------------------------

  private garbage(i: number): FuzzRequest {
    const r = this.r;
    const w = this.w;
    const activity = this.envelope(w.coordinator, { type: 'message', text: 'ohje' });
    const choice = r.int(16);
    switch (choice) {
      case 0:
        return { kind: 'garbage:brokenJson', contentType: 'application/json', body: JSON.stringify(activity).slice(0, 1 + r.int(200)) };
      case 1:
        return { kind: 'garbage:nonObject', contentType: 'application/json', body: r.pick(['[]', '[{}]', '"x"', '1', 'null', 'true', '""', '{}', ' ', '[' + JSON.stringify(activity) + ']']) };
      case 2: {
        const copy: Record<string, unknown> = { ...activity };
        for (const k of ['type', 'serviceUrl', 'conversation', 'from', 'recipient', 'channelId', 'id']) if (r.chance(0.4)) delete copy[k];
        if (Object.keys(copy).length === Object.keys(activity).length) delete copy[r.pick(['type', 'serviceUrl', 'conversation', 'from', 'recipient'])];
        return { kind: 'garbage:missingFields', contentType: 'application/json', body: JSON.stringify(copy) };
      }
      case 3: {
        const copy: Record<string, unknown> = { ...activity };
        copy[r.pick(['type', 'serviceUrl', 'conversation', 'from', 'recipient', 'channelId', 'id'])] = r.chance(0.5) ? invalidValue(r) : anyValue(r);
        return { kind: 'garbage:wrongTypes', contentType: 'application/json', body: JSON.stringify(copy) };
      }
      case 4:
        return { kind: 'garbage:contentType', contentType: r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/xml', 'text/html', '', 'application/json; charset=utf-16', 'application/jsonx', '*/*']), body: r.chance(0.5) ? JSON.stringify(activity) : 'type=message&text=ohje&serviceUrl=http://127.0.0.1:1/' };
      case 5:
        return { kind: 'garbage:noContentType', body: JSON.stringify(activity) };
      case 6:
        return { kind: 'garbage:binary', contentType: r.pick(['application/json', 'application/octet-stream']), body: Buffer.from(Array.from({ length: 1 + r.int(2000) }, () => r.int(256))) };
      case 7:
        return { kind: 'garbage:badUtf8', contentType: 'application/json', body: Buffer.concat([Buffer.from('{"type":"message","text":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from('"}')]) };
      case 8: {
        // Deep nesting in a field the server passes through.
        const depth = r.pick([1000, 10_000, 60_000]);
        return { kind: 'garbage:deepJson', contentType: 'application/json', body: `${JSON.stringify(activity).slice(0, -1)},"channelData":${'['.repeat(depth)}${']'.repeat(depth)}}` };
      }
      case 9:
        return { kind: 'garbage:duplicateKeys', contentType: 'application/json', body: `${JSON.stringify(activity).slice(0, -1)},"type":"invoke","name":"adaptiveCard/action","value":{"action":{"type":"Action.Execute","verb":"order.cancel","data":{"orderId":{"$ne":null}}}}}` };
      case 10:
        if (i % 4 === 0) {
          // Larger than the 256 kB body limit.
          return { kind: 'garbage:oversize', contentType: 'application/json', body: JSON.stringify({ ...activity, text: 'x'.repeat(260_000 + r.int(200_000)) }), oversize: true };
        }
        return { kind: 'garbage:nearLimit', contentType: 'application/json', body: JSON.stringify({ ...activity, text: 'x'.repeat(250_000) }) };
      case 11:
        return { kind: 'garbage:otherType', contentType: 'application/json', body: JSON.stringify(this.envelope(r.pick(this.actors()), { type: r.pick(['messageReaction', 'event', 'typing', 'endOfConversation', 'messageUpdate', 'messageDelete', 'trace', 'handoff', 'x', 'INVOKE', 'Message', 'CONVERSATIONUPDATE']), membersAdded: anyValue(r), reactionsAdded: anyValue(r), name: anyValue(r), value: anyValue(r), channelData: anyValue(r) })) };
      case 12:
        return { kind: 'garbage:method', method: r.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']), contentType: 'application/json', body: JSON.stringify(activity) };
      case 13:
        return { kind: 'garbage:path', path: r.pick(['/api/messages/', '/api/messages?x=1', '/api/message', '/', '/healthz', '/readyz', '/api/messages/../healthz', '/%00', `/${'a'.repeat(3000)}`]), method: r.pick(['POST', 'GET']), contentType: 'application/json', body: JSON.stringify(activity) };
      case 14:
        return { kind: 'garbage:serviceUrl', contentType: 'application/json', body: JSON.stringify({ ...activity, serviceUrl: r.chance(0.02) ? 'http://127.0.0.1:1/' : r.pick(['file:///etc/passwd', 'javascript:alert(1)', 'http://[::1', 'ftp://127.0.0.1/', `${this.w.serviceUrl}../../`, `${this.w.serviceUrl}?x=`]) }) };
      default:
        return { kind: 'garbage:emptyBody', contentType: r.pick(['application/json', 'text/plain']), body: '' };
    }
  }
}

/** Required fields of the order form and values that are never valid for them. */
const ORDER_REQUIRED = ['themes', 'taskType', 'title', 'description', 'date', 'time', 'durationMinutes', 'mode', 'targetGroup', 'seats', 'language', 'costCentre', 'contactName'] as const;
const ORDER_INVALID: Record<string, readonly string[]> = {
  themes: ['no-such-theme', ',', 'mental-health,x'],
  taskType: ['no-such-task', 'TALK'],
  date: ['2020-01-01', '2026-02-30', '31.12.2099', 'tomorrow'],
  time: ['25:99', '13', 'noon'],
  durationMinutes: ['0', '14', '481', '1.5', 'x', '-90'],
  seats: ['0', '6', '1.5', '-1', 'x'],
  mode: ['office', 'ONSITE', ''],
  language: ['de', 'FI', ''],
  contactEmail: ['x@', '@x.fi', 'a b@c.d'],
  contactPhone: ['abc', '12'],
};
const PROFILE_REQUIRED = ['displayName', 'themes', 'taskTypes', 'languages', 'description', 'feePreference', 'consent'] as const;
const PROFILE_INVALID: Record<string, readonly string[]> = {
  themes: ['no-such-theme', 'mental-health,nope'],
  taskTypes: ['nope'],
  languages: ['de', 'fi,xx'],
  feePreference: ['free', 'FEE', ''],
  consent: ['false', 'yes', ''],
  trainingYear: ['1989', '3000', '20x4'],
  email: ['x@', 'no-at-sign'],
  phone: ['abc', '1'],
};

/**
 * CPU time (ms) so far of the local FerretDB serving `uri`, found by its --listen-addr in
 * /proc (Linux only; undefined elsewhere or for another server). For the run's report only.
 */
export function databaseCpuMs(uri: string | undefined): number | undefined {
  const port = uri ? /:(\d+)\/?/.exec(uri.replace(/^mongodb:\/\//, ''))?.[1] : undefined;
  if (!port) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let cmd = '';
      try {
        cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!cmd.includes(`--listen-addr=127.0.0.1:${port}\u0000`)) continue;
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
    }
  } catch {
    return undefined;
  }
  return undefined;
}
