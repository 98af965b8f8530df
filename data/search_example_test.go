package data_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/planmap/planmap/data"
)

func ExampleNameIndex_Search() {
	port := geojson.NewFeature(orb.Point{120.803, 27.973})
	port.Properties = geojson.Properties{"id": "wenzhou-port", "name": "温州港", "name_en": "Port of Wenzhou"}
	area := geojson.NewFeature(orb.Point{121.07, 28.14})
	area.Properties = geojson.Properties{"id": "yueqing-bay", "name": "温州港乐清湾港区", "name_en": "Wenzhou Port North Bay Area"}
	fc := geojson.NewFeatureCollection()
	fc.Features = []*geojson.Feature{area, port}
	ix := data.NewNameIndex(&data.Dataset{Layers: []*data.Layer{{ID: data.Ports, Features: fc}}})

	for _, q := range []string{"溫州港", "wenzhougang", "wzg", "yueqing"} {
		for _, hit := range ix.Search(q, data.SearchOptions{Limit: 5}) {
			fmt.Println(q, "→", hit.Layer.Features.Features[hit.Index].Properties["name"], "by", hit.Field)
		}
	}
	// Output:
	// 溫州港 → 温州港 by name
	// 溫州港 → 温州港乐清湾港区 by name
	// wenzhougang → 温州港 by pinyin
	// wenzhougang → 温州港乐清湾港区 by pinyin
	// wzg → 温州港 by pinyin_initials
	// wzg → 温州港乐清湾港区 by pinyin_initials
	// yueqing → 温州港乐清湾港区 by pinyin
}

func ExampleSimplified() {
	fmt.Println(data.Simplified("兩岸合作先行區"))
	// Output: 两岸合作先行区
}
