import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { MongoClient } from 'mongodb';
import { localParts } from '../../src/domain/time';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../scripts/lib/ferretdb.cjs') as { freePort(): Promise<number> };
import { openPlayground, PlaygroundPage } from './support/playground-page';
import { ranNow } from '../support/jobs';

// The three-role demo of `npm start`, as a newcomer lives it (docs/demo.md): the real start
// script with its three Playgrounds, one browser page per person. Aino orders, Kaisa offers the
// task to Eero, Eero accepts in his own window, Kaisa's card changes, Kaisa moves the clock past
// the task, both feedback cards are answered, and the digest and the fee summary show the task.
// A screenshot of each step goes to DEMO_SCREENSHOTS (scripts/demo-screenshots.mjs sets it to
// docs/images/demo) or test-artifacts/demo.
const ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = process.env.DEMO_SCREENSHOTS ?? path.join(ROOT, 'test-artifacts', 'demo');
const DB = `e2e_demo_${process.pid}`;
const TITLE = 'Kokemuspuheenvuoro henkilöstöinfoon';

let start: ChildProcess | undefined;
let lines: readline.Interface | undefined;
const output: string[] = [];
const pages: Record<'aino' | 'eero' | 'kaisa', PlaygroundPage | undefined> = { aino: undefined, eero: undefined, kaisa: undefined };

