// Self time of a V8 CPU profile (.cpuprofile, as --cpu-prof or the bench host's profileStop write
// it), summed per group of code and per function:
//   node bench/lib/profile-summary.mjs <file.cpuprofile> [top=25]
// Built-ins without a script (JSON.parse, RegExp, …) count towards the code that called them.
import fs from 'node:fs';

/** Groups, first match wins, by the script's path. */
const GROUPS = [
  ['card templating', /adaptivecards-templating|adaptive-expressions|antlr4ts|@microsoft\/recognizers|lodash/],
  ['i18n', /\/i18n\//],
  ['zod', /\/zod\//],
  ['logging', /\/pino|sonic-boom|fast-redact|thread-stream|on-exit-leak-free|quick-format/],
  ['mongodb driver', /\/mongodb\/|\/bson\//],
  ['botbuilder/teams-ai stack', /botbuilder|botframework|@microsoft\/teams-ai|restify|find-my-way|jsonwebtoken|jose|axios|@azure|@typespec|msal|formidable|send\/|csv|uuid\/|http-errors|spdy|handle-thing/],
  ['our code', /^(?!.*node_modules).*\/(\.build|src|dist)\//],
  ['node core (http, streams, timers)', /^node:|^internal\//],
];

const NODE = 'node core (http, streams, timers)';

export function groupOf(url) {
  if (!url) return null;
  for (const [g, re] of GROUPS) if (re.test(url)) return g;
  return /node_modules/.test(url) ? `other package (${url.split('node_modules/').pop().split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/')})` : 'other';
}

export function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const groupMemo = new Map();
  const groupOfNode = (id) => {
    if (groupMemo.has(id)) return groupMemo.get(id);
    const n = byId.get(id);
    const name = n.callFrame.functionName;
    let g;
    if (name === '(garbage collector)') g = 'garbage collector';
    else if (name === '(idle)' || n.callFrame.url === 'node:inspector') g = 'idle'; // the profiler's own start and stop
    else if (name === '(program)') g = 'program (V8, native)';
    else {
      // Node's own code and built-ins count towards the package that called them (a log line's
      // fs.writeSync is logging); at the top of the stack (the HTTP parser, timers) they are node's.
      const own = groupOf(n.callFrame.url);
      const up = parent.has(id) ? groupOfNode(parent.get(id)) : null;
      const inherited = up && !['(root)', 'program (V8, native)', 'garbage collector', 'idle'].includes(up) ? up : null;
      g = up === 'idle' ? 'idle' : own && own !== NODE ? own : (inherited ?? own ?? NODE);
    }
    groupMemo.set(id, g);
    return g;
  };
  const groups = new Map();
  const funcs = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const g = groupOfNode(id);
    if (g === 'idle') continue;
    total += us;
    groups.set(g, (groups.get(g) ?? 0) + us);
    const f = byId.get(id).callFrame;
    const where = f.url ? `${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(\.build|src)\//, '$1/')}:${f.lineNumber + 1}` : '(native)';
    const key = `${f.functionName || '(anonymous)'} ${where} [${g}]`;
    funcs.set(key, (funcs.get(key) ?? 0) + us);
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([k, us]) => ({ name: k, ms: Math.round(us / 100) / 10, share: Math.round((us / total) * 1000) / 10 }));
  // Small packages together, so the groups stay readable.
  const merged = new Map();
  for (const [g, us] of groups) {
    const k = us / total < 0.005 && g.startsWith('other') ? 'other packages' : g;
    merged.set(k, (merged.get(k) ?? 0) + us);
  }
  return { totalMs: Math.round(total / 1000), groups: sorted(merged), functions: sorted(funcs) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2);
  const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')));
  process.stdout.write(`Self time, not idle: ${s.totalMs} ms\n\nBy group:\n`);
  for (const g of s.groups) process.stdout.write(`  ${String(g.share).padStart(5)} %  ${String(g.ms).padStart(8)} ms  ${g.name}\n`);
  process.stdout.write(`\nTop ${top} functions by self time:\n`);
  for (const f of s.functions.slice(0, Number(top))) process.stdout.write(`  ${String(f.share).padStart(5)} %  ${String(f.ms).padStart(8)} ms  ${f.name}\n`);
}
