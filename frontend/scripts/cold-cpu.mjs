// CPU time (user+sys, from /proc) of each Chromium process and its busiest
// threads during one cold first load of the web map (a fresh profile), up
// to the first frame composited (window.planmap.timings.firstDrawn): which
// process — the page's renderer, the GPU process (SwiftShader), the
// browser — the first render's CPU goes to. Linux only.
//
//   node scripts/cold-cpu.mjs BASE_URL
import fs from 'node:fs';
import { launchBrowser } from '../test/harness.mjs';

function snapshot(profile) {
  const out = new Map();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(profile)) continue;
      const type = /--type=([\w-]+)/.exec(cmd)?.[1] || 'browser';
      const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { proc: `${type}${sub ? `:${sub}` : ''} ${pid}`, name, ms: (Number(f[11]) + Number(f[12])) * 10 });
      }
    } catch { /* gone */ }
  }
  return out;
}
const base = process.argv[2];
if (!base) { console.error('usage: node scripts/cold-cpu.mjs BASE_URL'); process.exit(2); }
const browser = await launchBrowser();
const page = await browser.context.newPage();
const before = snapshot(browser.profile);
await page.goto(`${base}/`);
await page.waitForFunction(() => window.planmap?.timings.firstDrawn > 0, null, { timeout: 120000 });
const after = snapshot(browser.profile);
const timings = await page.evaluate(() => window.planmap.timings);
await browser.close();
const procs = {};
for (const [id, t] of after) {
  const d = t.ms - (before.get(id)?.ms || 0);
  if (!d) continue;
  const p = (procs[t.proc] ||= { ms: 0, threads: {} });
  p.ms += d;
  p.threads[t.name] = (p.threads[t.name] || 0) + d;
}
console.log(`first drawn ${Math.round(timings.firstDrawn)} ms, first idle ${Math.round(timings.firstIdle)} ms; CPU ms by process (threads):`);
for (const [p, v] of Object.entries(procs).sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(`${String(v.ms).padStart(6)} ${p}: ${Object.entries(v.threads).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, ms]) => `${n} ${ms}`).join(', ')}`);
}
