// Page object over Microsoft 365 Agents Playground (the local Teams client) driven by
// playwright-core and the system chromium. Start the playground with scripts/lib/playground.mjs.
// What the playground can and cannot do: ./PLAYGROUND-NOTES.md
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page, Response } from 'playwright-core';

export type ConversationKind = 'personal' | 'group' | 'channel';

export interface MockUser {
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipleName?: string;
  givenName?: string;
  surname?: string;
  email?: string;
}

/** The playground's GET /_internal/v1/testConfig `config` (its view of the config file). */
export interface PlaygroundConfig {
  tenantId: string;
  bot: { id: string; name: string };
  currentUser: MockUser;
  users: MockUser[];
  personalChat: { id: string; name: string };
  groupChats: { id: string; name: string; members: string[] }[];
  teams: {
    id: string;
    name: string;
    aadGroupId: string;
    channels: { id: string; name: string; channelType: string }[];
    members: string[];
  }[];
}

export interface Conversation {
  kind: ConversationKind;
  /** Conversation id as the bot sees it (channels: the channel id; a thread is `<id>;messageid=<n>`). */
  id: string;
  /** Name in the left-hand tree: "Personal Chat", the group chat name, or "<team> - <channel>". */
  treeName: string;
}

/** `type` values of the playground's "Mock an Activity" templates. */
export type MockActivityType =
  | 'install' | 'uninstall' | 'userAdded' | 'userRemoved' | 'botAdded' | 'botRemoved'
  | 'channelCreated' | 'channelRenamed' | 'channelDeleted' | 'teamRenamed' | 'teamDeleted';

export interface OpenOptions {
  executablePath?: string;
  headless?: boolean;
  viewport?: { width: number; height: number };
  /**
   * The page posts installationUpdate + conversationUpdate(membersAdded) for a conversation the
   * first time it is shown in this page (the personal chat right at load). false blocks those
   * posts so a test can send them itself with install().
   */
  autoInstall?: boolean;
  /** Default timeout of the waits below (ms). */
  timeoutMs?: number;
  /** Abort requests to anything but the playground (it asks a Microsoft CDN for fonts). Default true. */
  blockExternal?: boolean;
}

export interface CardScope {
  /** Pick the newest card whose text contains this; default the newest card of all. */
  within?: string | RegExp;
}

