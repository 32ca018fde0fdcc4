#!/usr/bin/env python3
"""Square face crops from the group photos of the npm package @vladmandic/face-api (MIT; demo/sample1-6.jpg),
resized to 112x112, for check-real-face-model.sh.

    python3 face_crops.py DEMO_DIR OUT.safetensors [MOSAIC.png]

Writes "x" (N, 3, 112, 112) float32 RGB in 0..255 and "sample" (N) float32, the photo each crop comes from.
The boxes were placed by eye on the faces (they are not aligned crops; enough to compare two runtimes
on real faces).
"""
import json
import struct
import sys

import numpy as np
from PIL import Image

# (photo, centre x, centre y, half side) in a 480x320 view of each photo
BOXES = [(1, 128, 112, 30), (1, 228, 133, 30), (1, 393, 80, 30),
         (2, 112, 78, 28), (2, 245, 88, 28), (2, 393, 60, 28),
         (3, 148, 108, 28), (3, 286, 75, 28), (3, 397, 100, 26),
         (4, 85, 80, 28), (4, 185, 44, 26), (4, 292, 55, 24), (4, 362, 72, 26),
         (5, 150, 120, 26), (5, 217, 52, 22), (5, 300, 78, 24), (5, 375, 95, 26), (5, 108, 255, 30),
         (6, 95, 98, 26), (6, 190, 105, 26), (6, 315, 75, 26), (6, 398, 88, 26)]


def crops(demo):
    out, sample = [], []
    for (s, cx, cy, h) in BOXES:
        im = Image.open("%s/sample%d.jpg" % (demo, s)).convert("RGB")
        fx, fy = im.size[0] / 480, im.size[1] / 320
        box = (int((cx - h) * fx), int((cy - h * 1.1) * fy), int((cx + h) * fx), int((cy + h * 0.9) * fy))
        out.append(im.crop(box).resize((112, 112), Image.BILINEAR))
        sample.append(s)
    return out, sample


def main():
    images, sample = crops(sys.argv[1])
    x = np.stack([np.asarray(i, dtype=np.float32).transpose(2, 0, 1) for i in images])
    tensors = {"x": x, "sample": np.asarray(sample, dtype=np.float32)}
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        b = np.ascontiguousarray(tensors[k]).tobytes()
        header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(sys.argv[2], "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    if len(sys.argv) > 3:
        w = Image.new("RGB", (112 * 6, 112 * ((len(images) + 5) // 6)))
        for i, c in enumerate(images):
            w.paste(c, ((i % 6) * 112, (i // 6) * 112))
        w.save(sys.argv[3])


if __name__ == "__main__":
    main()
