import { Activity, CloudAdapter, ConversationReference } from 'botbuilder';
import { isThreadId, postOfThread, StoredReference, threadOf } from '../store/conversations';
import { parseRetryAfter } from './retry';
import { sleepUntil } from './wait';

export type OutgoingActivity = Partial<Activity>;

/** A failed Bot Connector call, reduced to what the retry policy needs; no message text kept. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    readonly statusCode?: number,
    readonly retryAfterMs?: number,
    /** Error class for network failures (ECONNREFUSED, AbortError…), for logs. */
    readonly code?: string,
  ) {
    super(statusCode === undefined ? `delivery failed (${code ?? 'network'})` : `delivery failed with HTTP ${statusCode}`);
  }
}

/**
 * When a request may leave for Teams: not before `at`, not after `until` (ms on the system
 * clock, as the sender and the app budget keep it; never the bot's movable clock). A token of
 * the app's shared budget (appBudget.ts) is such a window.
 */
export interface StartWindow {
  at: number;
  until: number;
}

/** Nothing was sent: the request was ready only after its start window had closed (a busy event loop). */
export class StartWindowMissed extends Error {
  override readonly name = 'StartWindowMissed';
  constructor() {
    super('the request was not sent: its start window had passed');
  }
}

/**
 * Sends and updates messages in a conversation; throws DeliveryError, or StartWindowMissed
 * when a `window` is given and the request could not leave within it.
 */
export interface Transport {
  send(ref: StoredReference, activity: OutgoingActivity, window?: StartWindow): Promise<{ activityId: string }>;
  update(ref: StoredReference, activityId: string, activity: OutgoingActivity, window?: StartWindow): Promise<void>;
}

/**
 * Opens the bot's 1:1 chat with a user of the same tenant, reached through a conversation the
 * bot shares with them (its service URL, bot and tenant): for what may not be said in a group
 * chat. Returns the new chat's reference (Teams answers with the existing chat if there is
 * one); throws DeliveryError (e.g. 403 when the app may not talk to the user personally).
 */
export interface PersonalChatOpener {
  openPersonalChat(via: StoredReference, user: { id: string; aadObjectId?: string }): Promise<StoredReference>;
}

/** The Bot Connector calls used, typed structurally: botframework-connector is not our direct dependency. */
interface ConversationsApi {
  createConversation(parameters: NewChannelPost | PersonalConversationParameters, options?: CallOptions): Promise<{ id?: string; activityId?: string; serviceUrl?: string }>;
  sendToConversation(conversationId: string, activity: OutgoingActivity, options?: CallOptions): Promise<{ id?: string }>;
  updateActivity(conversationId: string, activityId: string, activity: OutgoingActivity, options?: CallOptions): Promise<unknown>;
}

/** Bot Framework ConversationParameters for the bot's 1:1 chat with a user. */
type PersonalConversationParameters = {
  isGroup: false;
  bot: { id: string; name?: string };
  members: { id: string }[];
  tenantId?: string;
  channelData: { tenant?: { id: string } };
};

/** Bot Framework ConversationParameters for a new post (thread) in a Teams channel. */
interface NewChannelPost {
  isGroup: true;
  bot: { id: string; name?: string };
  tenantId?: string;
  channelData: { channel: { id: string }; tenant?: { id: string } };
  activity: OutgoingActivity;
}
type CallOptions = { abortSignal?: AbortSignal };

/**
 * The Transport over the bot's CloudAdapter. `continueConversationAsync` builds the connector
 * client with the bot's credentials for the reference's service URL; in local mode (botAppId '')
 * the credentials are empty and plain-http loopback service URLs work (the SDK's pipeline allows
 * insecure connections for http: endpoints).
 *
 * Inside the turn it calls the Connector API directly rather than `context.sendActivity`: the
 * context would make every proactive message a reply to the continuation event's random id.
 */
export class BotTransport implements Transport, PersonalChatOpener {
  constructor(
    private readonly adapter: CloudAdapter,
    private readonly botAppId: string,
    /** `now`: the system clock (Retry-After, start windows); tests may pass their own. */
    private readonly opts: { timeoutMs?: number; now?: () => number } = {},
  ) {}

