// The login form: Better Auth's email sign-in. Accounts are made by an admin
// (`npm start` prints the first one); there is no sign-up.
import { useState } from 'preact/hooks';
import { call, HttpError } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

export function LoginPage(props: { next: string | null }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // Only a path inside the dashboard: never an open redirect.
  const next = props.next && /^\/app(\/|\?|$)/.test(props.next) && !props.next.startsWith('/app/login') ? props.next : '/app';
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        aria-labelledby="login-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          setError('');
          setBusy(true);
          try {
            await call('/api/auth/sign-in/email', { method: 'POST', body: { email: String(data.get('email')).trim(), password: String(data.get('password')), rememberMe: true } });
            forget();
            navigate(next, { replace: true });
          } catch (err) {
            const status = err instanceof HttpError ? err.status : 0;
            setError(
              status === 401 ? 'That email and password do not match an account.'
              : status === 403 && err instanceof HttpError ? err.message || 'This account may not log in.'
              : status === 429 ? 'Too many attempts. Wait a minute, then try again.'
              : `Could not log in: ${err instanceof Error ? err.message : String(err)}`,
            );
            form.querySelector<HTMLInputElement>('#password')?.select();
          } finally {
            setBusy(false);
          }
        }}
      >
        <div class="brand big">
          <span class="logo" aria-hidden="true" />
          <span>edgereplay</span>
        </div>
        <h1 id="login-title" tabindex={-1}>Log in to your dashboard</h1>
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required minlength={1} />
        <p class="form-error" role="alert">{error}</p>
        <button type="submit" class="btn primary wide" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        <p class="muted small">Running locally? <code>npm start</code> prints the admin login. Admins add more people under Settings → Users.</p>
      </form>
    </main>
  );
}
