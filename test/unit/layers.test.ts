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

/** The files a source imports (relative imports only: the project's own modules), as paths under src/. */
function importsOf(file: { path: string; text: string }): string[] {
  const dir = file.path.split('/').slice(0, -1);
  const out: string[] = [];
  for (const m of file.text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
    const parts = [...dir];
    for (const seg of m[1].split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.') parts.push(seg);
    }
    const base = parts.join('/');
    const hit = files.find((f) => f.path === `${base}.ts` || f.path === `${base}/index.ts`);
    if (hit) out.push(hit.path);
  }
  return out;
}

test('the modules of src import each other without a circle', () => {
  const graph = new Map(files.map((f) => [f.path, importsOf(f)]));
  const state = new Map<string, 'open' | 'done'>();
  const circles: string[] = [];
  const visit = (path: string, trail: string[]): void => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'open') {
      circles.push([...trail.slice(trail.indexOf(path)), path].join(' -> '));
      return;
    }
    state.set(path, 'open');
    for (const next of graph.get(path) ?? []) visit(next, [...trail, path]);
    state.set(path, 'done');
  };
  for (const path of graph.keys()) visit(path, []);
  expect(circles).toEqual([]);
});

test('no dynamic import() in src: dependencies are imported or injected, so the module graph shows them', () => {
  expect(files.filter((f) => /\bimport\s*\(/.test(f.text)).map((f) => f.path)).toEqual([]);
});

test('time comes from an injected clock: nothing in src reads the system time but src/clock.ts', () => {
  // `Date.now` passed as a default clock is fine; calling it (or `new Date()`) in logic is not:
  // a test could not move that time, and a moved clock would not move it.
  const code = (text: string) => text.split('\n').filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line)).join('\n');
  const offenders = files.filter((f) => f.path !== 'clock.ts' && /\bDate\.now\(\)|new Date\(\)/.test(code(f.text))).map((f) => f.path);
  expect(offenders).toEqual([]);
});
