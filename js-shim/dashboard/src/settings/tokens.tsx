// API tokens for scripts and other tools that read the analytics APIs. A
// token's secret is shown once, when it is made.
import { h, replace } from '../h';
import { call } from '../api';
import type { Ctx } from '../context';
import { dateTime, ago } from '../format';
import { navigate } from '../router';
import { CopyButton, Empty, Panel } from '../components/ui';
import { ConfirmButton, Field, Status, busy } from '../components/forms';
import { Heading } from '../views/breakdowns';

interface Token {
  id: string;
  name: string;
  site_id: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export async function tokensView(ctx: Ctx) {
  const { tokens } = await call<{ tokens: Token[] }>('/api/tokens', { signal: ctx.signal, cache: false });
  const status = Status();
  const reveal = <div class="reveal-slot" />;

  const name = <input name="name" required maxlength="100" placeholder="CI export" autocomplete="off" /> as HTMLInputElement;
  const site = (
    <select name="site_id">
      <option value="">All sites</option>
      {ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
    </select>
  ) as HTMLSelectElement;
  const submit = <button type="submit" class="btn primary">Create token</button> as HTMLButtonElement;
  const form = (
    <form
      class="form grid-form"
      onSubmit={(e: Event) => {
        e.preventDefault();
        busy(submit, async () => {
          try {
            const made = await call<{ token: Token; secret: string }>('/api/tokens', { method: 'POST', body: { name: name.value.trim(), ...(ctx.org ? { organization_id: ctx.org.id } : {}), ...(site.value ? { site_id: site.value } : {}) } });
            replace(
              reveal,
              <div class="reveal" role="alert">
                <p><strong>Copy the token now.</strong> It is not shown again; only its hash is stored.</p>
                <div class="snippet">
                  <pre tabindex="0" aria-label="New API token"><code data-secret>{made.secret}</code></pre>
                  <CopyButton text={() => made.secret} label="Copy token" />
                </div>
                <p class="muted small">Use it as <code>Authorization: Bearer {made.secret.slice(0, 8)}…</code> on the /analytics and /api/sessions routes.</p>
              </div>,
            );
            name.value = '';
            const list = await call<{ tokens: Token[] }>('/api/tokens', { cache: false });
            replace(table, <TokenTable tokens={list.tokens} ctx={ctx} />);
          } catch (err) {
            status.fail(err);
          }
        });
      }}
    >
      <Field label="Name" hint="What uses it, so you know which one to revoke.">{name}</Field>
      <Field label="Can read" hint="A token for one site cannot read the others.">{site}</Field>
      <div class="form-actions">
        {submit}
        {status}
      </div>
    </form>
  );
  const table = <div><TokenTable tokens={tokens} ctx={ctx} /></div>;
  return (
    <div>
      <Heading title="API tokens" sub="Read-only access to the analytics and session APIs, for scripts and other tools." />
      <Panel title="New token" wide>
        {form}
        {reveal}
      </Panel>
      <Panel title="Tokens" wide>{table}</Panel>
    </div>
  );
}

function TokenTable(props: { tokens: Token[]; ctx: Ctx }) {
  if (!props.tokens.length) return <Empty title="No tokens yet" icon="key"><p>Create one above to read the APIs from a script.</p></Empty>;
  return (
    <div class="table-wrap">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Reads</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr data-token-id={t.id} class={t.revoked_at ? 'dim' : undefined}>
              <td>{t.name} <span class="mono muted">{t.id}</span></td>
              <td>{t.site_id ? props.ctx.sites.find((s) => s.id === t.site_id)?.name ?? t.site_id : 'All sites'}</td>
              <td>{dateTime(t.created_at)}</td>
              <td>{t.last_used_at ? ago(t.last_used_at) : 'Never'}</td>
              <td>{t.revoked_at ? <span class="badge muted">revoked {dateTime(t.revoked_at)}</span> : <span class="badge ok">active</span>}</td>
              <td class="actions">
                {t.revoked_at ? null : (
                  <ConfirmButton
                    small
                    danger
                    label="Revoke"
                    confirm="Click again to revoke"
                    action={async () => {
                      await call(`/api/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
                      navigate(location.pathname, { replace: true });
                    }}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
