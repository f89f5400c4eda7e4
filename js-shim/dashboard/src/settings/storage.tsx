// Data and storage (admins only): what R2, Postgres and the D1 cache hold per
// site and day, an NDJSON export of a site or a session (an access request),
// and deleting data for good.
import { useState } from 'preact/hooks';
import { call } from '../api';
import type { Ctx } from '../context';
import { bytes, count, day } from '../format';
import { addDays } from '../state';
import { Panel } from '../components/ui';
import { ConfirmAction, Field } from '../components/forms';
import { Heading } from '../views/breakdowns';

interface Stats {
  from: string;
  to: string;
  by_site_day: { site_id: string; day: string; sessions: number; events: number; r2_objects: number; r2_bytes: number }[];
  totals: { sessions: number; r2_objects: number; r2_bytes: number; pending_markers: number };
  tables: Record<string, number>;
  complete: boolean;
}

export async function storageAdminView(ctx: Ctx) {
  const from = addDays(ctx.today, -29);
  const to = addDays(ctx.today, 1);
  const s = await call<Stats>(`/api/admin/storage/stats?from=${from}T00:00:00Z&to=${to}T00:00:00Z`, { signal: ctx.signal, cache: false });
  const card = (label: string, key: string, value: number, text: string) => (
    <div class="card">
      <span class="card-label">{label}</span>
      <span class="card-value" data-metric={key} data-value={value}>{text}</span>
    </div>
  );
  const siteName = (id: string) => ctx.sites.find((x) => x.id === id)?.name ?? id;

  return (
    <div>
      <Heading title="Data & storage" sub={`Last 30 days, all sites. R2 holds every event; Postgres the sessions; D1 a cache of them.${s.complete ? '' : ' The R2 listing stopped at its call budget: numbers are partial.'}`} />
      <div class="cards four" role="group" aria-label="Totals">
        {card('R2 stored', 'r2_bytes', s.totals.r2_bytes, bytes(s.totals.r2_bytes))}
        {card('R2 objects', 'r2_objects', s.totals.r2_objects, count(s.totals.r2_objects))}
        {card('Sessions', 'sessions', s.totals.sessions, count(s.totals.sessions))}
        {card('Awaiting reconcile', 'pending_markers', s.totals.pending_markers, count(s.totals.pending_markers))}
      </div>
      <div class="grid">
        <Panel title="Per site and day">
          <div class="table-wrap">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Site</th>
                  <th scope="col" class="num">Sessions</th>
                  <th scope="col" class="num">Events</th>
                  <th scope="col" class="num">R2</th>
                </tr>
              </thead>
              <tbody>
                {s.by_site_day.length ? (
                  [...s.by_site_day].reverse().map((r) => (
                    <tr>
                      <td class="nowrap">{day(r.day)}</td>
                      <td>{siteName(r.site_id)}</td>
                      <td class="num">{count(r.sessions)}</td>
                      <td class="num">{count(r.events)}</td>
                      <td class="num">{bytes(r.r2_bytes)} <span class="secondary">{count(r.r2_objects)} objects</span></td>
                    </tr>
                  ))
                ) : (
                  <tr><td colspan={5} class="muted">Nothing stored in the last 30 days.</td></tr>
                )}
              </tbody>
            </table>
          </div>
        </Panel>
        <Panel title="Postgres rows">
          <table class="data">
            <tbody>
              {Object.entries(s.tables).map(([name, n]) => (
                <tr>
                  <th scope="row" class="mono">{name}</th>
                  <td class="num">{count(n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
      <ExportPanel ctx={ctx} />
      <ClearPanel ctx={ctx} />
    </div>
  );
}

function ExportPanel(props: { ctx: Ctx }) {
  const [site, setSite] = useState(props.ctx.sites[0]?.id ?? '');
  const [session, setSession] = useState('');
  const sessionId = session.trim();
  return (
    <Panel title="Export" wide>
      <p>Every session row and all its events as NDJSON, streamed: a site's whole history, or one visitor's session (for an access request). Each export is logged.</p>
      <div class="grid-form">
        <Field label="Site">
          <select name="site" value={site} onChange={(e) => setSite(e.currentTarget.value)}>
            {props.ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
          </select>
        </Field>
        <div class="field end">
          <a class="btn" download="" href={`/api/admin/storage/export?site_id=${encodeURIComponent(site)}`}>Download site export</a>
        </div>
        <Field label="Or one session">
          <input name="session_id" placeholder="Session id" pattern="[A-Za-z0-9_-]{8,64}" autocomplete="off" value={session} onInput={(e) => setSession(e.currentTarget.value)} />
        </Field>
        <div class="field end">
          <a class="btn" download="" hidden={!/^[A-Za-z0-9_-]{8,64}$/.test(sessionId)} href={`/api/admin/storage/export?session_id=${encodeURIComponent(sessionId)}`}>Download session export</a>
        </div>
      </div>
    </Panel>
  );
}

const SCOPES = ['session', 'site', 'before'] as const;
type Scope = (typeof SCOPES)[number];

function ClearPanel(props: { ctx: Ctx }) {
  const [scope, setScope] = useState<Scope>('session');
  const [session, setSession] = useState('');
  const [site, setSite] = useState(props.ctx.sites[0]?.id ?? '');
  const [before, setBefore] = useState('');
  const body = () => {
    if (scope === 'session') return { session_id: session.trim(), confirm: session.trim() };
    const b = before ? `${before}T00:00:00.000Z` : undefined;
    if (scope === 'site') return { site_id: site, ...(b ? { before: b } : {}), confirm: site };
    return { before: b, confirm: b };
  };
  return (
    <Panel title="Delete data" wide>
      <p>Deletes events from R2, sessions and page counts from Postgres, and their cache rows. This cannot be undone; it is logged.</p>
      <div class="grid-form">
        <Field label="Scope">
          <select name="scope" value={scope} onChange={(e) => setScope(SCOPES.find((k) => k === e.currentTarget.value) ?? 'session')}>
            <option value="session">One session</option>
            <option value="site">A site (optionally before a date)</option>
            <option value="before">Every site, before a date</option>
          </select>
        </Field>
        {scope === 'session' ? (
          <Field label="Session id"><input name="session_id" placeholder="Session id" autocomplete="off" value={session} onInput={(e) => setSession(e.currentTarget.value)} /></Field>
        ) : null}
        {scope === 'site' ? (
          <Field label="Site">
            <select name="site_id" value={site} onChange={(e) => setSite(e.currentTarget.value)}>
              {props.ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
            </select>
          </Field>
        ) : null}
        {scope !== 'session' ? (
          <Field label={scope === 'site' ? 'Only before (optional)' : 'Before'}>
            <input type="date" name="before" value={before} onInput={(e) => setBefore(e.currentTarget.value)} />
          </Field>
        ) : null}
      </div>
      <ConfirmAction
        danger
        label="Delete data"
        confirm="Click again to delete for good"
        action={async () => {
          const r = await call<{ sessions_deleted: number; r2_keys_deleted: number; complete: boolean; remaining_sessions: number }>('/api/admin/storage/clear', { method: 'POST', body: body() });
          return `Deleted ${r.sessions_deleted} sessions and ${r.r2_keys_deleted} R2 keys.${r.complete ? '' : ` ${r.remaining_sessions} sessions are left: delete again to continue.`}`;
        }}
      />
    </Panel>
  );
}
