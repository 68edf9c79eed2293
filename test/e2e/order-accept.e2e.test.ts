import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { createLogger } from '../../src/log';
import { startBot, RunningBot } from '../../src/index';
import { testConfig } from '../support/harness';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> };
import { openPlayground, PlaygroundPage } from './support/playground-page';
import { startPlaygroundProcess, PlaygroundProcess } from './support/playground-process';
import { stored } from '../support/db';

// A professional orders and an expert accepts, in the real client. The Playground acts as
// one user at a time, so it runs twice on the same mock tenant (conversation ids are fixed):
// first as Aino the professional, then as Eero the expert. The coordinator's one click
// ("Offer") is posted to the bot as a Teams invoke from the coordinators' channel, with the
// Playground's own connector as the service URL — the same request the client sends.
const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts');
interface MockUser { id: string; name: string; aadObjectId: string }
const cfg = YAML.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '.m365agentsplayground.yml'), 'utf8')) as {
  tenantId: string; bot: { id: string; name: string }; currentUser: MockUser; users: MockUser[]; team: { id: string; channels: { id: string }[] };
};
const aino = cfg.currentUser;
const eero = cfg.users.find((u) => u.name.startsWith('Eero'))!;
const kaisa = cfg.users.find((u) => u.name.startsWith('Kaisa'))!;

let bot: RunningBot;
let playground: PlaygroundProcess | undefined;
let page: PlaygroundPage | undefined;
let PORT = 0;

async function open(currentUser: string): Promise<PlaygroundPage> {
  await page?.close();
  await playground?.stop();
  playground = await startPlaygroundProcess({ botEndpoint: `http://127.0.0.1:${bot.port}/api/messages`, port: PORT, currentUser });
  page = await openPlayground(playground.url, { timeoutMs: 20000 });
  return page;
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // A free port: a Playground of `npm start` may be running on 56150.
  PORT = await freePort();
  bot = await startBot(testConfig(__filename, { COORDINATOR_AAD_IDS: kaisa.aadObjectId }), createLogger('silent'));
  const now = new Date();
  // Eero is an approved expert of the bank (registration and approval are covered over HTTP in
  // test/integration/core-loop.test.ts).
  await bot.store.experts.saveProfile(eero.aadObjectId, {
    displayName: 'Eero Kokemusasiantuntija', phone: '040 765 4321', themes: ['mental-health'], taskTypes: ['talk'], municipalities: ['Tampere'],
    remoteOk: true, languages: ['fi', 'en'], description: 'Kokemusta mielenterveyspalveluista.', feePreference: 'fee',
  }, now);
  await bot.store.experts.decide(eero.aadObjectId, 'active', kaisa.aadObjectId, now);
}, 60000);

afterAll(async () => {
  await page?.close();
  await playground?.stop();
  await bot?.stop();
});

test('a professional orders in the Playground and the expert accepts the offer in place', async () => {
  // Eero has the bot in his personal chat (the page installs it at load).
  let p = await open(eero.name);
  await p.selectConversation('personal');
  await p.waitForCardText(/Tervetuloa Välittäjään!|Welcome to Välittäjä!/, 45000);

  // Aino orders.
  p = await open(aino.name);
  await p.selectConversation('personal');
  await p.send('order');
  await p.waitForCardText('Order an expert by experience');
  await p.chooseChoice('Experience themes', 'Mental health');
  await p.chooseChoice('Task type', 'Talk in a group or at an event');
  await p.fillInput('Title', 'Kokemuspuheenvuoro henkilöstöinfoon');
  await p.fillInput('Description', 'Puheenvuoro mielenterveyskuntoutujan kokemuksista.');
  await p.chooseChoice('On site or remote?', 'Remote');
  await p.fillInput('Remote meeting link (https)', 'https://teams.example/meet/henkilostoinfo');
  await p.fillInput('Target group', 'Hoitohenkilöstö');
  await p.fillInput('Cost centre', 'KP-1234');
  await p.fillInput('Contact person', 'Aino Ammattilainen');
  await p.fillInput('Phone (or e-mail)', '050 555 1234');
  await p.screenshot(path.join(ARTIFACTS, 'e2e-1-order-form.png'));
  const submitted = await p.clickAction('Send the order');
  expect(submitted?.status).toBe(200);
  const placed = await p.waitForCardText('Order received');
  const orderId = /T-\d{4}-\d{4}/.exec((await placed.textContent()) ?? '')![0];
  await p.screenshot(path.join(ARTIFACTS, 'e2e-2-order-placed.png'));

  // Eero's chat is open when the offer arrives.
  p = await open(eero.name);
  await p.selectConversation('personal');
  const channel = cfg.team.channels[0].id;
  await bot.store.channels.setCoordinatorsChannel({ conversationId: channel, teamId: cfg.team.id }, kaisa.aadObjectId, new Date());
  const res = await fetch(`http://127.0.0.1:${bot.port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'invoke', name: 'adaptiveCard/action', id: `offer-${Date.now()}`, channelId: 'msteams', serviceUrl: `${playground!.url}/_connector`,
      from: { id: kaisa.id, name: kaisa.name, aadObjectId: kaisa.aadObjectId }, recipient: cfg.bot, locale: 'fi-FI',
      conversation: { id: channel, conversationType: 'channel', isGroup: true, tenantId: cfg.tenantId },
      channelData: { tenant: { id: cfg.tenantId }, team: { id: cfg.team.id }, channel: { id: channel } },
      value: { action: { type: 'Action.Execute', verb: 'order.offerTo', data: { orderId, expertId: eero.aadObjectId } }, trigger: 'manual' },
    }),
  });
  expect(res.status).toBe(200);
  await p.waitForCardText('Kokemuspuheenvuoro henkilöstöinfoon', 20000);
  await p.screenshot(path.join(ARTIFACTS, 'e2e-3-offer.png'));
  const accepted = await p.clickAction('I accept', { within: 'Kokemuspuheenvuoro henkilöstöinfoon' });
  expect(accepted?.status).toBe(200);
  await p.waitForCardText('The task is yours!');
  await p.waitForCardText('050 555 1234');
  await p.screenshot(path.join(ARTIFACTS, 'e2e-4-accepted.png'));

  expect((await bot.store.orders.get(orderId))!.status).toBe('filled');
  expect(await bot.store.assignments.countLive(orderId)).toBe(1);
  // Aino's "filled" card with Eero's contact is queued for her 1:1 chat.
  const ainoChat = await bot.store.conversations.personalOf(aino.aadObjectId);
  const toAino = await stored({ bot }).outbox.find({ conversationId: ainoChat!._id }).toArray();
  expect(toAino.some((c) => c.activity?.includes('040 765 4321') && c.activity.includes('Eero Kokemusasiantuntija'))).toBe(true);
}, 150000);
