// Form pieces for the settings pages: labelled fields, the one settings form
// (submit button, busy state, a status line that reads out what happened, and
// what a submit reveals once, such as a new token), and a two-step button for
// what cannot be undone.
import { cloneElement, isValidElement, toChildArray, type ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { HttpError } from '../api';
import { cls } from '../cls';

/** A label and a hint for the one control inside (given the label's id). */
export function Field(props: { label: string; hint?: ComponentChildren; children?: ComponentChildren }) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const children = toChildArray(props.children);
  const first = children.findIndex(isValidElement);
  const labelled = children.map((c, k) => (k === first && isValidElement(c) ? cloneElement(c, { id, 'aria-describedby': hintId }) : c));
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {labelled}
      {props.hint ? <p class="hint muted" id={hintId}>{props.hint}</p> : null}
    </div>
  );
}

export type StatusLine = { ok: true; text: string } | { ok: false; error: unknown } | null;

export const errorText = (err: unknown) => (err instanceof HttpError ? err.message : err instanceof Error ? err.message : String(err));

/** A line under a form that says whether it worked; read out by screen readers. */
export function Status(props: { line: StatusLine }) {
  const line = props.line;
  return (
    <p class={cls('status', line && (line.ok ? 'ok' : 'fail'))} role="status" aria-live="polite">
      {line ? (line.ok ? line.text : errorText(line.error)) : null}
    </p>
  );
}

/** What a settings form's submit answers: a status line, and something shown once below the form. */
export interface Submitted {
  status?: string;
  reveal?: ComponentChildren;
  /** Empty the form's fields. */
  reset?: boolean;
}

/**
 * The settings form: fields in, a FormData out to `onSubmit`; the button is
 * busy while it runs, and the status line says what happened or what failed.
 */
export function SettingsForm(props: {
  submit: string;
  onSubmit: (data: FormData) => Promise<Submitted | void>;
  primary?: boolean;
  grid?: boolean;
  readOnly?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<StatusLine>(null);
  const [reveal, setReveal] = useState<ComponentChildren>(null);
  return (
    <>
      <form
        class={cls('form', { 'grid-form': props.grid })}
        onSubmit={async (e) => {
          e.preventDefault();
          const form = e.currentTarget;
          setBusy(true);
          try {
            const done = await props.onSubmit(new FormData(form));
            if (done?.status) setStatus({ ok: true, text: done.status });
            if (done?.reveal) setReveal(done.reveal);
            if (done?.reset) form.reset();
          } catch (err) {
            setStatus({ ok: false, error: err });
          } finally {
            setBusy(false);
          }
        }}
      >
        {props.children}
        {props.readOnly ?? (
          <div class="form-actions">
            <button type="submit" class={cls('btn', { primary: props.primary !== false })} disabled={busy} aria-busy={busy ? 'true' : undefined}>
              {props.submit}
            </button>
            <Status line={status} />
          </div>
        )}
      </form>
      {reveal ? <div class="reveal-slot">{reveal}</div> : null}
    </>
  );
}

/** A text field of a submitted form, trimmed. */
export const text = (data: FormData, name: string) => String(data.get(name) ?? '').trim();

/**
 * A button that asks for a second click before it acts: no modal dialog,
 * and the question is read out where the focus already is.
 */
interface ConfirmProps {
  label: string;
  confirm: string;
  danger?: boolean;
  small?: boolean;
}

export function ConfirmButton(props: ConfirmProps & { action: () => Promise<void> | void }) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const timer = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(timer);
  }, [armed]);
  return (
    <button
      type="button"
      class={cls('btn', { danger: props.danger, small: props.small, armed })}
      disabled={busy}
      onClick={async () => {
        if (!armed) return setArmed(true);
        setBusy(true);
        try {
          await props.action();
        } finally {
          setBusy(false);
          setArmed(false);
        }
      }}
    >
      {armed ? props.confirm : props.label}
    </button>
  );
}

/** A confirm button whose failure is said beside it. */
export function ConfirmAction(props: ConfirmProps & { action: () => Promise<string | void> }) {
  const [status, setStatus] = useState<StatusLine>(null);
  return (
    <div class="form-actions">
      <ConfirmButton
        label={props.label}
        confirm={props.confirm}
        danger={props.danger}
        small={props.small}
        action={async () => {
          try {
            const said = await props.action();
            if (said) setStatus({ ok: true, text: said });
          } catch (err) {
            setStatus({ ok: false, error: err });
          }
        }}
      />
      <Status line={status} />
    </div>
  );
}
