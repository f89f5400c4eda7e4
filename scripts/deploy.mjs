// npm run deploy [-- --env staging] [other wrangler deploy arguments]
// Builds, runs `wrangler deploy` with the version embedded (--var VERSION,
// COMMIT_SHA, BUILD_TIME), and records the outcome, failed ones included, in
// deployment_history: straight into Postgres when DATABASE_URL is set, else
// through POST $DEPLOY_URL/api/deployments with $DEPLOY_TOKEN. Exits with
// wrangler's status. EDGEREPLAY_WRANGLER replaces the wrangler command.
import { recordDeployment, run, versionFacts, wranglerArgs } from './lib/deploy.mjs';

const args = process.argv.slice(2);
const build = !args.includes('--no-build');
const extra = args.filter((a) => a !== '--no-build');
const envAt = extra.indexOf('--env');
const environment = envAt >= 0 ? extra[envAt + 1] : extra.find((a) => a.startsWith('--env='))?.slice(6) ?? 'production';

const facts = versionFacts();
console.log(`deploy: ${facts.version} to ${environment}`);

let outcome = build ? await run('bash', ['scripts/build.sh']) : { code: 0, tail: '' };
let step = 'build';
if (outcome.code === 0) {
  step = 'wrangler deploy';
  const [command, ...prefix] = (process.env.EDGEREPLAY_WRANGLER ?? 'npx wrangler').split(' ');
  outcome = await run(command, [...prefix, ...wranglerArgs(facts, extra)]);
}
const failed = outcome.code !== 0;

const record = {
  version: facts.version,
  environment,
  commit_sha: facts.commit,
  deployed_by: facts.deployedBy,
  status: failed ? 'failed' : 'success',
  notes: failed ? `${step} exited ${outcome.code}: ${outcome.tail.trim().split('\n').slice(-10).join('\n')}` : null,
};
try {
  const where = await recordDeployment(record, {
    databaseUrl: process.env.DATABASE_URL,
    deployUrl: process.env.DEPLOY_URL,
    deployToken: process.env.DEPLOY_TOKEN,
  });
  console.log(where ? `deploy: recorded as ${record.status} (${where})` : 'deploy: not recorded (set DATABASE_URL, or DEPLOY_URL and DEPLOY_TOKEN)');
} catch (err) {
  console.error(`deploy: could not record the deployment: ${err.message}`);
  if (!failed) process.exitCode = 1;
}
if (failed) {
  console.error(`deploy: ${step} failed`);
  process.exitCode = outcome.code;
}
