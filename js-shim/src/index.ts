// The Worker. Every URL the product answers is named here: pages and files
// by their path, each JSON API as a router mounted at its prefix.
import { Hono } from 'hono';
import type { AppBindings, AppEnv } from './env';
import { ApiError, errorBody, renderError } from './errors';
import { closeDb } from './lib/db';
import { secretProblem } from './lib/secrets';
import adminStorage from './routes/admin-storage';
import adminUsers from './routes/admin-users';
import analytics from './routes/analytics';
import { asset, replayLink, shell } from './routes/dashboard';
import insights from './routes/insights';
import auth from './routes/auth';
import deployments from './routes/deployments';
import invitations from './routes/invitations';
import orgs from './routes/orgs';
import shares from './routes/shares';
import { health, ping, version } from './routes/ops';
import replay from './routes/replay';
import sessions from './routes/sessions';
import conversions from './routes/conversions';
import sites from './routes/sites';
import tokens from './routes/tokens';
import track from './routes/track';
import { trackerBuild, trackerScript } from './routes/tracker';
import { runScheduled } from './services/background';

const app = new Hono<AppBindings>();

app.use('*', async (c, next) => {
  const problem = c.req.path === '/health' || c.req.path === '/ping' ? null : secretProblem(c.env);
  if (problem) return c.json(errorBody('misconfigured', problem), 503, { 'Retry-After': '60' });
  await next();
});
app.use('*', closeDb);

// Operations.
app.get('/ping', ping);
app.get('/health', health);
app.get('/api/version', version);

// The tracker: the script sites embed, and its content-hashed builds (the core script, the replay chunk).
app.get('/tracker.js', trackerScript);
app.get('/:file{tracker(?:-replay)?\\.[0-9a-f]{10}\\.js}', trackerBuild);

// Ingest: the tracker's batches.
app.route('/track', track);

// JSON APIs.
app.route('/api/analytics', analytics);
app.route('/api/sessions', sessions);
app.route('/api/replay', replay);
app.route('/api/insights', insights);
app.route('/api/conversions', conversions);
app.route('/api/auth', auth);
app.route('/api/admin/users', adminUsers);
app.route('/api/admin/storage', adminStorage);
app.route('/api/sites', sites);
app.route('/api/tokens', tokens);
app.route('/api/orgs', orgs);
app.route('/api/invitations', invitations);
app.route('/api/shares', shares);
app.route('/api/deployments', deployments);

// Aliases, kept for scripts and links made before the APIs moved under /api/ (README, API).
app.route('/analytics', analytics);
app.route('/replay', replay);

// The dashboard: its HTML shell for every page of the app (it routes on the client), its assets,
// and old replay-viewer links, redirected to the dashboard's replay.
app.get('/', shell);
app.get('/app', shell);
app.get('/app/*', shell);
app.get('/invite/:secret', shell);
app.get('/share/:secret', shell);
app.get('/share/:secret/*', shell);
app.get('/assets/:file{[a-z-]+\\.[0-9a-f]{10}\\.(?:js|css)}', asset);
app.get('/replay/:id', replayLink);

app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));
app.onError(renderError);

async function scheduled(controller: ScheduledController, env: AppEnv, ctx: ExecutionContext) {
  ctx.waitUntil(runScheduled(env, controller.cron).then((done) => console.log('cron', controller.cron, done)));
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<AppEnv>;
// The Hono app itself, for the test that reads its route table (tests/worker/route-guard.test.ts).
export { app, ApiError };
