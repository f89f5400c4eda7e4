// A shared link's page (/share/<secret>): asks for the link's password when
// it has one, keeps the link's pass for this tab, and opens the site's
// dashboard, which then reads through the link (no login, no settings).
import { useState } from 'preact/hooks';
import { call, HttpError, setSharePass } from '../api';
import { navigate } from '../router';
import { forget } from '../session';

async function openShared(): Promise<void> {
  const current = await call<{ site: { id: string } }>('/api/shares/current', { cache: false });
  forget();
  navigate(`/app?site=${encodeURIComponent(current.site.id)}`, { replace: true });
}

export async function shareEntryView(secret: string) {
  setSharePass(secret);
  try {
    await openShared();
    return null;
  } catch (err) {
    if (!(err instanceof HttpError && err.code === 'password_required')) {
      setSharePass(null);
      return (
        <main class="login" id="main">
          <div class="login-card">
            <h1 tabindex={-1}>This link does not work</h1>
            <p>{err instanceof HttpError ? err.message : String(err)}</p>
          </div>
        </main>
      );
    }
  }
  setSharePass(null);
  return <SharePassword secret={secret} />;
}

function SharePassword(props: { secret: string }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="login" id="main">
      <form
        class="login-card"
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          setError('');
          setBusy(true);
          try {
            const { pass } = await call<{ pass: string }>('/api/shares/unlock', { method: 'POST', body: { secret: props.secret, password: String(new FormData(form).get('password')) } });
            setSharePass(pass);
            await openShared();
          } catch (err) {
            const status = err instanceof HttpError ? err.status : 0;
            setError(status === 429 ? 'Too many attempts. Wait a minute, then try again.' : status === 401 ? 'That password is not right.' : err instanceof Error ? err.message : String(err));
            form.querySelector<HTMLInputElement>('#password')?.select();
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 tabindex={-1}>This shared dashboard needs a password</h1>
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <p class="form-error" role="alert">{error}</p>
        <button type="submit" class="btn primary wide" disabled={busy}>Open</button>
      </form>
    </main>
  );
}
