// Form pieces for the settings pages: labelled fields, a status line that
// reads out what happened, and a two-step button for what cannot be undone.
import { h, type Child } from '../h';
import { HttpError } from '../api';

let fieldId = 0;

function firstElement(c: Child): HTMLElement | undefined {
  if (c instanceof HTMLElement) return c;
  if (Array.isArray(c)) for (const k of c) {
    const found = firstElement(k);
    if (found) return found;
  }
  return undefined;
}

export function Field(props: { label: string; hint?: Child; children?: Child }) {
  const id = `f${++fieldId}`;
  const control = firstElement(props.children);
  if (control && !control.id) control.id = id;
  const hintId = props.hint ? `${control?.id ?? id}-hint` : undefined;
  if (control && hintId) control.setAttribute('aria-describedby', hintId);
  return (
    <div class="field">
      <label for={control?.id ?? id}>{props.label}</label>
      {props.children}
      {props.hint ? <p class="hint muted" id={hintId}>{props.hint}</p> : null}
    </div>
  );
}

/** A line under a form that says whether it worked; read out by screen readers. */
export function Status() {
  const el = <p class="status" role="status" aria-live="polite" />;
  return Object.assign(el, {
    ok(text: string) {
      el.className = 'status ok';
      el.textContent = text;
    },
    fail(err: unknown) {
      el.className = 'status fail';
      el.textContent = err instanceof HttpError ? err.message : err instanceof Error ? err.message : String(err);
    },
    clear() {
      el.className = 'status';
      el.textContent = '';
    },
  });
}
export type StatusEl = ReturnType<typeof Status>;

/**
 * A button that asks for a second click before it acts: no modal dialog,
 * and the question is read out where the focus already is.
 */
export function ConfirmButton(props: { label: string; confirm: string; action: () => Promise<void> | void; danger?: boolean; small?: boolean }) {
  let armed = false;
  let timer = 0;
  const btn = (
    <button
      type="button"
      class={`btn ${props.danger ? 'danger' : ''} ${props.small ? 'small' : ''}`}
      onClick={async () => {
        if (!armed) {
          armed = true;
          btn.textContent = props.confirm;
          btn.classList.add('armed');
          timer = window.setTimeout(reset, 5000);
          return;
        }
        clearTimeout(timer);
        btn.disabled = true;
        try {
          await props.action();
        } finally {
          btn.disabled = false;
          reset();
        }
      }}
    >
      {props.label}
    </button>
  ) as HTMLButtonElement;
  const reset = () => {
    armed = false;
    btn.textContent = props.label;
    btn.classList.remove('armed');
  };
  return btn;
}

export async function busy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
