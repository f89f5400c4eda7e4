// An invitation's page (/invite/<secret>): shows which organisation invites
// which address, and sets the new account's password; then logs in.
import { useState } from 'preact/hooks';
import { call, HttpError } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

interface Invitation {
  organization_name: string;
  email: string;
  role: string;
  expires_at: string;
}

interface Found {
  invitation: Invitation;
  account_exists: boolean;
}

export async function inviteView(secret: string) {
  let found: Found;
  try {
    found = await call<Found>(`/api/invitations/${encodeURIComponent(secret)}`, { cache: false });
  } catch (err) {
    return (
      <main class="login" id="main">
        <div class="login-card">
          <h1 tabindex={-1}>This invitation cannot be used</h1>
          <p>{err instanceof HttpError ? err.message : String(err)}</p>
          <p><a href="/app/login">Log in</a></p>
        </div>
      </main>
    );
  }
  return <InvitePage secret={secret} found={found} />;
}

function InvitePage(props: { secret: string; found: Found }) {
  const { secret, found } = props;
  const { invitation } = found;
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        aria-labelledby="invite-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const password = String(data.get('password') ?? '');
          const name = String(data.get('name') ?? '').trim();
          setError('');
          setBusy(true);
          try {
            await call(`/api/invitations/${encodeURIComponent(secret)}/accept`, {
              method: 'POST',
              body: found.account_exists ? {} : { password, ...(name ? { name } : {}) },
            });
            if (!found.account_exists) await call('/api/auth/sign-in/email', { method: 'POST', body: { email: invitation.email, password } });
            forget();
            navigate('/app', { replace: true });
          } catch (err) {
            const status = err instanceof HttpError ? err.status : 0;
            setError(status === 429 ? 'Too many attempts. Wait a minute, then try again.' : err instanceof Error ? err.message : String(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="brand big">
          <span class="logo" aria-hidden="true" />
          <span>edgereplay</span>
        </div>
        <h1 id="invite-title" tabindex={-1}>Join {invitation.organization_name}</h1>
        <p>
          You are invited as <strong>{invitation.role}</strong> with <strong>{invitation.email}</strong>.
        </p>
        {found.account_exists ? (
          <p class="muted">This address has an account: log in as it first, then open the link again.</p>
        ) : (
          <>
            <label for="name">Your name</label>
            <input id="name" name="name" autocomplete="name" maxlength={100} />
            <label for="password">Choose a password (10 characters or more)</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required minlength={10} />
          </>
        )}
        <p class="form-error" role="alert">{error}</p>
        <button type="submit" class="btn primary wide" disabled={busy}>{found.account_exists ? 'Join' : 'Set password and join'}</button>
      </form>
    </main>
  );
}
