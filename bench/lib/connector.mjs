// A stand-in for the Teams Bot Connector on loopback (the idea of test/support/connector.ts,
// plus Teams' documented rate limits). It records every call, answers sends, replies and
// updates like the connector does, and — when `limits` is on — answers 429 with Retry-After
// once a conversation or the app goes over:
//   per conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s; per app: 50 per 1 s.
// Every request counts against the windows, rejected ones too (Teams counts failed requests).
import http from 'node:http';

export const CONVERSATION_WINDOWS = [
  { limit: 7, ms: 1000 },
  { limit: 8, ms: 2000 },
  { limit: 60, ms: 30_000 },
];
export const APP_WINDOWS = [{ limit: 50, ms: 1000 }];
const HORIZON = 30_000;

/** Milliseconds until one more request fits all windows, given the past request times (ascending). */
function waitFor(times, windows, now) {
  let wait = 0;
  for (const w of windows) {
    let n = 0;
    let i = times.length - 1;
    for (; i >= 0 && times[i] > now - w.ms; i--) n++;
    if (n < w.limit) continue;
    const oldest = times[times.length - w.limit];
    wait = Math.max(wait, oldest + w.ms - now);
  }
  return wait;
}

function prune(times, now) {
  let k = 0;
  while (k < times.length && times[k] <= now - HORIZON) k++;
  if (k > 0) times.splice(0, k);
}

export class Connector {
  /**
   * @param {{ limits?: boolean, keepBodies?: boolean, clock?: () => number }} opts
   */
  constructor(opts = {}) {
    this.limits = opts.limits ?? true;
    this.keepBodies = opts.keepBodies ?? false;
    this.clock = opts.clock ?? Date.now;
    /** Accepted calls: { method, kind, conversationId, activityId, at, body? } */
    this.calls = [];
    this.throttled = 0;
    this.total = 0;
    this.byConversation = new Map();
    this.app = [];
    this.seq = 0;
    this.server = undefined;
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}/`;
  }

  async start() {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  async stop() {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise((r) => this.server.close(() => r()));
  }

  reset() {
    this.calls = [];
    this.throttled = 0;
    this.total = 0;
    this.byConversation.clear();
    this.app = [];
  }

  /** 0 if the request may go now (and counts it); else milliseconds until it could. */
  admit(conversationId, now) {
    let conv = this.byConversation.get(conversationId);
    if (!conv) this.byConversation.set(conversationId, (conv = []));
    prune(conv, now);
    prune(this.app, now);
    const wait = this.limits ? Math.max(waitFor(conv, CONVERSATION_WINDOWS, now), waitFor(this.app, APP_WINDOWS, now)) : 0;
    conv.push(now);
    this.app.push(now);
    if (!this.limits && conv.length > 64) conv.splice(0, conv.length - 64);
    if (!this.limits && this.app.length > 64) this.app.splice(0, this.app.length - 64);
    return wait;
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const at = this.clock();
      this.total += 1;
      const url = new URL(req.url ?? '/', 'http://x');
      const team = url.pathname.match(/^\/v3\/teams\/([^/]+)\/conversations$/);
      if (team && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ conversations: [] }));
        return;
      }
      const m = url.pathname.match(/^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/);
      // POST /v3/conversations with channelData.channel: a new post in a channel (how the bot
      // posts to the coordinators' channel), answered with the thread's and the post's ids.
      const created = req.method === 'POST' && url.pathname === '/v3/conversations';
      if (!m && !created) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{}');
        return;
      }
      let channelId = '';
      if (created) {
        try {
          channelId = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')?.channelData?.channel?.id ?? '';
        } catch {
          channelId = '';
        }
      }
      const conversationId = created ? channelId : decodeURIComponent(m[1]);
      const wait = this.admit(conversationId, at);
      if (wait > 0) {
        this.throttled += 1;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(Math.max(1, Math.ceil(wait / 1000))) });
        res.end(JSON.stringify({ error: { code: 'Throttled', message: 'Too many requests' } }));
        return;
      }
      if (created) {
        const postId = `act-${++this.seq}`;
        const call = { method: req.method, kind: 'send', conversationId, at };
        if (this.keepBodies) call.body = Buffer.concat(chunks).toString('utf8');
        this.calls.push(call);
        res.writeHead(channelId ? 201 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify(channelId ? { id: `${channelId};messageid=${postId}`, activityId: postId } : { error: { code: 'BadArgument' } }));
        return;
      }
      const activityId = m[2] ? decodeURIComponent(m[2]) : undefined;
      // POST …/activities = send; POST …/activities/{id} = reply; PUT …/activities/{id} = update.
      const kind = req.method === 'PUT' ? 'update' : activityId ? 'reply' : 'send';
      const call = { method: req.method, kind, conversationId, activityId, at };
      if (this.keepBodies) call.body = Buffer.concat(chunks).toString('utf8');
      this.calls.push(call);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: kind === 'update' ? activityId : `act-${++this.seq}` }));
    });
  }
}
