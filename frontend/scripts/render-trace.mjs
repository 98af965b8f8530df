// Prints the web map's first-render timeline in headless Chromium: every
// request (start → end, ms from navigation), MapLibre's events and the
// page's timings, to find what the first idle waits for.
//
//   node scripts/render-trace.mjs http://127.0.0.1:8080
import { launchBrowser } from '../test/harness.mjs';

const base = process.argv[2];
if (!base) { console.error('usage: node scripts/render-trace.mjs BASE_URL'); process.exit(2); }
const browser = await launchBrowser();
const page = await browser.context.newPage();
await page.addInitScript(() => {
  window.__ev = [];
  const iv = setInterval(() => {
    const m = window.planmap?.map;
    if (!m || m.__traced) return;
    m.__traced = true;
    for (const n of ['styledata', 'sourcedata', 'data', 'load', 'idle', 'style.load', 'render', 'dataloading', 'sourcedataloading']) {
      m.on(n, (e) => window.__ev.push([performance.now(), n, e?.sourceId || e?.dataType || '', e?.tile ? e.tile.tileID?.canonical?.toString?.() || '' : '']));
    }
    window.__ev.push([performance.now(), 'map-seen', '', '']);
    clearInterval(iv);
  }, 1);
});
const reqs = [];
let t0 = 0;
page.on('request', (r) => reqs.push({ r, start: Date.now() - t0 }));
page.on('requestfinished', (r) => { const x = reqs.find((q) => q.r === r); if (x) x.end = Date.now() - t0; });
page.on('console', (m) => console.log('console', m.text()));
t0 = Date.now();
await page.goto(`${base}/`);
await page.waitForFunction(() => window.planmap?.timings.firstIdle, null, { timeout: 120000 });
const out = await page.evaluate(() => ({
  timings: window.planmap.timings,
  res: performance.getEntriesByType('resource').map((r) => [Math.round(r.startTime), Math.round(r.responseStart), Math.round(r.responseEnd), r.initiatorType, r.name.replace(location.origin, ''), r.transferSize]),
  nav: performance.getEntriesByType('navigation').map((r) => ({ responseEnd: r.responseEnd, dcl: r.domContentLoadedEventEnd, load: r.loadEventEnd })),
  ev: window.__ev,
}));
console.log('timings', JSON.stringify(out.timings), JSON.stringify(out.nav));
for (const r of out.res.sort((a, b) => a[0] - b[0])) console.log(`${String(r[0]).padStart(5)} ${String(r[1]).padStart(5)} ${String(r[2]).padStart(5)} ${r[3].padEnd(8)} ${r[4]} ${r[5]}`);
console.log('--- playwright requests (ms from goto, wall clock)');
for (const x of reqs) console.log(`${String(x.start).padStart(5)} ${String(x.end ?? '-').padStart(5)} ${x.r.resourceType().padEnd(8)} ${x.r.url().replace(base, '')}`);
// collapse event runs
let last = ''; let renders = 0;
for (const [t, n, a, b] of out.ev) {
  const key = n + a;
  if (n === 'render' && last === key) { renders++; continue; }
  if (renders) console.log(`      (${renders} more renders)`);
  renders = 0;
  last = key;
  console.log(`${Math.round(t).toString().padStart(5)} ev ${n} ${a} ${b}`);
}
await browser.close();
