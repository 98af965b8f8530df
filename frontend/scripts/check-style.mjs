// Checks a MapLibre style file with MapLibre's own style-spec package:
// validate() must find no error, and for every layer whose metadata
// carries "planmap:filter" (the expression form of its legacy filter),
// featureFilter must give the same answer for both on features of every
// geometry type, status and name presence. Prints one JSON report.
// Usage: node scripts/check-style.mjs STYLE.json
import { readFileSync } from 'node:fs';
import { validateStyleMin, featureFilter } from '@maplibre/maplibre-gl-style-spec';

const style = JSON.parse(readFileSync(process.argv[2], 'utf8'));
// validateStyleMin is what gl-style-validate runs on a parsed style.
const errors = validateStyleMin(style).map((e) => e.message);
const geometries = {
  1: [[{ x: 10, y: 10 }]],
  2: [[{ x: 0, y: 0 }, { x: 10, y: 10 }]],
  3: [[{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 0 }]],
};
const features = [];
for (const type of [1, 2, 3]) {
  for (const status of ['planned', 'under_construction', 'proposed', 'operational', undefined]) {
    for (const name of ['温州港', undefined]) {
      const properties = { kind: 'port' };
      if (status) properties.status = status;
      if (name) properties.name = name;
      features.push({ type, properties, loadGeometry: () => geometries[type], geometry: geometries[type] });
    }
  }
}
const mismatches = [];
let compared = 0;
for (const [i, layer] of style.layers.entries()) {
  const expr = layer.metadata?.['planmap:filter'];
  if (!expr) continue;
  const legacy = featureFilter(layer.filter, `layers[${i}].filter`);
  const modern = featureFilter(expr, `layers[${i}].metadata.planmap:filter`);
  for (const f of features) {
    const a = legacy.filter({ zoom: 10 }, f);
    const b = modern.filter({ zoom: 10 }, f);
    compared++;
    if (a !== b) mismatches.push({ layer: layer.id, type: f.type, properties: f.properties, legacy: a, expression: b });
  }
}
console.log(JSON.stringify({ errors, compared, mismatches }));
