package data

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A layer file's coordinates may be in another CRS than WGS 84 when its
// sidecar says so, e.g. {"crs": "https://planmap.dev/def/crs/GCJ-02"} for
// points digitised on a Gaode basemap. Positions in the file are in GeoJSON
// order whatever the CRS — easting or longitude first, as GDAL writes
// GeoJSON — and the loader converts them to WGS 84 (CRS84) before checking
// them, so everything past loading is CRS84. The arithmetic lives in
// geo/crs (crs.FileConverter); this package only calls it through a
// CoordinateConverter the caller passes (LoadOptions, FileOptions), so it
// knows nothing of projections.

// CoordinateConverter resolves the CRS a sidecar names (any reference the
// converter understands) into the conversions of a geometry, in GeoJSON
// position order, to CRS84 and back. It returns nil functions for CRS84
// itself, and an error, meant for the user, for a CRS it does not know.
type CoordinateConverter func(ref string) (toCRS84, fromCRS84 GeometryConversion, err error)

// GeometryConversion returns a converted copy of a geometry.
type GeometryConversion = func(orb.Geometry) (orb.Geometry, error)

// LoadOptions configures Load.
type LoadOptions struct {
	// Converter converts layers whose sidecar declares a crs; nil: such a
	// layer is a problem.
	Converter CoordinateConverter
	// MaxFileBytes is the largest layer file read (0: DefaultMaxFileBytes).
	// A larger file is refused by name before any of it is read.
	MaxFileBytes int64
}

// layerConversions resolves a layer's declared CRS; nil functions mean
// the file is CRS84.
func layerConversions(l *Layer, conv CoordinateConverter) (to, from GeometryConversion, err error) {
	if l.CRS == "" {
		return nil, nil, nil
	}
	if conv == nil {
		return nil, nil, fmt.Errorf("declares crs %q, but this loader converts no CRS (planmap check and planmap serve do)", l.CRS)
	}
	to, from, err = conv(l.CRS)
	if err != nil {
		return nil, nil, fmt.Errorf("crs %q: %w", l.CRS, err)
	}
	return to, from, nil
}

// convertFeature replaces f's geometry by its conversion.
func convertFeature(f *geojson.Feature, to GeometryConversion) error {
	if f.Geometry == nil {
		return nil
	}
	g, err := to(f.Geometry)
	if err != nil {
		return err
	}
	f.Geometry = g
	return nil
}

// encodeLayerFileIn writes a layer as EncodeLayerFile does, its
// coordinates converted by from (the file's CRS); nil from writes CRS84.
func encodeLayerFileIn(l *Layer, from GeometryConversion) ([]byte, error) {
	if from == nil {
		return EncodeLayerFile(l), nil
	}
	out := *l
	fc := geojson.NewFeatureCollection()
	fc.Features = make([]*geojson.Feature, len(l.Features.Features))
	for i, f := range l.Features.Features {
		clone := *f
		if f.Geometry != nil {
			g, err := from(f.Geometry)
			if err != nil {
				return nil, fmt.Errorf("data: writing %s in %s: feature %q: %w", l.File, l.CRS, FeatureID(f), err)
			}
			clone.Geometry = g
		}
		fc.Features[i] = &clone
	}
	out.Features = fc
	return EncodeLayerFile(&out), nil
}
