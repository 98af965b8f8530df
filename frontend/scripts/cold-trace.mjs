// Records a Chrome performance trace (CDP Tracing) of one cold first load of
// the web map — a fresh Chromium profile, as the browser suite's first page —
// and prints where the time goes until the first frame is composited
// (window.planmap.timings.firstDrawn): the network waterfall, and per thread
// (the page's main thread, MapLibre's worker, V8's and ANGLE's background
// threads, the GPU process) the CPU of its tasks, what they spend it on and
// its longest tasks. SwiftShader's own threads are not traced: see
// cold-cpu.mjs for every thread's CPU. The trace itself is written to TRACE
// (chrome://tracing or DevTools' Performance panel open it).
//
//   node scripts/cold-trace.mjs BASE_URL [TRACE.json]
import fs from 'node:fs';
import { launchBrowser } from '../test/harness.mjs';

const [base, out] = process.argv.slice(2);
if (!base) { console.error('usage: node scripts/cold-trace.mjs BASE_URL [TRACE.json]'); process.exit(2); }
const browser = await launchBrowser();
const page = await browser.context.newPage();
const cdp = await browser.context.newCDPSession(page);
const events = [];
cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
const done = new Promise((r) => cdp.on('Tracing.tracingComplete', r));
await cdp.send('Tracing.start', {
  transferMode: 'ReportEvents',
  traceConfig: { includedCategories: ['toplevel', '__metadata', 'devtools.timeline', 'v8', 'v8.execute', 'blink', 'loading', 'gpu', 'disabled-by-default-devtools.timeline', 'disabled-by-default-v8.compile'] },
});
await page.goto(`${base}/`);
await page.waitForFunction(() => window.planmap?.timings.firstDrawn > 0, null, { timeout: 120000 });
const timings = await page.evaluate(() => window.planmap.timings);
const res = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => [r.startTime, r.responseStart, r.responseEnd, r.name.replace(location.origin, ''), r.transferSize, r.decodedBodySize]));
await cdp.send('Tracing.end');
await done;
await browser.close();

const names = {};
for (const e of events) if (e.name === 'thread_name') names[`${e.pid}:${e.tid}`] = e.args.name;
// time zero: the navigation start as the page's performance.now() counts it
// the trace's clock is not the page's: the two are matched on the requests'
// start (the trace's ResourceSendRequest, the page's resource timing)
const sent = new Map();
for (const e of events) if (e.name === 'ResourceSendRequest' && e.args?.data?.url && !sent.has(e.args.data.url)) sent.set(e.args.data.url, e.ts);
const offsets = res.map((r) => sent.get(new URL(r[3], base).href) - r[0] * 1000).filter((x) => x > 0).sort((a, b) => a - b);
const t0 = offsets[offsets.length >> 1];
if (out) fs.writeFileSync(out, JSON.stringify({ t0, timings, traceEvents: events }));
const end = t0 + timings.firstDrawn * 1000;
const ms = (us) => Math.round(us / 1000);
console.log('timings', Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])));
console.log('--- network (ms from navigation: start, first byte, end; bytes transferred/decoded)');
for (const r of res.sort((a, b) => a[0] - b[0])) if (r[0] < timings.firstDrawn) console.log(`${String(Math.round(r[0])).padStart(5)} ${String(Math.round(r[1])).padStart(5)} ${String(Math.round(r[2])).padStart(5)}  ${r[3]} ${r[4]}/${r[5]}`);

// Per thread: CPU time (thread time) of its tasks, the busiest names
// directly under them and its longest tasks in time order (wall and CPU ms,
// the largest thing inside). A task whose wall time far exceeds its CPU
// waited (the page's main thread in Commit waits for the GPU process).
const threads = {};
for (const e of events) {
  if (e.ph !== 'X' || e.ts < t0 || e.ts > end) continue;
  const th = names[`${e.pid}:${e.tid}`] || `${e.pid}:${e.tid}`;
  (threads[th] ||= []).push(e);
}
const what = (e) => `${e.name}${e.args?.data?.functionName ? ` ${e.args.data.functionName}` : ''}${e.args?.data?.url ? ` ${e.args.data.url.replace(base, '')}` : ''}`;
for (const [th, evs] of Object.entries(threads)) {
  const tasks = evs.filter((e) => e.name === 'ThreadControllerImpl::RunTask' || e.name === 'ThreadPool_RunTask');
  const cpu = tasks.reduce((s, e) => s + (e.tdur || 0), 0);
  if (cpu < 20000) continue;
  const inner = evs.filter((e) => !tasks.includes(e) && e.dur && e.name !== 'RunTask').sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const byName = {};
  let coveredTo = 0;
  for (const e of inner) {
    if (e.ts < coveredTo) continue;
    coveredTo = e.ts + e.dur;
    byName[what(e)] = (byName[what(e)] || 0) + (e.tdur ?? e.dur);
  }
  console.log(`--- ${th}: ${ms(cpu)} ms CPU in ${tasks.length} tasks, 0–${Math.round(timings.firstDrawn)} ms`);
  for (const [k, v] of Object.entries(byName).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(ms(v)).padStart(5)} ms CPU  ${k}`);
  console.log('  longest tasks (start ms: wall / CPU ms, the largest thing inside):');
  for (const t of tasks.slice().sort((a, b) => b.dur - a.dur).slice(0, 8).sort((a, b) => a.ts - b.ts)) {
    const big = inner.filter((e) => e.ts >= t.ts && e.ts < t.ts + t.dur).sort((a, b) => b.dur - a.dur)[0];
    console.log(`  ${String(ms(t.ts - t0)).padStart(5)}: ${ms(t.dur)} / ${ms(t.tdur || 0)}  ${big ? what(big) : ''}`);
  }
}
