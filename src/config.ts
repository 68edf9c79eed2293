import { z } from 'zod';

/** Supported user-interface languages; Finnish is the default everywhere. */
export const LOCALES = ['fi', 'sv', 'en'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const timeZone = z
  .string()
  .trim()
  .default('Europe/Helsinki')
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone (e.g. Europe/Helsinki)');

const csvList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const guidList = csvList.pipe(
  z.array(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'each must be a Microsoft Entra object id (GUID)')),
);

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https anywhere; plain http only to a loopback host (local test doubles). */
const secureUrl = optionalText.pipe(
  z
    .string()
    .url('must be a URL')
    .refine((s) => {
      if (!URL.canParse(s)) return true; // .url() has said so already
      const u = new URL(s);
      return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.has(u.hostname));
    }, 'must be an https:// URL (http:// only to 127.0.0.1, [::1] or localhost)')
    .optional(),
);

const positiveInt = (def: number, max: number) =>
  z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0).max(max).default(def);

/** Every environment variable the bot reads, parsed once at start. */
export const envSchema = z
  .object({
    PORT: z.coerce.number({ invalid_type_error: 'must be a port number' }).int().min(0).max(65535).default(3978),
    HOST: optionalText,
    MONGODB_URI: z
      .string({ required_error: 'is required (npm start and npm run bot start a local database and set it)' })
      .trim()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://'),
    MONGODB_DB: z.string().trim().regex(/^[A-Za-z0-9_-]{1,63}$/, 'letters, digits, _ and - only').default('valittaja'),
    BOT_ID: optionalText.pipe(z.string().uuid('must be the bot\'s Microsoft Entra app id (GUID)').optional()),
    BOT_PASSWORD: optionalText,
    /**
     * How the bot's identity is registered. New Azure Bots can only be single-tenant or a
     * user-assigned managed identity, so SingleTenant is the default; MultiTenant stays
     * accepted for a registration made before that. Read only with BOT_ID (local mode has none).
     */
    BOT_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('SingleTenant'),
    BOT_TENANT_ID: optionalText.pipe(z.string().uuid('must be a tenant id (GUID)').optional()),
    /**
     * The OpenID metadata document whose keys sign the channel's tokens to the bot. Unset =
     * the public cloud's (https://login.botframework.com/v1/.well-known/openidconfiguration);
     * set for a sovereign cloud, or by tests to a local provider.
     */
    BOT_OPENID_METADATA_URL: secureUrl,
    /**
     * Microsoft Entra tenants whose activities the bot accepts (comma-separated tenant ids);
     * any other tenant's get 403. Required with credentials; defaults to BOT_TENANT_ID.
     */
    ALLOWED_TENANT_IDS: csvList.pipe(z.array(z.string().uuid('each must be a tenant id (GUID)'))),
    TIME_ZONE: timeZone,
    DEFAULT_LOCALE: z.enum(LOCALES).default('fi'),
    COORDINATOR_AAD_IDS: guidList,
    BROKERING_MODE: z.enum(['coordinator', 'auto']).default('coordinator'),
    WAVE_SIZE: positiveInt(5, 100),
    WAVE_WAIT_MINUTES: positiveInt(120, 10080),
    LATE_CANCEL_HOURS: positiveInt(24, 720),
    /** A task starting within this many hours is marked "at short notice" on the offer and the coordinators' card; 0 = never. */
    SHORT_NOTICE_HOURS: positiveInt(48, 720),
    /** Order forms one user may submit per minute, across all instances; 0 = no limit. */
    ORDER_SUBMITS_PER_MINUTE: positiveInt(5, 1000),
    FEE_TARIFF_FILE: optionalText,
    /** Fees are settled per calendar month, or twice a month (1st–15th, 16th–last). */
    PAY_PERIOD: z.enum(['monthly', 'semimonthly']).default('monthly'),
    /** The payment date is this many days after the period's last day (a banking day at the latest). */
    PAYMENT_DAYS_AFTER_PERIOD: z.coerce.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(1).max(60).default(7),
    REMINDER_TIME: z.string().trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm').default('09:00'),
    /**
     * How many days before a task its expert and orderer are reminded, e.g. `7,1`. At most 30:
     * each reminder is sent once by its outbox key, and delivered records are cleaned after 30 days.
     */
    REMINDER_DAYS: z
      .string()
      .default('7,1')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^\d{1,2}$/, 'each must be a whole number of days, 1 to 30').transform(Number).pipe(z.number().min(1, 'each must be 1 to 30').max(30, 'each must be 1 to 30'))).min(1, 'must name at least one day, e.g. 7,1'))
      .transform((days) => [...new Set(days)].sort((a, b) => b - a)),
    // At most 30: the alert is sent once per order by its outbox key, and delivered outbox
    // records are cleaned after 30 days; a longer window would alert again after that.
    UNFILLED_ALERT_DAYS: positiveInt(3, 30),
    FEEDBACK_RETENTION_DAYS: positiveInt(365, 3650),
    DIGEST_TIME: z.string().trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm').default('08:00'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Benchmarks only (npm run bench sets it): count database commands (docs/performance.md). */
    BENCH_STATS: z.enum(['0', '1']).default('0'),
    /**
     * On SIGTERM: how long requests, deliveries and jobs in progress may take to finish before
     * the process exits anyway. Below the platform's own limit (Kubernetes terminationGracePeriodSeconds,
     * 30 s by default; docker stop, 10 s unless --time is given).
     */
    SHUTDOWN_GRACE_SECONDS: positiveInt(20, 600),
  })
  .superRefine((env, ctx) => {
    if (env.BOT_ID && !env.BOT_PASSWORD && env.BOT_TYPE !== 'UserAssignedMSI') {
      ctx.addIssue({ code: 'custom', path: ['BOT_PASSWORD'], message: 'is required when BOT_ID is set' });
    }
    if (env.BOT_ID && env.BOT_TYPE === 'SingleTenant' && !env.BOT_TENANT_ID) {
      ctx.addIssue({ code: 'custom', path: ['BOT_TENANT_ID'], message: "is required when BOT_ID is set and BOT_TYPE is SingleTenant (the default): the tenant of the bot's Microsoft Entra app" });
    }
    // A multi-tenant registration or a side-loaded manifest must not bring in other organisations.
    if (env.BOT_ID && env.ALLOWED_TENANT_IDS.length === 0 && !env.BOT_TENANT_ID) {
      ctx.addIssue({ code: 'custom', path: ['ALLOWED_TENANT_IDS'], message: "is required when BOT_ID is set (the county's Microsoft Entra tenant id; or set BOT_TENANT_ID)" });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  port: number;
  /** Loopback unless credentials are configured: an unauthenticated bot must not face a network. */
  host: string;
  mongodbUri: string;
  mongodbDb: string;
  bot: { id?: string; password?: string; type: Env['BOT_TYPE']; tenantId?: string; openIdMetadataUrl?: string };
  /** True when no bot credentials are set: requests are not authenticated (local only). */
  localMode: boolean;
  /**
   * Tenant ids (lower case) whose activities are handled; any other tenant's are refused with
   * 403. Empty only in local mode without ALLOWED_TENANT_IDS (then every tenant is accepted).
   */
  allowedTenantIds: string[];
  timeZone: string;
  defaultLocale: (typeof LOCALES)[number];
  coordinatorAadIds: string[];
  brokeringMode: Env['BROKERING_MODE'];
  waveSize: number;
  waveWaitMinutes: number;
  lateCancelHours: number;
  /** Tasks starting within this many hours are marked "at short notice" (SHORT_NOTICE_HOURS); 0 = never. */
  shortNoticeHours: number;
  /** Orders one user may place per minute (ORDER_SUBMITS_PER_MINUTE); 0 = no limit. */
  orderSubmitsPerMinute: number;
  /** Daily digest time (HH:mm, deployment time zone). */
  digestTime: string;
  /** Fee tariff JSON; default config/fee-tariff.json. */
  feeTariffFile?: string;
  payPeriod: Env['PAY_PERIOD'];
  paymentDaysAfterPeriod: number;
  reminderTime: string;
  /** Days before a task that reminders go out (REMINDER_DAYS), largest first, no repeats. */
  reminderDays: number[];
  unfilledAlertDays: number;
  feedbackRetentionDays: number;
  logLevel: Env['LOG_LEVEL'];
  /** BENCH_STATS=1: the database counts its commands for `npm run bench`; off in production. */
  benchStats: boolean;
  /** On SIGTERM, the most time given to work in progress (seconds). */
  shutdownGraceSeconds: number;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Parses the environment; returns one readable message per bad variable instead of throwing. */
export function parseConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      const value = env[name];
      // Secrets are never echoed: a connection string carries the database password, and an
      // unresolved App Service Key Vault reference names the vault.
      const shown = value === undefined || /PASSWORD|SECRET|MONGODB_URI/.test(name) ? '' : ` (got "${value}")`;
      return `${name}: ${i.message}${shown}`;
    });
    return { ok: false, errors };
  }
  const e = parsed.data;
  const localMode = !e.BOT_ID;
  const host = e.HOST ?? (localMode ? '127.0.0.1' : '0.0.0.0');
  if (localMode && !LOOPBACK.has(host)) {
    return {
      ok: false,
      errors: [`HOST: without BOT_ID and BOT_PASSWORD the bot is unauthenticated and may listen only on loopback (got "${host}")`],
    };
  }
  return {
    ok: true,
    config: {
      port: e.PORT,
      host,
      mongodbUri: e.MONGODB_URI,
      mongodbDb: e.MONGODB_DB,
      bot: { id: e.BOT_ID, password: e.BOT_PASSWORD, type: e.BOT_TYPE, tenantId: e.BOT_TENANT_ID, openIdMetadataUrl: e.BOT_OPENID_METADATA_URL },
      localMode,
      allowedTenantIds: (e.ALLOWED_TENANT_IDS.length > 0 ? e.ALLOWED_TENANT_IDS : e.BOT_ID && e.BOT_TENANT_ID ? [e.BOT_TENANT_ID] : []).map((id) => id.toLowerCase()),
      timeZone: e.TIME_ZONE,
      defaultLocale: e.DEFAULT_LOCALE,
      coordinatorAadIds: e.COORDINATOR_AAD_IDS.map((id) => id.toLowerCase()),
      brokeringMode: e.BROKERING_MODE,
      waveSize: e.WAVE_SIZE,
      waveWaitMinutes: e.WAVE_WAIT_MINUTES,
      lateCancelHours: e.LATE_CANCEL_HOURS,
      shortNoticeHours: e.SHORT_NOTICE_HOURS,
      orderSubmitsPerMinute: e.ORDER_SUBMITS_PER_MINUTE,
      digestTime: e.DIGEST_TIME,
      feeTariffFile: e.FEE_TARIFF_FILE,
      payPeriod: e.PAY_PERIOD,
      paymentDaysAfterPeriod: e.PAYMENT_DAYS_AFTER_PERIOD,
      reminderTime: e.REMINDER_TIME,
      reminderDays: e.REMINDER_DAYS,
      unfilledAlertDays: e.UNFILLED_ALERT_DAYS,
      feedbackRetentionDays: e.FEEDBACK_RETENTION_DAYS,
      logLevel: e.LOG_LEVEL,
      benchStats: e.BENCH_STATS === '1',
      shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    },
  };
}
