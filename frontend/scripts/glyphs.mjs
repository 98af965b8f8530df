// The labels' glyphs, made at build time: signed distance fields of every
// character the built-in dataset's and the reference layer's labels use (and
// all of Basic Latin and Latin-1, and the vertical punctuation forms), in
// MapLibre's glyph PBF format, drawn from
// Debian's Noto Sans CJK SC (fonts-noto-cjk, SIL Open Font License 1.1) —
// the font the style names, which the browser would otherwise rasterise on
// the page's main thread, glyph by glyph, before the first labels show.
//
// The font is read, not copied: only the distance fields go into
// dist/vendor/glyphs.bin, with the font's copyright and licence notices
// (from its name table) in dist/vendor/LICENSE-glyphs.txt. Without the font the build writes no glyphs and
// the page draws every label locally, as it does any character not here.
//
// A glyph is made as MapLibre makes a local one: @mapbox/tiny-sdf's
// distance transform (same buffer, radius and cutoff), over the glyph's
// outline (fontkit) rasterised by resvg instead of a canvas, at the PBF
// convention's 24 px; the outline is shifted half a pixel right and up and
// `top` is taken 28 px down, so that the integer PBF metrics place the ink
// where MapLibre places a local glyph (left + 0.5, top − 27.5).
//
// glyphs.bin: a 4-byte little-endian length, a JSON index
// {fontstack, font, license, ranges: {range: [offset, length, characters]}}
// and, after it, one glyph PBF per range of 256 code points (offsets from
// the end of the index).

import fs from 'node:fs';
import path from 'node:path';
import * as fontkit from 'fontkit';
import TinySDF from '@mapbox/tiny-sdf';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { packageDir } from './lib.mjs';

export const FONTSTACK = 'Noto Sans CJK SC,sans-serif';
export const FONT_FILES = ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'];
const POSTSCRIPT_NAME = 'NotoSansCJKsc-Regular';
const FONT_PX = 24; // the glyph PBF convention: 24 px, 3 px border
const BUFFER = 3;
const RADIUS = 8;
const CUTOFF = 0.25;
const TOP_ORIGIN = 28; // MapLibre draws a local glyph's top 27.5 px above this origin; see above

let wasmReady = null;
function ready() {
  wasmReady ??= initWasm(fs.readFileSync(path.join(packageDir('@resvg/resvg-wasm'), 'index_bg.wasm'))).catch((err) => {
    if (!/already initialized/i.test(String(err))) throw err;
  });
  return wasmReady;
}

/**
 * A 2D context with what TinySDF's draw uses (measureText, clearRect,
 * fillText, getImageData), backed by the font's outlines and resvg.
 */
class OutlineContext {
  constructor(face) {
    this.face = face; // (TinySDF sets ctx.font to a CSS font string)
    this.scale = FONT_PX / face.unitsPerEm;
    this.pending = null;
  }

  glyph(char) {
    return this.face.glyphForCodePoint(char.codePointAt(0));
  }

  measureText(char) {
    const g = this.glyph(char);
    const s = this.scale;
    const b = g.bbox;
    const empty = !(b.maxX > b.minX && b.maxY > b.minY);
    // the outline is drawn 0.5 px right of and 0.5 px above the pen position
    return {
      width: g.advanceWidth * s,
      actualBoundingBoxAscent: empty ? 0 : b.maxY * s + 0.5,
      actualBoundingBoxDescent: empty ? 0 : -b.minY * s - 0.5,
      actualBoundingBoxLeft: empty ? 0 : -(b.minX * s + 0.5),
      actualBoundingBoxRight: empty ? 0 : b.maxX * s + 0.5,
    };
  }

  clearRect() {}

  fillText(char, x, y) {
    this.pending = { char, x, y };
  }

