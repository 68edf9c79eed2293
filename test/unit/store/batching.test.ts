import { copyDoc, groupCommit, singleFlight } from '../../../src/store/batching';

test('group commit: the first call is flushed alone, calls arriving meanwhile go together, results in order', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const write = groupCommit(async (batch: number[]) => {
    batches.push(batch);
    if (batches.length === 1) await gate;
    return batch.map((n) => n * 10);
  });
  const first = write(1);
  const rest = [2, 3, 4].map(write);
  release();
  expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40]);
  expect(batches).toEqual([[1], [2, 3, 4]]);
});

test('group commit: a failed batch rejects its own calls only; the next batch still runs', async () => {
  let calls = 0;
  const write = groupCommit(async (batch: string[]) => {
    calls += 1;
    if (calls === 1) throw new Error('database away');
    return batch.map((s) => s.toUpperCase());
  });
  const failed = write('a');
  const later = write('b');
  await expect(failed).rejects.toThrow('database away');
  expect(await later).toBe('B');
});

test('group commit: batches are capped', async () => {
  const sizes: number[] = [];
  const write = groupCommit(async (batch: number[]) => {
    sizes.push(batch.length);
    return batch;
  }, 3);
  await Promise.all(Array.from({ length: 8 }, (_, i) => write(i)));
  expect(sizes).toEqual([1, 3, 3, 1]);
});

test('single flight: concurrent reads of one key share a call; later reads call again', async () => {
  let reads = 0;
  const read = singleFlight(async (key: string) => {
    const n = (reads += 1);
    await new Promise((r) => setTimeout(r, 5));
    return `${key}:${n}`;
  });
  expect(await Promise.all([read('x'), read('x'), read('y')])).toEqual(['x:1', 'x:1', 'y:2']);
  expect(await read('x')).toBe('x:3');
});

test('single flight: after forget(), calls start a read of their own; the read in flight still answers its callers', async () => {
  let reads = 0;
  const gates: (() => void)[] = [];
  const read = singleFlight(async (key: string) => {
    const n = (reads += 1);
    await new Promise<void>((r) => gates.push(r));
    return `${key}:${n}`;
  });
  const early = [read('x'), read('x')];
  read.forget();
  const late = read('x');
  const later = read('x');
  expect(reads).toBe(2);
  // The first read ends first: it must not end the second one's sharing.
  gates[0]();
  expect(await Promise.all(early)).toEqual(['x:1', 'x:1']);
  const alsoLate = read('x');
  expect(reads).toBe(2);
  gates[1]();
  expect(await Promise.all([late, later, alsoLate])).toEqual(['x:2', 'x:2', 'x:2']);
  // Nothing kept.
  const fresh = read('x');
  gates[2]();
  expect(await fresh).toBe('x:3');
});

test('copyDoc: a deep copy with real dates, nothing shared', () => {
  const doc = { _id: 'T-2026-0001', startsAt: new Date('2026-12-03T11:00:00Z'), themes: ['a'], contact: { name: 'Aino' }, seats: 2, note: undefined };
  const copy = copyDoc(doc);
  expect(copy).toEqual(doc);
  expect(copy.startsAt).toBeInstanceOf(Date);
  copy.themes.push('b');
  copy.contact.name = 'X';
  copy.startsAt.setTime(0);
  expect(doc).toEqual({ _id: 'T-2026-0001', startsAt: new Date('2026-12-03T11:00:00Z'), themes: ['a'], contact: { name: 'Aino' }, seats: 2, note: undefined });
});

test('single flight with copy: sharing callers each get their own copy, a lone caller the original', async () => {
  const stored = { n: 1, tags: ['a'] };
  const read = singleFlight(async () => {
    await new Promise((r) => setTimeout(r, 5));
    return stored;
  }, copyDoc);
  const [a, b] = await Promise.all([read('k'), read('k')]);
  a.tags.push('changed by a');
  expect(b.tags).toEqual(['a']);
  expect(stored.tags).toEqual(['a']);
  expect(await read('k')).toBe(stored);
});
