"""Golden detections for panface.nn.face.FaceDetector from ONNX Runtime and numpy.

Builds a small detector with SCRFD's output layout (strides 8, 16, 32; two anchors per location;
per stride a sigmoid score (rows, 1), box distances (rows, 4) and five keypoints (rows, 10),
rows = H/s * W/s * 2, with a batch dimension; outputs interleaved by stride to exercise matching
by shape) and random weights, runs it with ONNX Runtime on letterboxed photos, and decodes with
insightface's SCRFD.detect post-processing written out in numpy (anchor centres, distance2bbox,
distance2kps, score threshold, division by the letterbox scale, NMS at 0.4 with inclusive areas).
The weights are random, so the "faces" are not faces: this checks the layout, letterboxing and
post-processing against an independent statement, not detection quality.

Needs numpy, onnx, onnxruntime and Pillow (a virtual environment):
    python scripts/python/face_detector_golden.py
Writes nn/src/test/resources/face/tiny_scrfd.onnx, det_photo_*.png and det_cases.txt.
"""
import os
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
import onnxruntime as ort
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "nn", "src", "test", "resources", "face")
STRIDES = (8, 16, 32)
INPUT = 160
THRESH = 0.5
NMS = 0.4


def build(path):
    rng = np.random.default_rng(7)
    nodes, inits, outs = [], [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(arr.astype(np.float32), name))

    # Shift so that black (and the letterbox padding) is 0: with negative first-layer biases it
    # then scores below the threshold everywhere, a photo without "faces".
    init("shift", np.array([127.5 / 128.0]))
    nodes.append(helper.make_node("Add", ["input.1", "shift"], ["shifted"]))
    for s in STRIDES:
        nodes.append(helper.make_node("AveragePool", ["shifted"], ["pool%d" % s], kernel_shape=[s, s], strides=[s, s]))
        init("w%d" % s, rng.normal(0, 0.8, (8, 3, 1, 1)))
        init("c%d" % s, -np.abs(rng.normal(0, 0.3, (8,))) - 0.05)
        nodes.append(helper.make_node("Conv", ["pool%d" % s, "w%d" % s, "c%d" % s], ["conv%d" % s]))
        nodes.append(helper.make_node("Relu", ["conv%d" % s], ["feat%d" % s]))
        for head, ch in (("score", 2), ("bbox", 8), ("kps", 20)):
            init("%s_w%d" % (head, s), rng.normal(0, 0.6, (ch, 8, 1, 1)))
            bias = rng.normal(0, 0.3, (ch,)) + (-0.65 if head == "score" else 0.0)
            init("%s_b%d" % (head, s), bias)
            nodes.append(helper.make_node("Conv", ["feat%d" % s, "%s_w%d" % (head, s), "%s_b%d" % (head, s)], ["%s_c%d" % (head, s)]))
            src = "%s_c%d" % (head, s)
            if head == "score":
                nodes.append(helper.make_node("Sigmoid", [src], [src + "_sig"]))
                src += "_sig"
            elif head == "bbox":
                nodes.append(helper.make_node("Abs", [src], [src + "_abs"]))
                src += "_abs"
            nodes.append(helper.make_node("Transpose", [src], [src + "_t"], perm=[0, 2, 3, 1]))
            k = ch // 2
            init("%s_shape%d" % (head, s), np.array([0, -1, k]))
            inits[-1] = numpy_helper.from_array(np.array([0, -1, k], dtype=np.int64), "%s_shape%d" % (head, s))
            name = "%s_%d" % (head, s)
            nodes.append(helper.make_node("Reshape", [src + "_t", "%s_shape%d" % (head, s)], [name]))
            outs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", None, k]))
    inp = helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["N", 3, "H", "W"])
    g = helper.make_graph(nodes, "tiny_scrfd", [inp], outs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="face_detector_golden.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def resize(img, nw, nh):
    """Bilinear with pixel centres at +0.5 and edge clamping (cv2.INTER_LINEAR's convention), rounded."""
    h, w, _ = img.shape

    def coords(n, src):
        s = (np.arange(n) + 0.5) * (src / n) - 0.5
        i = np.floor(s).astype(int)
        f = s - i
        f[i < 0] = 0
        i[i < 0] = 0
        f[i >= src - 1] = 0
        i[i >= src - 1] = src - 1
        return i, np.minimum(i + 1, src - 1), f

    x0, x1, fx = coords(nw, w)
    y0, y1, fy = coords(nh, h)
    a = img.astype(np.float64)
    top = a[y0][:, x0] * (1 - fx)[None, :, None] + a[y0][:, x1] * fx[None, :, None]
    bot = a[y1][:, x0] * (1 - fx)[None, :, None] + a[y1][:, x1] * fx[None, :, None]
    return np.floor(top * (1 - fy)[:, None, None] + bot * fy[:, None, None] + 0.5)


def letterbox(img):
    h, w, _ = img.shape
    im_ratio = h / w
    if im_ratio > 1.0:
        nh, nw = INPUT, int(INPUT / im_ratio)
    else:
        nw, nh = INPUT, int(INPUT * im_ratio)
    det_scale = nh / h
    canvas = np.zeros((INPUT, INPUT, 3))
    canvas[:nh, :nw] = resize(img, nw, nh)
    return ((canvas - 127.5) / 128.0).transpose(2, 0, 1).astype(np.float32), det_scale


def nms(dets):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort(kind="stable")[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= NMS)[0] + 1]
    return keep


