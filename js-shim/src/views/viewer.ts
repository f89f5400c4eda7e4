// The replay page: a timeline of the session's events read from
// /replay/:id/events. It asks for an API token when it has none stored.
import { html } from 'hono/html';

export function viewerPage(sessionId: string) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Replay ${sessionId} · edgereplay</title>
<style>
  body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2937; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  code { font-size: 12px; word-break: break-all; }
</style>
</head>
<body>
<h1>Session <code>${sessionId}</code></h1>
<p id="status">Loading events…</p>
<table><thead><tr><th>+time</th><th>type</th><th>details</th></tr></thead><tbody id="events"></tbody></table>
<script type="module">
  const id = ${JSON.stringify(sessionId)};
  let token = localStorage.getItem('edgereplay_token') || new URLSearchParams(location.search).get('token');
  if (!token) token = prompt('API token');
  if (token) localStorage.setItem('edgereplay_token', token);
  const res = await fetch('/replay/' + encodeURIComponent(id) + '/events', { headers: { Authorization: 'Bearer ' + token } });
  const status = document.getElementById('status');
  if (!res.ok) { status.textContent = 'Could not load events (' + res.status + ').'; throw new Error(String(res.status)); }
  const lines = (await res.text()).split('\\n').filter(Boolean).map((l) => JSON.parse(l));
  status.textContent = lines.length + ' events';
  const t0 = lines.length ? lines[0].ts : 0;
  const body = document.getElementById('events');
  for (const e of lines) {
    const { ts, seq, i, session_id, type, ...rest } = e;
    const row = body.insertRow();
    row.insertCell().textContent = ((ts - t0) / 1000).toFixed(1) + ' s';
    row.insertCell().textContent = type;
    const code = document.createElement('code');
    code.textContent = JSON.stringify(rest).slice(0, 300);
    row.insertCell().appendChild(code);
  }
</script>
</body>
</html>`;
}
