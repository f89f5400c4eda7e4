// Users of the dashboard (admins only): add people, ban (every login of
// theirs ends at once), unban, delete.
import { useState } from 'preact/hooks';
import { call } from '../api';
import type { Ctx } from '../context';
import { dateTime } from '../format';
import { navigate } from '../router';
import { Panel } from '../components/ui';
import { ConfirmButton, Field, SettingsForm, Status, text, type StatusLine } from '../components/forms';
import { Heading } from '../views/breakdowns';

interface AdminUser {
  id: string;
  name: string;
  email: string;
  role: string;
  banned: boolean;
  ban_reason: string | null;
  ban_expires: string | null;
  created_at: string | null;
}

const PAGE = 100;
const reload = () => navigate(location.pathname + location.search, { replace: true });

export async function usersView(ctx: Ctx) {
  const { users, total } = await call<{ users: AdminUser[]; total: number }>(`/api/admin/users?limit=${PAGE}`, { signal: ctx.signal, cache: false });
  return <Users ctx={ctx} users={users} total={total} />;
}

function Users(props: { ctx: Ctx; users: AdminUser[]; total: number }) {
  const { users, total } = props;
  const [status, setStatus] = useState<StatusLine>(null);
  const act = async (path: string, method: string, body?: unknown) => {
    try {
      await call(path, { method, body: body ?? {} });
      reload();
    } catch (err) {
      setStatus({ ok: false, error: err });
    }
  };
  return (
    <div>
      <Heading title="Users" sub={`${total} ${total === 1 ? 'person' : 'people'} can log in. A ban ends every login of that user at once.`} />
      <Panel title="People" wide>
        <Status line={status} />
        <div class="table-wrap">
          <table class="data users">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Added</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => <UserRow key={u.id} u={u} self={u.id === props.ctx.me.id} act={act} />)}
            </tbody>
          </table>
        </div>
        {total > users.length ? <p class="muted">Showing the first {users.length} of {total}.</p> : null}
      </Panel>
      <NewUser />
    </div>
  );
}

function UserRow(props: { u: AdminUser; self: boolean; act: (path: string, method: string, body?: unknown) => Promise<void> }) {
  const { u, self, act } = props;
  const [reason, setReason] = useState('');
  const path = `/api/admin/users/${encodeURIComponent(u.id)}`;
  return (
    <tr data-user-email={u.email} class={u.banned ? 'dim' : undefined}>
      <td>
        <strong>{u.name}</strong>
        <span class="secondary">{u.email}</span>
      </td>
      <td>{u.role === 'admin' ? <span class="badge">admin</span> : 'user'}</td>
      <td data-col="state">
        {u.banned ? (
          <span class="badge bad" title={u.ban_reason ?? ''}>banned{u.ban_expires ? ` until ${dateTime(u.ban_expires)}` : ''}</span>
        ) : (
          <span class="badge ok">active</span>
        )}
        {u.banned && u.ban_reason ? <span class="secondary">{u.ban_reason}</span> : null}
      </td>
      <td>{dateTime(u.created_at)}</td>
      <td class="actions">
        {self ? (
          <span class="muted small">You</span>
        ) : u.banned ? (
          <button type="button" class="btn small" onClick={() => act(`${path}/unban`, 'POST')}>Unban</button>
        ) : (
          <span class="ban">
            <input class="small-input" placeholder="Reason (optional)" aria-label={`Reason to ban ${u.email}`} maxlength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            <ConfirmButton small label="Ban" confirm="Click again to ban" action={() => act(`${path}/ban`, 'POST', reason.trim() ? { reason: reason.trim() } : {})} />
          </span>
        )}
        {self ? null : <ConfirmButton small danger label="Delete" confirm="Click again to delete" action={() => act(path, 'DELETE')} />}
      </td>
    </tr>
  );
}

function NewUser() {
  return (
    <Panel title="Add a user" wide>
      <SettingsForm
        grid
        submit="Add user"
        onSubmit={async (data) => {
          const name = text(data, 'name');
          await call('/api/admin/users', {
            method: 'POST',
            body: { email: text(data, 'email'), password: String(data.get('password') ?? ''), role: text(data, 'role'), ...(name ? { name } : {}) },
          });
          reload();
        }}
      >
        <Field label="Email"><input type="email" name="email" required autocomplete="off" /></Field>
        <Field label="Name" hint="Defaults to the part of the email before the @."><input name="name" autocomplete="off" /></Field>
        <Field label="Password" hint="At least 10 characters. Hand it over safely."><input type="password" name="password" required minlength={10} autocomplete="new-password" /></Field>
        <Field label="Role">
          <select name="role">
            <option value="user">User: reads every site</option>
            <option value="admin">Admin: also manages sites, tokens and users</option>
          </select>
        </Field>
      </SettingsForm>
    </Panel>
  );
}
