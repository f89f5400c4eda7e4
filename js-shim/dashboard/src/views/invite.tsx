// An invitation's page (/invite/<secret>): shows which organisation invites
// which address, and sets the new account's password; then logs in.
import { h } from '../h';
import { call, HttpError } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

interface Invitation {
  organization_name: string;
  email: string;
  role: string;
  expires_at: string;
}

export async function inviteView(secret: string) {
  let found: { invitation: Invitation; account_exists: boolean };
  try {
    found = await call(`/api/invitations/${encodeURIComponent(secret)}`, { cache: false });
  } catch (err) {
    return (
      <main class="login" id="main">
        <div class="login-card">
          <h1 tabindex="-1">This invitation cannot be used</h1>
          <p>{err instanceof HttpError ? err.message : String(err)}</p>
          <p><a href="/app/login">Log in</a></p>
        </div>
      </main>
    );
  }
  const { invitation } = found;
  const name = <input id="name" name="name" autocomplete="name" maxlength="100" /> as HTMLInputElement;
  const password = <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" /> as HTMLInputElement;
  const error = <p class="form-error" role="alert" />;
  const submit = <button type="submit" class="btn primary wide">{found.account_exists ? 'Join' : 'Set password and join'}</button> as HTMLButtonElement;
  const form = (
    <form
      class="login-card"
      aria-labelledby="invite-title"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        try {
          await call(`/api/invitations/${encodeURIComponent(secret)}/accept`, {
            method: 'POST',
            body: found.account_exists ? {} : { password: password.value, ...(name.value.trim() ? { name: name.value.trim() } : {}) },
          });
          if (!found.account_exists) await call('/api/auth/sign-in/email', { method: 'POST', body: { email: invitation.email, password: password.value } });
          forget();
          navigate('/app', { replace: true });
        } catch (err) {
          const status = err instanceof HttpError ? err.status : 0;
          error.textContent = status === 429 ? 'Too many attempts. Wait a minute, then try again.' : (err as Error).message;
        } finally {
          submit.disabled = false;
        }
      }}
    >
      <div class="brand big">
        <span class="logo" aria-hidden="true" />
        <span>edgereplay</span>
      </div>
      <h1 id="invite-title" tabindex="-1">Join {invitation.organization_name}</h1>
      <p>
        You are invited as <strong>{invitation.role}</strong> with <strong>{invitation.email}</strong>.
      </p>
      {found.account_exists ? (
        <p class="muted">This address has an account: log in as it first, then open the link again.</p>
      ) : (
        [<label for="name">Your name</label>, name, <label for="password">Choose a password (10 characters or more)</label>, password]
      )}
      {error}
      {submit}
    </form>
  );
  return <main class="login" id="main">{form}</main>;
}
