#!/usr/bin/env node
// The embedded Postgres of `npm start`: PGlite (one backend, in this process)
// behind pglite-socket's server, so the Worker reaches it over TCP as it
// reaches Hyperdrive.
//
// pglite-socket's queue runs one protocol message at a time from whichever
// connection sent it. The extended protocol's unnamed portal (postgres.js
// binds every query to portal "") lives from Bind to Sync, so two requests
// at once interleave: one's Bind replaces the other's portal, and its Execute
// fails with `portal "" does not exist` (34000), as the dashboard's parallel
// panels did. Here a connection that has started a message sequence keeps the
// backend until its Sync (or a simple Query) is done, as it already does for
// a transaction; the others wait their turn.
//
// Usage: node scripts/lib/pglite-server.mjs DATA_DIR PORT MAX_CONNECTIONS
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const [dataDir, port, max] = process.argv.slice(2);
if (!dataDir || !port) {
  console.error('usage: pglite-server.mjs DATA_DIR PORT [MAX_CONNECTIONS]');
  process.exit(2);
}

// Frontend messages that end a sequence: Sync, a simple Query, Terminate. A
// startup message (no type byte: it opens with its length, so 0) too.
const ENDS_SEQUENCE = new Set([0x53, 0x51, 0x58, 0x00]);

/** Replaces the queue's scheduling on the server's one queue instance. */
function serializeSequences(queue) {
  let owner = null;
  queue.processQueue = async function processQueue() {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const holder = owner ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        let item;
        if (holder !== null) {
          const at = this.queue.findIndex((q) => q.handlerId === holder);
          // The holder's next message has not arrived yet: wait for it (its enqueue runs this again).
          if (at < 0) break;
          item = this.queue.splice(at, 1)[0];
        } else item = this.queue.shift();
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          owner = null;
          item.reject(err);
          continue;
        }
        owner = ENDS_SEQUENCE.has(item.message[0]) ? null : item.handlerId;
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = function clearQueueForHandler(handlerId) {
    clear(handlerId);
    // A connection gone mid-sequence gives the backend back.
    if (owner === handlerId) {
      owner = null;
      void this.processQueue();
    }
  };
}

const db = new PGlite(dataDir);
await db.waitReady;
const server = new PGLiteSocketServer({ db, port: Number(port), host: '127.0.0.1', maxConnections: Number(max ?? 50) });
serializeSequences(server.queryQueue);
server.addEventListener('error', (e) => console.error('embedded Postgres:', e.detail));
await server.start();

const shutdown = async () => {
  await server.stop().catch(() => undefined);
  await db.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