def decode(outs, names, b, det_scale):
    scores_l, boxes_l, kps_l = [], [], []
    for s in STRIDES:
        sc = outs[names.index("score_%d" % s)][b][:, 0]
        bb = outs[names.index("bbox_%d" % s)][b] * s
        kp = outs[names.index("kps_%d" % s)][b] * s
        fh = fw = INPUT // s
        centres = np.stack(np.mgrid[:fh, :fw][::-1], axis=-1).astype(np.float32)
        centres = (centres * s).reshape((-1, 2))
        centres = np.stack([centres] * 2, axis=1).reshape((-1, 2))
        pos = np.where(sc >= THRESH)[0]
        box = np.stack([centres[:, 0] - bb[:, 0], centres[:, 1] - bb[:, 1], centres[:, 0] + bb[:, 2], centres[:, 1] + bb[:, 3]], -1)
        k = np.concatenate([centres[:, i % 2:i % 2 + 1] + kp[:, i:i + 1] for i in range(10)], axis=1)
        scores_l.append(sc[pos])
        boxes_l.append(box[pos] / det_scale)
        kps_l.append(k[pos] / det_scale)
    scores = np.concatenate(scores_l)
    boxes = np.vstack(boxes_l)
    kps = np.vstack(kps_l)
    dets = np.hstack([boxes, scores[:, None]])
    keep = nms(dets)
    return dets[keep], kps[keep]


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "tiny_scrfd.onnx")
    build(path)
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:150, 0:100].astype(np.float64)
    portrait = np.stack([128 + 100 * np.sin(xx / 9.0 + yy / 13.0), 128 + 100 * np.cos(yy / 7.0), 60 + xx + yy * 0.5], -1)
    portrait = np.clip(np.round(portrait + rng.normal(0, 8, portrait.shape)), 0, 255).astype(np.uint8)
    Image.fromarray(portrait).save(os.path.join(OUT, "det_photo_portrait.png"))
    photos = {
        "align_photo.png": np.array(Image.open(os.path.join(OUT, "align_photo.png")).convert("RGB")),
        "det_photo_portrait.png": portrait,
        "det_photo_black.png": np.zeros((90, 120, 3), np.uint8),
    }
    Image.fromarray(photos["det_photo_black.png"]).save(os.path.join(OUT, "det_photo_black.png"))
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    blobs, scales = zip(*[letterbox(p) for p in photos.values()])
    outs = sess.run(None, {"input.1": np.stack(blobs)})
    lines = ["# photo x1 y1 x2 y2 score kps(10), from ONNX Runtime " + ort.__version__ + " and numpy post-processing"]
    for b, name in enumerate(photos):
        dets, kps = decode(outs, names, b, scales[b])
        lines.append("photo %s %d" % (name, len(dets)))
        for d, k in zip(dets, kps):
            lines.append("face " + " ".join("%.9g" % v for v in list(d) + list(k)))
    with open(os.path.join(OUT, "det_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(l for l in lines if l.startswith("photo")))


if __name__ == "__main__":
    main()
