// Copies terra-draw (the drawing and editing library of web/edit.js) and
// its MapLibre adapter into dist/vendor as two ES modules the browser loads
// without a bundler: the adapter's one bare import of "terra-draw" is
// pointed at the copied file, and the source-map comments (whose maps are
// not shipped) are dropped.

import fs from 'node:fs';
import path from 'node:path';
import { packageDir, packageVersion, writeFileAtomic } from './lib.mjs';

const SOURCE_MAP = /\n?\/\/# sourceMappingURL=\S+\s*$/;

/** Reads a package's modern ES build. */
function modernBuild(name) {
  const file = path.join(packageDir(name), 'dist', `${name}.modern.js`);
  if (!fs.existsSync(file)) throw new Error(`frontend: ${name} has no dist/${name}.modern.js; has its layout changed?`);
  return fs.readFileSync(file, 'utf8').replace(SOURCE_MAP, '\n');
}

/**
 * Rewrites every import of a bare module specifier to a relative file.
 * Throws when the module imports anything else bare, or never imports it,
 * so that a new version's dependency cannot slip through unresolved.
 */
export function rewriteBareImports(code, specifiers) {
  let rewritten = 0;
  const out = code.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(["'])([^"'./][^"']*)\2/g, (whole, prefix, quote, spec) => {
    const target = specifiers[spec];
    if (!target) throw new Error(`frontend: unexpected bare import "${spec}"; add it to the vendor build`);
    rewritten++;
    return `${prefix}${quote}${target}${quote}`;
  });
  if (!rewritten) throw new Error(`frontend: expected an import of ${Object.keys(specifiers).join(', ')}`);
  return out;
}

/** Writes dist/vendor/terra-draw*.mjs and their notice; returns {version, adapter, bytes}. */
export function copyTerraDraw(vendorDir) {
  const core = modernBuild('terra-draw');
  if (/\bfrom\s*["'][^"'./]/.test(core)) throw new Error('frontend: terra-draw now imports another package; add it to the vendor build');
  const adapter = rewriteBareImports(modernBuild('terra-draw-maplibre-gl-adapter'), { 'terra-draw': './terra-draw.mjs' });
  writeFileAtomic(path.join(vendorDir, 'terra-draw.mjs'), core);
  writeFileAtomic(path.join(vendorDir, 'terra-draw-maplibre-gl-adapter.mjs'), adapter);
  const pkg = (name) => JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8'));
  const notice = ['terra-draw', 'terra-draw-maplibre-gl-adapter'].map((name) => {
    const p = pkg(name);
    return `${name} ${p.version}: licence ${p.license}, by ${p.author}; ${p.homepage || p.repository?.url || ''}`;
  }).join('\n');
  writeFileAtomic(path.join(vendorDir, 'NOTICE-terra-draw.txt'), `${notice}\n(the packages ship no licence file; their package.json names the licence)\n`);
  return {
    version: packageVersion('terra-draw'),
    adapter: packageVersion('terra-draw-maplibre-gl-adapter'),
    bytes: Buffer.byteLength(core) + Buffer.byteLength(adapter),
  };
}
