import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import YAML from 'yaml';
import { createLogger } from '../../src/log';
import { startBot, RunningBot } from '../../src/index';
import { testConfig } from '../support/harness';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> };
import { openPlayground, PlaygroundPage } from './support/playground-page';
import { startPlaygroundProcess, PlaygroundProcess } from './support/playground-process';
import { stored } from '../support/db';

// The real client: Microsoft 365 Agents Playground rendering the bot's cards in headless
// Chromium. Screenshots go to test-artifacts/ for people to look at. The Playground's client
// locale is en-US, so the bot answers messages in English; installation events carry no
// locale, so the welcome is in the default language, Finnish.
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
const WELCOME = /Tervetuloa Välittäjään!|Welcome to Välittäjä!/;

let bot: RunningBot;
let playground: PlaygroundProcess;
let page: PlaygroundPage;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // The bot's log (ids only, no personal data) goes next to the screenshots, to see what it did.
  const logPath = path.join(ARTIFACTS, 'welcome-bot.log');
  fs.rmSync(logPath, { force: true }); // this run's log only
  const logFile = pino.destination({ dest: logPath, sync: true });
  // The Playground's user is the configured coordinator: only a configured coordinator may mark the channel.
  const cfg = YAML.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '.m365agentsplayground.yml'), 'utf8')) as { currentUser: { aadObjectId: string } };
  bot = await startBot(testConfig(__filename, { COORDINATOR_AAD_IDS: cfg.currentUser.aadObjectId }), createLogger(process.env.E2E_LOG ?? 'debug', logFile));
  playground = await startPlaygroundProcess({ botEndpoint: `http://127.0.0.1:${bot.port}/api/messages`, port: await freePort() });
  page = await openPlayground(playground.url, { timeoutMs: 20000 });
}, 90000);

afterAll(async () => {
  await page?.close();
  await playground?.stop();
  await bot?.stop();
});

test('the personal chat shows the welcome card on installation and the help card on "help"', async () => {
  await page.selectConversation('personal');
  await page.waitForCardText(/Tervetuloa Välittäjään!|Welcome to Välittäjä!/, 45000);
  await page.send('help');
  await page.waitForCardText('Välittäjä – brokering experts by experience');
  await page.screenshot(path.join(ARTIFACTS, 'foundation-personal-help.png'));
  const personal = await stored({ bot }).conversations.countDocuments({ scope: 'personal' });
  expect(personal).toBe(1);
}, 120000);

test('a group chat gets the welcome card and answers help', async () => {
  await page.selectConversation('group');
  await page.waitForCardText(/Tervetuloa Välittäjään!|Welcome to Välittäjä!/, 45000);
  await page.send('ohje');
  await page.waitForCardText('your orders and their status');
  await page.screenshot(path.join(ARTIFACTS, 'foundation-group-help.png'));
  expect(await stored({ bot }).conversations.countDocuments({ scope: 'groupChat' })).toBe(1);
}, 120000);

test('a team channel gets the welcome card, and can become the coordinators channel', async () => {
  // The page sends installationUpdate and conversationUpdate together; both store the new
  // channel at once (a race that once failed the turn, and so the welcome, on FerretDB).
  await page.selectConversation('channel');
  await page.waitForCardText(WELCOME, 45000);
  await page.send('koordinaattorikanava');
  await page.waitForCardText("This channel is now the coordinators' channel");
  await page.screenshot(path.join(ARTIFACTS, 'foundation-channel.png'));
  expect(await bot.store.channels.coordinatorsChannel()).not.toBeNull();
}, 120000);
