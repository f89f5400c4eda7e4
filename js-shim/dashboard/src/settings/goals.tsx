// Goals and funnels of the current site: what counts as a conversion (a page
// or a custom event, optionally with one property) and the ordered steps of a
// funnel. They apply to past visits as well as new ones.
import { useState } from 'preact/hooks';
import { call } from '../api';
import { linkTo, type Ctx } from '../context';
import { navigate } from '../router';
import { Empty, Panel } from '../components/ui';
import { ConfirmButton, Field, SettingsForm, text } from '../components/forms';
import { Heading } from '../views/breakdowns';

interface Matcher { kind: 'page' | 'event'; match?: string; value: string; prop_key?: string | null; prop_value?: string | null; name?: string }
interface Goal extends Matcher { id: string; name: string }
interface Funnel { id: string; name: string; steps: Matcher[]; window_ms: number | null }

const MAX_STEPS = 8;

export const describe = (m: Matcher) =>
  m.kind === 'page'
    ? `page ${m.match === 'prefix' ? 'starting with ' : m.match === 'wildcard' ? 'like ' : ''}${m.value}`
    : `event ${m.value}${m.prop_key ? ` with ${m.prop_key} = ${m.prop_value}` : ''}`;

/** A funnel step as typed: a page path (/pricing exactly, /blog/* wildcard, /docs… starts with) or an event name ("purchase where plan=pro"). */
function stepOf(raw: string, label: string): Matcher | null {
  const v = raw.trim();
  if (!v) return null;
  if (v.startsWith('/')) {
    const match = v.includes('*') ? 'wildcard' : v.endsWith('…') || v.endsWith('...') ? 'prefix' : 'exact';
    return { kind: 'page', match, value: v.replace(/(…|\.\.\.)$/, ''), ...(label ? { name: label } : {}) };
  }
  const [name, prop] = v.split(/\s+where\s+/);
  const [key, value] = (prop ?? '').split('=');
  return { kind: 'event', value: name, ...(prop ? { prop_key: key.trim(), prop_value: (value ?? '').trim() } : {}), ...(label ? { name: label } : {}) };
}

export async function goalsView(ctx: Ctx) {
  if (!ctx.site) return <Empty title="No site" icon="chart"><p>Add a site first.</p></Empty>;
  const site = encodeURIComponent(ctx.site.id);
  const [{ goals }, { funnels }] = await Promise.all([
    call<{ goals: Goal[] }>(`/api/conversions/goals?site_id=${site}`, { signal: ctx.signal, cache: false }),
    call<{ funnels: Funnel[] }>(`/api/conversions/funnels?site_id=${site}`, { signal: ctx.signal, cache: false }),
  ]);
  return <Goals ctx={ctx} goals={goals} funnels={funnels} />;
}

