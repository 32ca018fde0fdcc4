"""Reads a .rec/.idx pair the way insightface's arcface_torch does, without MXNet, to check files we write.

Mirrors mxnet.recordio.MXIndexedRecordIO (read_idx: idx lines "key\\toffset"; read: dmlc RecordIOReader,
joining split parts with the magic word), mxnet.recordio.unpack (IRHeader 'IfQQ', flag > 0 -> float32
label array) and MXFaceDataset (record 0 with flag > 0 -> images are keys 1 .. label[0]-1, else every key).
Decodes each image with PIL when available and prints one summary line; exits non-zero on any problem.

Run with: python3 read_like_insightface.py path/to/train.rec
"""
import io
import os
import struct
import sys

import numpy as np

MAGIC = 0xCED7230A


def read_idx(path):
    keys, offsets = [], {}
    with open(path) as f:
        for line in f:
            k, off = line.strip().split('\t')
            keys.append(int(k))
            offsets[int(k)] = int(off)
    return keys, offsets


def read_record(f, offset):
    f.seek(offset)
    out = b''
    while True:
        magic, lrec = struct.unpack('<II', f.read(8))
        assert magic == MAGIC, 'bad magic at %d' % f.tell()
        cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
        data = f.read((length + 3) & ~3)
        out += data[:length]
        if cflag in (0, 3):
            return out
        out += struct.pack('<I', MAGIC)


def unpack(s):
    flag, label, id_, id2 = struct.unpack('IfQQ', s[:24])
    s = s[24:]
    if flag > 0:
        label = np.frombuffer(s, np.float32, flag)
        s = s[flag * 4:]
    return flag, label, id_, id2, s


def main(rec):
    idx = os.path.splitext(rec)[0] + '.idx'
    keys, offsets = read_idx(idx)
    with open(rec, 'rb') as f:
        flag, label, _, _, _ = unpack(read_record(f, offsets[0]))
        image_keys = list(range(1, int(label[0]))) if flag > 0 else keys
        try:
            from PIL import Image
        except ImportError:
            Image = None
        labels = []
        for k in image_keys:
            hflag, hlabel, _, _, img = unpack(read_record(f, offsets[k]))
            labels.append(int(hlabel if hflag == 0 else hlabel[0]))
            if Image is not None:
                arr = np.asarray(Image.open(io.BytesIO(img)).convert('RGB'))
                assert arr.ndim == 3 and arr.shape[2] == 3
        print('%d images, labels %d..%d, %d identities, header %s' % (len(image_keys), min(labels), max(labels),
                                                                       len(set(labels)), 'yes' if flag > 0 else 'no'))


if __name__ == '__main__':
    main(sys.argv[1])
