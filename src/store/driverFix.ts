import { MongoNetworkError } from 'mongodb';

/**
 * A fix for a driver bug (mongodb 6.22, and 7.9 alike): `Connection.writeCommand` writes a
 * command to its socket and, when the write returns false, waits for the socket's 'drain'. A
 * socket that Node has destroyed (the server closed the connection: a restart, a failover, a
 * network cut) returns false and never drains, never errors again, and runs no timeout; when
 * its 'close' event came before the command or comes while the command waits, nothing ends
 * the wait. The command then hangs forever: an operation's promise never settles (an outbox
 * worker stuck for good, its item sent again when its lease runs out), and a check of the
 * server by the driver's monitor never ends (the server stays "unknown": every operation fails
 * although the database is back; db.ts also watches for that).
 *
 * The fix: a command's write fails with a network error, and the connection with it, as soon as
 * its socket is closed, which is what the driver does for a socket that closes while it reads
 * the answer. The driver then retries or reports it as any network error. Applied once, to the
 * driver's Connection class; `applied` is false when the driver keeps it elsewhere (a newer
 * driver: test/integration/db-stuck-connection.test.ts then fails, to have this looked at).
 */

interface DriverConnection {
  id: number | '<monitor>';
  address: string;
  socket?: NodeJS.EventEmitter & { closed?: boolean };
  onError?(error: Error): void;
}

type WriteCommand = (this: DriverConnection, command: unknown, options: unknown) => Promise<void>;

const FIXED = Symbol.for('valittaja.writeEndsWithSocket');

export function endWritesWithTheirSocket(): { applied: boolean; undo(): void } {
  let proto: (Record<string | symbol, unknown> & { writeCommand?: WriteCommand }) | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    proto = (require('mongodb/lib/cmap/connection') as { Connection?: { prototype: typeof proto } }).Connection?.prototype;
  } catch {
    proto = undefined;
  }
  if (!proto || typeof proto.writeCommand !== 'function') return { applied: false, undo: () => undefined };
  const target = proto;
  const undo = (): void => {
    const original = target[FIXED] as WriteCommand | undefined;
    if (original) target.writeCommand = original;
    delete target[FIXED];
  };
  if (target[FIXED]) return { applied: true, undo };
  const original = target.writeCommand as WriteCommand;
  target.writeCommand = function writeCommand(this: DriverConnection, command: unknown, options: unknown): Promise<void> {
    const socket = this.socket;
    const written = original.call(this, command, options);
    if (!socket) return written;
    return new Promise<void>((resolve, reject) => {
      const closed = (): void => {
        const error = new MongoNetworkError(`connection ${this.id} to ${this.address} closed`);
        this.onError?.(error);
        reject(error);
      };
      socket.once('close', closed);
      if (socket.closed) closed();
      written.then(
        () => {
          socket.off('close', closed);
          resolve();
        },
        (error: unknown) => {
          socket.off('close', closed);
          reject(error);
        },
      );
    });
  };
  // The driver's own method, kept for undo (the tests show the bug without the fix).
  target[FIXED] = original;
  return { applied: true, undo };
}
