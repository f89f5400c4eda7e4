// Lists read a page at a time through the API's cursor: the rows so far, and
// a "Load more" button while there are more.
import { useState } from 'preact/hooks';

export interface PageOf<T> {
  rows: T[];
  next: string | null;
}

export function usePages<T>(first: PageOf<T>, load: (cursor: string) => Promise<PageOf<T>>) {
  const [rows, setRows] = useState(first.rows);
  const [next, setNext] = useState(first.next);
  const [loading, setLoading] = useState(false);
  const more = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const page = await load(next);
      setRows((before) => [...before, ...page.rows]);
      setNext(page.next);
    } finally {
      setLoading(false);
    }
  };
  return { rows, next, loading, more };
}

export function LoadMore(props: { pages: { next: string | null; loading: boolean; more: () => Promise<void> } }) {
  const { next, loading, more } = props.pages;
  return (
    <button type="button" class="btn" hidden={!next} disabled={loading} aria-busy={loading ? 'true' : undefined} onClick={more}>
      Load more
    </button>
  );
}
