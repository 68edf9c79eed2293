// One process's share of the app-budget benchmark (bench/app-budget.mjs): the bot's shared app
// budget (SharedAppBudget over RateTokenRepo, from the compiled build) with as many delivery
// workers as the outbox sender has, each doing what a delivery does around its token: take one,
// check it is still valid (the sender's check), 0.5 ms of CPU, 3 ms "on the wire", one insert
// (the delivery's record). Prints the start times of the requests and the budget's stats.
//   node budget-worker.cjs <build dir> <mongodb uri> <db name> <index> <start at ms> <duration ms> <workers>
const path = require('node:path');
const [build, uri, dbName, idx, startAt, durationMs, workers] = process.argv.slice(2);
const { MongoClient } = require('mongodb');
const { RateTokenRepo } = require(path.join(build, 'store', 'rateTokens.js'));
const { SharedAppBudget } = require(path.join(build, 'messaging', 'appBudget.js'));

const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const burn = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

(async () => {
  const client = await new MongoClient(uri).connect();
  const db = client.db(dbName);
  const repo = new RateTokenRepo(db);
  await repo.ensureIndexes();
  const budget = new SharedAppBudget({ tokens: repo, owner: `budget-${idx}`, log: { warn() {} } });
  const records = db.collection(`records_${idx}`);
  await sleep(Number(startAt) - Date.now());
  const end = Number(startAt) + Number(durationMs);
  const starts = [];
  let none = 0;
  let n = 0;
  await Promise.all(Array.from({ length: Number(workers) }, async () => {
    while (Date.now() < end) {
      const token = await budget.take(Date.now() + 2000);
      if (!token) {
        none += 1; // the sender hands the item back to the queue: one write
        await records.insertOne({ _id: `${idx}-${n++}` });
        continue;
      }
      const at = Date.now();
      if (at < token.at || at > token.until) continue;
      starts.push(at);
      burn(0.5);
      await sleep(3);
      await records.insertOne({ _id: `${idx}-${n++}` });
    }
  }));
  process.stdout.write(JSON.stringify({ starts, none, stats: budget.stats }));
  await client.close();
})().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
