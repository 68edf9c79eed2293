import { TeamsAdapter } from './sdk';
import {
  Activity,
  CallerIdConstants,
  ConfigurationBotFrameworkAuthenticationOptions,
  ConfigurationServiceClientCredentialFactory,
  InvokeResponse,
  StatusCodes,
  TurnContext,
} from 'botbuilder';
// botbuilder 4.23.3 pins this exact version and @microsoft/teams-ai's types import it; the
// adapter needs its AuthenticationError (what the SDK throws for a token it refuses).
import { AuthenticateRequestResult, AuthenticationConstants, AuthenticationError } from 'botframework-connector';
import { Config } from '../config';

/** Tokens from the Teams channel carry this issuer (public cloud). */
const CHANNEL_TOKEN_ISSUER = AuthenticationConstants.ToBotFromChannelTokenIssuer;

/** What the adapter refused before any bot logic ran, for the log (no personal data in either). */
export interface Refusals {
  /** An authenticated activity from a tenant not in ALLOWED_TENANT_IDS (answered 403). */
  foreignTenant(tenantId: string | undefined): void;
  /** A request without a valid channel token (answered 401); `authError` says what was wrong with it. */
  unauthenticated(authError: string): void;
}

/**
 * The Bot Framework CloudAdapter (TeamsAdapter). With credentials every request is
 * authenticated (signed JWT, issuer, audience, service URL); without them the adapter
 * accepts unauthenticated local traffic, which config only allows on loopback.
 */
export function createAdapter(config: Config, refusals?: Refusals): TeamsAdapter {
  const credentials = {
    MicrosoftAppId: config.bot.id ?? '',
    MicrosoftAppPassword: config.bot.password ?? '',
    // Local mode has no app id: botbuilder accepts that only as MultiTenant (its SingleTenant
    // asserts an app id and a tenant), which there means "no authentication", not a registration.
    MicrosoftAppType: config.localMode ? 'MultiTenant' : config.bot.type,
    MicrosoftAppTenantId: config.bot.tenantId ?? '',
  };
  const settings: ConfigurationBotFrameworkAuthenticationOptions = { ...credentials, ...channelEndpoints(config) };
  return new ChannelOnlyTeamsAdapter(settings, new ConfigurationServiceClientCredentialFactory(credentials), !config.localMode, config.allowedTenantIds, refusals);
}

/**
 * The OpenID metadata of the channel's signing keys, when BOT_OPENID_METADATA_URL is set.
 * Setting any one endpoint makes botframework-connector take *all* of them as given
 * (BotFrameworkAuthenticationFactory: "assume all parameters are intentional"), leaving the
 * rest undefined — so the public cloud's values are spelled out here for everything else.
 */
function channelEndpoints(config: Config): Partial<ConfigurationBotFrameworkAuthenticationOptions> {
  if (!config.bot.openIdMetadataUrl) return {};
  return {
    ToBotFromChannelOpenIdMetadataUrl: config.bot.openIdMetadataUrl,
    ToBotFromChannelTokenIssuer: CHANNEL_TOKEN_ISSUER,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
    ValidateAuthority: true,
  };
}

/** Errors jsonwebtoken throws for a bad signature, `alg: none`, a malformed token, nbf. */
const JWT_ERRORS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * The tenant an activity comes from: Teams puts it in `channelData.tenant.id` and (for
 * conversations) `conversation.tenantId`. Two that disagree name no tenant.
 */
export function tenantOf(activity: Partial<Activity>): string | undefined {
  const data = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromData = typeof data?.tenant?.id === 'string' ? data.tenant.id.toLowerCase() : undefined;
  const fromConversation = typeof activity.conversation?.tenantId === 'string' ? activity.conversation.tenantId.toLowerCase() : undefined;
  if (fromData && fromConversation && fromData !== fromConversation) return undefined;
  return fromData ?? fromConversation;
}

/**
 * Four gaps in CloudAdapter's own checks, closed before and around its authentication:
 *  - only tokens issued by the Bot Framework channel are considered. The SDK would also
 *    accept Emulator and skill tokens (Entra tokens whose audience and service URL it does
 *    not check), and merely deciding whether a token is an Emulator token appends the
 *    token's unverified `tid` to a process-wide list of trusted issuers. Teams never sends
 *    either kind, so with credentials they get 401 before the SDK sees them.
 *  - a token jsonwebtoken rejects (forged signature, unsigned) reaches CloudAdapter as a
 *    plain error and is answered 500; here it is answered 401 like any other refused token.
 *  - a request that is not authenticated is answered 401 with one line in the bot's log, not
 *    the stack trace CloudAdapter writes to stderr for every rejection (a scanner knocking at
 *    the public endpoint would fill the county's logs with them, outside the JSON lines).
 *  - an authenticated activity from a tenant not in ALLOWED_TENANT_IDS is answered 403 before
 *    any bot logic runs: no reply, nothing stored. A multi-tenant app registration, or the app
 *    package side-loaded in another organisation, would otherwise let anyone's Teams reach the
 *    county's data. (Authentication first: an unauthenticated request is 401 whatever it claims.)
 */
class ChannelOnlyTeamsAdapter extends TeamsAdapter {
  constructor(
    settings: ConfigurationBotFrameworkAuthenticationOptions,
    credentialsFactory: ConfigurationServiceClientCredentialFactory,
    private readonly authenticated: boolean,
    private readonly allowedTenantIds: readonly string[] = [],
    private readonly refusals?: Refusals,
  ) {
    super(settings, credentialsFactory);
  }

  /** 403 for an activity of a tenant not allowed; undefined when it may go on. */
  private refusedTenant(activity: Activity): InvokeResponse | undefined {
    if (this.allowedTenantIds.length === 0) return undefined;
    const tenantId = tenantOf(activity);
    if (tenantId && this.allowedTenantIds.includes(tenantId)) return undefined;
    this.refusals?.foreignTenant(tenantId);
    return { status: 403, body: { error: 'tenant not allowed' } }; // the SDK's StatusCodes has no FORBIDDEN
  }

  protected override async processActivity(
    auth: string | AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    if (typeof auth !== 'string') return super.processActivity(auth, activity, logic);
    if (!this.authenticated) return this.refusedTenant(activity) ?? super.processActivity(auth, activity, logic);
    if (issuerOf(auth) !== CHANNEL_TOKEN_ISSUER) return this.unauthorized('not a Bot Framework channel token');
    let result: AuthenticateRequestResult;
    try {
      result = await this.botFrameworkAuthentication.authenticateRequest(activity, auth);
    } catch (error) {
      const name = (error as Error)?.name;
      if (JWT_ERRORS.has(name)) return this.unauthorized(`${name}: ${(error as Error).message}`);
      if (error instanceof AuthenticationError) return this.unauthorized((error as Error).message);
      throw error;
    }
    return this.refusedTenant(activity) ?? super.processActivity(result, activity, logic);
  }

  /** 401, answered here: thrown, it would reach CloudAdapter's console.error. */
  private unauthorized(reason: string): InvokeResponse {
    // The SDK's messages name app ids and claims' kinds, never the token or the activity.
    this.refusals?.unauthenticated(reason.slice(0, 300));
    return { status: StatusCodes.UNAUTHORIZED, body: { error: 'not authorized: a Bot Framework channel token for this bot is required' } };
  }
}

/** The `iss` of a `Bearer <jwt>` header, unverified (only to route it); undefined if unreadable. */
function issuerOf(authHeader: string): string | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*$/.exec(authHeader.trim());
  if (!match) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8')) as unknown;
    const iss = payload && typeof payload === 'object' ? (payload as { iss?: unknown }).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}
