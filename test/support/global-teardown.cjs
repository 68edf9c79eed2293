'use strict';
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const t = globalThis.__valittajaTestDb;
  if (!t) return;
  await t.db.stop();
  fs.rmSync(t.dataDir, { recursive: true, force: true });
};
