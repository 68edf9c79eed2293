// `npm run bot`: the bot alone on PORT (default 3978), with the local database unless
// MONGODB_URI is set. For scripts, and for a real Teams tenant through a tunnel.
import { build, ensureDatabase, say, startBotProcess } from './lib/local.mjs';

const db = await ensureDatabase();
build();
const bot = startBotProcess({ ...process.env, MONGODB_URI: db.uri });
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => bot.kill(signal));
bot.once('exit', async (code) => {
  say(`bot stopped (${code ?? 'signal'})`);
  process.exit(code ?? 0);
});
