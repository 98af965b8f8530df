// Measures the web map's cold first render as the browser suite reports it
// (webmap.test.mjs: a freshly started planmap, a freshly launched Chromium
// with a new profile, the first page's window.planmap.timings.firstIdle),
// alternating between planmap binaries run after run so that each sees the
// same machine load. Prints each run and the median and range per binary.
// Besides the first idle it reports "drawn": when the first frame the page
// lets MapLibre paint (see paintOnceLoaded in web/main.js) has been handed
// to the compositor — a task posted from that frame runs once the frame's
// commit, which reads the WebGL canvas back from the GPU process
// (SwiftShader) and so waits for it to draw the frame, is done. The first
// idle does not wait for the GPU to draw the frame that it follows.
//
//   node scripts/cold-render.mjs BIN_A [BIN_B …] [--runs 9] [--port 18231]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { idle, launchBrowser } from '../test/harness.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : dflt;
};
const runs = opt('--runs', 9);
const port = opt('--port', 18231);
if (!args.length) {
  console.error('usage: node scripts/cold-render.mjs PLANMAP_BIN… [--runs N] [--port P]');
  process.exit(2);
}

/** CPU ms (user+sys) of every thread of the processes whose command line contains marker (or whose pid is marker). */
function procCPU(marker) {
  let sum = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (typeof marker === 'number' ? Number(pid) !== marker : !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * 10; // utime stime cutime cstime, USER_HZ 100
    } catch { /* gone */ }
  }
  return sum;
}

async function serve(bin) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLANMAP_')));
  const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`], { env, stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30000; Date.now() < deadline;) {
    try {
      if ((await fetch(`${base}/collections`, { headers: { Accept: 'application/json' } })).ok) return { base, child };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${bin} did not answer`);
}

const rows = Object.fromEntries(args.map((b) => [b, []]));
for (let i = 0; i < runs; i++) {
  for (const bin of (i % 2 ? args.slice().reverse() : args)) {
    const { base, child } = await serve(bin);
    const browser = await launchBrowser();
    try {
      const cpu0 = procCPU(browser.profile), srv0 = procCPU(child.pid);
      const page = await browser.context.newPage();
      await page.addInitScript(() => {
        const poll = setInterval(() => {
          const map = window.planmap?.map;
          if (!map?.painter) return;
          clearInterval(poll);
          const render = map._render;
          map._render = function (...a) {
            const r = render.apply(this, a);
            if (!Object.hasOwn(map.painter, 'render') && !window.planmapDrawn) {
              window.planmapDrawn = -1;
              const channel = new MessageChannel();
              channel.port1.onmessage = () => { window.planmapDrawn = performance.now(); };
              channel.port2.postMessage(0);
            }
            return r;
          };
        }, 0);
      });
      await page.goto(`${base}/`);
      await page.waitForFunction(() => window.planmap?.ready, null, { timeout: 120000 });
      await page.waitForFunction(() => window.planmap.timings.firstIdle, null, { timeout: 120000 });
      const cpu = procCPU(browser.profile) - cpu0, srv = procCPU(child.pid) - srv0;
      await page.evaluate(() => window.planmap.ready);
      await idle(page);
      await page.waitForFunction(() => window.planmapDrawn > 0, null, { timeout: 120000 });
      const t = await page.evaluate(() => ({ ...window.planmap.timings, drawn: window.planmapDrawn }));
      rows[bin].push({ idle: t.firstIdle, drawn: t.drawn, cpu, srv });
      console.log(`run ${i + 1} ${bin}: first idle ${Math.round(t.firstIdle)} ms, drawn ${Math.round(t.drawn)} ms (style loaded ${Math.round(t.styleLoaded)}, ${t.framesHeld} frames held); CPU until idle: browser ${cpu} ms, server ${srv} ms`);
    } finally {
      await browser.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const bin of args) {
  const r = rows[bin].map((x) => x.idle), d = rows[bin].map((x) => x.drawn);
  console.log(`${bin}: cold first idle median ${Math.round(median(r))} ms, range ${Math.round(Math.min(...r))}–${Math.round(Math.max(...r))} ms; drawn median ${Math.round(median(d))} ms, range ${Math.round(Math.min(...d))}–${Math.round(Math.max(...d))} ms; CPU medians: browser ${median(rows[bin].map((x) => x.cpu))} ms, server ${median(rows[bin].map((x) => x.srv))} ms; ${r.length} runs`);
}