function Goals(props: { ctx: Ctx; goals: Goal[]; funnels: Funnel[] }) {
  const { ctx } = props;
  const siteId = ctx.site!.id;
  const [goals, setGoals] = useState(props.goals);
  const [funnels, setFunnels] = useState(props.funnels);
  const reload = async () => {
    setGoals((await call<{ goals: Goal[] }>(`/api/conversions/goals?site_id=${encodeURIComponent(siteId)}`, { cache: false })).goals);
    setFunnels((await call<{ funnels: Funnel[] }>(`/api/conversions/funnels?site_id=${encodeURIComponent(siteId)}`, { cache: false })).funnels);
  };
  return (
    <div>
      <Heading title="Goals and funnels" sub={<>For {ctx.site!.name}. They count past visits too: see <a href={linkTo(ctx, '/app/conversions')}>Conversions</a>.</>} />
      <Panel title="New goal" wide>
        <SettingsForm
          grid
          submit="Add goal"
          onSubmit={async (data) => {
            const kind = text(data, 'kind') === 'event' ? 'event' : 'page';
            const key = text(data, 'prop_key');
            await call('/api/conversions/goals', {
              method: 'POST',
              body: {
                site_id: siteId, name: text(data, 'name'), kind, value: text(data, 'value'),
                ...(kind === 'page' ? { match: text(data, 'match') } : key ? { prop_key: key, prop_value: text(data, 'prop_value') ?? '' } : {}),
              },
            });
            await reload();
            return { status: 'Goal added.', reset: true };
          }}
        >
          <Field label="Name"><input name="name" maxlength={100} placeholder="Signed up" /></Field>
          <Field label="Kind">
            <select name="kind"><option value="page">Page visited</option><option value="event">Custom event</option></select>
          </Field>
          <Field label="Page path or event name" hint="/pricing, /blog/* or signup"><input name="value" required maxlength={200} /></Field>
          <Field label="Page match">
            <select name="match"><option value="exact">Exactly</option><option value="prefix">Starts with</option><option value="wildcard">Wildcard (*)</option></select>
          </Field>
          <Field label="Event property (optional)"><input name="prop_key" maxlength={40} placeholder="plan" /></Field>
          <Field label="Property value"><input name="prop_value" maxlength={100} placeholder="pro" /></Field>
        </SettingsForm>
      </Panel>
      <Panel title="Goals" wide>
        {goals.length ? (
          <ul class="plain" data-goal-list>
            {goals.map((g) => (
              <li key={g.id}>
                <strong>{g.name}</strong> <span class="muted">{describe(g)}</span>{' '}
                <ConfirmButton small danger label="Delete" confirm="Click again to delete" action={async () => {
                  await call(`/api/conversions/goals/${encodeURIComponent(g.id)}?site_id=${encodeURIComponent(siteId)}`, { method: 'DELETE' });
                  await reload();
                }} />
              </li>
            ))}
          </ul>
        ) : <Empty title="No goals yet" icon="chart"><p>Add one above.</p></Empty>}
      </Panel>
      <Panel title="New funnel" wide>
        <SettingsForm
          submit="Add funnel"
          onSubmit={async (data) => {
            const steps = Array.from({ length: MAX_STEPS }, (_, k) => stepOf(text(data, `step${k}`) ?? '', text(data, `label${k}`) ?? '')).filter((s): s is Matcher => s !== null);
            const minutes = Number(text(data, 'window') || 0);
            await call('/api/conversions/funnels', {
              method: 'POST',
              body: { site_id: siteId, name: text(data, 'name'), steps, ...(minutes > 0 ? { window_ms: Math.round(minutes * 60_000) } : {}) },
            });
            await reload();
            return { status: 'Funnel added.', reset: true };
          }}
        >
          <Field label="Name"><input name="name" maxlength={100} placeholder="Checkout" /></Field>
          <p class="muted small">2 to 8 steps, in order (other pages may come between them). A step is a page path (<code>/pricing</code>, <code>/blog/*</code>, <code>/docs…</code> for "starts with") or an event name (<code>signup</code>, <code>purchase where plan=pro</code>).</p>
          <div class="steps-grid">
            {Array.from({ length: MAX_STEPS }, (_, k) => (
              <>
                <Field label={`Step ${k + 1}`}><input name={`step${k}`} required={k < 2} maxlength={200} data-funnel-step={k + 1} /></Field>
                <Field label={`Label ${k + 1} (optional)`}><input name={`label${k}`} maxlength={100} /></Field>
              </>
            ))}
          </div>
          <Field label="Time window in minutes (optional)" hint="Later steps count only this long after the first."><input name="window" type="number" min="1" max="1440" /></Field>
        </SettingsForm>
      </Panel>
      <Panel title="Funnels" wide>
        {funnels.length ? (
          <ul class="plain" data-funnel-list>
            {funnels.map((f) => (
              <li key={f.id}>
                <strong>{f.name}</strong> <span class="muted">{f.steps.map((s) => s.name ?? describe(s)).join(' → ')}</span>{' '}
                <ConfirmButton small danger label="Delete" confirm="Click again to delete" action={async () => {
                  await call(`/api/conversions/funnels/${encodeURIComponent(f.id)}?site_id=${encodeURIComponent(siteId)}`, { method: 'DELETE' });
                  await reload();
                  navigate(location.pathname + location.search, { replace: true });
                }} />
              </li>
            ))}
          </ul>
        ) : <Empty title="No funnels yet" icon="chart"><p>Add one above.</p></Empty>}
      </Panel>
    </div>
  );
}
