// Sites: what a snippet points at. An owner or admin of the organisation
// adds, edits (allowed origins, replay sampling, retention) and deletes them,
// and makes shared read-only links to them.
import { h } from '../h';
import { call, type Site } from '../api';
import type { Ctx } from '../context';
import { dateTime } from '../format';
import { navigate } from '../router';
import { invalidateSites } from '../session';
import { CopyButton, Empty, Panel, Snippet } from '../components/ui';
import { ConfirmButton, Field, Status, busy } from '../components/forms';
import { Heading } from '../views/breakdowns';

const siteHref = (id: string) => `/app/settings/sites/${encodeURIComponent(id)}`;

export async function sitesView(ctx: Ctx) {
  const { sites } = await call<{ sites: Site[] }>(`/api/sites${ctx.org ? `?organization_id=${encodeURIComponent(ctx.org.id)}` : ''}`, { signal: ctx.signal, cache: false });
  const list = sites.length ? (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Site</th>
            <th scope="col">Domain</th>
            <th scope="col">Id</th>
            <th scope="col">DOM replay</th>
            <th scope="col" class="num">Retention</th>
            <th scope="col">Added</th>
          </tr>
        </thead>
        <tbody>
          {sites.map((s) => (
            <tr data-site-id={s.id}>
              <td><a href={siteHref(s.id)}>{s.name}</a></td>
              <td>{s.domain}</td>
              <td class="mono">{s.id}</td>
              <td>{s.replay_enabled ? `On, ${Math.round(s.replay_sample_rate * 100)}% of visits` : 'Off'}</td>
              <td class="num">{s.retention_days} days</td>
              <td>{dateTime(s.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  ) : (
    <Empty title="No sites yet" icon="plant">
      <p>{ctx.manage ? 'Add the domain you want to measure below; you will get the snippet to paste into its pages.' : 'Ask an admin to add one.'}</p>
    </Empty>
  );

  return (
    <div>
      <Heading title="Sites" sub="Each site has its own snippet, allowed origins, replay sampling and retention." />
      <Panel title="Your sites" wide>{list}</Panel>
      {ctx.manage ? <NewSite ctx={ctx} /> : null}
    </div>
  );
}

function NewSite({ ctx }: { ctx: Ctx }) {
  const domain = <input name="domain" required placeholder="example.com" autocomplete="off" /> as HTMLInputElement;
  const name = <input name="name" placeholder="My shop" autocomplete="off" /> as HTMLInputElement;
  const id = <input name="id" pattern="[A-Za-z0-9_-]{1,64}" placeholder="generated" autocomplete="off" /> as HTMLInputElement;
  const status = Status();
  const submit = <button type="submit" class="btn primary">Add site</button> as HTMLButtonElement;
  return (
    <Panel title="Add a site" wide>
      <form
        class="form grid-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          busy(submit, async () => {
            try {
              const { site } = await call<{ site: Site }>('/api/sites', {
                method: 'POST',
                body: { ...(ctx.org ? { organization_id: ctx.org.id } : {}), domain: domain.value.trim(), ...(name.value.trim() ? { name: name.value.trim() } : {}), ...(id.value.trim() ? { id: id.value.trim() } : {}) },
              });
              invalidateSites();
              navigate(siteHref(site.id));
            } catch (err) {
              status.fail(err);
            }
          });
        }}
      >
        <Field label="Domain" hint="The host name visitors see, e.g. shop.example.com.">{domain}</Field>
        <Field label="Name" hint="Shown in the site picker. Defaults to the domain.">{name}</Field>
        <Field label="Site id" hint="Goes into the snippet as data-site. Letters, digits, - and _.">{id}</Field>
        <div class="form-actions">
          {submit}
          {status}
        </div>
      </form>
    </Panel>
  );
}

export async function siteView(ctx: Ctx) {
  const { site } = await call<{ site: Site }>(`/api/sites/${encodeURIComponent(ctx.params.id)}`, { signal: ctx.signal, cache: false });
  const readOnly = !ctx.manage;
  const name = <input name="name" value={site.name} required maxlength="100" disabled={readOnly} /> as HTMLInputElement;
  const domain = <input name="domain" value={site.domain} required disabled={readOnly} /> as HTMLInputElement;
  const origins = (
    <textarea name="allowed_origins" rows="4" disabled={readOnly} spellcheck="false">{site.allowed_origins.join('\n')}</textarea>
  ) as HTMLTextAreaElement;
  const replay = <input type="checkbox" name="replay_enabled" checked={site.replay_enabled} disabled={readOnly} /> as HTMLInputElement;
  const sample = <input type="number" name="replay_sample_rate" min="0" max="100" step="1" value={String(Math.round(site.replay_sample_rate * 100))} disabled={readOnly} /> as HTMLInputElement;
  const retention = <input type="number" name="retention_days" min="1" max="3650" step="1" value={String(site.retention_days)} disabled={readOnly} /> as HTMLInputElement;
  const dnt = <input type="checkbox" name="respect_dnt" checked={site.respect_dnt} disabled={readOnly} /> as HTMLInputElement;
  const status = Status();
  const save = <button type="submit" class="btn primary">Save changes</button> as HTMLButtonElement;

  const form = (
    <form
      class="form"
      onSubmit={(e: Event) => {
        e.preventDefault();
        busy(save, async () => {
          try {
            await call(`/api/sites/${encodeURIComponent(site.id)}`, {
              method: 'PATCH',
              body: {
                name: name.value.trim(),
                domain: domain.value.trim(),
                allowed_origins: origins.value.split(/[\s,]+/).map((o) => o.trim()).filter(Boolean),
                replay_enabled: replay.checked,
                replay_sample_rate: Number(sample.value) / 100,
                retention_days: Number(retention.value),
                respect_dnt: dnt.checked,
              },
            });
            invalidateSites();
            status.ok('Saved. The tracker picks the change up with the next visit.');
          } catch (err) {
            status.fail(err);
          }
        });
      }}
    >
      <fieldset disabled={readOnly}>
        <legend class="sr-only">Site settings</legend>
        <div class="grid-form">
          <Field label="Name">{name}</Field>
          <Field label="Domain">{domain}</Field>
        </div>
        <Field label="Allowed origins" hint="One per line: pages on these origins may send visits (https://shop.example.com, or a bare host such as localhost). Requests without an Origin header (servers) are always accepted.">
          {origins}
        </Field>
        <div class="grid-form">
          <div class="field">
            <label class="inline switch">{replay} Record DOM replays</label>
            <p class="hint muted">The tracker loads rrweb's recorder (about 23 KB) for sampled visits; typed input is always masked.</p>
          </div>
          <Field label="Replay sampling (%)" hint="Share of visits recorded, when DOM replay is on.">{sample}</Field>
          <Field label="Retention (days)" hint="Sessions and their events are deleted after this many days.">{retention}</Field>
          <div class="field">
            <label class="inline switch">{dnt} Respect Do Not Track</label>
            <p class="hint muted">Visitors with Do Not Track or Global Privacy Control are not tracked.</p>
          </div>
        </div>
      </fieldset>
      {readOnly ? <p class="muted">Only admins change site settings.</p> : <div class="form-actions">{save}{status}</div>}
    </form>
  );

  const deleteStatus = Status();
  return (
    <div>
      <div class="view-head">
        <a class="back" href="/app/settings/sites">← Sites</a>
        <h1 tabindex="-1">{site.name}</h1>
        <p class="muted">
          <span class="mono">{site.id}</span> · {site.domain}
        </p>
      </div>
      <Panel title="Install the snippet" wide>
        <p>Paste this into the <code>&lt;head&gt;</code> of every page of <strong>{site.domain}</strong>. Visits show up in the dashboard within seconds.</p>
        <Snippet siteId={site.id} />
        <p class="muted small">
          Optional attributes: <code>data-errors</code> records uncaught errors, <code>data-replay="false"</code> never records the DOM on a page,
          <code> data-mask="all"</code> sends no element text. Custom events: <code>edgereplay('event', 'signup', {'{'} plan: 'pro' {'}'})</code>.
        </p>
      </Panel>
      <Panel title="Settings" wide>{form}</Panel>
      {ctx.manage ? await SharesPanel({ site, ctx }) : null}
      {ctx.manage ? (
        <Panel title="Delete this site" wide>
          <p>Deletes the site with every session, event and token of it. This cannot be undone.</p>
          <div class="form-actions">
            <ConfirmButton
              danger
              label={`Delete ${site.name}`}
              confirm="Click again to delete everything"
              action={async () => {
                try {
                  const result = await call<{ deleted: boolean; remaining_sessions?: number }>(`/api/sites/${encodeURIComponent(site.id)}?confirm=${encodeURIComponent(site.id)}`, { method: 'DELETE' });
                  if (!result.deleted) {
                    deleteStatus.ok(`Part of the data is deleted; ${result.remaining_sessions ?? 'some'} sessions are left. Delete again to continue.`);
                    return;
                  }
                  invalidateSites();
                  navigate('/app/settings/sites');
                } catch (err) {
                  deleteStatus.fail(err);
                }
              }}
            />
            {deleteStatus}
          </div>
        </Panel>
      ) : null}
    </div>
  );
}

interface Share {
  id: string;
  replays: boolean;
  has_password: boolean;
  created_at: string;
  revoked_at: string | null;
}

/** Shared read-only links: this site's dashboard without a login, revocable. */
async function SharesPanel({ site, ctx }: { site: Site; ctx: Ctx }) {
  const path = `/api/sites/${encodeURIComponent(site.id)}/shares`;
  const { shares } = await call<{ shares: Share[] }>(path, { signal: ctx.signal, cache: false });
  const password = <input name="share-password" type="password" minlength="8" autocomplete="new-password" placeholder="optional" /> as HTMLInputElement;
  const replays = <input name="share-replays" type="checkbox" /> as HTMLInputElement;
  const reveal = <div class="reveal-slot" />;
  const status = Status();
  const submit = <button type="submit" class="btn">Create link</button> as HTMLButtonElement;
  const rows = shares.filter((sh) => !sh.revoked_at);
  return (
    <Panel title="Shared links" wide>
      <p class="muted">A link shows this site's dashboard to anyone who has it, without a login, and never another site. Revoke it to end access at once.</p>
      <form
        class="form grid-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          busy(submit, async () => {
            try {
              const made = await call<{ url: string }>(path, { method: 'POST', body: { replays: replays.checked, ...(password.value ? { password: password.value } : {}) } });
              reveal.replaceChildren(
                <div class="reveal" role="alert">
                  <p><strong>Copy the link now.</strong> It is not shown again.</p>
                  <div class="snippet">
                    <pre tabindex="0" aria-label="New shared link"><code data-share-url>{made.url}</code></pre>
                    <CopyButton text={() => made.url} label="Copy link" />
                  </div>
                </div>,
              );
              status.ok('Link created.');
            } catch (err) {
              status.fail(err);
            }
          });
        }}
      >
        <Field label="Password" hint="Visitors of the link type it once a day. At least 8 characters.">{password}</Field>
        <div class="field"><label class="check">{replays} Include session replays</label></div>
        <div class="form-actions">{submit}{status}</div>
      </form>
      {reveal}
      {rows.length ? (
        <ul class="plain-list">
          {rows.map((sh) => (
            <li data-share-id={sh.id}>
              <span class="mono">{sh.id}</span> · {sh.replays ? 'with replays' : 'no replays'}{sh.has_password ? ' · password' : ''} · {dateTime(sh.created_at)}{' '}
              <ConfirmButton small danger label="Revoke" confirm="Click again to revoke" action={async () => {
                await call(`${path}/${encodeURIComponent(sh.id)}`, { method: 'DELETE' });
                navigate(location.pathname, { replace: true });
              }} />
            </li>
          ))}
        </ul>
      ) : null}
    </Panel>
  );
}
