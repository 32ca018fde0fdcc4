"""Photos for panface.nn.face.Photo: EXIF orientations, gray and CMYK JPEGs, written with Pillow.

Each JPEG holds one 48 x 32 picture of four flat quadrants (red, green, blue, white, clockwise from
top left) stored with an EXIF orientation tag; photo_cases.txt gives, from Pillow's exif_transpose,
the upright size and the colour at the centre of each upright quadrant.

    /usr/bin/python3 scripts/python/face_photo_golden.py
"""
import os
import numpy as np
from PIL import Image, ImageOps

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "nn", "src", "test", "resources", "face")


def quadrants(w, h):
    a = np.zeros((h, w, 3), np.uint8)
    a[: h // 2, : w // 2] = (220, 30, 30)
    a[: h // 2, w // 2:] = (30, 200, 40)
    a[h // 2:, w // 2:] = (40, 50, 210)
    a[h // 2:, : w // 2] = (240, 240, 240)
    return a


def centres(img):
    a = np.asarray(img.convert("RGB")).astype(int)
    h, w, _ = a.shape
    pts = [(w // 4, h // 4), (3 * w // 4, h // 4), (3 * w // 4, 3 * h // 4), (w // 4, 3 * h // 4)]
    return " ".join("%d %d %d %d %d" % ((x, y) + tuple(a[y, x])) for x, y in pts)


def main():
    lines = []
    base = Image.fromarray(quadrants(48, 32))
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        name = "exif_%d.jpg" % o
        base.save(os.path.join(OUT, name), quality=95, exif=exif.tobytes())
        up = ImageOps.exif_transpose(Image.open(os.path.join(OUT, name)))
        lines.append("%s %d %d %s" % (name, up.width, up.height, centres(up)))
    gray = base.convert("L")
    gray.save(os.path.join(OUT, "gray.jpg"), quality=95)
    lines.append("gray.jpg %d %d %s" % (gray.width, gray.height, centres(Image.open(os.path.join(OUT, "gray.jpg")))))
    cmyk = base.convert("CMYK")
    cmyk.save(os.path.join(OUT, "cmyk.jpg"), quality=95)
    lines.append("cmyk.jpg %d %d %s" % (cmyk.width, cmyk.height, centres(base)))
    with open(os.path.join(OUT, "photo_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
