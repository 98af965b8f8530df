"""Drives QGIS's own WFS provider against a planmap server (api/wfs_test.go).

Usage: wfs_qgis.py URL TOKEN VERSION
Prints one JSON line per step; after each edit it waits for a line on
stdin, so the Go test can check the server between edits.
Run with Debian's /usr/bin/python3 (python3-qgis), QT_QPA_PLATFORM=offscreen.
"""
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from qgis.core import (QgsApplication, QgsFeature, QgsFeatureRequest,  # noqa: E402
                       QgsGeometry, QgsPointXY, QgsVectorLayer, QgsVectorDataProvider)

url, token, version = sys.argv[1:4]
app = QgsApplication([], False)
app.initQgis()


def say(obj):
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def wait():
    if sys.stdin.readline().strip() != "next":
        os._exit(3)


def open_layer(name):
    uri = ("url='%s' typename='planmap:%s' version='%s' username='editor' password='%s' "
           "restrictToRequestBBOX='0' pagingEnabled='true'") % (url, name, version, token)
    layer = QgsVectorLayer(uri, name, "WFS")
    return layer


def find(layer, feature_id):
    req = QgsFeatureRequest().setFilterExpression("\"id\" = '%s'" % feature_id)
    for f in layer.getFeatures(req):
        return f
    return None


try:
    layers = {}
    report = {}
    for name in ["industrial-parks", "corridors", "ports", "enclaves", "ecological-spaces"]:
        layer = open_layer(name)
        layers[name] = layer
        if not layer.isValid():
            report[name] = {"valid": False, "error": layer.dataProvider().error().message() if layer.dataProvider() else ""}
            continue
        feats = list(layer.getFeatures())
        caps = layer.dataProvider().capabilities()
        report[name] = {
            "valid": True,
            "count": len(feats),
            "featureCount": layer.featureCount(),
            "fields": [f.name() for f in layer.fields()],
            "ids": sorted(f["id"] for f in feats),
            "nullGeometries": sum(1 for f in feats if f.geometry().isNull()),
            "canAdd": bool(caps & QgsVectorDataProvider.AddFeatures),
            "canChange": bool(caps & QgsVectorDataProvider.ChangeAttributeValues),
            "canDelete": bool(caps & QgsVectorDataProvider.DeleteFeatures),
            "canMove": bool(caps & QgsVectorDataProvider.ChangeGeometries),
        }
    say({"step": "load", "layers": report})
    wait()

    parks = layers["industrial-parks"]
    dp = parks.dataProvider()
    f = QgsFeature(parks.fields())
    f["name"] = "QGIS 测试园区"
    f["name_en"] = "QGIS test park"
    f["kind"] = "industrial_park"
    f["status"] = "planned"
    f["target_year"] = 2030
    f["city"] = "温州市"
    f["geometry_precision"] = "schematic"
    f.setGeometry(QgsGeometry.fromWkt(
        "POLYGON((120.60 27.90, 120.64 27.90, 120.64 27.93, 120.60 27.93, 120.60 27.90))"))
    ok, added = dp.addFeatures([f])
    say({"step": "add", "ok": ok, "error": dp.errors()[-1:] if not ok else []})
    wait()

    target = find(parks, sys.argv[4] if len(sys.argv) > 4 else "")
    ok = False
    if target is not None:
        idx = parks.fields().indexOf("status")
        ok = dp.changeAttributeValues({target.id(): {idx: "under_construction"}})
    say({"step": "status", "found": target is not None, "ok": ok, "error": dp.errors()[-1:] if not ok else []})
    wait()

    ports = layers["ports"]
    pdp = ports.dataProvider()
    port = find(ports, "wenzhou-port")
    ok = False
    if port is not None:
        ok = pdp.changeGeometryValues({port.id(): QgsGeometry.fromPointXY(QgsPointXY(120.9123, 27.8456))})
    say({"step": "move", "found": port is not None, "ok": ok, "error": pdp.errors()[-1:] if not ok else []})
    wait()

    corridors = layers["corridors"]
    cdp = corridors.dataProvider()
    victim = find(corridors, sys.argv[5] if len(sys.argv) > 5 else "")
    ok = False
    if victim is not None:
        ok = cdp.deleteFeatures([victim.id()])
    say({"step": "delete", "found": victim is not None, "ok": ok, "error": cdp.errors()[-1:] if not ok else []})
    wait()
except Exception as e:  # report, never hang the test
    say({"step": "error", "error": repr(e)})
finally:
    sys.stdout.flush()
    os._exit(0)
