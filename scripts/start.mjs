// `npm start`: the local database, the bot and Microsoft 365 Agents Playground (a local Teams
// client: personal chat, group chat and a team channel), then prints the URL to open.
// Ctrl-C stops the bot and the playground; the database keeps running for the next start.
import { build, ensureDatabase, say, startBotProcess, waitForBot } from './lib/local.mjs';
import { startPlayground } from './lib/playground.mjs';

const port = Number(process.env.PORT || 3978);
const db = await ensureDatabase();
build();
const bot = startBotProcess({ ...process.env, PORT: String(port), MONGODB_URI: db.uri });
await waitForBot(port, bot);
const playground = await startPlayground({
  botEndpoint: `http://127.0.0.1:${port}/api/messages`,
  log: (line) => { if (process.env.DEBUG_PLAYGROUND) say(line); },
});
say('');
say(`Ready. Open ${playground.url} in a browser.`);
say('The Playground shows the personal chat, a group chat and a team channel: type "help" (or "ohje") to see what the bot can do.');
say('Press Ctrl-C to stop.');

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await playground.stop().catch(() => {});
  if (bot.exitCode === null) bot.kill('SIGTERM');
  process.exit(code);
}
process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
bot.once('exit', (code) => { say(`the bot stopped (${code})`); stop(code ?? 1); });
