// Members of the current organisation: their roles (owner, admin, viewer) and
// the sites a membership is narrowed to; invitations by email, each a
// one-time link to copy (and mailed when the Worker can send mail).
import { call, type OrgRole } from '../api';
import type { Ctx } from '../context';
import { dateTime } from '../format';
import { navigate } from '../router';
import { Empty, Panel, Reveal } from '../components/ui';
import { ConfirmButton, Field, SettingsForm, errorText, text } from '../components/forms';
import { Heading } from '../views/breakdowns';

interface Member {
  id: string;
  email: string;
  name: string;
  role: OrgRole;
  site_ids: string[] | null;
  created_at: string;
}

interface Invitation {
  id: string;
  email: string;
  role: OrgRole;
  status: string;
  expires_at: string;
}

const ROLES: { value: OrgRole; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'admin', label: 'Admin' },
  { value: 'owner', label: 'Owner' },
];

export async function membersView(ctx: Ctx) {
  if (!ctx.org) return <Empty title="No organisation" icon="lock"><p>You are not a member of an organisation.</p></Empty>;
  const base = `/api/orgs/${encodeURIComponent(ctx.org.id)}`;
  const [{ members }, { invitations }] = await Promise.all([
    call<{ members: Member[] }>(`${base}/members`, { signal: ctx.signal, cache: false }),
    call<{ invitations: Invitation[] }>(`${base}/invitations`, { signal: ctx.signal, cache: false }),
  ]);
  const siteName = (id: string) => ctx.sites.find((s) => s.id === id)?.name ?? id;
  const reload = () => navigate(location.pathname + location.search, { replace: true });

  const form = (
    <SettingsForm
      grid
      submit="Invite"
      onSubmit={async (data) => {
        const email = text(data, 'email');
        const chosen = data.getAll('sites').map(String);
        const made = await call<{ url: string; emailed: boolean }>(`${base}/invitations`, {
          method: 'POST',
          body: { email, role: text(data, 'role'), ...(chosen.length ? { site_ids: chosen } : {}) },
        });
        return {
          reset: true,
          reveal: (
            <Reveal
              what="Invitation link"
              kind="invite-url"
              copy="Copy link"
              value={made.url}
              note={<p><strong>Send this link to {email}.</strong> It works once, for 7 days{made.emailed ? ', and was emailed too' : ''}.</p>}
            />
          ),
        };
      }}
    >
      <Field label="Email"><input name="email" type="email" required placeholder="colleague@example.com" autocomplete="off" /></Field>
      <Field label="Role" hint="Viewers read analytics and replays; admins also manage sites, links, tokens and members; owners also make owners.">
        <select name="role">{ROLES.map((r) => <option value={r.value}>{r.label}</option>)}</select>
      </Field>
      <Field label="Only these sites" hint="Leave empty for every site of the organisation.">
        <select name="sites" multiple size={Math.min(5, Math.max(2, ctx.sites.length))}>
          {ctx.sites.map((s) => <option value={s.id}>{s.name}</option>)}
        </select>
      </Field>
    </SettingsForm>
  );

  const memberRows = members.map((m) => {
    const select = (
      <select
        aria-label={`Role of ${m.email}`}
        value={m.role}
        onChange={async (e) => {
          try {
            await call(`${base}/members/${encodeURIComponent(m.id)}`, { method: 'PATCH', body: { role: e.currentTarget.value } });
            reload();
          } catch (err) {
            alert(errorText(err));
            reload();
          }
        }}
      >
        {ROLES.map((r) => <option value={r.value}>{r.value}</option>)}
      </select>
    );
    return (
      <tr data-member-id={m.id}>
        <td>{m.name} <span class="muted">{m.email}</span></td>
        <td>{select}</td>
        <td>{m.site_ids ? m.site_ids.map(siteName).join(', ') : 'All sites'}</td>
        <td>{dateTime(m.created_at)}</td>
        <td class="actions">
          <ConfirmButton small danger label="Remove" confirm="Click again to remove" action={async () => {
            await call(`${base}/members/${encodeURIComponent(m.id)}`, { method: 'DELETE' });
            reload();
          }} />
        </td>
      </tr>
    );
  });

  const pending = invitations.filter((i) => i.status === 'pending');
  return (
    <div>
      <Heading title="Members" sub={`Who sees ${ctx.org.name}'s sites, and what they may change.`} />
      <Panel title="Invite someone" wide>
        {form}
      </Panel>
      <Panel title="Members" wide>
        {members.length ? null : <p class="muted">No members yet: invite someone above.</p>}
        <div class="table-wrap" hidden={!members.length}>
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Role</th>
                <th scope="col">Sites</th>
                <th scope="col">Since</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>{memberRows}</tbody>
          </table>
        </div>
      </Panel>
      <Panel title="Pending invitations" wide>
        {pending.length ? (
          <ul class="plain-list">
            {pending.map((i) => (
              <li data-invitation-id={i.id}>
                {i.email} · {i.role} · expires {dateTime(i.expires_at)}{' '}
                <ConfirmButton small danger label="Revoke" confirm="Click again to revoke" action={async () => {
                  await call(`${base}/invitations/${encodeURIComponent(i.id)}`, { method: 'DELETE' });
                  reload();
                }} />
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">None.</p>
        )}
      </Panel>
    </div>
  );
}
