// Compressed copies of the build's larger text and binary files, written
// beside them as NAME.br (brotli, quality 11) and NAME.gz (gzip, level 9).
// planmap sends the copy a browser accepts instead of compressing the file
// again on every request (MapLibre's module alone is 1.1 MB), and brotli at
// its best level is a fifth smaller than what a server compresses per
// request at its fastest.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { writeFileAtomic } from './lib.mjs';

// Worth compressing: types that shrink, and files large enough for the
// saving to outweigh a second request's bookkeeping.
const COMPRESSIBLE = new Set(['.mjs', '.js', '.css', '.json', '.geojson', '.bin', '.txt', '.svg']);
const MIN_BYTES = 2048;
const VARIANTS = [
  { ext: '.br', compress: (buf) => zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } }) },
  { ext: '.gz', compress: (buf) => zlib.gzipSync(buf, { level: 9 }) },
];

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

// precompress writes the copies for every file under dir that is worth it
// (a copy at least 10 % smaller than its file) and removes copies whose file
// is gone or no longer worth it, so that no stale copy is ever served. It
// returns the files compressed and their bytes before and after brotli.
export function precompress(dir) {
  const all = walk(dir);
  const isVariant = (p) => VARIANTS.some((v) => p.endsWith(v.ext));
  const sources = all.filter((p) => !isVariant(p));
  const kept = new Set();
  const summary = { files: 0, bytes: 0, brotli: 0 };
  for (const file of sources) {
    if (!COMPRESSIBLE.has(path.extname(file).toLowerCase())) continue;
    const body = fs.readFileSync(file);
    if (body.length < MIN_BYTES) continue;
    const copies = VARIANTS.map((v) => ({ file: file + v.ext, data: v.compress(body) }));
    if (copies.some((c) => c.data.length > body.length * 0.9)) continue;
    for (const c of copies) {
      writeFileAtomic(c.file, c.data);
      kept.add(c.file);
    }
    summary.files++;
    summary.bytes += body.length;
    summary.brotli += copies[0].data.length;
  }
  for (const p of all) if (isVariant(p) && !kept.has(p)) fs.rmSync(p);
  return summary;
}
