"""The reference data path of insightface's MXFaceDataset, without MXNet: read a record of a .rec
(offset from the .idx, IRHeader 'IfQQ'), decode the JPEG with PIL (libjpeg-turbo), random
horizontal flip with p 0.5, HWC uint8 -> CHW float32, (x/255 - 0.5)/0.5, stacked into batches of
128. WORKERS > 1 decodes with a multiprocessing pool (as a DataLoader's workers would).
Prints one JSON line with images per second.

Usage: python3 loader_pil.py TRAIN.rec WORKERS BATCHES   or   python3 loader_pil.py decode TRAIN.rec
"""
import io
import json
import os
import struct
import sys
import time
from multiprocessing import Pool

import numpy as np
from PIL import Image

BATCH = 128
_rec = None
_offsets = None


def _open(rec):
    global _rec, _offsets
    _rec = open(rec, 'rb')
    idx = os.path.splitext(rec)[0] + '.idx'
    _offsets = {}
    with open(idx) as f:
        for line in f:
            k, off = line.split('\t')
            _offsets[int(k)] = int(off)


def _read(key):
    """One record's payload; joins split parts as dmlc's RecordIOReader does."""
    _rec.seek(_offsets[key])
    out = b''
    while True:
        magic, lrec = struct.unpack('<II', _rec.read(8))
        assert magic == 0xCED7230A
        cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
        out += _rec.read((length + 3) & ~3)[:length]
        if cflag in (0, 3):
            return out
        out += struct.pack('<I', 0xCED7230A)


def _sample(args):
    key, flip = args
    s = _read(key)
    flag, label = struct.unpack('If', s[:8])
    if flag > 0:
        label = np.frombuffer(s, np.float32, 1, 24)[0]
    img = np.asarray(Image.open(io.BytesIO(s[24 + 4 * flag:])).convert('RGB'))
    if flip:
        img = img[:, ::-1, :]
    x = img.transpose(2, 0, 1).astype(np.float32)
    return (x / 255.0 - 0.5) / 0.5, int(label)


def decode(rec):
    """Decoding alone, one process, per image: PIL open + convert('RGB') + numpy array."""
    _open(rec)
    jpegs = [_read(k)[24:] for k in range(1, 1001)]
    times = []
    for r in range(4):
        t0 = time.perf_counter()
        for j in jpegs:
            np.asarray(Image.open(io.BytesIO(j)).convert('RGB'))
        times.append((time.perf_counter() - t0) / len(jpegs))
    print(json.dumps({"name": "decode_jpeg112", "seconds": sorted(times[1:])[1]}))


def main():
    if sys.argv[1] == 'decode':
        decode(sys.argv[2])
        return
    rec, workers, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    _open(rec)
    flag, label = struct.unpack('If', _read(0)[:8])
    header = np.frombuffer(_read(0), np.float32, 2, 24)
    keys = np.arange(1, int(header[0]))
    rng = np.random.default_rng(1)
    pool = Pool(workers, initializer=_open, initargs=(rec,)) if workers > 1 else None

    def batch(b):
        ks = rng.choice(keys, BATCH)
        flips = rng.random(BATCH) < 0.5
        work = list(zip(ks.tolist(), flips.tolist()))
        res = pool.map(_sample, work, chunksize=BATCH // (4 * workers)) if pool else [_sample(w) for w in work]
        images = np.stack([r[0] for r in res])
        labels = np.array([r[1] for r in res], dtype=np.int64)
        assert images.shape == (BATCH, 3, 112, 112) and images.min() >= -1 and images.max() <= 1
        return images, labels

    for b in range(5):
        batch(b)
    t0 = time.perf_counter()
    for b in range(batches):
        batch(b)
    sec = time.perf_counter() - t0
    if pool:
        pool.close()
    print(json.dumps({"name": "loader_jpeg112_flip_norm_t%d" % workers, "seconds": sec / batches,
                      "images_per_s": round(batches * BATCH / sec, 1)}))


if __name__ == '__main__':
    main()
