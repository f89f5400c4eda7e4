// A TCP proxy in front of the real PostgreSQL server, used to take the
// database away from the Worker on demand without killing the server the test
// itself inspects. While "down", new connections are accepted and never
// answered, as with a host that stopped responding: the Worker's client gives
// up on its connect timeout. (Refusing or resetting connections instead trips
// unhandled socket errors in Miniflare's local Hyperdrive proxy.)
import { createServer, connect, type Socket } from 'node:net';

export interface FaultProxy {
  port: number;
  /** New connections hang, as with a host that stopped responding (the client's connect timeout decides). */
  down(): void;
  /** New connections are answered at once as by a server not accepting connections (SQLSTATE 57P03). */
  refuse(): void;
  up(): void;
  close(): Promise<void>;
}

/**
 * A PostgreSQL ErrorResponse message ('E', length, fields, terminator), as a
 * server sends it in place of authentication when it cannot take a connection.
 */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat(
    [['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([t, v]) => Buffer.concat([Buffer.from(t), Buffer.from(v), Buffer.from([0])])),
  );
  const body = Buffer.concat([fields, Buffer.from([0])]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let isDown = false;
  let refusing = false;
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.on('error', () => undefined);
    s.on('close', () => open.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    if (isDown) return; // held open, never answered
    if (refusing) {
      // Answer the startup message and let the client hang up, as a client does
      // on a FATAL ErrorResponse. Ending the socket from this side first makes
      // Miniflare's Hyperdrive proxy write to a half-closed socket ("This
      // socket has been ended by the other party"), an error it leaves
      // uncaught; a client that never hangs up is closed after 5 s.
      client.once('data', () => {
        client.write(errorResponse('57P03', 'the database system is not accepting connections'));
        setTimeout(() => client.end(), 5_000).unref();
      });
      return;
    }
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
    refuse: () => void (refusing = true),
    up: () => void (isDown = refusing = false),
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
