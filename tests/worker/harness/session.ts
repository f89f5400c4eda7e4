// Drives a session through the public API the way the tracker does.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { Stack } from './stack.ts';
import { TOKEN_SECRET } from './stack.ts';
import { batchBody, mixedEvents, type Event, type StartedSession } from './factories.ts';

export async function startSession(stack: Stack, siteId: string, body: object = {}, headers: Record<string, string> = {}): Promise<StartedSession> {
  const res = await stack.fetch('/track/session/start', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36', ...headers },
    body: JSON.stringify({ site_id: siteId, url: 'https://example.com/landing?utm_source=newsletter', referrer: 'https://news.example.org/post', ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as StartedSession;
}

export async function sendBatch(stack: Stack, s: StartedSession, seq: number, events: Event[], path = '/track/events/batch', extra: object = {}) {
  return stack.fetch(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: batchBody(s, seq, events, extra) });
}

/** start + (batches - 1) batches + session/end carrying the last batch. */
export async function runSession(stack: Stack, siteId: string, batches = 25, perBatch = 20) {
  const s = await startSession(stack, siteId);
  const t0 = Date.parse(s.session_started_at) + 10;
  const sent: { seq: number; events: Event[] }[] = [];
  for (let seq = 0; seq < batches; seq++) {
    const events = mixedEvents(t0 + seq * perBatch * 100, perBatch, seq % 2 ? '/docs/' : '/');
    const last = seq === batches - 1;
    const res = await sendBatch(stack, s, seq, events, last ? '/track/session/end' : '/track/events/batch');
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { accepted: number; rejected: number };
    assert.equal(body.accepted, perBatch);
    sent.push({ seq, events });
  }
  return { session: s, sent, events: sent.flatMap((b) => b.events) };
}

/** A token as the Worker signs it, for sessions the test places in time itself. */
export function signToken(siteId: string, sessionId: string, startedAt: string): string {
  const mac = createHmac('sha256', TOKEN_SECRET).update(`${siteId}|${sessionId}|${startedAt}`).digest('base64url');
  return `${siteId}.${mac}`;
}

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await fn();
  while (!ok(value) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    value = await fn();
  }
  return value;
}
