// npm run build: fills frontend/dist/ (git-ignored, embedded into the
// planmap binary) with the three MapLibre files the page loads and the
// offline basemap, and regenerates the search character table in data/.
//
//   dist/vendor/maplibre-gl.mjs, maplibre-gl-worker.mjs, maplibre-gl.css, LICENSE-maplibre-gl.txt
//   dist/vendor/terra-draw.mjs, terra-draw-maplibre-gl-adapter.mjs, NOTICE-terra-draw.txt
//                         the drawing library, loaded only once a planner signs in (see vendor.mjs)
//   dist/vendor/t2s.txt   the traditional → simplified table, for excerpts shown simplified
//   dist/vendor/jspdf.umd.min.js, LICENSE-jspdf.txt   (loaded only when printing to PDF)
//   dist/land.geojson     the clipped land/sea background and the reference layer (see basemap.mjs)
//   dist/sprite/sprite{,@2x}.{json,png}   Maki icons as SDF and the hatching (see sprite.mjs)
//   dist/vendor/glyphs.bin   the labels' glyphs as distance fields, from Debian's Noto Sans CJK SC
//                         (OFL-1.1) when the build machine has it (see glyphs.mjs)
//   dist/build.json       versions and figures of this build
//   dist/**/NAME.br, NAME.gz   compressed copies of the larger files, sent as they are (see precompress.mjs)
//
// dist/README.md is the committed placeholder that lets a clean clone
// compile; it is never touched here.

import fs from 'node:fs';
import path from 'node:path';
import { buildLand } from './basemap.mjs';
import { buildSprite } from './sprite.mjs';
import { buildGlyphs } from './glyphs.mjs';
import { copyTerraDraw } from './vendor.mjs';
import { precompress } from './precompress.mjs';
import { t2sTable } from './t2s-table.mjs';
import { FRONTEND_DIR, copyFileAtomic, packageDir, packageVersion, writeFileAtomic } from './lib.mjs';

const dist = path.join(FRONTEND_DIR, 'dist');
const started = Date.now();

// 1. MapLibre: the ES module, its worker (loaded relative to the module) and the CSS.
const maplibre = packageDir('maplibre-gl');
for (const file of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl.css']) {
  copyFileAtomic(path.join(maplibre, 'dist', file), path.join(dist, 'vendor', file));
}
copyFileAtomic(path.join(maplibre, 'LICENSE.txt'), path.join(dist, 'vendor', 'LICENSE-maplibre-gl.txt'));
// jsPDF (MIT), self-contained UMD build, for the print tool's PDF export.
copyFileAtomic(path.join(packageDir('jspdf'), 'dist', 'jspdf.umd.min.js'), path.join(dist, 'vendor', 'jspdf.umd.min.js'));
copyFileAtomic(path.join(packageDir('jspdf'), 'LICENSE'), path.join(dist, 'vendor', 'LICENSE-jspdf.txt'));

// 1b. terra-draw and its MapLibre adapter, for editing (web/edit.js).
const terraDraw = copyTerraDraw(path.join(dist, 'vendor'));

// 2. The basemap.
const { fc, summary } = buildLand();
const land = JSON.stringify(fc);
writeFileAtomic(path.join(dist, 'land.geojson'), land);

// 3. The sprite.
const sprite = await buildSprite(path.join(dist, 'sprite'));

// 3b. The labels' glyphs: every character of the reference layer's and the
// built-in dataset's labels (in both languages).
const labelTexts = [];
const LABEL_KEYS = ['label', 'label_en', 'name', 'name_en'];
const collectTexts = (features) => {
  for (const f of features) for (const k of LABEL_KEYS) if (typeof f.properties?.[k] === 'string') labelTexts.push(f.properties[k]);
};
collectTexts(fc.features);
const defaultData = path.join(FRONTEND_DIR, '..', 'data', 'default');
for (const name of fs.readdirSync(defaultData).filter((n) => n.endsWith('.geojson')).sort()) {
  collectTexts(JSON.parse(fs.readFileSync(path.join(defaultData, name), 'utf8')).features || []);
}
const glyphs = await buildGlyphs(path.join(dist, 'vendor'), labelTexts);

// 4. The traditional → simplified table the Go search embeds. It is
// committed (so the binary searches traditional Chinese without a frontend
// build); rewrite it only when the dictionary changed.
const tablePath = path.join(FRONTEND_DIR, '..', 'data', 'search_t2s.txt');
const table = await t2sTable();
const current = fs.existsSync(tablePath) ? fs.readFileSync(tablePath, 'utf8') : '';
if (current !== table) {
  writeFileAtomic(tablePath, table);
  console.log(`build: rewrote ${path.relative(process.cwd(), tablePath)} (${table.split('\n').length - 7} characters); commit it`);
}

// The same table for the page, which shows source excerpts simplified.
copyFileAtomic(tablePath, path.join(dist, 'vendor', 't2s.txt'));

// 5. Compressed copies, last, so that they are made from the files as written above.
const compressed = precompress(dist);

const info = {
  compressed,
  maplibre_gl: packageVersion('maplibre-gl'),
  terra_draw: terraDraw,
  basemap: { ...summary, bytes: Buffer.byteLength(land) },
  jspdf: packageVersion('jspdf'),
  sprite,
  glyphs,
};
writeFileAtomic(path.join(dist, 'build.json'), `${JSON.stringify(info, null, 2)}\n`);
console.log(`build: dist/ ready in ${Date.now() - started} ms: maplibre-gl ${info.maplibre_gl}, terra-draw ${terraDraw.version} (${(terraDraw.bytes / 1024).toFixed(0)} KiB, loaded on sign-in), land.geojson ${summary.features} features, ${summary.vertices} vertices, ${(info.basemap.bytes / 1024).toFixed(0)} KiB, ${glyphs ? `glyphs.bin ${glyphs.glyphs} glyphs in ${glyphs.ranges} ranges, ${(glyphs.bytes / 1024).toFixed(0)} KiB` : 'no glyphs'}, ${compressed.files} files compressed (${(compressed.bytes / 1024).toFixed(0)} → ${(compressed.brotli / 1024).toFixed(0)} KiB brotli)`);
