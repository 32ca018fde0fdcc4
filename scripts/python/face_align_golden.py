"""Golden cases for five-point face alignment (panface.nn.face.FaceAligner).

Writes nn/src/test/resources/face/align_cases.txt and align_photo.png / align_crop_*.png.
Runs with numpy and PIL only: the similarity transform is Umeyama's SVD solution written out
as scikit-image's SimilarityTransform.estimate states it (which insightface's norm_crop uses),
and the crop is a float64 bilinear sampling with a black border (cv2.warpAffine's INTER_LINEAR,
BORDER_CONSTANT 0 without its fixed-point rounding).

    /usr/bin/python3 scripts/python/face_align_golden.py
"""
import os
import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "nn", "src", "test", "resources", "face")
ARCFACE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                    [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)


def umeyama(src, dst):
    num, dim = src.shape
    src_mean = src.mean(axis=0)
    dst_mean = dst.mean(axis=0)
    src_demean = src - src_mean
    dst_demean = dst - dst_mean
    A = dst_demean.T @ src_demean / num
    d = np.ones((dim,))
    if np.linalg.det(A) < 0:
        d[dim - 1] = -1
    T = np.eye(dim + 1)
    U, S, V = np.linalg.svd(A)
    rank = np.linalg.matrix_rank(A)
    if rank == dim - 1:
        if np.linalg.det(U) * np.linalg.det(V) > 0:
            T[:dim, :dim] = U @ V
        else:
            s = d[dim - 1]
            d[dim - 1] = -1
            T[:dim, :dim] = U @ np.diag(d) @ V
            d[dim - 1] = s
    else:
        T[:dim, :dim] = U @ np.diag(d) @ V
    scale = 1.0 / src_demean.var(axis=0).sum() * (S @ d)
    T[:dim, dim] = dst_mean - scale * (T[:dim, :dim] @ src_mean.T)
    T[:dim, :dim] *= scale
    return T[:2]


def warp(img, M, size):
    """dst(x, y) = bilinear src at M^-1 (x, y), neighbours outside the image are 0."""
    h, w, _ = img.shape
    Mi = np.linalg.inv(np.vstack([M, [0, 0, 1]]))[:2]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    sx = Mi[0, 0] * xs + Mi[0, 1] * ys + Mi[0, 2]
    sy = Mi[1, 0] * xs + Mi[1, 1] * ys + Mi[1, 2]
    x0 = np.floor(sx).astype(int)
    y0 = np.floor(sy).astype(int)
    fx = (sx - x0)[..., None]
    fy = (sy - y0)[..., None]
    src = img.astype(np.float64)

    def at(x, y):
        ok = (x >= 0) & (y >= 0) & (x < w) & (y < h)
        v = src[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]
        return v * ok[..., None]

    out = (at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy)
           + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy)
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def main():
    rng = np.random.default_rng(22)
    os.makedirs(OUT, exist_ok=True)
    lines = []
    # A smooth, asymmetric photo so that a wrong rotation, flip or offset shows in the crop.
    h, w = 180, 240
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    photo = np.stack([
        127 + 120 * np.sin(xx / 17.0) * np.cos(yy / 23.0),
        127 + 120 * np.cos((xx + 2 * yy) / 31.0),
        (xx * 255.0 / w + yy * 0.3) % 256,
    ], axis=-1)
    photo = np.clip(np.round(photo), 0, 255).astype(np.uint8)
    Image.fromarray(photo).save(os.path.join(OUT, "align_photo.png"))
    for case in range(6):
        ang = rng.uniform(-0.6, 0.6)
        s = rng.uniform(0.6, 1.8)
        R = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
        centre = np.array([rng.uniform(60, 180), rng.uniform(50, 130)])
        pts = (ARCFACE - 56.0) @ R.T * s + centre + rng.normal(0, 1.5, size=(5, 2))
        if case == 5:
            pts[:, 0] += 150  # the face runs off the right edge: the crop has black border pixels
        M = umeyama(pts, ARCFACE)
        crop = warp(photo, M, 112)
        name = "align_crop_%d.png" % case
        Image.fromarray(crop).save(os.path.join(OUT, name))
        lines.append("case %d %s" % (case, name))
        lines.append("landmarks " + " ".join("%.17g" % v for v in pts.ravel()))
        lines.append("matrix " + " ".join("%.17g" % v for v in M.ravel()))
    with open(os.path.join(OUT, "align_cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
