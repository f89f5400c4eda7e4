// The journeys' flow chart, loaded only on the conversions view: d3-sankey
// lays the paths out as nodes (a page at a depth) and links (visits going on
// from one to the next); the view draws what it computed.
import { sankey, sankeyLinkHorizontal, type SankeyGraph } from 'd3-sankey';

export interface FlowNode {
  name: string;
  depth: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  value: number;
}
export interface FlowLink {
  d: string;
  width: number;
  value: number;
  from: string;
  to: string;
}

/** Paths (pages in order, with their sessions) as a laid-out flow `width` by `height` pixels. */
export function layoutFlow(paths: { steps: string[]; sessions: number }[], width: number, height: number): { nodes: FlowNode[]; links: FlowLink[] } {
  const index = new Map<string, number>();
  const nodes: { id: string; name: string; depth: number }[] = [];
  const links = new Map<string, { source: number; target: number; value: number }>();
  const node = (depth: number, name: string) => {
    const id = `${depth}\u0000${name}`;
    if (!index.has(id)) {
      index.set(id, nodes.length);
      nodes.push({ id, name, depth });
    }
    return index.get(id)!;
  };
  for (const p of paths) {
    for (let k = 0; k + 1 < p.steps.length; k++) {
      const source = node(k, p.steps[k]);
      const target = node(k + 1, p.steps[k + 1]);
      const key = `${source}>${target}`;
      const link = links.get(key) ?? { source, target, value: 0 };
      link.value += p.sessions;
      links.set(key, link);
    }
    if (p.steps.length === 1) node(0, p.steps[0]);
  }
  const graph = sankey<{ id: string; name: string; depth: number }, { source: number; target: number; value: number }>()
    .nodeWidth(10)
    .nodePadding(10)
    .nodeAlign((n) => (n as unknown as { depth: number }).depth)
    .extent([[1, 1], [width - 1, height - 1]])({ nodes: nodes.map((n) => ({ ...n })), links: [...links.values()].map((l) => ({ ...l })) } as SankeyGraph<never, never>);
  const path = sankeyLinkHorizontal();
  return {
    nodes: graph.nodes.map((n) => ({ name: n.name, depth: n.depth!, x0: n.x0!, x1: n.x1!, y0: n.y0!, y1: n.y1!, value: n.value ?? 0 })),
    links: graph.links.map((l) => ({
      d: path(l as never) ?? '',
      width: Math.max(1, l.width ?? 1),
      value: l.value,
      from: (l.source as { name: string }).name,
      to: (l.target as { name: string }).name,
    })),
  };
}
