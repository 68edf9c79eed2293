// `npm run demo:screenshots`: regenerates docs/images/demo/*.png, the pictures docs/demo.md
// shows, by running the three-role demo's end-to-end test (test/e2e/demo.e2e.test.ts) with its
// screenshots written there instead of test-artifacts/. Needs what `npm test` needs (the local
// database, Chromium); takes a few minutes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, say } from './lib/local.mjs';
import { ensureChromium } from './lib/chromium.mjs';

const dir = path.join(root, 'docs', 'images', 'demo');
await ensureChromium({ log: say });
fs.mkdirSync(path.dirname(dir), { recursive: true });
const fresh = fs.mkdtempSync(path.join(root, 'docs', 'images', '.demo-'));
say(`Running the demo end to end; screenshots to ${path.relative(root, dir)}/…`);
const jest = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--forceExit', 'test/e2e/demo.e2e.test.ts'], {
  cwd: root, stdio: 'inherit', env: { ...process.env, DEMO_SCREENSHOTS: fresh },
});
if (jest.status !== 0) {
  fs.rmSync(fresh, { recursive: true, force: true });
  say('The demo test failed; docs/images/demo is unchanged.');
  process.exit(jest.status ?? 1);
}
// Replaced only after a whole successful run: never half old, half new pictures.
fs.rmSync(dir, { recursive: true, force: true });
fs.renameSync(fresh, dir);
say(`Updated ${fs.readdirSync(dir).length} screenshots in ${path.relative(root, dir)}.`);
