// Deployments: every release of the Worker that was recorded, how many per
// week, and how many failed.
import { call } from '../api';
import type { Ctx } from '../context';
import { ago, count, dateTime } from '../format';
import { Chart } from '../components/chart';
import { Empty, Panel } from '../components/ui';
import { LoadMore, usePages, type PageOf } from '../components/paging';
import { Heading } from '../views/breakdowns';

interface Deployment {
  id: number;
  version: string;
  environment: string;
  deployed_at: string;
  commit_sha: string | null;
  deployed_by: string | null;
  status: string;
  notes: string | null;
}

interface Stats {
  total: number;
  by_status: Record<string, number>;
  by_environment: { environment: string; deployments: number; succeeded: number; failed: number; last_deployed_at: string }[];
  last_success: Deployment | null;
  per_week: { week: string; deployments: number; failed: number }[];
}

const STATUS_CLASS: Record<string, string> = { success: 'ok', failed: 'bad', rolled_back: 'warn' };

type Listed = { deployments: Deployment[]; next_cursor: string | null };

const nextPage = async (cursor: string): Promise<PageOf<Deployment>> => {
  const page = await call<Listed>(`/api/deployments?limit=25&cursor=${cursor}`, { cache: false });
  return { rows: page.deployments, next: page.next_cursor };
};

/** The history's rows and, below the table, the button that reads more of them. */
function History(props: { first: PageOf<Deployment> }) {
  const pages = usePages(props.first, nextPage);
  return (
    <>
      <div class="table-wrap">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">When</th>
              <th scope="col">Commit</th>
              <th scope="col">By</th>
              <th scope="col">Notes</th>
            </tr>
          </thead>
          <tbody>{pages.rows.map((d) => <Row key={d.id} d={d} />)}</tbody>
        </table>
      </div>
      <div class="actions-row"><LoadMore pages={pages} /></div>
    </>
  );
}

function Row(props: { d: Deployment }) {
  const d = props.d;
  return (
    <tr data-deployment-id={d.id}>
      <td class="mono">{d.version}</td>
      <td>{d.environment}</td>
      <td><span class={`badge ${STATUS_CLASS[d.status] ?? ''}`}>{d.status.replace('_', ' ')}</span></td>
      <td title={d.deployed_at}>{dateTime(d.deployed_at)}</td>
      <td class="mono">{d.commit_sha ? d.commit_sha.slice(0, 10) : '–'}</td>
      <td>{d.deployed_by ?? '–'}</td>
      <td class="notes">{d.notes ?? ''}</td>
    </tr>
  );
}

export async function deploymentsView(ctx: Ctx) {
  const [list, stats, version] = await Promise.all([
    call<Listed>('/api/deployments?limit=25', { signal: ctx.signal, cache: false }),
    call<Stats>('/api/deployments/stats?weeks=12', { signal: ctx.signal, cache: false }),
    call<{ version: string; commit: string | null; tracker: string }>('/api/version', { signal: ctx.signal }),
  ]);
  const running = <p class="muted">This Worker: version <span class="mono">{version.version}</span>{version.commit ? [' · commit ', <span class="mono">{version.commit.slice(0, 10)}</span>] : null} · tracker <span class="mono">{version.tracker}</span></p>;
  if (!stats.total) {
    return (
      <div>
        <Heading title="Deployments" />
        {running}
        <Empty title="No deployments recorded yet" icon="ship">
          <p>Each production deploy is recorded with <code>POST /api/deployments</code> and the <code>DEPLOY_TOKEN</code> secret; they will be listed here with their weekly count and failures.</p>
        </Empty>
      </div>
    );
  }
  const failed = stats.by_status.failed ?? 0;
  return (
    <div>
      <Heading title="Deployments" />
      {running}
      <div class="cards three" role="group" aria-label="Deployments">
        <div class="card"><span class="card-label">Recorded</span><span class="card-value" data-metric="total" data-value={stats.total}>{count(stats.total)}</span></div>
        <div class="card"><span class="card-label">Failed</span><span class="card-value" data-metric="failed" data-value={failed}>{count(failed)}</span></div>
        <div class="card">
          <span class="card-label">Last success</span>
          <span class="card-value small">{stats.last_success ? ago(stats.last_success.deployed_at) : '–'}</span>
          {stats.last_success ? <span class="muted small mono">{stats.last_success.version}</span> : null}
        </div>
      </div>
      <section class="panel chart-panel" aria-label="Deployments per week">
        <Chart
          label="Deployments per week (weeks start on Monday, UTC)"
          bars
          height={180}
          days={stats.per_week.map((w) => w.week)}
          format={(n) => String(Math.round(n))}
          series={[{ label: 'Deployments', values: stats.per_week.map((w) => w.deployments) }]}
        />
      </section>
      <Panel title="History" wide>
        <History first={{ rows: list.deployments, next: list.next_cursor }} />
      </Panel>
    </div>
  );
}