  /**
   * A message to a channel (the channel itself, not one of its threads) becomes a new post
   * there: the Bot Framework's create-conversation with the channel in channelData, as
   * TeamsInfo.sendMessageToTeamsChannel does and Microsoft's proactive-messaging guide
   * describes. Anything else, a thread included, gets the message in that conversation.
   */
  async send(ref: StoredReference, activity: OutgoingActivity, window?: StartWindow): Promise<{ activityId: string }> {
    let activityId = '';
    await this.withConnector(ref, window, async (api, options) => {
      if (isChannelRoot(ref)) {
        const res = await api.createConversation(newChannelPost(ref, activity), options);
        // The new thread is `<channel>;messageid=<post id>`: the post's id, if not given apart.
        activityId = res.activityId ?? postOfThread(res.id ?? '') ?? '';
      } else {
        const res = await api.sendToConversation(ref.conversation.id, addressed(ref, activity), options);
        activityId = res.id ?? '';
      }
    });
    return { activityId };
  }

  /**
   * A post the bot made in a channel is updated in the thread it started
   * (`<channel>;messageid=<post id>`): the conversation Teams itself names when someone
   * clicks the post's card.
   */
  async update(ref: StoredReference, activityId: string, activity: OutgoingActivity, window?: StartWindow): Promise<void> {
    const conversationId = isChannelRoot(ref) ? threadOf(ref.conversation.id, activityId) : ref.conversation.id;
    const target: StoredReference = { ...ref, conversation: { ...ref.conversation, id: conversationId } };
    await this.withConnector(target, window, (api, options) =>
      api.updateActivity(conversationId, activityId, { ...addressed(target, activity), id: activityId }, options),
    );
  }

  /**
   * POST /v3/conversations on the service URL of a conversation shared with the user. The user
   * is named by their Teams id (29:…) or, failing that, their Entra object id, which Teams also
   * accepts for users of the bot's tenant.
   */
  async openPersonalChat(via: StoredReference, user: { id: string; aadObjectId?: string }): Promise<StoredReference> {
    const tenantId = via.conversation.tenantId;
    let created: { id?: string; serviceUrl?: string } = {};
    await this.withConnector(via, undefined, async (api, options) => {
      created = await api.createConversation(
        { isGroup: false, bot: via.bot, members: [{ id: user.id }], tenantId, channelData: tenantId ? { tenant: { id: tenantId } } : {} },
        options,
      );
    });
    if (!created.id) throw new DeliveryError(undefined, undefined, 'NoConversationId');
    return {
      bot: via.bot,
      channelId: via.channelId,
      serviceUrl: created.serviceUrl ?? via.serviceUrl,
      conversation: { id: created.id, conversationType: 'personal', tenantId },
      locale: via.locale,
      user: { id: user.id, aadObjectId: user.aadObjectId },
    };
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 15_000;
  }

  /**
   * Errors are caught inside the turn and rethrown after it: an error escaping the turn would go
   * to the app's onTurnError, which would log it as a failed turn and post an error card to the
   * very conversation we could not reach.
   */
  private async withConnector(ref: StoredReference, window: StartWindow | undefined, call: (api: ConversationsApi, options: CallOptions) => Promise<unknown>): Promise<void> {
    let failure: unknown;
    // Our own timer rather than the SDK's `timeout` option, which leaves its timer running when
    // the request fails (e.g. ECONNREFUSED) and only covers the wait for the response headers.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      await this.adapter.continueConversationAsync(this.botAppId, toReference(ref), async (context) => {
        try {
          const client = context.turnState.get(this.adapter.ConnectorClientKey) as { conversations: ConversationsApi };
          withoutSdkRetries(client);
          if (window && !startsInWindow(client, () => this.untilWindow(window))) await this.untilWindow(window);
          await call(client.conversations, { abortSignal: abort.signal });
        } catch (error) {
          failure = error;
        }
      });
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
    }
    if (failure instanceof StartWindowMissed) throw failure;
    if (failure !== undefined) throw this.toDeliveryError(failure);
  }

  /** Waits for the window to open; throws StartWindowMissed once it has closed. */
  private async untilWindow(window: StartWindow): Promise<void> {
    const now = this.opts.now ?? Date.now;
    await sleepUntil(window.at, now);
    if (now() > window.until) throw new StartWindowMissed();
  }

  /** core-rest-pipeline's RestError: `statusCode`, and the response (non-enumerable) with its headers. */
  private toDeliveryError(error: unknown): DeliveryError {
    if (error instanceof DeliveryError) return error;
    const e = error as { statusCode?: unknown; code?: unknown; name?: string; response?: { headers?: { get?(name: string): string | undefined } } };
    const statusCode = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
    const retryAfter = parseRetryAfter(e?.response?.headers?.get?.('retry-after'), (this.opts.now ?? Date.now)());
    const code = typeof e?.code === 'string' ? e.code : e?.name;
    return new DeliveryError(statusCode, retryAfter, code);
  }
}

