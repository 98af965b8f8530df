// Geodesy for the page's tools, on WGS84: geodesic distance (Vincenty's
// inverse), geodesic polygon area (exact spherical excess on the authalic
// sphere, after mapping latitudes to authalic latitudes), and the GCJ-02
// and BD-09 datums of Chinese web maps (the published forward formulas).

const A = 6378137, F = 1 / 298.257223563, B = A * (1 - F);
const RAD = Math.PI / 180;

/** Geodesic distance in metres between [lon, lat] points (Vincenty; ~0.1 mm). */
export function distance(p, q) {
  const L = (q[0] - p[0]) * RAD;
  const U1 = Math.atan((1 - F) * Math.tan(p[1] * RAD)), U2 = Math.atan((1 - F) * Math.tan(q[1] * RAD));
  const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
  let lambda = L, prev, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
  for (let i = 0; i < 200; i++) {
    const sinL = Math.sin(lambda), cosL = Math.cos(lambda);
    sinSigma = Math.hypot(cosU2 * sinL, cosU1 * sinU2 - sinU1 * cosU2 * cosL);
    if (sinSigma === 0) return 0;
    cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    sigma = Math.atan2(sinSigma, cosSigma);
    const sinAlpha = (cosU1 * cosU2 * sinL) / sinSigma;
    cos2Alpha = 1 - sinAlpha * sinAlpha;
    cos2SigmaM = cos2Alpha ? cosSigma - (2 * sinU1 * sinU2) / cos2Alpha : 0;
    const C = (F / 16) * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
    prev = lambda;
    lambda = L + (1 - C) * F * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
    if (Math.abs(lambda - prev) < 1e-12) break;
  }
  const u2 = (cos2Alpha * (A * A - B * B)) / (B * B);
  const k = u2 / 1024, AA = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2))), BB = k * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const dSigma = BB * sinSigma * (cos2SigmaM + (BB / 4) * (cosSigma * (-1 + 2 * cos2SigmaM ** 2) - (BB / 6) * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
  return B * AA * (sigma - dSigma);
}

/** The length in metres of a line of [lon, lat] points. */
export function length(points) {
  let sum = 0;
  for (let i = 1; i < points.length; i++) sum += distance(points[i - 1], points[i]);
  return sum;
}

const E2 = F * (2 - F), E = Math.sqrt(E2);
const qp = 1 - ((1 - E2) / (2 * E)) * Math.log((1 - E) / (1 + E));
const AUTHALIC_R = A * Math.sqrt(qp / 2);
function authalic(lat) {
  const s = Math.sin(lat * RAD);
  const q = (1 - E2) * (s / (1 - E2 * s * s) - (1 / (2 * E)) * Math.log((1 - E * s) / (1 + E * s)));
  return Math.asin(Math.max(-1, Math.min(1, q / qp)));
}

/** The area in m² of a ring of [lon, lat] points (closed or not; either orientation). */
export function area(ring) {
  const pts = ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1] ? ring.slice(0, -1) : ring;
  if (pts.length < 3) return 0;
  let excess = 0;
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i], q = pts[(i + 1) % pts.length];
    const t1 = Math.tan(authalic(p[1]) / 2), t2 = Math.tan(authalic(q[1]) / 2);
    let dl = (q[0] - p[0]) * RAD;
    if (dl > Math.PI) dl -= 2 * Math.PI; else if (dl < -Math.PI) dl += 2 * Math.PI;
    excess += 2 * Math.atan2(Math.tan(dl / 2) * (t1 + t2), 1 + t1 * t2);
  }
  return Math.abs(excess) * AUTHALIC_R * AUTHALIC_R;
}

// GCJ-02: the published forward formula on the Krasovsky ellipsoid.
const KA = 6378245, KEE = 0.00669342162296594323;
export function outOfChina([lon, lat]) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}
function dLatRaw(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3;
  return r;
}
function dLonRaw(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return r;
}
/** WGS84 [lon, lat] → GCJ-02 (unchanged outside China, as the formula defines). */
export function wgs84ToGcj02(p) {
  if (outOfChina(p)) return [p[0], p[1]];
  const [lon, lat] = p;
  const radLat = lat * RAD;
  const magic = 1 - KEE * Math.sin(radLat) ** 2, sqrtMagic = Math.sqrt(magic);
  const dLat = (dLatRaw(lon - 105, lat - 35) * 180) / (((KA * (1 - KEE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon = (dLonRaw(lon - 105, lat - 35) * 180) / ((KA / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lon + dLon, lat + dLat];
}
const XPI = (Math.PI * 3000) / 180;
/** GCJ-02 [lon, lat] → BD-09. */
export function gcj02ToBd09([x, y]) {
  const z = Math.hypot(x, y) + 0.00002 * Math.sin(y * XPI);
  const theta = Math.atan2(y, x) + 0.000003 * Math.cos(x * XPI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}
/** WGS84 [lon, lat] → the datum of a basemap ('wgs84', 'gcj02' or 'bd09'). */
export function toDatum(p, datum) {
  if (datum === 'gcj02') return wgs84ToGcj02(p);
  if (datum === 'bd09') return outOfChina(p) ? [p[0], p[1]] : gcj02ToBd09(wgs84ToGcj02(p));
  return [p[0], p[1]];
}
