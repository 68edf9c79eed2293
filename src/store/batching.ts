/** Database calls written together (group commit) or shared while in flight (single flight). */

/**
 * Group commit: calls made while an earlier batch is being written wait and are written together
 * in one go. Nothing waits when the database is idle (the first call is flushed at once); under
 * load, N writes become one. `flush` gets the batch and returns one result per item, in order.
 * If it throws, every call of that batch rejects with the error, and later batches still run.
 */
export function groupCommit<T, R>(flush: (batch: T[]) => Promise<R[]>, maxBatch = 200): (item: T) => Promise<R> {
  const queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let flushing = false;
  const drain = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          const results = await flush(batch.map((b) => b.item));
          batch.forEach((b, n) => b.resolve(results[n]));
        } catch (error) {
          for (const b of batch) b.reject(error);
        }
      }
    } finally {
      flushing = false;
    }
  };
  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      void drain();
    });
}

/** A shared read (singleFlight); `forget()` makes every call after it start a read of its own. */
export interface SingleFlight<K, R> {
  (key: K): Promise<R>;
  /** For a write through the same repository: reads already in flight answer only their callers so far. */
  forget(): void;
}

/**
 * Single flight: concurrent reads of the same key share one database call (200 experts clicking
 * the same offer read the same order). Only calls in flight are shared; nothing is cached. With
 * `copy`, callers that shared a result each get their own copy (made before any of them runs on),
 * so none can change what another sees; an unshared result is not copied.
 */
export function singleFlight<K, R>(read: (key: K) => Promise<R>, copy?: (value: R) => R): SingleFlight<K, R> {
  type Entry = { result: Promise<R>; callers: number };
  const inFlight = new Map<K, Entry>();
  const call = async (key: K) => {
    let entry = inFlight.get(key);
    if (!entry) {
      const started: Entry = { result: Promise.resolve(undefined as R), callers: 0 };
      started.result = read(key).finally(() => {
        if (inFlight.get(key) === started) inFlight.delete(key);
      });
      inFlight.set(key, (entry = started));
    }
    entry.callers += 1;
    const value = await entry.result;
    // The entry is gone once the read ended (finally runs before any caller resumes): the count is final.
    return copy && entry.callers > 1 ? copy(value) : value;
  };
  return Object.assign(call, { forget: () => inFlight.clear() });
}

/**
 * A deep copy of a stored document (plain objects, arrays, dates, primitives), so callers sharing
 * one read cannot change each other's copy. Not structuredClone: its dates come from another
 * realm under test runners, where `instanceof Date` then fails.
 */
export function copyDoc<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copyDoc) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copyDoc(v);
    return out as T;
  }
  return value;
}

/**
 * The read of every available expert (a ranking): all of it in the first reply. Otherwise the
 * server answers with 101 documents and the rest after a second round trip (a getMore), which
 * on FerretDB comes only after it has parsed every document for the first: about 20 ms more
 * before a large wave's first offer (1,000 experts). MongoDB still splits a reply at 16 MB.
 */
export const ONE_REPLY = { batchSize: 100_000 } as const;

/**
 * The read of every personal chat, made while a wave's first offers are being delivered:
 * replies of at most 250 documents. The driver decodes a reply in one go, and 1,000 chats took
 * 8-28 ms of the event loop, long enough to make a request held for its token's time miss its
 * window (docs/performance.md); a few short pieces let the held requests leave in between.
 */
export const SHORT_REPLIES = { batchSize: 250 } as const;