/**
 * Removes the SDK's own retry policy (3 retries for 429/5xx/network errors, sleeping inside the
 * call). The outbox is the one place that retries: hidden retries would send requests the rate
 * limiter never counted, and could outlive the item's lease so that another sender sends it too.
 * The pipeline sits on a private field; if a future SDK moves it, this silently does nothing and
 * only the hidden retries come back.
 */
function withoutSdkRetries(client: unknown): void {
  sdkPipeline(client)?.removePolicy?.({ phase: 'Retry' });
}

type PipelinePolicy = { name: string; sendRequest(request: unknown, next: (request: unknown) => Promise<unknown>): Promise<unknown> };

/** The connector client's core-rest-pipeline, on a private field of this SDK version (undefined if it moved). */
function sdkPipeline(client: unknown): { removePolicy?(o: { phase: 'Retry' }): unknown; addPolicy?(p: PipelinePolicy, o: { afterPhase: 'Sign' }): void } | undefined {
  return (client as { client?: { pipeline?: ReturnType<typeof sdkPipeline> } })?.client?.pipeline;
}

/**
 * Makes the client's requests wait for `gate` as their last step before the wire: after the
 * SDK has built, serialized and signed them (its credentials policy, and the Sign phase).
 * The app's budget gives every request a start window of some milliseconds; building a card's
 * request costs some milliseconds too, and five requests of one slot built one after another
 * after the window opened were often too late for it. Returns false when the pipeline is not
 * where this SDK version keeps it (the caller then waits before the call instead).
 */
export function startsInWindow(client: unknown, gate: () => Promise<void>): boolean {
  const pipeline = sdkPipeline(client);
  if (typeof pipeline?.addPolicy !== 'function') return false;
  pipeline.addPolicy(
    {
      name: 'valittajaStartWindow',
      sendRequest: async (request, next) => {
        await gate();
        return next(request);
      },
    },
    { afterPhase: 'Sign' },
  );
  return true;
}

function toReference(ref: StoredReference): Partial<ConversationReference> {
  return {
    bot: ref.bot as ConversationReference['bot'],
    channelId: ref.channelId,
    conversation: ref.conversation as ConversationReference['conversation'],
    serviceUrl: ref.serviceUrl,
    locale: ref.locale,
    user: ref.user as ConversationReference['user'],
  };
}

/** A Teams channel itself, as opposed to one of its threads, a chat or a 1:1 conversation. */
function isChannelRoot(ref: StoredReference): boolean {
  return ref.conversation.conversationType === 'channel' && !isThreadId(ref.conversation.id);
}

function newChannelPost(ref: StoredReference, activity: OutgoingActivity): NewChannelPost {
  const tenantId = ref.conversation.tenantId;
  return {
    isGroup: true,
    bot: ref.bot,
    ...(tenantId ? { tenantId } : {}),
    channelData: { channel: { id: ref.conversation.id }, ...(tenantId ? { tenant: { id: tenantId } } : {}) },
    activity: { type: 'message', ...activity, locale: activity.locale ?? ref.locale },
  };
}

/** Fills in the addressing a connector expects on a proactive activity. */
function addressed(ref: StoredReference, activity: OutgoingActivity): OutgoingActivity {
  return {
    type: 'message',
    ...activity,
    channelId: ref.channelId,
    serviceUrl: ref.serviceUrl,
    conversation: ref.conversation as Activity['conversation'],
    from: ref.bot as Activity['from'],
    recipient: ref.user as Activity['recipient'],
    locale: activity.locale ?? ref.locale,
  };
}
