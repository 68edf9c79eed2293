// `npm test`: installs what the tests need (the local database once; Debian's Chromium
// for the end-to-end test when it is missing), type-checks, then runs every jest test: the
// end-to-end tests and the outbox outage test last, one at a time.
// Arguments after `npm test --` go to jest (e.g. `npm test -- test/unit`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { root, say } from './lib/local.mjs';
import { ensureChromium } from './lib/chromium.mjs';

const require = createRequire(import.meta.url);
const { ensureFerretDbBinary } = require('./lib/ferretdb.cjs');

const args = process.argv.slice(2);
if (!process.env.MONGODB_URI) await ensureFerretDbBinary(say);
const wantsE2e = args.length === 0 || args.some((a) => a.includes('e2e'));
if (wantsE2e && !process.env.SKIP_E2E) await ensureChromium(say);

say('Type-checking…');
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.test.json'], {
  cwd: root, stdio: 'inherit',
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

const jest = (jestArgs) => spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...jestArgs], {
  cwd: root, stdio: 'inherit', env: process.env,
}).status ?? 1;

if (args.length > 0) process.exit(jest(args));
// Everything: the tests that must not share the machine run after the others, one at a time.
// - The end-to-end tests: beside the fuzz tests' ten thousand requests on two cores, a browser
//   step sometimes waited out its two minutes (CI met it twice, in runs that took twice their
//   usual time); alone they take about two minutes in all.
// - The outbox outage test: at full load the driver's check of a database it lost after the
//   cut sometimes never ended (docs/testing.md), and the sender found no server for 60 s.
// - The three-instance fan-out: it asserts Teams' 50 requests a second as the connector stand-in
//   sees them arrive, with 60 ms to spare per slot. Beside the fuzz tests requests arrived up to
//   79 ms after their slot's start (alone: 31-51 ms), and CI once saw 4 of 1,000 meet a 429.
const ALONE = ['test/integration/outbox-outage.test.ts', 'test/integration/fan-out-instances.test.ts', 'test/e2e/'];
const pattern = (p) => `/${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
const rest = jest(['--testPathIgnorePatterns', ...ALONE.map(pattern)]);
say('Tests that run alone, one at a time…');
const alone = jest(['--runInBand', ...ALONE.filter((p) => !(process.env.SKIP_E2E && p.startsWith('test/e2e'))).map(pattern)]);
process.exit(rest !== 0 ? rest : alone);
