package wfs_test

import (
	"fmt"
	"regexp"

	"github.com/planmap/planmap/api/wfs"
	"github.com/planmap/planmap/data"
)

// A GetFeature by KVP over the built-in dataset: the port's position is
// written latitude first, as urn:ogc:def:crs:EPSG::4326 defines it.
func ExampleService_Serve() {
	ds, _ := data.Default()
	snap := data.NewSnapshot(ds, 0)
	svc := wfs.NewService()
	resp := svc.Serve(&wfs.Request{Args: []wfs.KV{
		{Key: "SERVICE", Value: "WFS"}, {Key: "VERSION", Value: "2.0.0"}, {Key: "REQUEST", Value: "GetFeature"},
		{Key: "TYPENAMES", Value: "planmap:ports"}, {Key: "RESOURCEID", Value: "ports.wenzhou-port"},
	}}, &wfs.Env{Snapshot: snap, URL: "http://localhost:8080/wfs"})
	fmt.Println(resp.Status, resp.ContentType)
	fmt.Println(regexp.MustCompile(`<gml:pos>[^<]*</gml:pos>`).FindString(string(resp.Body)))
	// Output:
	// 200 application/gml+xml; version=3.2
	// <gml:pos>27.973 120.803</gml:pos>
}