export interface SendOptions {
  /**
   * @mention the bot first (picked from the composer's typeahead). The playground forwards
   * group-chat and channel messages to the bot only when the bot is mentioned, like Teams.
   * Default: true outside the personal chat.
   */
  mentionBot?: boolean;
  /** Channels: reply in the thread whose text contains this instead of starting a new post. */
  replyTo?: string | RegExp;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const CARD = '.ac-adaptiveCard'; // root element of every rendered Adaptive Card (adaptivecards SDK class)
const COMPOSER = '[contenteditable="true"][role="textbox"]';

export interface PlaygroundPage {
  readonly page: Page;
  readonly url: string;
  /** The playground's mock tenant (users, chats, team and channels). */
  config(): Promise<PlaygroundConfig>;
  /** Shows a conversation. group: the (only) group chat; channel: `name` is the channel, default "General". */
  selectConversation(kind: ConversationKind, name?: string): Promise<Conversation>;
  /** The conversation shown now. */
  current(): Conversation;
  /**
   * Acts as another mock user from now on (UI user itself can't change; see notes):
   * card actions (Action.Execute/Submit) are re-sent with that user as `from`, and send() posts
   * the message straight to the bot as that user (it is not drawn as a bubble in the page; the
   * bot's replies are). Pass the config's currentUser name to go back.
   */
  switchUser(nameOrId: string): Promise<MockUser>;
  /** Types text in the composer and sends it (Enter / Post). */
  send(text: string, opts?: SendOptions): Promise<void>;
  /** Waits for an Adaptive Card containing the text; returns that card. */
  waitForCardText(text: string | RegExp, timeoutMs?: number): Promise<Locator>;
  /** Waits for a text the bot posted (plain message, post or card TextBlock) in the conversation pane. */
  waitForText(text: string | RegExp, timeoutMs?: number): Promise<Locator>;
  /** Fills an Input.Text/Number/Date… by its label (or placeholder). Card input `id`s are not in the DOM. */
  fillInput(label: string, value: string, scope?: CardScope): Promise<void>;
  /** Picks a choice of an Input.ChoiceSet by its label (compact, expanded or multi-select) or ticks an Input.Toggle (label = its title). */
  chooseChoice(label: string, choiceTitle: string, scope?: CardScope): Promise<void>;
  /**
   * Clicks a card action button. For Action.Execute/Submit resolves with the playground's answer
   * to the page's /_conversation/v1/invoke|submit call (status and JSON body: the bot's invoke response).
   */
  clickAction(title: string, scope?: CardScope & { waitForResponse?: boolean }): Promise<{ status: number; body: unknown } | undefined>;
  /** installationUpdate(add) + conversationUpdate(membersAdded) for a conversation, as the page does when it first opens it. */
  install(conversation?: Conversation): Promise<void>;
  /** Posts a "Mock an Activity" template to the bot; `patch` is shallow-merged over the template. */
  mockActivity(type: MockActivityType, conversation?: Conversation, patch?: Record<string, unknown>): Promise<Record<string, unknown>>;
  screenshot(file: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPlayground(url: string, opts: OpenOptions = {}): Promise<PlaygroundPage> {
  const timeout = opts.timeoutMs ?? 15000;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: opts.executablePath ?? '/usr/bin/chromium',
      headless: opts.headless ?? true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      locale: 'en-US',
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  const base = url.replace(/\/$/, '');

  async function api<T>(method: 'GET' | 'POST', p: string, data?: unknown): Promise<T> {
    const res = await page.request.fetch(`${base}${p}`, { method, data, timeout });
    const text = await res.text();
    if (!res.ok()) throw new Error(`playground ${method} ${p} → ${res.status()}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  let cfg: PlaygroundConfig | undefined;
  async function config(): Promise<PlaygroundConfig> {
    cfg ??= (await api<{ config: PlaygroundConfig }>('GET', '/_internal/v1/testConfig')).config;
    return cfg;
  }

  if (opts.blockExternal !== false) {
    const origin = new URL(base).origin;
    await context.route((u: URL) => u.origin !== origin && /^https?:$/.test(u.protocol), (route) => route.abort());
  }
  if (opts.autoInstall === false) {
    await page.route('**/_debug/conversation/*/installation', (route) => route.fulfill({ status: 200, body: '' }));
  }

  // switchUser: re-send card actions as another user.
  let actingAs: MockUser | undefined;
  await page.route(/\/_conversation\/v1\/(invoke|submit)$/, async (route) => {
    const body = route.request().postDataJSON() as { from?: { id: string } } | null;
    if (!actingAs || !body) return route.continue();
    return route.continue({ postData: JSON.stringify({ ...body, from: { ...body.from, id: actingAs.id } }) });
  });

  await page.goto(base);
  const c0 = await config();
  await page.getByRole('treeitem', { name: c0.personalChat.name }).waitFor({ timeout: Math.max(timeout, 30000) });
  await page.locator(COMPOSER).first().waitFor();
  let current: Conversation = { kind: 'personal', id: c0.personalChat.id, treeName: c0.personalChat.name };

  function cards(scope?: CardScope): Locator {
    const all = page.locator(CARD);
    return scope?.within !== undefined ? all.filter({ hasText: scope.within }).last() : all.last();
  }

  async function resolveConversation(kind: ConversationKind, name?: string): Promise<Conversation> {
    const c = await config();
    if (kind === 'personal') return { kind, id: c.personalChat.id, treeName: c.personalChat.name };
    if (kind === 'group') {
      const g = name ? c.groupChats.find((x) => x.name === name) : c.groupChats[0];
      if (!g) throw new Error(`no group chat "${name}"; the playground has: ${c.groupChats.map((x) => x.name).join(', ')}`);
      return { kind, id: g.id, treeName: g.name };
    }
    const team = c.teams[0];
    const ch = team.channels.find((x) => x.name === (name ?? 'General'));
    if (!ch) throw new Error(`no channel "${name}" in team ${team.name}; it has: ${team.channels.map((x) => x.name).join(', ')}`);
    return { kind, id: ch.id, treeName: `${team.name} - ${ch.name}` };
  }

  async function findUser(nameOrId: string): Promise<MockUser> {
    const c = await config();
    const all = [c.currentUser, ...c.users];
    const w = nameOrId.toLowerCase();
    const u = all.find((x) => [x.name, x.id, x.aadObjectId].some((v) => v?.toLowerCase() === w));
    if (!u) throw new Error(`no mock user "${nameOrId}"; the playground has: ${all.map((x) => x.name).join(', ')}`);
    return u;
  }

  /** The activity the playground itself would send, as a starting point (GET …/customActivities/template). */
  async function template(conversationId: string, type?: MockActivityType): Promise<Record<string, unknown>> {
    const q = new URLSearchParams({ conversationId, ...(type ? { type } : {}) });
    return api<Record<string, unknown>>('GET', `/_internal/v1/customActivities/template?${q}`);
  }

  async function sendAsOtherUser(user: MockUser, text: string, mentionBot: boolean): Promise<void> {
    const c = await config();
    const conv = current;
    const t = await template(conv.id);
    const atBot = `<at>${c.bot.name}</at>`;
    const fullText = mentionBot ? `${atBot} ${text}` : text;
    const team = c.teams[0];
    const activity = {
      ...t,
      type: 'message',
      text: fullText,
      textFormat: 'plain',
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      locale: 'en-US',
      channelData: {
        tenant: { id: c.tenantId },
        ...(conv.kind === 'channel'
          ? { teamsTeamId: team.id, teamsChannelId: conv.id, team: { id: team.id }, channel: { id: conv.id } }
          : {}),
      },
      entities: [
        ...(mentionBot ? [{ type: 'mention', mentioned: { id: c.bot.id, name: c.bot.name }, text: atBot }] : []),
        { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' },
      ],
    };
    await api('POST', '/_internal/v1/customActivities', activity);
  }

  async function composerFor(opts: SendOptions): Promise<{ box: Locator; submit: 'enter' | Locator }> {
    if (current.kind !== 'channel') return { box: page.locator(COMPOSER).last(), submit: 'enter' };
    if (opts.replyTo !== undefined) {
      const thread = page
        .getByRole('group')
        .filter({ hasText: opts.replyTo })
        .filter({ has: page.getByRole('button', { name: 'Send Message' }) })
        .last();
      return { box: thread.locator(COMPOSER), submit: 'enter' };
    }
    const newPost = page.getByRole('group').filter({ has: page.getByRole('button', { name: 'Post', exact: true }) }).first();
    return { box: newPost.locator(COMPOSER), submit: newPost.getByRole('button', { name: 'Post', exact: true }) };
  }

  const self: PlaygroundPage = {
    page,
    url: base,
    config,
    current: () => current,

    async selectConversation(kind, name) {
      const conv = await resolveConversation(kind, name);
      await page.getByRole('treeitem', { name: conv.treeName, exact: true }).click();
      if (kind === 'channel') {
        await page.getByRole('button', { name: 'Post', exact: true }).waitFor();
      } else {
        await page.getByRole('button', { name: 'Send Message' }).last().waitFor();
        await page.getByRole('button', { name: 'Post', exact: true }).waitFor({ state: 'detached' });
      }
      current = conv;
      return conv;
    },

    async switchUser(nameOrId) {
      const user = await findUser(nameOrId);
      const c = await config();
      actingAs = user.id === c.currentUser.id ? undefined : user;
      return user;
    },

    async send(text, opts = {}) {
      const c = await config();
      const mentionBot = opts.mentionBot ?? current.kind !== 'personal';
      if (actingAs) return sendAsOtherUser(actingAs, text, mentionBot);
      const { box, submit } = await composerFor(opts);
      await box.click();
      if (mentionBot) {
        await page.keyboard.type(`@${c.bot.name.slice(0, 3)}`);
        await page.getByRole('listbox', { name: 'Typeahead menu' }).getByRole('menuitem', { name: c.bot.name }).first().click();
        await page.keyboard.type(' ');
      }
      await page.keyboard.insertText(text);
      const sent = page.waitForResponse(
        (r) => r.request().method() === 'POST' && /\/_conversation\/v1\/conversations\/.+\/messages$/.test(new URL(r.url()).pathname),
      );
      if (submit === 'enter') await page.keyboard.press('Enter');
      else await submit.click();
      const res = await sent;
      if (!res.ok()) throw new Error(`playground refused the message: ${res.status()} ${await res.text()}`);
    },

    async waitForCardText(text, timeoutMs) {
      const card = page.locator(CARD).filter({ hasText: text }).last();
      await card.waitFor({ state: 'visible', timeout: timeoutMs ?? timeout });
      await card.scrollIntoViewIfNeeded().catch(() => undefined); // for screenshots
      return card;
    },

    async waitForText(text, timeoutMs) {
      // Bot messages and card TextBlocks render as <p>; the conversation list previews and the log
      // panel (which echo the same texts) do not.
      const hit = page.getByRole('paragraph').filter({ hasText: text }).last();
      await hit.waitFor({ state: 'visible', timeout: timeoutMs ?? timeout });
      await hit.scrollIntoViewIfNeeded().catch(() => undefined);
      return hit;
    },

    async fillInput(label, value, scope) {
      const card = cards(scope);
      const input = card
        .getByLabel(label, { exact: true })
        .or(card.getByRole('textbox', { name: label }))
        .or(card.getByPlaceholder(label, { exact: true }))
        .first();
      await input.fill(value);
    },

    async chooseChoice(label, choiceTitle, scope) {
      const card = cards(scope);
      const combo = card.getByRole('combobox', { name: label, exact: true });
      if (await combo.count()) {
        await combo.click();
        // A compact multi-select is a dropdown of menuitemcheckbox items that stays open: tick, then close it.
        const item = page.getByRole('option', { name: choiceTitle, exact: true }).or(page.getByRole('menuitemcheckbox', { name: choiceTitle, exact: true })).first();
        const role = await item.getAttribute('role');
        await item.click();
        if (role === 'menuitemcheckbox') await page.keyboard.press('Escape');
        return;
      }
      const radio = card.getByRole('radiogroup', { name: label, exact: true }).getByRole('radio', { name: choiceTitle, exact: true });
      if (await radio.count()) return radio.check();
      const multi = card.getByRole('checkbox', { name: `${label} ${choiceTitle}`, exact: true });
      if (await multi.count()) return multi.check();
      const toggle = card.getByRole('checkbox', { name: label, exact: true });
      if (await toggle.count()) return choiceTitle === 'off' || choiceTitle === 'false' ? toggle.uncheck() : toggle.check();
      throw new Error(`no choice set/toggle "${label}" with choice "${choiceTitle}" in the card`);
    },

    async clickAction(title, scope = {}) {
      const button = cards(scope).getByRole('button', { name: title, exact: true });
      if (scope.waitForResponse === false) {
        await button.click();
        return undefined;
      }
      const answered = page.waitForResponse((r: Response) => /\/_conversation\/v1\/(invoke|submit)$/.test(new URL(r.url()).pathname));
      await button.click();
      const res = await answered;
      const text = await res.text();
      let body: unknown = text;
      try { body = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
      return { status: res.status(), body };
    },

    async install(conversation = current) {
      await api('POST', `/_debug/conversation/${encodeURIComponent(conversation.id)}/installation`, {});
    },

    async mockActivity(type, conversation = current, patch = {}) {
      const activity = { ...(await template(conversation.id, type)), ...patch };
      await api('POST', '/_internal/v1/customActivities', activity);
      return activity;
    },

    async screenshot(file) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file });
    },

    async close() {
      await context?.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return self;
}
