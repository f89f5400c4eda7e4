// A TCP proxy in front of the real PostgreSQL server, used to take the
// database away from the Worker on demand without killing the server the test
// itself inspects. While "down", new connections are accepted and never
// answered, as with a host that stopped responding: the Worker's client gives
// up on its connect timeout. (Refusing or resetting connections instead trips
// unhandled socket errors in Miniflare's local Hyperdrive proxy.)
import { createServer, connect, type Socket } from 'node:net';

export interface FaultProxy {
  port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let isDown = false;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('error', () => undefined);
    s.on('close', () => open.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    if (isDown) return; // held open, never answered
    const upstream = connect(targetPort, '127.0.0.1');
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    down: () => void (isDown = true),
    up: () => void (isDown = false),
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
