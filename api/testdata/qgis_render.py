"""Renders planmap's vector tiles with its served style in QGIS, headless.

Usage: QT_QPA_PLATFORM=offscreen /usr/bin/python3 qgis_render.py BASE OUT.png W S E N [NOLABELS.png]

Loads BASE/tiles/{z}/{x}/{y}.mvt as a QgsVectorTileLayer, converts
BASE/styles/default.json with QgsMapBoxGlStyleConverter, renders the box
(lon/lat) to OUT.png (800 x 800, white background), and again without the
labels to NOLABELS.png when given, and prints a JSON report:
the converter's warnings, the style layers it made, and the labels placed.
It leaves with os._exit: exitQgis() crashes after network layers.
"""
import json
import os
import sys
import urllib.request

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform,
                       QgsMapBoxGlStyleConversionContext, QgsMapBoxGlStyleConverter,
                       QgsMapRendererSequentialJob, QgsMapSettings, QgsProject, QgsRectangle,
                       QgsVectorTileLayer)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def main():
    base, out = sys.argv[1], sys.argv[2]
    w, s, e, n = (float(v) for v in sys.argv[3:7])
    app = QgsApplication([], False)
    app.initQgis()
    with urllib.request.urlopen(base + "/styles/default.json") as r:
        style = json.load(r)
    layer = QgsVectorTileLayer("type=xyz&url=" + base + "/tiles/{z}/{x}/{y}.mvt&zmin=0&zmax=16", "planmap")
    if not layer.isValid():
        print(json.dumps({"error": "the vector tile layer is not valid"}))
        os._exit(2)
    context = QgsMapBoxGlStyleConversionContext()
    converter = QgsMapBoxGlStyleConverter()
    converter.convert(style, context)
    renderer, labeling = converter.renderer(), converter.labeling()
    if renderer is None:
        print(json.dumps({"error": "no renderer", "warnings": context.warnings()}))
        os._exit(2)
    layer.setRenderer(renderer)
    if labeling is not None:
        layer.setLabeling(labeling)
    QgsProject.instance().addMapLayer(layer)

    crs = QgsCoordinateReferenceSystem("EPSG:3857")
    to_merc = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), crs, QgsProject.instance())
    extent = to_merc.transformBoundingBox(QgsRectangle(w, s, e, n))
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(crs)
    settings.setOutputSize(QSize(800, 800))
    settings.setExtent(extent)
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(out, "PNG")
    labels = []
    results = job.takeLabelingResults()
    if results is not None:
        labels = [lp.labelText for lp in results.allLabels()]
    if len(sys.argv) > 7:
        layer.setLabeling(None)
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        job.renderedImage().save(sys.argv[7], "PNG")
    styles = [st.styleName() for st in renderer.styles()]
    print(json.dumps({"warnings": context.warnings(), "styles": styles, "labels": labels}, ensure_ascii=False))
    sys.stdout.flush()
    os._exit(0)


main()
