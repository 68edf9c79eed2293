import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// The layers the architecture promises (docs/architecture.md), checked on the source text so a
// shortcut fails here before review: only src/store knows MongoDB, and a repository's
// collections are its own.
const SRC = join(__dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const files = sources(SRC).map((path) => ({ path: relative(SRC, path).split('\\').join('/'), text: readFileSync(path, 'utf8') }));

test('no code outside src/store imports the driver or opens a collection', () => {
  const offenders = files
    .filter((f) => !f.path.startsWith('store/'))
    .filter((f) => /from 'mongodb'|require\('mongodb'\)|\.collection\s*[<(]/.test(f.text))
    .map((f) => f.path);
  expect(offenders).toEqual([]);
});

test("every repository's collections are private: callers use its named queries", () => {
  const open = files
    .filter((f) => f.path.startsWith('store/'))
    .flatMap((f) => f.text.split('\n').filter((line) => /^\s*(?:public\s+)?(?:readonly\s+)?\w+\s*:\s*Collection</.test(line) && !/\bprivate\b/.test(line)).map((line) => `${f.path}: ${line.trim()}`));
  expect(open).toEqual([]);
});
