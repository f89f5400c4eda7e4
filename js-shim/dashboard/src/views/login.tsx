// The login form: Better Auth's email sign-in. Accounts are made by an admin
// (`npm start` prints the first one); there is no sign-up.
import { h } from '../h';
import { call, HttpError } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

export function loginView(props: { next: string | null }) {
  const email = <input id="email" name="email" type="email" autocomplete="username" required /> as HTMLInputElement;
  const password = <input id="password" name="password" type="password" autocomplete="current-password" required minlength="1" /> as HTMLInputElement;
  const error = <p class="form-error" role="alert" />;
  const submit = <button type="submit" class="btn primary wide">Log in</button> as HTMLButtonElement;
  // Only a path inside the dashboard: never an open redirect.
  const next = props.next && /^\/app(\/|\?|$)/.test(props.next) && !props.next.startsWith('/app/login') ? props.next : '/app';
  const form = (
    <form
      class="login-card"
      aria-labelledby="login-title"
      onSubmit={async (e: Event) => {
        e.preventDefault();
        error.textContent = '';
        submit.disabled = true;
        submit.textContent = 'Logging in…';
        try {
          await call('/api/auth/sign-in/email', { method: 'POST', body: { email: email.value.trim(), password: password.value, rememberMe: true } });
          forget();
          navigate(next, { replace: true });
        } catch (err) {
          const status = err instanceof HttpError ? err.status : 0;
          error.textContent =
            status === 401 ? 'That email and password do not match an account.'
            : status === 403 ? (err as HttpError).message || 'This account may not log in.'
            : status === 429 ? 'Too many attempts. Wait a minute, then try again.'
            : `Could not log in: ${(err as Error).message}`;
          password.select();
        } finally {
          submit.disabled = false;
          submit.textContent = 'Log in';
        }
      }}
    >
      <div class="brand big">
        <span class="logo" aria-hidden="true" />
        <span>edgereplay</span>
      </div>
      <h1 id="login-title" tabindex="-1">Log in to your dashboard</h1>
      <label for="email">Email</label>
      {email}
      <label for="password">Password</label>
      {password}
      {error}
      {submit}
      <p class="muted small">Running locally? <code>npm start</code> prints the admin login. Admins add more people under Settings → Users.</p>
    </form>
  );
  return <main class="login" id="main">{form}</main>;
}
