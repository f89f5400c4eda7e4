// Sites: what a snippet points at. An owner or admin of the organisation
// adds, edits (allowed origins, replay sampling, retention) and deletes them,
// and makes shared read-only links to them.
import { call, type Site } from '../api';
import { MAX_BOT_PATTERN_CHARS, MAX_BOT_PATTERNS } from '../../../src/contract';
import type { Ctx } from '../context';
import { dateTime } from '../format';
import { navigate } from '../router';
import { invalidateSites } from '../session';
import { Empty, Panel, Reveal, Snippet } from '../components/ui';
import { ConfirmAction, ConfirmButton, Field, SettingsForm, text } from '../components/forms';
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
  return (
    <Panel title="Add a site" wide>
      <SettingsForm
        grid
        submit="Add site"
        onSubmit={async (data) => {
          const [domain, name, id] = [text(data, 'domain'), text(data, 'name'), text(data, 'id')];
          const { site } = await call<{ site: Site }>('/api/sites', {
            method: 'POST',
            body: { ...(ctx.org ? { organization_id: ctx.org.id } : {}), domain, ...(name ? { name } : {}), ...(id ? { id } : {}) },
          });
          invalidateSites();
          navigate(siteHref(site.id));
        }}
      >
        <Field label="Domain" hint="The host name visitors see, e.g. shop.example.com."><input name="domain" required placeholder="example.com" autocomplete="off" /></Field>
        <Field label="Name" hint="Shown in the site picker. Defaults to the domain."><input name="name" placeholder="My shop" autocomplete="off" /></Field>
        <Field label="Site id" hint="Goes into the snippet as data-site. Letters, digits, - and _."><input name="id" pattern="[A-Za-z0-9_-]{1,64}" placeholder="generated" autocomplete="off" /></Field>
      </SettingsForm>
    </Panel>
  );
}

