// Builds the offline land/sea background, land.geojson, from openly licensed
// npm data, in three non-overlapping rings of detail so that any style can
// draw every feature at every zoom with one fill layer:
//
//   - inside REGION (the planning region with a margin): the OSM coastline
//     from @geo-maps/countries-coastline-1m (ODbL, © OpenStreetMap
//     contributors), good to about zoom 10;
//   - inside SURROUNDINGS but outside REGION: Natural Earth 1:10m land from
//     world-atlas (public domain), good to about zoom 8;
//   - the rest of the world: Natural Earth 1:110m land, for the lowest zooms.
//
// The authored reference features of reference.mjs (places, rivers, lakes,
// islands; CC BY 4.0, planmap contributors) come last, checked to lie on
// land where they should.
//
// MapLibre's GeoJSON source simplifies per zoom, so the detailed rings cost
// nothing at low zooms beyond their download.
//
// Each ring gives a land feature (MultiPolygon, kind "land"), whose outline
// includes the straight edges where it was clipped; the region's also gives
// its real coastline (MultiLineString, kind "coastline") without those
// edges. A style strokes the coastline features, never the land's outline.

import fs from 'node:fs';
import path from 'node:path';
import * as topojson from 'topojson-client';
import { clipPolygons, boxesAround, coastRuns, packageDir, packageVersion } from './lib.mjs';
import { buildReference, onLand } from './reference.mjs';

/** The planning region: Quanzhou to Shanghai with a margin (west, south, east, north). */
export const REGION = [115.5, 22.5, 123.5, 32.5];
/** The surroundings shown when zoomed out around the region. */
export const SURROUNDINGS = [100, 12, 140, 45];
const WORLD = [-180, -85.06, 180, 85.06];

export const ATTRIBUTION = 'Coastline © OpenStreetMap contributors (ODbL), via @geo-maps/countries-coastline-1m; land outside the region: Natural Earth (public domain), via world-atlas; places, rivers, lakes and islands: planmap contributors (CC BY 4.0)';

function naturalEarthLand(scale) {
  const topo = JSON.parse(fs.readFileSync(path.join(packageDir('world-atlas'), `land-${scale}.json`), 'utf8'));
  const land = topojson.feature(topo, topo.objects.land);
  return land.type === 'FeatureCollection' ? land.features.map((f) => f.geometry) : [land.geometry];
}

function osmCoastline() {
  const file = path.join(packageDir('@geo-maps/countries-coastline-1m'), 'map.geo.json');
  const fc = JSON.parse(fs.readFileSync(file, 'utf8'));
  return fc.features.map((f) => f.geometry);
}

function clipAll(geometries, boxes, decimals, source, withCoastline) {
  const features = [];
  for (const box of boxes) {
    const polygons = [];
    for (const g of geometries) polygons.push(...clipPolygons(g, box, decimals));
    if (!polygons.length) continue;
    features.push({
      type: 'Feature',
      properties: { kind: 'land', source },
      geometry: { type: 'MultiPolygon', coordinates: polygons },
    });
    const coast = withCoastline ? coastRuns(polygons, box) : [];
    if (coast.length) {
      features.push({
        type: 'Feature',
        properties: { kind: 'coastline', source },
        geometry: { type: 'MultiLineString', coordinates: coast },
      });
    }
  }
  return features;
}

/** Returns the land FeatureCollection and a summary of what went in. */
export function buildLand() {
  const osm = clipAll(osmCoastline(), [REGION], 5, 'osm-coastline', true);
  const ne10 = clipAll(naturalEarthLand('10m'), boxesAround(SURROUNDINGS, REGION), 4, 'natural-earth-10m', false);
  const ne110 = clipAll(naturalEarthLand('110m'), boxesAround(WORLD, SURROUNDINGS), 3, 'natural-earth-110m', false);
  const reference = buildReference();
  // The authored places must sit on the coastline's land (islands on theirs):
  // a place in the sea means a wrong coordinate.
  const offshore = reference.features.filter((f) => ['place', 'island'].includes(f.properties.kind) && !onLand(f.geometry.coordinates, [...osm, ...ne10]))
    .map((f) => `${f.properties.name} ${f.geometry.coordinates}`);
  if (offshore.length) throw new Error(`basemap: reference places in the sea: ${offshore.join('; ')}`);
  const features = [...osm, ...ne10, ...ne110, ...reference.features];
  let vertices = 0;
  for (const f of features) {
    if (f.geometry.type === 'MultiPolygon') for (const p of f.geometry.coordinates) for (const r of p) vertices += r.length;
  }
  const fc = {
    type: 'FeatureCollection',
    attribution: ATTRIBUTION,
    sources: {
      'osm-coastline': { package: '@geo-maps/countries-coastline-1m', version: packageVersion('@geo-maps/countries-coastline-1m'), license: 'ODbL-1.0', credit: '© OpenStreetMap contributors', box: REGION },
      'natural-earth-10m': { package: 'world-atlas', version: packageVersion('world-atlas'), file: 'land-10m.json', license: 'public domain (Natural Earth)', box: SURROUNDINGS },
      'natural-earth-110m': { package: 'world-atlas', version: packageVersion('world-atlas'), file: 'land-110m.json', license: 'public domain (Natural Earth)' },
      'planmap-reference': { file: 'frontend/scripts/reference-data.mjs', ...reference.provenance },
    },
    features,
  };
  return { fc, summary: { features: features.length, vertices, reference: reference.features.length } };
}
