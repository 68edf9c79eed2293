// `npm run db:stop`: stops the local database that `npm start` and `npm run bot` leave running
// (FerretDB on the data in .data/ferretdb). Its data stays; the next start starts it again.
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, say } from './lib/local.mjs';

const require = createRequire(import.meta.url);
const { stopFerretDb } = require('./lib/ferretdb.cjs');

const stopped = await stopFerretDb(path.join(root, '.data', 'ferretdb'));
say(stopped ? `Stopped the local database (pid ${stopped.pid}).` : 'The local database is not running.');
