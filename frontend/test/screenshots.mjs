// Takes the README's screenshots of the web map (default view at desktop
// and phone sizes, Wenzhou at z11, Quanzhou's Taiwanese investment zone at
// z12, the details panel, the print export) into a folder:
//
//   node test/screenshots.mjs ../docs/screenshots      (after make build)

import fs from 'node:fs';
import path from 'node:path';
import { idle, launchBrowser, missingTools, openMap, startPlanmap } from './harness.mjs';

const out = path.resolve(process.argv[2] || 'test-output/screenshots');
const why = missingTools();
if (why) {
  console.error(why);
  process.exit(1);
}
fs.mkdirSync(out, { recursive: true });
const server = await startPlanmap();
const browser = await launchBrowser();
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const shots = [
  ['default-view.png', '', desktop],
  ['default-view-phone.png', '', phone],
  ['wenzhou-z11.png', '#map=11/27.9800/120.7400', desktop],
  ['quanzhou-tiz-z12.png', '#map=12/24.9500/118.7300', desktop],
  ['details-panel.png', '#map=12/27.9600/120.7700&sel=ports/wenzhou-port', desktop],
  ['details-panel-phone.png', '#map=12/27.9600/120.7700&sel=ports/wenzhou-port', phone],
  ['english-wenzhou-z10.png', '#map=10/27.9500/120.7000&lang=en', desktop],
];
try {
  for (const [name, hash, viewport] of shots) {
    const { page } = await openMap(browser, `${server.base}/${hash}`, { viewport });
    await idle(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(out, name) });
    if (name === 'quanzhou-tiz-z12.png') {
      const r = await page.evaluate(async () => (await window.planmap.tools.exportView({ format: 'png' })).png);
      fs.writeFileSync(path.join(out, 'print-export.png'), Buffer.from(r.split(',')[1], 'base64'));
    }
    await page.close();
    console.log(name, (fs.statSync(path.join(out, name)).size / 1024).toFixed(0), 'KB');
  }
} finally {
  await browser.close();
  await server.stop();
}
