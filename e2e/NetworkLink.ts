/**
 * A real TCP link between one browser context and the server, that a test can cut and
 * restore: the agent's PC losing its 3G key. While cut, every open connection is
 * destroyed and new ones are reset, so both HTTP and WebSocket fail as they would offline.
 */
import net from 'node:net';

export class NetworkLink {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;

  private readonly server: net.Server;
  port = 0;

  private constructor(targetPort: number, targetHost: string) {
    this.server = net.createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      this.track(client);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
  }

  static async open(targetPort: number, targetHost = '127.0.0.1'): Promise<NetworkLink> {
    const link = new NetworkLink(targetPort, targetHost);
    await new Promise<void>((resolve) => link.server.listen(0, '127.0.0.1', resolve));
    link.port = (link.server.address() as net.AddressInfo).port;
    return link;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** The network goes away: open connections die, new ones are refused. */
  goOffline(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  goOnline(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.goOffline();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
