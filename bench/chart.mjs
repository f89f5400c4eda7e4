// The end-to-end chart: throughput and p50/p99 latency of the batch route and
// of GET /ping from one run, drawn as SVG and screenshotted to a PNG with
// Debian's Chromium (playwright-core), so the PNG needs no charting library.
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Horizontal bars: [{label, value, color}] scaled to the largest value. */
function bars(title, unit, items, width = 430) {
  const max = Math.max(...items.map((i) => i.value)) || 1;
  const rowH = 34;
  const labelW = 150;
  const rows = items
    .map((item, k) => {
      const w = Math.max(2, ((width - labelW - 90) * item.value) / max);
      const y = 30 + k * rowH;
      return `<text x="0" y="${y + 17}" class="label">${esc(item.label)}</text>
        <rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="24" rx="3" fill="${item.color}"/>
        <text x="${labelW + w + 6}" y="${y + 17}" class="value">${esc(item.text ?? `${item.value} ${unit}`)}</text>`;
    })
    .join('\n');
  return `<svg width="${width}" height="${40 + items.length * rowH}" xmlns="http://www.w3.org/2000/svg">
    <text x="0" y="16" class="title">${esc(title)}</text>${rows}</svg>`;
}

export function chartHtml(e2e, meta) {
  const batch = '#2f6fd6';
  const ping = '#9aa5b1';
  const throughput = bars('Throughput (requests/s, higher is better)', 'req/s', [
    { label: 'GET /ping', value: e2e.ping.rps, color: ping },
    { label: 'POST /track/events/batch', value: e2e.batch.rps, color: batch, text: `${e2e.batch.rps} batches/s (${(e2e.batch_rps_ratio_vs_ping * 100).toFixed(1)}% of /ping)` },
  ]);
  const latency = bars('Latency under load (ms, lower is better)', 'ms', [
    { label: '/ping p50', value: e2e.ping.p50_ms, color: ping },
    { label: '/ping p99', value: e2e.ping.p99_ms, color: ping },
    { label: 'batch p50', value: e2e.batch.p50_ms, color: batch },
    { label: 'batch p99', value: e2e.batch.p99_ms, color: batch },
  ]);
  return `<!doctype html><html><head><meta charset="utf-8"><style>
    body { margin: 0; padding: 20px 24px; font: 13px system-ui, sans-serif; color: #1f2933; background: #fff; width: 920px; }
    h1 { font-size: 17px; margin: 0 0 4px; }
    p { margin: 0 0 14px; color: #52606d; }
    .panels { display: flex; gap: 40px; }
    .title { font-weight: 600; font-size: 13px; fill: #1f2933; }
    .label { font-size: 12px; fill: #323f4b; }
    .value { font-size: 12px; fill: #1f2933; }
  </style></head><body>
    <h1>edgereplay end to end on wrangler dev (loopback)</h1>
    <p>${esc(`${e2e.connections} connections, ${e2e.duration_s} s per route, ${e2e.events_per_batch} events per batch (${e2e.batch_body_bytes_mean} bytes); ${meta}`)}</p>
    <div class="panels">${throughput}${latency}</div>
  </body></html>`;
}

export async function renderChart(html, htmlPath, pngPath) {
  writeFileSync(htmlPath, html);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 968, height: 300 }, deviceScaleFactor: 1 });
    await page.setContent(html);
    const body = await page.$('body');
    await body.screenshot({ path: pngPath });
  } finally {
    await browser.close();
  }
}
