// A shared link's page (/share/<secret>): asks for the link's password when
// it has one, keeps the link's pass for this tab, and opens the site's
// dashboard, which then reads through the link (no login, no settings).
import { h } from '../h';
import { call, HttpError, setSharePass } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

export async function shareEntryView(secret: string) {
  setSharePass(secret);
  try {
    const current = await call<{ site: { id: string } }>('/api/shares/current', { cache: false });
    forget();
    navigate(`/app?site=${encodeURIComponent(current.site.id)}`, { replace: true });
    return null;
  } catch (err) {
    if (!(err instanceof HttpError && err.code === 'password_required')) {
      setSharePass(null);
      return (
        <main class="login" id="main">
          <div class="login-card">
            <h1 tabindex="-1">This link does not work</h1>
            <p>{err instanceof HttpError ? err.message : String(err)}</p>
          </div>
        </main>
      );
    }
  }
  setSharePass(null);
  const password = <input id="password" name="password" type="password" autocomplete="current-password" required /> as HTMLInputElement;
  const error = <p class="form-error" role="alert" />;
  const submit = <button type="submit" class="btn primary wide">Open</button> as HTMLButtonElement;
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        onSubmit={async (e: Event) => {
          e.preventDefault();
          error.textContent = '';
          submit.disabled = true;
          try {
            const { pass } = await call<{ pass: string }>('/api/shares/unlock', { method: 'POST', body: { secret, password: password.value } });
            setSharePass(pass);
            const current = await call<{ site: { id: string } }>('/api/shares/current', { cache: false });
            forget();
            navigate(`/app?site=${encodeURIComponent(current.site.id)}`, { replace: true });
          } catch (err) {
            const status = err instanceof HttpError ? err.status : 0;
            error.textContent = status === 429 ? 'Too many attempts. Wait a minute, then try again.' : status === 401 ? 'That password is not right.' : (err as Error).message;
            password.select();
          } finally {
            submit.disabled = false;
          }
        }}
      >
        <h1 tabindex="-1">This shared dashboard needs a password</h1>
        <label for="password">Password</label>
        {password}
        {error}
        {submit}
      </form>
    </main>
  );
}