  /** RGBA of the glyph last "filled", in the box (sx, sy, w, h). */
  getImageData(sx, sy, w, h) {
    const { char, x, y } = this.pending;
    const s = this.scale;
    const d = this.glyph(char).path.toSVG();
    const tx = x - sx + 0.5, ty = y - sy - 0.5;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`
      + `<path fill="#000" d="${d}" transform="translate(${tx} ${ty}) scale(${s} ${-s})"/></svg>`;
    const img = new Resvg(svg, { fitTo: { mode: 'original' }, shapeRendering: 2 }).render();
    const data = new Uint8ClampedArray(w * h * 4);
    const pixels = img.pixels;
    if (img.width === w && img.height === h) data.set(pixels);
    img.free();
    return { data, width: w, height: h };
  }
}

class OutlineSDF extends TinySDF {
  constructor(font) {
    OutlineSDF.nextFont = font;
    super({ fontSize: FONT_PX, buffer: BUFFER, radius: RADIUS, cutoff: CUTOFF, fontFamily: 'outline' });
  }

  _createCanvas() {
    const ctx = new OutlineContext(OutlineSDF.nextFont);
    return { getContext: () => ctx };
  }
}

// ---- glyph PBF (MapLibre's glyphs.proto: fontstacks=1 {name=1, range=2, glyphs=3 {id=1, bitmap=2, width=3, height=4, left=5, top=6, advance=7}})

function varint(out, n) {
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
}
const zigzag = (n) => (n < 0 ? -2 * n - 1 : 2 * n);
function field(out, tag, wire) { varint(out, (tag << 3) | wire); }
function bytesField(out, tag, bytes) { field(out, tag, 2); varint(out, bytes.length); for (const b of bytes) out.push(b); }

function glyphMessage(g) {
  const out = [];
  field(out, 1, 0); varint(out, g.id);
  if (g.bitmap) bytesField(out, 2, g.bitmap);
  field(out, 3, 0); varint(out, g.width);
  field(out, 4, 0); varint(out, g.height);
  field(out, 5, 0); varint(out, zigzag(g.left));
  field(out, 6, 0); varint(out, zigzag(g.top));
  field(out, 7, 0); varint(out, g.advance);
  return out;
}

function rangePBF(name, range, glyphs) {
  const stack = [];
  bytesField(stack, 1, Buffer.from(name, 'utf8'));
  bytesField(stack, 2, Buffer.from(`${range * 256}-${range * 256 + 255}`, 'utf8'));
  for (const g of glyphs) bytesField(stack, 3, glyphMessage(g));
  const out = [];
  bytesField(out, 1, stack);
  return Uint8Array.from(out);
}

/** The first font file of FONT_FILES that exists, opened, or null. */
export function openFont() {
  for (const file of FONT_FILES) {
    if (!fs.existsSync(file)) continue;
    const f = fontkit.openSync(file, POSTSCRIPT_NAME);
    if (f) return { font: f, file };
  }
  return null;
}

/** The glyph of char as MapLibre's PBF carries it, or null when the font lacks it. */
export function makeGlyph(sdf, font, char) {
  const cp = char.codePointAt(0);
  // a line break (labels put English under Chinese) is asked for but never drawn
  if (cp < 32) return { id: cp, width: 0, height: 0, left: 0, top: -TOP_ORIGIN, advance: 0 };
  if (!font.hasGlyphForCodePoint(cp)) return null;
  const g = sdf.draw(char);
  const glyph = {
    id: cp,
    width: g.glyphWidth,
    height: g.glyphHeight,
    left: g.glyphLeft,
    top: g.glyphTop - TOP_ORIGIN,
    advance: Math.round(g.glyphAdvance),
  };
  if (g.glyphWidth && g.glyphHeight) glyph.bitmap = g.data;
  return glyph;
}

/**
 * Every character of the labels' texts: strings of `texts`, Basic Latin and
 * Latin-1, the line break, and the vertical forms MapLibre puts for
 * punctuation (（ → ︵) in labels along lines that run up the screen.
 */
export function labelCharacters(texts) {
  const chars = new Set(['\n']);
  for (let cp = 32; cp < 256; cp++) if (cp < 127 || cp > 160) chars.add(String.fromCodePoint(cp));
  for (let cp = 0xfe10; cp <= 0xfe4f; cp++) if (cp <= 0xfe19 || cp >= 0xfe30) chars.add(String.fromCodePoint(cp));
  for (const text of texts) for (const c of String(text)) if (c.codePointAt(0) > 32) chars.add(c);
  return [...chars].sort((a, b) => a.codePointAt(0) - b.codePointAt(0));
}

/**
 * Writes glyphs.bin for the characters of texts into dir; returns a
 * summary, or null (and writes nothing) when no font file is there.
 */
export async function buildGlyphs(dir, texts) {
  const opened = openFont();
  const out = path.join(dir, 'glyphs.bin');
  if (!opened) {
    fs.rmSync(out, { force: true });
    fs.rmSync(path.join(dir, 'LICENSE-glyphs.txt'), { force: true });
    console.warn(`build: no ${FONT_FILES.join(' or ')} (apt-get install fonts-noto-cjk): no glyphs, the page draws every label locally`);
    return null;
  }
  await ready();
  const { font, file } = opened;
  const sdf = new OutlineSDF(font);
  const byRange = new Map();
  let missing = 0;
  for (const char of labelCharacters(texts)) {
    const glyph = makeGlyph(sdf, font, char);
    if (!glyph) { missing++; continue; }
    const range = Math.floor(glyph.id / 256);
    if (!byRange.has(range)) byRange.set(range, []);
    byRange.get(range).push(glyph);
  }
  const index = { fontstack: FONTSTACK, font: `${font.fullName} (${path.basename(file)})`, license: 'SIL Open Font License 1.1', ranges: {} };
  const parts = [];
  let offset = 0, glyphs = 0;
  for (const [range, list] of [...byRange].sort((a, b) => a[0] - b[0])) {
    const pbf = rangePBF(FONTSTACK, range, list);
    index.ranges[range] = [offset, pbf.length, list.map((g) => String.fromCodePoint(g.id)).join('')];
    parts.push(pbf);
    offset += pbf.length;
    glyphs += list.length;
  }
  const json = Buffer.from(JSON.stringify(index), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(json.length);
  const body = Buffer.concat([head, json, ...parts]);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(`${out}.tmp`, body);
  fs.renameSync(`${out}.tmp`, out);
  // The font's own notices (its name table) go with what is derived from it.
  const notice = [`glyphs.bin holds signed distance fields of ${glyphs} glyphs of ${font.fullName} ${font.version || ''}`.trim(),
    `(${file}), made by planmap's build (frontend/scripts/glyphs.mjs).`, '',
    font.copyright, font.getName('trademark'), font.getName('license'), font.getName('licenseURL')].filter((l) => l != null).join('\n');
  fs.writeFileSync(path.join(dir, 'LICENSE-glyphs.txt'), `${notice}\n`);
  return { glyphs, ranges: byRange.size, missing, bytes: body.length, font: index.font };
}
