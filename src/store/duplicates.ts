import { Collection, MongoBulkWriteError } from 'mongodb';

/**
 * Unique keys decide every race in this store (seats, waves, claims, leases): an insert that
 * fails with a duplicate key lost the race, or found the work already done.
 */
export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 11000;
}

/**
 * Inserts what is new (an unordered bulk, so a duplicate does not stop the rest); returns the
 * indexes of the documents inserted. Any error other than a duplicate key is thrown.
 */
export async function insertIgnoringDuplicates<T extends { _id: string }>(col: Collection<T>, docs: T[]): Promise<Set<number>> {
  const all = new Set(docs.map((_, n) => n));
  if (docs.length === 0) return all;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await col.insertMany(docs as any[], { ordered: false });
    return all;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (errors.some((e) => !isDuplicateKey(e))) throw error;
    for (const e of errors) all.delete(e.index);
    return all;
  }
}

/**
 * Runs an upsert, and once more if it lost an insert race: two writers upserting the same new
 * `_id` at once (Teams sends installationUpdate and conversationUpdate together) can both try
 * the insert, and the loser gets a duplicate key. MongoDB retries that itself; FerretDB and
 * Cosmos DB do not. The second run finds the winner's document and updates it.
 */
export async function upsertRetryingLostInsert<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return write();
  }
}
