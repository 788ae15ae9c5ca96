"""An independent look at a seal picture (Pillow for PNG, ElementTree for SVG): size and stated DPI, transparent
background, seal red, ink in the ring and the star, text drawn as outlines. Prints one JSON object.

usage: check_seal_picture.py FILE.png|FILE.svg
"""
import json
import sys
import xml.etree.ElementTree as ET

path = sys.argv[1]
if path.endswith(".svg"):
    root = ET.parse(path).getroot()
    tags = [element.tag.split("}")[-1] for element in root.iter()]
    print(json.dumps({
        "width": root.get("width"), "height": root.get("height"), "paths": tags.count("path"),
        "texts": tags.count("text"), "scripts": tags.count("script"),
    }))
    sys.exit(0)

from PIL import Image

image = Image.open(path)
rgba = image.convert("RGBA")
width, height = rgba.size
pixels = rgba.load()
opaque = red = 0
for y in range(height):
    for x in range(width):
        r, g, b, a = pixels[x, y]
        if a > 200:
            opaque += 1
            if r > 150 and g < 90 and b < 90:
                red += 1
corners = [pixels[0, 0][3], pixels[width - 1, 0][3], pixels[0, height - 1][3], pixels[width - 1, height - 1][3]]
centre = pixels[width // 2, height // 2]
# The upper band holds the organisation's name: its ink, as a fingerprint of the glyphs drawn.
band = [1 if pixels[x, y][3] > 128 else 0 for y in range(int(height * 0.08), int(height * 0.3)) for x in range(width)]
print(json.dumps({
    "mode": image.mode, "width": width, "height": height, "dpi": [round(v) for v in image.info.get("dpi", (0, 0))],
    "cornerAlpha": corners, "opaqueShare": round(opaque / (width * height), 3), "redShare": round(red / max(opaque, 1), 3),
    "centre": list(centre), "band": sum(band), "bandBits": "".join(map(str, band[::97])),
}))
