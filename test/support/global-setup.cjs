'use strict';
// Starts one throw-away FerretDB for the whole run unless MONGODB_URI points elsewhere.
// Workers inherit process.env, so they all see TEST_MONGODB_URI.
const path = require('node:path');
const { startFerretDb } = require('../../scripts/lib/ferretdb.cjs');

module.exports = async function globalSetup() {
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dataDir = path.join(__dirname, '..', '..', '.data', `test-${process.pid}`);
  const db = await startFerretDb({ dataDir, log: (m) => process.stderr.write(`${m}\n`) });
  process.env.TEST_MONGODB_URI = db.uri;
  globalThis.__valittajaTestDb = { db, dataDir };
};
