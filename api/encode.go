package api

import (
	"github.com/paulmach/orb"

	"github.com/planmap/planmap/data"
)

// The API writes JSON with data's writer, the one GeoJSON writer planmap has.

func appendJSONString(b []byte, s string) []byte     { return data.AppendJSONString(b, s) }
func appendNumber(b []byte, f float64) []byte        { return data.AppendNumber(b, f) }
func appendGeometry(b []byte, g orb.Geometry) []byte { return data.AppendGeometry(b, g) }
func appendValue(b []byte, v any) []byte             { return data.AppendValue(b, v) }
