// The Worker. Every URL the product answers is mounted here.
import { Hono } from 'hono';
import type { AppBindings, AppEnv } from './env';
import { ApiError, errorBody, renderError } from './errors';
import { closeDb } from './lib/db';
import { secretProblem } from './lib/secrets';
import adminStorage from './routes/admin-storage';
import adminUsers from './routes/admin-users';
import analytics from './routes/analytics';
import dashboard from './routes/dashboard';
import insights from './routes/insights';
import auth from './routes/auth';
import deployments from './routes/deployments';
import invitations from './routes/invitations';
import orgs from './routes/orgs';
import shares from './routes/shares';
import ops from './routes/ops';
import replay from './routes/replay';
import sessions from './routes/sessions';
import conversions from './routes/conversions';
import sites from './routes/sites';
import tokens from './routes/tokens';
import track from './routes/track';
import tracker from './routes/tracker';
import { runScheduled } from './services/background';

const app = new Hono<AppBindings>();

app.use('*', async (c, next) => {
  const problem = c.req.path === '/health' || c.req.path === '/ping' ? null : secretProblem(c.env);
  if (problem) return c.json(errorBody('misconfigured', problem), 503, { 'Retry-After': '60' });
  await next();
});
app.use('*', closeDb);
app.route('/track', track);
app.route('/analytics', analytics);
app.route('/api/sessions', sessions);
app.route('/api/insights', insights);
app.route('/api/conversions', conversions);
app.route('/replay', replay);
app.route('/api/auth', auth);
app.route('/api/admin/users', adminUsers);
app.route('/api/admin/storage', adminStorage);
app.route('/api/sites', sites);
app.route('/api/tokens', tokens);
app.route('/api/orgs', orgs);
app.route('/api/invitations', invitations);
app.route('/api/shares', shares);
app.route('/api/deployments', deployments);
app.route('/', ops);
app.route('/', tracker);
app.route('/', dashboard);

app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));
app.onError(renderError);

async function scheduled(controller: ScheduledController, env: AppEnv, ctx: ExecutionContext) {
  ctx.waitUntil(runScheduled(env, controller.cron).then((done) => console.log('cron', controller.cron, done)));
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<AppEnv>;
export { ApiError };
