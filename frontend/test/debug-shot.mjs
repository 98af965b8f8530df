// Ad-hoc: node test/debug-shot.mjs '<hash>' out.png [width height]
import { idle, launchBrowser, openMap, startPlanmap } from './harness.mjs';
const [hash = '', out = '/tmp/shots/a.png', w = '1200', hgt = '750'] = process.argv.slice(2);
const server = await startPlanmap();
const browser = await launchBrowser();
try {
  const { page, errors } = await openMap(browser, `${server.base}/${hash}`, { viewport: { width: Number(w), height: Number(hgt) } });
  await idle(page);
  if (process.env.EVAL) console.log(JSON.stringify(await page.evaluate(process.env.EVAL)).slice(0, 3000));
  await idle(page);
  await page.screenshot({ path: out });
  console.log('errors', errors.map(String));
  console.log('timings', JSON.stringify(await page.evaluate(() => window.planmap.timings)));
} finally {
  await browser.close();
  await server.stop();
}
