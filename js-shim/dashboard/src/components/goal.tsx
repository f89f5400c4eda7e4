// The goal the breakdown views show conversions for: picked in the view (kept
// in the address as ?goal=<id>, carried from view to view like the filters),
// answered by one call per view. With a goal picked, that call is the goal's
// breakdowns (goals/breakdown?dims=…&goal=), which also names the site's goals
// for the picker; without one, it is the site's list of goals.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, HttpError } from '../api';
import { analyticsQuery, here, type Ctx } from '../context';
import { navigate } from '../router';
import { ErrorNote } from './ui';
import type { GoalBreakdown, GoalName, GoalNumbers } from '../../../src/contract';

export type { GoalName, GoalNumbers };

/** A ranked list's goal columns: per row key, the picked goal's numbers (null while they load). */
export interface GoalCells {
  goal: GoalName;
  cells: Map<string, GoalNumbers> | null;
}

export interface GoalData {
  /** The site's goals, for the picker. */
  goals: GoalName[];
  /** The picked goal, when the site has it. */
  picked: GoalName | null;
  /** The address names a goal the site does not have (deleted, or another site's). */
  missing: boolean;
  /** Per breakdown, per value: the picked goal's numbers. */
  dims: Record<string, Map<string, GoalNumbers>>;
}

/** The view's one goal call: the breakdowns `dims` for the picked goal, or the site's goals when none is picked. */
export function loadGoal(ctx: Ctx, dims: string[], limit: number): Promise<GoalData> {
  const list = () =>
    call<{ goals: GoalName[] }>(`/api/conversions/goals?site_id=${encodeURIComponent(ctx.site!.id)}`, { signal: ctx.signal }).then(({ goals }) => goals);
  const goal = ctx.q.goal;
  const path = `/api/conversions/goals/breakdown?${analyticsQuery(ctx, { dims: dims.join(','), goal: goal ?? '', limit })}`;
  const data = !goal ? list().then((goals): GoalData => ({ goals, picked: null, missing: false, dims: {} })) : call<GoalBreakdown>(path, { signal: ctx.signal }).then(
    (body): GoalData => ({
      goals: body.site_goals,
      picked: body.goal,
      missing: false,
      dims: Object.fromEntries(Object.entries(body.dims ?? {}).map(([dim, rows]) => [dim, new Map(rows.map((r) => [r.value, r.goals[0]]))])),
    }),
    async (err) => {
      if (err instanceof HttpError && err.status === 404) return { goals: await list(), picked: null, missing: true, dims: {} };
      throw err;
    },
  );
  data.catch(() => {}); // reported where it is drawn
  return data;
}

/** A promise's outcome once it settles (null until then); an aborted load stays null. */
export function useSettled<T>(of: Promise<T> | null): { value: T } | { error: unknown } | null {
  const [state, setState] = useState<{ of: Promise<T> | null; out: { value: T } | { error: unknown } } | null>(null);
  useEffect(() => {
    let live = true;
    of?.then(
      (value) => live && setState({ of, out: { value } }),
      (error) => live && !(error instanceof Error && error.name === 'AbortError') && setState({ of, out: { error } }),
    );
    return () => {
      live = false;
    };
  }, [of]);
  return state && state.of === of ? state.out : null;
}

/** The goal picker: "No goal" or one of the site's goals; a choice changes the address. */
export function GoalPicker(props: { ctx: Ctx; goals: Promise<{ goals: GoalName[]; missing?: boolean }> }) {
  const { ctx } = props;
  const state = useSettled(props.goals);
  const goals = state && 'value' in state ? state.value.goals : [];
  // Nothing to pick from: no control (an unknown goal in the address still says so).
  if (state && 'value' in state && !goals.length && !state.value.missing) return null;
  return (
    <div class="goal-picker">
      <label>
        Goal{' '}
        <select
          data-goal-picker
          value={ctx.q.goal && (!state || goals.some((g) => g.id === ctx.q.goal)) ? ctx.q.goal : ''}
          disabled={!state || 'error' in state}
          onChange={(e) => navigate(here(ctx, { goal: e.currentTarget.value || null }))}
        >
          <option value="">No goal</option>
          {!state && ctx.q.goal ? <option value={ctx.q.goal}>…</option> : null}
          {goals.map((g) => <option value={g.id}>{g.name}</option>)}
        </select>
      </label>
      {state && 'value' in state && state.value.missing ? <span class="muted small" role="status">The site has no such goal any more.</span> : null}
      {state && 'error' in state ? <ErrorNote error={state.error} /> : null}
    </div>
  );
}

/**
 * Draws a ranked list with the picked goal's columns for breakdown `dim`
 * (none without a picked goal): the list draws at once, the columns fill when
 * the goal's numbers arrive.
 */
export function WithGoal(props: { ctx: Ctx; data: Promise<GoalData>; dim: string; children: (goal: GoalCells | undefined) => ComponentChildren }) {
  const state = useSettled(props.data);
  const id = props.ctx.q.goal;
  if (!id) return <>{props.children(undefined)}</>;
  if (!state) return <>{props.children({ goal: { id, name: '' }, cells: null })}</>;
  if ('error' in state || !state.value.picked) return <>{props.children(undefined)}</>;
  return <>{props.children({ goal: state.value.picked, cells: state.value.dims[props.dim] ?? new Map() })}</>;
}
