// The NDJSON export of a site or a session (a GDPR access request): the
// session rows from Postgres, their events exactly as stored in R2.
import type { AppEnv } from '../env';
import { withSql } from '../lib/db';
import { sessionsForExport, type StoredSession } from '../storage/pg-storage';
import { forEachReplayWindow } from './replay';

export interface ExportScope {
  siteId?: string;
  sessionId?: string;
  from?: Date;
  to?: Date;
}

const EXPORT_PAGE = 50;
const encoder = new TextEncoder();
const line = (value: object) => encoder.encode(`${JSON.stringify(value)}\n`);

/**
 * The export as NDJSON: a header line, then per session one
 * `{"type":"session",…}` line followed by its events exactly as stored in R2
 * (each carries session_id, seq, i, ts, type), and a closing
 * `{"type":"export_end",…}` line, so a cut-off download is recognisable.
 * Sessions are read a page at a time and events a session at a time, so memory
 * stays bounded whatever the size of the site. The stream has a Postgres
 * client of its own (withSql), since the request's closes with the response.
 */
export function exportStream(
  env: AppEnv,
  scope: ExportScope,
  waitUntil: (p: Promise<unknown>) => void,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const work = withSql(env, async (sql) => {
    let sessions = 0;
    let events = 0;
    try {
      await writer.write(line({ type: 'export', generated_at: new Date().toISOString(), scope: scopeText(scope) }));
      let afterId: string | null = null;
      for (;;) {
        const page = await sessionsForExport(sql, scope, afterId, EXPORT_PAGE);
        for (const row of page) {
          const s = row as Record<string, unknown> & StoredSession;
          await writer.write(line({ type: 'session', ...s }));
          // A window at a time: memory stays bounded whatever the session's size.
          await forEachReplayWindow(env.EVENTS, s, async (ndjson, stats) => {
            if (!ndjson.length) return;
            await writer.write(ndjson);
            if (ndjson[ndjson.length - 1] !== 10) await writer.write(encoder.encode('\n'));
            events += stats.lines;
          });
          sessions++;
        }
        if (page.length < EXPORT_PAGE) break;
        afterId = String(page[page.length - 1].id);
      }
      await writer.write(line({ type: 'export_end', sessions, events }));
      await writer.close();
    } catch (err) {
      console.error('export failed', err);
      await writer.write(line({ type: 'export_error', sessions, events, message: 'The export stopped early; run it again.' })).catch(() => undefined);
      await writer.close().catch(() => undefined);
    }
  });
  waitUntil(work);
  return readable;
}

function scopeText(s: ExportScope) {
  return {
    site_id: s.siteId ?? null,
    session_id: s.sessionId ?? null,
    from: s.from?.toISOString() ?? null,
    to: s.to?.toISOString() ?? null,
  };
}
