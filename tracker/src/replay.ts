// The optional DOM-replay chunk, loaded only when the site enables replay and
// the session is sampled. rrweb's recorder with inputs masked by default;
// elements with class `er-block` are not recorded, `er-mask` text is masked.
import { record } from '@rrweb/record';

(window as unknown as { __er_record: unknown }).__er_record = (emit: (event: unknown) => void) =>
  record({
    emit,
    maskAllInputs: true,
    blockClass: 'er-block',
    maskTextClass: 'er-mask',
    sampling: { mousemove: 100, scroll: 150, input: 'last' },
  });
