// The part of workerd's `cloudflare:sockets` postgres.js uses (connect, with
// readable/writable streams and opened/closed promises), over node:net.
import { connect as tcp } from 'node:net';
import { Readable, Writable } from 'node:stream';

export function connect(address) {
  const [hostname, port] = typeof address === 'string' ? [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)] : [address.hostname, address.port];
  const socket = tcp({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  const opened = new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ remoteAddress: `${hostname}:${port}` }));
    socket.once('error', reject);
  });
  const closed = new Promise((resolve, reject) => {
    socket.once('close', (hadError) => (hadError ? reject(new Error('socket closed with an error')) : resolve()));
  });
  closed.catch(() => {});
  opened.catch(() => {});
  return {
    opened,
    closed,
    readable: Readable.toWeb(socket),
    writable: Writable.toWeb(socket),
    close: async () => {
      socket.end();
      return closed.catch(() => {});
    },
    startTls: () => {
      throw new Error('TLS is not needed on loopback');
    },
  };
}