const shot = async (p: PlaygroundPage, name: string) => p.screenshot(path.join(SHOTS, `${name}.png`));

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const [bot, ...windows] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  start = spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(bot), PLAYGROUND_PORTS: windows.join(','), MONGODB_URI: process.env.TEST_MONGODB_URI, MONGODB_DB: DB, COORDINATOR_AAD_IDS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const urls = await new Promise<Record<string, string>>((resolve, reject) => {
    const found: Record<string, string> = {};
    lines = readline.createInterface({ input: start!.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      const m = /^\[valittaja\]\s+(Aino|Eero|Kaisa) .*\((professional|expert|coordinator)\)\s+(http:\/\/\S+)/.exec(line);
      if (m) found[m[1].toLowerCase()] = m[3];
      if (line.includes('Välittäjä is ready')) setTimeout(() => resolve(found), 200);
    });
    start!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output.join('\n')}`)));
  });
  expect(Object.keys(urls).sort()).toEqual(['aino', 'eero', 'kaisa']);
  // The windows a newcomer opens, side by side.
  for (const who of ['aino', 'eero', 'kaisa'] as const) pages[who] = await openPlayground(urls[who], { timeoutMs: 120000, viewport: { width: 1280, height: 900 } });
}, 420000);

afterAll(async () => {
  for (const p of Object.values(pages)) await p?.close();
  if (start && start.exitCode === null) {
    const exited = new Promise((r) => start!.once('exit', r));
    start.kill('SIGINT'); // Ctrl-C, as a newcomer stops it
    await exited;
  }
  lines?.close();
  start?.stdout?.destroy();
  start?.stderr?.destroy();
  const client = await new MongoClient(process.env.TEST_MONGODB_URI!).connect();
  await client.db(DB).dropDatabase();
  await client.close();
});

test('order, offer, accept, time passes, feedback from both, digest and fees — in three windows', async () => {
  const { aino, eero, kaisa } = pages as Record<string, PlaygroundPage>;
  // Everyone is greeted in Finnish, though the Playground says en-US: the demo users chose Finnish.
  await eero.selectConversation('personal');
  await eero.waitForCardText('Tervetuloa Välittäjään!');
  await kaisa.selectConversation('channel', 'Koordinaattorit');
  await aino.selectConversation('personal');
  await aino.waitForCardText('Tervetuloa Välittäjään!');

  // 1. Aino orders.
  await aino.send('tilaa');
  // (Card texts match case-insensitively: the help card says "tilaa kokemusasiantuntija" too.)
  await aino.waitForCardText('Kokemusteemat');
  await aino.chooseChoice('Kokemusteemat', 'Mielenterveys');
  await aino.chooseChoice('Tehtävän tyyppi', 'Puheenvuoro ryhmässä tai tilaisuudessa');
  await aino.fillInput('Otsikko', TITLE);
  await aino.fillInput('Kuvaus', 'Puheenvuoro mielenterveyskuntoutujan kokemuksista.');
  await aino.chooseChoice('Paikan päällä vai etänä?', 'Etänä');
  await aino.fillInput('Etäyhteyden linkki (https)', 'https://teams.example/meet/henkilostoinfo');
  await aino.fillInput('Kohderyhmä', 'Hoitohenkilöstö');
  await aino.fillInput('Kustannuspaikka', 'KP-1234');
  await aino.fillInput('Yhteyshenkilö', 'Aino Ammattilainen');
  await aino.fillInput('Puhelin (tai sähköposti)', '050 555 1234');
  await shot(aino, '1-aino-order-form');
  expect((await aino.clickAction('Lähetä tilaus'))?.status).toBe(200);
  const placed = await aino.waitForCardText('Tilaus vastaanotettu');
  const orderId = /T-\d{4}-\d{4}/.exec((await placed.textContent()) ?? '')![0];
  await shot(aino, '2-aino-order-placed');

  // 2. Kaisa sees it in the coordinators' channel, Eero among the suggestions, and offers it to him.
  await kaisa.waitForCardText(TITLE);
  await shot(kaisa, '3-kaisa-new-order');
  expect((await kaisa.clickAction('Tarjoa', { within: TITLE }))?.status).toBe(200);

  // 3. Eero accepts in his own window.
  await eero.waitForCardText(TITLE);
  await shot(eero, '4-eero-offer');
  expect((await eero.clickAction('Otan tehtävän', { within: TITLE }))?.status).toBe(200);
  await eero.waitForCardText('Tehtävä on sinun!');
  await eero.waitForCardText('050 555 1234');
  await shot(eero, '5-eero-accepted');

  // 4. The cards change: Kaisa's order card says filled; Aino gets Eero's contact.
  await kaisa.waitForCardText(new RegExp(`${orderId}[\\s\\S]*Täytetty|Täytetty[\\s\\S]*${orderId}`));
  await shot(kaisa, '6-kaisa-filled');
  await aino.waitForCardText('040 765 4321');
  await shot(aino, '7-aino-filled');

  // 5. Time passes: the task (tomorrow 13.00, 90 min by default) is over two days later.
  await kaisa.send('siirrä aikaa 2 vrk');
  await kaisa.waitForText(/Kello siirtyi 2 vrk eteenpäin/);
  await kaisa.send('palaute nyt');
  // The scheduler runs the same job every five minutes: in such a minute "now" finds it run.
  await kaisa.waitForText(ranNow('feedback'));
  await shot(kaisa, '8-kaisa-time-moved');

  // 6. Both answer their feedback card.
  await aino.waitForCardText('Palaute tehtävästä');
  await aino.chooseChoice('Saavutettiinko tavoitteet? (1–5)', '4', { within: 'Palaute tehtävästä' });
  await aino.chooseChoice('Kuinka hyödyllinen? (1–5)', '5', { within: 'Palaute tehtävästä' });
  await shot(aino, '9-aino-feedback');
  expect((await aino.clickAction('Lähetä palaute', { within: 'Palaute tehtävästä' }))?.status).toBe(200);
  await aino.waitForCardText('Kiitos palautteesta!');
  await eero.waitForCardText('Miten tehtävä meni?');
  await eero.chooseChoice('Miten meni? (1–5)', '4', { within: 'Miten tehtävä meni?' });
  expect((await eero.clickAction('Lähetä', { within: 'Miten tehtävä meni?' }))?.status).toBe(200);
  await eero.waitForCardText('Kiitos! Vastauksesi:');
  await shot(eero, '10-eero-feedback');

  // 7. The digest and the month's fee summary show the task.
  await kaisa.send('kooste nyt');
  await kaisa.waitForCardText(/Päivän kooste \d/);
  await shot(kaisa, '11-kaisa-digest');
  const month = localParts(new Date(Date.now() + 86_400_000), 'Europe/Helsinki').date.slice(0, 7);
  // A pay period is settled once it has ended: the clock moves on to the 2nd of the next month
  // (at most 31 days from two days after today, whatever today is).
  const [y, m] = month.split('-').map(Number);
  const target = Date.UTC(m === 12 ? y + 1 : y, m === 12 ? 0 : m, 2, 12);
  const days = Math.ceil((target - (Date.now() + 2 * 86_400_000)) / 86_400_000);
  await kaisa.send(`siirrä aikaa ${days} vrk`);
  await kaisa.waitForText(new RegExp(`Kello siirtyi ${days} vrk eteenpäin`));
  await kaisa.send(`palkkiot ${month}`);
  // (The help card mentions "palkkioyhteenveto" too: the summary is the card with Eero's line.)
  const fees = await kaisa.waitForCardText(/Palkkioyhteenveto[\s\S]*Eero Kokemusasiantuntija/);
  await shot(kaisa, '12-kaisa-fees');
  expect(await fees.textContent()).toMatch(/Eero Kokemusasiantuntija: toimeksiantoja 1, 1,50 h, palkkiot \d+,\d\d €/);
  expect(await fees.textContent()).toMatch(/KP-1234: toimeksiantoja 1, 1,50 h/);
}, 600000);
