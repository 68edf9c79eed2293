import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One call the bot made to the Bot Connector API. */
export interface ConnectorCall {
  method: string;
  path: string;
  conversationId: string;
  activityId?: string;
  body: Record<string, unknown>;
  /** For a create-conversation call (a new channel post): its ConversationParameters; `body` is its activity. */
  created?: Record<string, unknown>;
  at: number;
}

/** At most `limit` requests in any `ms` milliseconds. */
interface Window {
  limit: number;
  ms: number;
}

/**
 * Teams' documented bot limits as the connector applies them to each request on arrival:
 * per conversation 7 per 1 s, 8 per 2 s, 60 per 30 s; per app 50 per 1 s. Every request counts,
 * rejected ones too (as Teams counts them). Same rules as bench/lib/connector.mjs.
 */
export class TeamsRateLimits {
  static readonly CONVERSATION: readonly Window[] = [{ limit: 7, ms: 1000 }, { limit: 8, ms: 2000 }, { limit: 60, ms: 30_000 }];
  static readonly APP: readonly Window[] = [{ limit: 50, ms: 1000 }];
  private readonly byConversation = new Map<string, number[]>();
  private readonly app: number[] = [];

  /** 0 when the request may pass (and it is counted either way); else milliseconds until one would. */
  admit(conversationId: string, now: number): number {
    let conv = this.byConversation.get(conversationId);
    if (!conv) this.byConversation.set(conversationId, (conv = []));
    for (const times of [conv, this.app]) while (times.length > 0 && times[0] <= now - 30_000) times.shift();
    const wait = Math.max(waitFor(conv, TeamsRateLimits.CONVERSATION, now), waitFor(this.app, TeamsRateLimits.APP, now));
    conv.push(now);
    this.app.push(now);
    return wait;
  }
}

function waitFor(times: number[], windows: readonly Window[], now: number): number {
  let wait = 0;
  for (const w of windows) {
    let n = 0;
    for (let i = times.length - 1; i >= 0 && times[i] > now - w.ms; i--) n++;
    if (n < w.limit) continue;
    wait = Math.max(wait, times[times.length - w.limit] + w.ms - now);
  }
  return wait;
}

/**
 * A stand-in for the Teams Bot Connector on loopback: it records every call the bot makes
 * (replies, proactive sends, card updates) so tests can assert what a user would see.
 * `respond` lets a test inject failures (429, 403, 502…) per call.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  respond?: (call: ConnectorCall) => { status: number; headers?: Record<string, string>; body?: unknown } | undefined;
  teamChannels: Record<string, { id: string; name?: string }[]> = {};
  /**
   * Roster records Teams returns for GET /v3/conversations/{id}/members/{userId}, by
   * conversation id then user id (TeamsChannelAccount: aadObjectId, tenantId, userRole…).
   * Anyone not listed is "not a member" (404), as Teams answers.
   */
  members: Record<string, Record<string, Record<string, unknown>>> = {};
  /** Set to answer 429 (with Retry-After) whatever goes over Teams' rate limits. */
  limits?: TeamsRateLimits;
  /** Requests answered 429 by `limits`. */
  throttled = 0;
  private server?: http.Server;
  private parked?: (() => void)[];
  private seq = 0;
  private waiters: (() => void)[] = [];

  get url(): string {
    const addr = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${addr.port}/`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The 1:1 chats the bot asked to open (POST /v3/conversations without a channel): their parameters. */
  created(): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === 'POST' && c.path === '/v3/conversations' && !c.conversationId).map((c) => c.body);
  }

  /** Activities the bot sent (POST) to a conversation, oldest first; a new post in a channel counts as sent to the channel. */
  sentTo(conversationId: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === 'POST' && c.conversationId === conversationId).map((c) => c.body);
  }

  /** Waits until `predicate` holds over the recorded calls. */
  async waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      if (Date.now() > deadline) throw new Error(`connector: condition not met in ${timeoutMs} ms; calls: ${JSON.stringify(this.calls.map((c) => `${c.method} ${c.path}`))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  reset(): void {
    this.calls.length = 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const teams = url.pathname.match(/^\/v3\/teams\/([^/]+)\/conversations$/);
      if (teams && req.method === 'GET') {
        const id = decodeURIComponent(teams[1]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ conversations: this.teamChannels[id] ?? [] }));
        return;
      }
      const member = url.pathname.match(/^\/v3\/conversations\/([^/]+)\/members\/([^/]+)$/);
      if (member && req.method === 'GET') {
        const found = this.members[decodeURIComponent(member[1])]?.[decodeURIComponent(member[2])];
        res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(found ?? { error: { code: 'MemberNotFoundInConversation', message: 'The member was not found in the conversation.' } }));
        return;
      }
      const m = url.pathname.match(/^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/);
      const parsed = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      // Create-conversation (a new post in a channel): recorded as a POST of its activity to the
      // channel, with the parameters kept, and answered as Teams does: the new thread's id and
      // the post's activity id.
      const created = req.method === 'POST' && url.pathname === '/v3/conversations';
      const channelId = created ? ((parsed.channelData as { channel?: { id?: string } } | undefined)?.channel?.id ?? '') : '';
      // Without a channel it is a 1:1 chat the bot opens: recorded with its parameters as the body.
      const body = created && channelId ? ((parsed.activity as Record<string, unknown> | undefined) ?? {}) : parsed;
      const call: ConnectorCall = {
        method: req.method ?? 'GET',
        path: url.pathname,
        conversationId: created ? channelId : m ? decodeURIComponent(m[1]) : '',
        activityId: m?.[2] ? decodeURIComponent(m[2]) : undefined,
        body,
        ...(created ? { created: parsed } : {}),
        at: Date.now(),
      };
      const wait = (m || created) && this.limits ? this.limits.admit(call.conversationId, call.at) : 0;
      if (wait > 0) {
        this.throttled += 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) });
        res.end(JSON.stringify({ error: { code: 'Throttled', message: 'Too many requests' } }));
        return;
      }
      const injected = this.respond?.(call);
      if (injected) {
        res.writeHead(injected.status, { 'content-type': 'application/json', ...(injected.headers ?? {}) });
        res.end(JSON.stringify(injected.body ?? { error: { code: 'Injected', message: 'injected failure' } }));
        return;
      }
      let gone = false;
      res.once('close', () => (gone = true));
      const answer = (): void => {
        if (gone || res.destroyed) return; // the bot went away while the request was held: never accepted
        this.calls.push(call);
        for (const w of this.waiters.splice(0)) w();
        if (created && !channelId) {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `a:1created-${++this.seq}` }));
          return;
        }
        if (created) {
          const activityId = `act-${++this.seq}`;
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `${channelId};messageid=${activityId}`, activityId }));
          return;
        }
        res.writeHead(m ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(m ? { id: call.activityId && req.method === 'PUT' ? call.activityId : `act-${++this.seq}` } : {}));
      };
      if (this.parked) this.parked.push(answer);
      else answer();
    });
  }

  /** Stops answering: requests wait (counted against the limits already) until `release`. */
  hold(): void {
    this.parked ??= [];
  }

  /** Answers the held requests whose sender is still there, and answers at once again. */
  release(): void {
    const parked = this.parked ?? [];
    this.parked = undefined;
    for (const answer of parked) answer();
  }

  /** Requests waiting for `release`. */
  get holding(): number {
    return this.parked?.length ?? 0;
  }
}
