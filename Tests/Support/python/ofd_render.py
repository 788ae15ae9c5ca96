#!/usr/bin/env python3
"""Renders an OFD document with easyofd (an independent OFD renderer from PyPI) through PyMuPDF and reports where
red seal ink appears on each page, as fractions of the page's width and height from its top-left corner (the
renderer picks its own page scale; the caller multiplies by the OFD PhysicalBox).

  ofd_render.py FILE  -> JSON: [{page, red: [x0, y0, x1, y1] | null}]
"""
import contextlib
import json
import logging
import sys

import fitz  # PyMuPDF
from easyofd.ofd import OFD
from loguru import logger

logger.remove()
logging.disable(logging.CRITICAL)


def main() -> int:
    ofd = OFD()
    with contextlib.redirect_stdout(sys.stderr):  # the renderer talks on stdout
        ofd.read(sys.argv[1], fmt="path")
        pdf = ofd.to_pdf()
    document = fitz.open(stream=pdf, filetype="pdf")
    pages = []
    for number, page in enumerate(document):
        zoom = 4
        pixmap = page.get_pixmap(matrix=fitz.Matrix(zoom, zoom), alpha=False)
        xs, ys = [], []
        samples = pixmap.samples
        stride = pixmap.stride
        for y in range(0, pixmap.height, 2):
            row = y * stride
            for x in range(0, pixmap.width, 2):
                r, g, b = samples[row + 3 * x], samples[row + 3 * x + 1], samples[row + 3 * x + 2]
                if r > 150 and g < 110 and b < 110:
                    xs.append(x)
                    ys.append(y)
        w, h = pixmap.width, pixmap.height
        red = [min(xs) / w, min(ys) / h, (max(xs) + 2) / w, (max(ys) + 2) / h] if xs else None
        pages.append({"page": number + 1, "red": red})
    print(json.dumps(pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
