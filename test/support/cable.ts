import net from 'node:net';

/** A TCP hop between a driver and the database that a test can cut and restore: a real outage, no mocks. */
export class Cable {
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => this.connect(client));
  private up = true;
  constructor(private readonly target: number) {}

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }
  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }
  restore(): void {
    this.up = true;
  }
  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.server.close(r));
  }
  private connect(client: net.Socket): void {
    if (!this.up) return void client.destroy();
    const upstream = net.connect(this.target, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }
}
