"""Golden detections of a real detector for panface.nn.face.FaceDetector: insightface's
RetinaFace-MobileNet0.25 (mnet.25_v2.onnx) on real photos, all fetched by
scripts/fetch-face-models.sh, run by ONNX Runtime, with insightface's RetinaFace post-processing
written out in numpy (anchors_plane over the base-16 anchors, bbox_pred, landmark_pred, score
threshold, NMS at 0.4 with inclusive areas; landmark deltas times 0.2 as insightface's
"net3l" setting for this model). Photos are letterboxed into the 640 x 640 input as
insightface's SCRFD.detect does (the same resize as face_detector_golden.py). The "group" photo is
astronaut.png and camera.png side by side (two real faces; the gray one replicated to RGB);
sample1-6.jpg are group photos (3 to 5 faces) decoded by Pillow (libjpeg-turbo, as ours).

Needs numpy, onnxruntime and Pillow:
    python scripts/python/face_retinaface_golden.py [DATA_DIR]
Writes nn/src/test/resources/face/retinaface_cases.txt.
"""
import os
import sys
import numpy as np
import onnxruntime as ort
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from face_detector_golden import resize, nms  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "nn", "src", "test", "resources", "face")
INPUT = 640
THRESH = 0.5
# insightface's landmark_std for retinaface_mnet025_v2 ("net3l")
LANDMARK_STD = 0.2
SIZES = {8: (32.0, 16.0), 16: (128.0, 64.0), 32: (512.0, 256.0)}


def photos(data):
    def rgb(name):
        return np.array(Image.open(os.path.join(data, name)).convert("RGB"))

    astronaut = rgb("astronaut.png")
    camera = rgb("camera.png")
    out = {"astronaut.png": astronaut, "group": np.concatenate([astronaut, camera], axis=1), "coffee.png": rgb("coffee.png")}
    # Group photos of 3 to 5 people from the npm package @vladmandic/face-api's demo folder (MIT).
    for i in range(1, 7):
        out["sample%d.jpg" % i] = rgb("sample%d.jpg" % i)
    return out


def letterbox(img):
    h, w, _ = img.shape
    if h / w > 1.0:
        nh, nw = INPUT, int(INPUT / (h / w))
    else:
        nw, nh = INPUT, int(INPUT * (h / w))
    canvas = np.zeros((INPUT, INPUT, 3))
    canvas[:nh, :nw] = resize(img, nw, nh)
    return canvas.transpose(2, 0, 1).astype(np.float32), nh / h


def decode(outs, names, det_scale):
    boxes_l, scores_l, kps_l = [], [], []
    for s in (32, 16, 8):
        A = 2
        cls = outs[names.index("face_rpn_cls_prob_reshape_stride%d" % s)]
        bbox = outs[names.index("face_rpn_bbox_pred_stride%d" % s)]
        lmk = outs[names.index("face_rpn_landmark_pred_stride%d" % s)]
        H, W = cls.shape[2], cls.shape[3]
        base = np.array([[7.5 - 0.5 * (z - 1), 7.5 - 0.5 * (z - 1), 7.5 + 0.5 * (z - 1), 7.5 + 0.5 * (z - 1)] for z in SIZES[s]])
        shifts = np.zeros((H, W, A, 4))
        for y in range(H):
            for x in range(W):
                shifts[y, x] = base + np.array([x * s, y * s, x * s, y * s])
        anchors = shifts.reshape(-1, 4)
        scores = cls[:, A:, :, :].transpose(0, 2, 3, 1).reshape(-1)
        deltas = bbox.transpose(0, 2, 3, 1).reshape(-1, 4)
        widths = anchors[:, 2] - anchors[:, 0] + 1.0
        heights = anchors[:, 3] - anchors[:, 1] + 1.0
        cx = anchors[:, 0] + 0.5 * (widths - 1.0)
        cy = anchors[:, 1] + 0.5 * (heights - 1.0)
        px = deltas[:, 0] * widths + cx
        py = deltas[:, 1] * heights + cy
        pw = np.exp(deltas[:, 2]) * widths
        ph = np.exp(deltas[:, 3]) * heights
        box = np.stack([px - 0.5 * (pw - 1), py - 0.5 * (ph - 1), px + 0.5 * (pw - 1), py + 0.5 * (ph - 1)], 1)
        ld = lmk.transpose(0, 2, 3, 1).reshape(-1, 5, 2) * LANDMARK_STD
        kps = np.stack([ld[:, :, 0] * widths[:, None] + cx[:, None], ld[:, :, 1] * heights[:, None] + cy[:, None]], 2).reshape(-1, 10)
        keep = np.where(scores >= THRESH)[0]
        boxes_l.append(box[keep] / det_scale)
        scores_l.append(scores[keep])
        kps_l.append(kps[keep] / det_scale)
    dets = np.hstack([np.vstack(boxes_l), np.concatenate(scores_l)[:, None]])
    kps = np.vstack(kps_l)
    keep = nms(dets)
    return dets[keep], kps[keep]


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", ".face-data")
    sess = ort.InferenceSession(os.path.join(data, "mnet.25_v2.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    lines = ["# photo x1 y1 x2 y2 score kps(10): mnet.25_v2.onnx by ONNX Runtime " + ort.__version__ + ", numpy post-processing"]
    for name, img in photos(data).items():
        blob, scale = letterbox(img)
        dets, kps = decode(sess.run(None, {"data": blob[None]}), names, scale)
        lines.append("photo %s %d" % (name, len(dets)))
        for d, k in zip(dets, kps):
            lines.append("face " + " ".join("%.9g" % v for v in list(d) + list(k)))
    with open(os.path.join(OUT, "retinaface_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
