"""Writes the verification-pack fixtures of panface.nn.eval's tests (run with the system python3; needs Pillow).

A pack is pickle.dump((bins, issame_list)): bins = 2N encoded images, issame_list = N bools.
- py2_protocol2.bin: the bytes Python 2's pickle writes for str images with protocol 2 (SHORT_BINSTRING
  below 256 bytes, BINSTRING above, BINPUT after each object, APPENDS of a MARK), built opcode by opcode
  because Python 3 writes bytes differently.
- py3_protocol3.bin, py3_protocol4.bin: Python 3's pickle of bytes images (protocol 4 adds FRAME and MEMOIZE).
- tiny.bin: 12 pairs of 16x16 JPEGs (protocol 4) for the end-to-end test of the eval command.
- py3_protocol2.bin: Python 3's pickle with protocol 2, which writes bytes as _codecs.encode(text, 'latin1').
- numpy_protocol2.bin, numpy_protocol4.bin, numpy_protocol5.bin: the images as numpy uint8 arrays, the labels as
  numpy bool scalars (2), one numpy bool array (4) or Python bools (5, where arrays pickle through _frombuffer).
- shared_protocol4.bin: two pairs made of the same two image objects, so that pickle stores each once
  (MEMOIZE) and refers back to it (BINGET).
- truncated.bin: py3_protocol4.bin cut in the middle of an image.
- expected.txt: per pack, the number of pairs, the labels and each image's length and SHA-256, for the reader test.
"""
import hashlib
import io
import pickle
import pickletools
import struct

import numpy as np
from PIL import Image


def jpeg(rgb):
    b = io.BytesIO()
    Image.fromarray(rgb).save(b, format="JPEG", quality=90)
    return b.getvalue()


def png(rgb):
    b = io.BytesIO()
    Image.fromarray(rgb).save(b, format="PNG")
    return b.getvalue()


def python2_protocol2(bins, issame):
    """What Python 2.7's pickle.dumps((bins, issame), 2) writes for a list of str."""
    out = bytearray(b"\x80\x02")
    memo = 0

    def put():
        nonlocal memo
        out.extend(b"q" + bytes([memo]))
        memo += 1

    out.extend(b"]")
    put()
    out.extend(b"(")
    for s in bins:
        if len(s) < 256:
            out.extend(b"U" + bytes([len(s)]) + s)
        else:
            out.extend(b"T" + struct.pack("<i", len(s)) + s)
        put()
    out.extend(b"e")
    out.extend(b"]")
    put()
    out.extend(b"(")
    for v in issame:
        out.extend(b"\x88" if v else b"\x89")
    out.extend(b"e")
    out.extend(b"\x86")
    put()
    out.extend(b".")
    return bytes(out)


def main():
    rng = np.random.default_rng(20261206)
    # Three pairs: a small PNG (SHORT_BINSTRING in the Python 2 form), a larger JPEG (BINSTRING), ...
    small = [png(rng.integers(0, 256, (2, 2, 3), dtype=np.uint8)) for _ in range(2)]
    large = [jpeg(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)) for _ in range(4)]
    bins = [small[0], large[0], large[1], small[1], large[2], large[3]]
    issame = [True, False, True]
    assert len(small[0]) < 256 and len(large[0]) >= 256
    p2 = python2_protocol2(bins, issame)
    # Python 3 reads the hand-made Python 2 bytes back to the same data.
    assert pickle.loads(p2, encoding="bytes") == (bins, issame)
    ops = {op.name for op, _, _ in pickletools.genops(p2)}
    assert {"SHORT_BINSTRING", "BINSTRING", "BINPUT", "APPENDS", "TUPLE2", "NEWTRUE", "NEWFALSE"} <= ops, ops
    p3 = pickle.dumps((bins, issame), protocol=3)
    p4 = pickle.dumps((bins, issame), protocol=4)
    assert "FRAME" in {op.name for op, _, _ in pickletools.genops(p4)}
    assert "MEMOIZE" in {op.name for op, _, _ in pickletools.genops(p4)}

    # tiny.bin: each identity is a random colour field; the same identity's second image adds a little noise.
    tbins, tsame = [], []
    for i in range(12):
        base = rng.integers(0, 256, (16, 16, 3)).astype(np.int16)
        same = i % 2 == 0
        other = base + rng.integers(-8, 9, base.shape) if same else rng.integers(0, 256, (16, 16, 3))
        tbins += [jpeg(base.clip(0, 255).astype(np.uint8)), jpeg(np.clip(other, 0, 255).astype(np.uint8))]
        tsame.append(same)
    tiny = pickle.dumps((tbins, tsame), protocol=4)
    sbins, ssame = [bins[0], bins[1], bins[0], bins[1]], [False, False]
    shared = pickle.dumps((sbins, ssame), protocol=4)
    arrays = [np.frombuffer(b, dtype=np.uint8) for b in bins]
    np2 = pickle.dumps((arrays, [np.bool_(v) for v in issame]), protocol=2)
    np4 = pickle.dumps((arrays, np.array(issame)), protocol=4)
    np5 = pickle.dumps(([np.array(bytearray(b), dtype=np.uint8) for b in bins], issame), protocol=5)
    for data, names in ((np2, {"_codecs encode", "numpy.core.multiarray scalar"}), (np5, {"BYTEARRAY8"})):
        found = {str(arg) for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"} | {op.name for op, _, _ in pickletools.genops(data)}
        assert names <= found, (names, found)
    assert "BINGET" in {op.name for op, _, _ in pickletools.genops(shared)}

    files = {"py2_protocol2.bin": p2, "py3_protocol3.bin": p3, "py3_protocol4.bin": p4, "tiny.bin": tiny,
             "shared_protocol4.bin": shared, "py3_protocol2.bin": pickle.dumps((bins, issame), protocol=2),
             "numpy_protocol2.bin": np2, "numpy_protocol4.bin": np4, "numpy_protocol5.bin": np5,
             "truncated.bin": p4[: len(p4) // 2]}
    for name, data in files.items():
        with open(name, "wb") as f:
            f.write(data)
    with open("expected.txt", "w") as f:
        f.write("# pack pairs labels: then one line per image: length and SHA-256 in hex\n")
        for name, (b, s) in {"py2_protocol2.bin": (bins, issame), "py3_protocol3.bin": (bins, issame),
                             "py3_protocol4.bin": (bins, issame), "tiny.bin": (tbins, tsame),
                             "shared_protocol4.bin": (sbins, ssame), "py3_protocol2.bin": (bins, issame),
                             "numpy_protocol2.bin": (bins, issame), "numpy_protocol4.bin": (bins, issame),
                             "numpy_protocol5.bin": (bins, issame)}.items():
            f.write("%s %d %s\n" % (name, len(s), "".join("1" if v else "0" for v in s)))
            for img in b:
                f.write("%d %s\n" % (len(img), hashlib.sha256(img).hexdigest()))


if __name__ == "__main__":
    main()