export async function siteView(ctx: Ctx) {
  const { site } = await call<{ site: Site }>(`/api/sites/${encodeURIComponent(ctx.params.id)}`, { signal: ctx.signal, cache: false });
  const readOnly = !ctx.manage;
  const form = (
    <SettingsForm
      submit="Save changes"
      readOnly={readOnly ? <p class="muted">Only admins change site settings.</p> : undefined}
      onSubmit={async (data) => {
        await call(`/api/sites/${encodeURIComponent(site.id)}`, {
          method: 'PATCH',
          body: {
            name: text(data, 'name'),
            domain: text(data, 'domain'),
            allowed_origins: text(data, 'allowed_origins').split(/[\s,]+/).map((o) => o.trim()).filter(Boolean),
            replay_enabled: data.has('replay_enabled'),
            replay_sample_rate: Number(data.get('replay_sample_rate')) / 100,
            retention_days: Number(data.get('retention_days')),
            respect_dnt: data.has('respect_dnt'),
            bot_patterns: text(data, 'bot_patterns').split('\n').map((p) => p.trim()).filter(Boolean),
          },
        });
        invalidateSites();
        return { status: 'Saved. The tracker picks the change up with the next visit.' };
      }}
    >
      <fieldset disabled={readOnly}>
        <legend class="sr-only">Site settings</legend>
        <div class="grid-form">
          <Field label="Name"><input name="name" value={site.name} required maxlength={100} disabled={readOnly} /></Field>
          <Field label="Domain"><input name="domain" value={site.domain} required disabled={readOnly} /></Field>
        </div>
        <Field label="Allowed origins" hint="One per line: pages on these origins may send visits (https://shop.example.com, or a bare host such as localhost). Requests without an Origin header (servers) are always accepted.">
          <textarea name="allowed_origins" rows={4} disabled={readOnly} spellcheck={false} value={site.allowed_origins.join('\n')} />
        </Field>
        <div class="grid-form">
          <div class="field">
            <label class="inline switch"><input type="checkbox" name="replay_enabled" checked={site.replay_enabled} disabled={readOnly} /> Record DOM replays</label>
            <p class="hint muted">The tracker loads rrweb's recorder (about 23 KB) for sampled visits; typed input is always masked.</p>
          </div>
          <Field label="Replay sampling (%)" hint="Share of visits recorded, when DOM replay is on.">
            <input type="number" name="replay_sample_rate" min="0" max="100" step="1" value={String(Math.round(site.replay_sample_rate * 100))} disabled={readOnly} />
          </Field>
          <Field label="Retention (days)" hint="Sessions and their events are deleted after this many days.">
            <input type="number" name="retention_days" min="1" max="3650" step="1" value={String(site.retention_days)} disabled={readOnly} />
          </Field>
          <div class="field">
            <label class="inline switch"><input type="checkbox" name="respect_dnt" checked={site.respect_dnt} disabled={readOnly} /> Respect Do Not Track</label>
            <p class="hint muted">Visitors with Do Not Track or Global Privacy Control are not tracked.</p>
          </div>
        </div>
        <Field
          label="Bot patterns"
          hint={`One per line, at most ${MAX_BOT_PATTERNS}: a new visit whose User-Agent contains one (ignoring case) counts as a bot's, like the crawlers and headless browsers already recognised. Bot visits are recorded but left out of analytics unless you include them.`}
        >
          <textarea name="bot_patterns" rows={3} disabled={readOnly} spellcheck={false} maxlength={MAX_BOT_PATTERNS * (MAX_BOT_PATTERN_CHARS + 1)} placeholder="UptimeMonitor/" value={(site.bot_patterns ?? []).join('\n')} />
        </Field>
      </fieldset>
    </SettingsForm>
  );

  return (
    <div>
      <div class="view-head">
        <a class="back" href="/app/settings/sites">← Sites</a>
        <h1 tabindex={-1}>{site.name}</h1>
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
      {ctx.manage ? await sharesPanel(site, ctx) : null}
      {ctx.manage ? (
        <Panel title="Delete this site" wide>
          <p>Deletes the site with every session, event and token of it. This cannot be undone.</p>
          <ConfirmAction
            danger
            label={`Delete ${site.name}`}
            confirm="Click again to delete everything"
            action={async () => {
              const result = await call<{ deleted: boolean; remaining_sessions?: number }>(`/api/sites/${encodeURIComponent(site.id)}?confirm=${encodeURIComponent(site.id)}`, { method: 'DELETE' });
              if (!result.deleted) return `Part of the data is deleted; ${result.remaining_sessions ?? 'some'} sessions are left. Delete again to continue.`;
              invalidateSites();
              navigate('/app/settings/sites');
            }}
          />
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
async function sharesPanel(site: Site, ctx: Ctx) {
  const path = `/api/sites/${encodeURIComponent(site.id)}/shares`;
  const { shares } = await call<{ shares: Share[] }>(path, { signal: ctx.signal, cache: false });
  const rows = shares.filter((sh) => !sh.revoked_at);
  return (
    <Panel title="Shared links" wide>
      <p class="muted">A link shows this site's dashboard to anyone who has it, without a login, and never another site. Revoke it to end access at once.</p>
      <SettingsForm
        grid
        primary={false}
        submit="Create link"
        onSubmit={async (data) => {
          const password = String(data.get('share-password') ?? '');
          const made = await call<{ url: string }>(path, { method: 'POST', body: { replays: data.has('share-replays'), ...(password ? { password } : {}) } });
          return { status: 'Link created.', reveal: <Reveal what="New shared link" note={<p><strong>Copy the link now.</strong> It is not shown again.</p>} value={made.url} kind="share-url" copy="Copy link" /> };
        }}
      >
        <Field label="Password" hint="Visitors of the link type it once a day. At least 8 characters.">
          <input name="share-password" type="password" minlength={8} autocomplete="new-password" placeholder="optional" />
        </Field>
        <div class="field"><label class="check"><input name="share-replays" type="checkbox" /> Include session replays</label></div>
      </SettingsForm>
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
