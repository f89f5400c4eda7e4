// Users of the dashboard (admins only): add people, ban (every login of
// theirs ends at once), unban, delete.
import { h } from '../h';
import { call } from '../api';
import type { Ctx } from '../context';
import { dateTime } from '../format';
import { navigate } from '../router';
import { Panel } from '../components/ui';
import { ConfirmButton, Field, Status, busy } from '../components/forms';
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

export async function usersView(ctx: Ctx) {
  const { users, total } = await call<{ users: AdminUser[]; total: number }>(`/api/admin/users?limit=${PAGE}`, { signal: ctx.signal, cache: false });
  const status = Status();
  const reload = () => navigate(location.pathname + location.search, { replace: true });
  const act = async (path: string, method: string, body?: unknown) => {
    try {
      await call(path, { method, body: body ?? {} });
      reload();
    } catch (err) {
      status.fail(err);
    }
  };

  const rows = users.map((u) => {
    const self = u.id === ctx.me.id;
    const reason = <input class="small-input" placeholder="Reason (optional)" aria-label={`Reason to ban ${u.email}`} maxlength="500" /> as HTMLInputElement;
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
            <button type="button" class="btn small" onClick={() => act(`/api/admin/users/${encodeURIComponent(u.id)}/unban`, 'POST')}>Unban</button>
          ) : (
            <span class="ban">
              {reason}
              <ConfirmButton small label="Ban" confirm="Click again to ban" action={() => act(`/api/admin/users/${encodeURIComponent(u.id)}/ban`, 'POST', reason.value.trim() ? { reason: reason.value.trim() } : {})} />
            </span>
          )}
          {self ? null : <ConfirmButton small danger label="Delete" confirm="Click again to delete" action={() => act(`/api/admin/users/${encodeURIComponent(u.id)}`, 'DELETE')} />}
        </td>
      </tr>
    );
  });

  return (
    <div>
      <Heading title="Users" sub={`${total} ${total === 1 ? 'person' : 'people'} can log in. A ban ends every login of that user at once.`} />
      <Panel title="People" wide>
        {status}
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
            <tbody>{rows}</tbody>
          </table>
        </div>
        {total > users.length ? <p class="muted">Showing the first {users.length} of {total}.</p> : null}
      </Panel>
      <NewUser onDone={reload} />
    </div>
  );
}

function NewUser(props: { onDone: () => void }) {
  const email = <input type="email" name="email" required autocomplete="off" /> as HTMLInputElement;
  const name = <input name="name" autocomplete="off" /> as HTMLInputElement;
  const password = <input type="password" name="password" required minlength="10" autocomplete="new-password" /> as HTMLInputElement;
  const role = (
    <select name="role">
      <option value="user">User: reads every site</option>
      <option value="admin">Admin: also manages sites, tokens and users</option>
    </select>
  ) as HTMLSelectElement;
  const status = Status();
  const submit = <button type="submit" class="btn primary">Add user</button> as HTMLButtonElement;
  return (
    <Panel title="Add a user" wide>
      <form
        class="form grid-form"
        onSubmit={(e: Event) => {
          e.preventDefault();
          busy(submit, async () => {
            try {
              await call('/api/admin/users', {
                method: 'POST',
                body: { email: email.value.trim(), password: password.value, role: role.value, ...(name.value.trim() ? { name: name.value.trim() } : {}) },
              });
              props.onDone();
            } catch (err) {
              status.fail(err);
            }
          });
        }}
      >
        <Field label="Email">{email}</Field>
        <Field label="Name" hint="Defaults to the part of the email before the @.">{name}</Field>
        <Field label="Password" hint="At least 10 characters. Hand it over safely.">{password}</Field>
        <Field label="Role">{role}</Field>
        <div class="form-actions">
          {submit}
          {status}
        </div>
      </form>
    </Panel>
  );
}
