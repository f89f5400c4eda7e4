// API tokens for scripts and other tools that read the analytics APIs. A
// token's secret is shown once, when it is made.
import { useState } from 'preact/hooks';
import { call } from '../api';
import type { Ctx } from '../context';
import { dateTime, ago } from '../format';
import { navigate } from '../router';
import { Empty, Panel, Reveal } from '../components/ui';
import { ConfirmButton, Field, SettingsForm, text } from '../components/forms';
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
  return <Tokens ctx={ctx} first={tokens} />;
}

function Tokens(props: { ctx: Ctx; first: Token[] }) {
  const { ctx } = props;
  const [tokens, setTokens] = useState(props.first);
  return (
    <div>
      <Heading title="API tokens" sub="Read-only access to the analytics and session APIs, for scripts and other tools." />
      <Panel title="New token" wide>
        <SettingsForm
          grid
          submit="Create token"
          onSubmit={async (data) => {
            const site = text(data, 'site_id');
            const made = await call<{ token: Token; secret: string }>('/api/tokens', {
              method: 'POST',
              body: { name: text(data, 'name'), ...(ctx.org ? { organization_id: ctx.org.id } : {}), ...(site ? { site_id: site } : {}) },
            });
            setTokens((await call<{ tokens: Token[] }>('/api/tokens', { cache: false })).tokens);
            return {
              reset: true,
              reveal: (
                <Reveal
                  what="New API token"
                  kind="secret"
                  copy="Copy token"
                  value={made.secret}
                  note={<p><strong>Copy the token now.</strong> It is not shown again; only its hash is stored.</p>}
                  after={<p class="muted small">Use it as <code>Authorization: Bearer {made.secret.slice(0, 8)}…</code> on the /api/analytics and /api/sessions routes.</p>}
                />
              ),
            };
          }}
        >
          <Field label="Name" hint="What uses it, so you know which one to revoke.">
            <input name="name" required maxlength={100} placeholder="CI export" autocomplete="off" />
          </Field>
          <Field label="Can read" hint="A token for one site cannot read the others.">
            <select name="site_id">
              <option value="">All sites</option>
              {ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
            </select>
          </Field>
        </SettingsForm>
      </Panel>
      <Panel title="Tokens" wide>
        <div><TokenTable tokens={tokens} ctx={ctx} /></div>
      </Panel>
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
            <tr key={t.id} data-token-id={t.id} class={t.revoked_at ? 'dim' : undefined}>
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
