// Measures the web map's first render in headless Chromium against one or
// more running planmap servers, alternating between them so that each sees
// the same machine load: for each page load, the time from navigation to the
// map's first idle (window.planmap.timings.firstIdle, what the webmap test
// reports) and the CPU time (thread time) the browser's threads spent until
// then — the page's main thread, MapLibre's worker, the GPU process
// (SwiftShader) and the compositor — which the machine's load inflates far
// less than the wall time. Prints medians.
//
// The trace sees only threads Chromium instruments: SwiftShader's own
// rasteriser threads, V8's background compilers and the GPU process's work
// outside its tasks are missing from it. So the CPU time of every thread of
// every browser process is also read from /proc (Linux) before the
// navigation and at the first idle: "all threads" is what the page really
// costs the machine, and with 2 cores it bounds how soon the map can be idle.
//
//   node scripts/first-render.mjs http://127.0.0.1:8080 [http://127.0.0.1:8081 …] [--runs 5]

import fs from 'node:fs';
import { launchBrowser } from '../test/harness.mjs';

/** CPU ms of each thread of the browser's processes (those whose command line names its profile), or null off Linux. */
function procCPU(profile) {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const ticks = 100; // USER_HZ, 100 on every Linux Chromium runs on here
  const out = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(profile)) continue;
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, ((Number(f[11]) + Number(f[12])) * 1000) / ticks);
      }
    } catch { /* the process or thread ended meanwhile */ }
  }
  return out;
}
const cpuSince = (before, after) => {
  let sum = 0;
  for (const [id, t] of after) sum += t - (before.get(id) || 0);
  return sum;
};

const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const runs = at >= 0 ? Number(args.splice(at, 2)[1]) : 5;
if (!args.length || !(runs > 0)) {
  console.error('usage: node scripts/first-render.mjs BASE_URL… [--runs N]');
  process.exit(2);
}
const browser = await launchBrowser();
const rows = Object.fromEntries(args.map((b) => [b, []]));
for (let i = 0; i < runs; i++) {
  for (const base of args) {
    const page = await browser.context.newPage();
    const cdp = await browser.context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const done = new Promise((r) => cdp.on('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['toplevel', '__metadata'] } });
    const before = procCPU(browser.profile);
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.planmap?.timings.firstIdle, null, { timeout: 120000 });
    const after = procCPU(browser.profile);
    const firstIdle = await page.evaluate(() => window.planmap.timings.firstIdle);
    await cdp.send('Tracing.end');
    await done;
    const names = {};
    for (const e of events) if (e.name === 'thread_name') names[`${e.pid}:${e.tid}`] = e.args.name;
    const cpu = {};
    for (const e of events) {
      if (e.ph !== 'X' || e.name !== 'ThreadControllerImpl::RunTask' || !e.tdur) continue;
      const thread = names[`${e.pid}:${e.tid}`] || '';
      cpu[thread] = (cpu[thread] || 0) + e.tdur / 1000;
    }
    const row = {
      firstIdle,
      main: cpu.CrRendererMain || 0,
      worker: cpu['DedicatedWorker thread'] || 0,
      gpu: cpu.CrGpuMain || 0,
      compositor: cpu.VizCompositorThread || 0,
    };
    row.cpu = row.main + row.worker + row.gpu + row.compositor;
    row.all = before && after ? cpuSince(before, after) : 0;
    rows[base].push(row);
    await page.close();
  }
}
await browser.close();
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const base of args) {
  const m = Object.fromEntries(Object.keys(rows[base][0]).map((k) => [k, Math.round(median(rows[base].map((r) => r[k])))]));
  console.log(`${base}: first idle ${m.firstIdle} ms; browser CPU ${m.cpu} ms (main ${m.main}, worker ${m.worker}, GPU ${m.gpu}, compositor ${m.compositor}); all browser threads (/proc) ${m.all} ms; medians of ${runs}`);
}
