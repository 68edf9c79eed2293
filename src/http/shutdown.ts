import type { Server } from 'restify';

/**
 * The HTTP side of a graceful shutdown. From the moment the process is told to stop, /readyz
 * answers 503 (so App Service, a Kubernetes Service or any load balancer stops sending new
 * traffic here), while requests already running (a card action, a message the bot is replying
 * to) are counted and waited for before the listener closes.
 *
 * It sits in restify's `pre` chain, before routing, so it needs nothing from the routes.
 */
export class RequestDrain {
  private active = 0;
  private draining = false;
  private readonly waiters = new Set<() => void>();

  /** Counts every request; once draining, answers /readyz with 503 before it reaches its route. */
  attach(server: Server): void {
    server.pre((req, res, next) => {
      if (this.draining && req.method === 'GET' && req.path() === '/readyz') {
        res.send(503, { status: 'shutting down' });
        return next(false);
      }
      this.active += 1;
      let ended = false;
      const end = (): void => {
        if (ended) return;
        ended = true;
        this.active -= 1;
        if (this.active === 0) for (const wake of [...this.waiters]) wake();
      };
      // 'close' also comes when the client goes away before the answer.
      res.once('finish', end);
      res.once('close', end);
      return next();
    });
  }

  /** From now on /readyz says 503. */
  start(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests being handled now. */
  get inFlight(): number {
    return this.active;
  }

  /** Resolves true once no request is running, or false when `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(idle);
      };
      const wake = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.waiters.add(wake);
    });
  }
}
