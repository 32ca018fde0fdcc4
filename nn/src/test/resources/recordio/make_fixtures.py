"""Writes tiny MXNet RecordIO files in insightface's byte layout, independently of panface.

Follows dmlc-core's RecordIOWriter (magic 0xCED7230A, lrec = cflag << 29 | length, zero padding to
4 bytes, split at every 4-aligned magic word with the magic left out), MXNet's recordio.pack
(IRHeader 'IfQQ' + float32 label array + image bytes) and MXIndexedRecordIO.write_idx
("key\\toffset\\n"). Images are PNGs written with zlib so their pixels are known exactly:
image k of class c has pixel (x, y) = (R, G, B) = (10*c + x, 100 + k, 200 + y) at 4x3 pixels.

Run with: python3 make_fixtures.py   (stdlib + numpy only); writes the files beside this script.
"""
import os
import struct
import zlib

import numpy as np

MAGIC = 0xCED7230A
MAGIC_BYTES = struct.pack('<I', MAGIC)
HERE = os.path.dirname(os.path.abspath(__file__))
W, H = 4, 3


def png(pixels, extra_chunk=None):
    """An 8-bit RGB PNG of an (H, W, 3) uint8 array; extra_chunk = (type, data) goes before IDAT."""
    h, w, _ = pixels.shape
    raw = b''.join(b'\x00' + pixels[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
    if extra_chunk is not None:
        out += chunk(*extra_chunk)
    return out + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')


def face(cls, k):
    px = np.zeros((H, W, 3), dtype=np.uint8)
    for y in range(H):
        for x in range(W):
            px[y, x] = (10 * cls + x, 100 + k, 200 + y)
    return px


def pack(flag_labels, id_, id2, image):
    """mx.recordio.pack: a number -> flag 0 and the label in the header; a list -> flag = len, values after."""
    if isinstance(flag_labels, (list, tuple)):
        head = struct.pack('<IfQQ', len(flag_labels), 0.0, id_, id2)
        head += np.asarray(flag_labels, dtype=np.float32).tobytes()
    else:
        head = struct.pack('<IfQQ', 0, float(flag_labels), id_, id2)
    return head + image


def write_record(f, payload):
    """dmlc RecordIOWriter::WriteRecord."""
    n = len(payload)
    dptr = 0
    for i in range(0, (n >> 2) << 2, 4):
        if payload[i:i + 4] == MAGIC_BYTES:
            f.write(MAGIC_BYTES + struct.pack('<I', ((1 if dptr == 0 else 2) << 29) | (i - dptr)))
            f.write(payload[dptr:i])
            dptr = i + 4
    f.write(MAGIC_BYTES + struct.pack('<I', ((3 if dptr != 0 else 0) << 29) | (n - dptr)))
    f.write(payload[dptr:])
    f.write(b'\x00' * (((n + 3) & ~3) - n))


def write(name, records):
    """records: list of (key, payload) in write order."""
    with open(os.path.join(HERE, name + '.rec'), 'wb') as rec, open(os.path.join(HERE, name + '.idx'), 'w') as idx:
        for key, payload in records:
            idx.write('%d\t%d\n' % (key, rec.tell()))
            write_record(rec, payload)


def split_png(cls, k):
    """A PNG with a private ancillary chunk that puts the magic word twice at 4-aligned payload offsets."""
    prefix = 24  # the IRHeader before the image in the payload
    plain = png(face(cls, k))
    # chunk data starts after signature (8) + IHDR chunk (25) + length (4) + type (4)
    data_start = prefix + 8 + 25 + 8
    pad = (-data_start) % 4
    data = b'\x01' * pad + MAGIC_BYTES + b'\x02' * 8 + MAGIC_BYTES + b'\x03' * 5
    out = png(face(cls, k), (b'prIv', data))
    assert out != plain
    return out


def insightface_layout():
    """RecBuilder: key 0 header [id_start, id_end], images 1..N grouped by class, one range record per identity."""
    classes = [[1, 2], [3], [4, 5, 6]]  # image keys per class
    n = sum(len(c) for c in classes)
    id_start, id_end = n + 1, n + 1 + len(classes)
    records = [(0, pack([float(id_start), float(id_end)], 0, 1, b''))]
    for cls, keys in enumerate(classes):
        for k in keys:
            image = split_png(cls, k) if k == 5 else png(face(cls, k))
            records.append((k, pack(float(cls), k, 0, image)))
    for cls, keys in enumerate(classes):
        records.append((id_start + cls, pack([float(keys[0]), float(keys[-1] + 1)], id_start + cls, 0, b'')))
    write('insightface', records)
    with open(os.path.join(HERE, 'insightface.property'), 'w') as p:
        p.write('%d,112,112\n' % len(classes))


def im2rec_layout():
    """im2rec with several threads: no header record, keys written out of order, IRHeader(0, label, index, 0);
    records 4 and 2 carry a label array (--pack-label), whose first element is the class."""
    labels = {0: 1, 1: 0, 2: 2, 3: 1, 4: 0}
    order = [3, 0, 4, 1, 2]
    records = []
    for k in order:
        cls = labels[k]
        lab = [float(cls), 7.5] if k in (2, 4) else float(cls)
        records.append((k, pack(lab, k, 0, png(face(cls, k)))))
    write('im2rec', records)


if __name__ == '__main__':
    insightface_layout()
    im2rec_layout()
