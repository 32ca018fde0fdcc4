"""Writes verification_golden.safetensors: insightface's calculate_roc and calculate_val
(recognition/arcface_torch/eval/verification.py) restated with numpy and scipy, on random embeddings.

Run with the system python3 (numpy, scipy's BSpline). scikit-learn is not needed: its two pieces are restated,
KFold(n_splits, shuffle=False) (contiguous folds, the first n % k one longer) and normalize (row / L2 norm,
zero rows left alone). The Java test feeds the same float32 embeddings to TenFoldVerification.

Per case (prefix c0., c1., ...): input.first, input.second (N, D) float32 flip-summed embeddings,
input.same (N) int64; output.fold_accuracy, output.fold_threshold (10) the test accuracy and chosen
threshold of each fold; output.val, output.val_std, output.far (3) calculate_val at FAR 1e-3, 1e-2, 1e-1.
"""
import json
import struct

import numpy as np
from scipy.interpolate import BSpline


def kfold(n, k):
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    start = 0
    for s in sizes:
        test = np.arange(start, start + s)
        train = np.concatenate([np.arange(0, start), np.arange(start + s, n)])
        yield train, test
        start += s


def normalize(x):
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms[norms == 0.0] = 1.0
    return x / norms[:, np.newaxis]


def accuracy(threshold, dist, issame):
    predict = np.less(dist, threshold)
    tp = np.sum(np.logical_and(predict, issame))
    fp = np.sum(np.logical_and(predict, np.logical_not(issame)))
    tn = np.sum(np.logical_and(np.logical_not(predict), np.logical_not(issame)))
    fn = np.sum(np.logical_and(np.logical_not(predict), issame))
    return float(tp + tn) / dist.size


def val_far(threshold, dist, issame):
    predict = np.less(dist, threshold)
    ta = np.sum(np.logical_and(predict, issame))
    fa = np.sum(np.logical_and(predict, np.logical_not(issame)))
    return float(ta) / float(np.sum(issame)), float(fa) / float(np.sum(np.logical_not(issame)))


def calculate_roc(e1, e2, issame, folds=10):
    thresholds = np.arange(0, 4, 0.01)
    dist = np.sum(np.square(np.subtract(e1, e2)), 1)
    accs, thrs = [], []
    for train, test in kfold(len(issame), folds):
        acc_train = np.array([accuracy(t, dist[train], issame[train]) for t in thresholds])
        best = np.argmax(acc_train)
        accs.append(accuracy(thresholds[best], dist[test], issame[test]))
        thrs.append(thresholds[best])
    return np.array(accs), np.array(thrs)


def slinear(x, y):
    """interp1d(x, y, kind='slinear') as scipy built it when insightface's code was written: a stable sort of x
    (far_train is already sorted), then make_interp_spline's k=1 case, a degree-1 B-spline with knots
    r_[x[0], x, x[-1]] and coefficients y. Repeated x values, which far_train always has, were accepted; scipy
    1.10 refuses them ("Expect x to not have duplicates"), so the B-spline is built directly here."""
    return BSpline.construct_fast(np.r_[x[0], x, x[-1]], np.asarray(y, dtype=np.float64), 1)


def calculate_val(e1, e2, issame, far_target, folds=10):
    thresholds = np.arange(0, 4, 0.001)
    dist = np.sum(np.square(np.subtract(e1, e2)), 1)
    val, far = np.zeros(folds), np.zeros(folds)
    for f, (train, test) in enumerate(kfold(len(issame), folds)):
        far_train = np.array([val_far(t, dist[train], issame[train])[1] for t in thresholds])
        if np.max(far_train) >= far_target:
            threshold = slinear(far_train, thresholds)(far_target)
        else:
            threshold = 0.0
        val[f], far[f] = val_far(threshold, dist[test], issame[test])
    return np.mean(val), np.std(val), np.mean(far)


def case(rng, n, dim, noise, alternate):
    """n pairs: a same pair is an identity vector and a noisy copy, a different pair two identities.
    alternate: same and different pairs alternate instead of falling at random."""
    same = np.arange(n) % 2 == 0 if alternate else rng.random(n) < 0.5
    a = rng.standard_normal((n, dim))
    b = np.where(same[:, None], a + noise * rng.standard_normal((n, dim)), rng.standard_normal((n, dim)))
    scale = rng.uniform(0.5, 20, (n, 1))
    return (a * scale).astype(np.float32), (b * scale[::-1]).astype(np.float32), same


def save(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    codes = {np.float32: "F32", np.float64: "F64", np.int64: "I64"}
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[arr.dtype.type], "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    rng = np.random.default_rng(20261206)
    tensors = {}
    # Uneven folds (n % 10 != 0), a hard and an easy case, and enough pairs for the FAR interpolation to matter.
    # The last case has 20 different pairs in every fold, so each training set has 180 and the target FAR 0.1
    # (18 / 180) is met exactly by a run of thresholds: the interpolation's choice among equal FARs shows.
    for c, (n, dim, noise, alternate) in enumerate([(257, 8, 1.2, False), (403, 8, 0.5, False), (60, 4, 2.0, False),
                                                    (400, 4, 1.0, True)]):
        first, second, same = case(rng, n, dim, noise, alternate)
        # As insightface: float64 embeddings, L2-normalised, then the squared distances.
        e1 = normalize(first.astype(np.float64))
        e2 = normalize(second.astype(np.float64))
        acc, thr = calculate_roc(e1, e2, same)
        vals = [calculate_val(e1, e2, same, t) for t in (1e-3, 1e-2, 1e-1)]
        p = "c%d." % c
        tensors[p + "input.first"] = first
        tensors[p + "input.second"] = second
        tensors[p + "input.same"] = same.astype(np.int64)
        tensors[p + "output.fold_accuracy"] = acc
        tensors[p + "output.fold_threshold"] = thr.astype(np.float64)
        tensors[p + "output.val"] = np.array([v[0] for v in vals])
        tensors[p + "output.val_std"] = np.array([v[1] for v in vals])
        tensors[p + "output.far"] = np.array([v[2] for v in vals])
        print(n, "accuracy %.5f +- %.5f" % (np.mean(acc), np.std(acc)), "val", [round(v[0], 4) for v in vals])
    save("verification_golden.safetensors", tensors, {"op": "verification_10fold", "args": "{}", "schema": "1"})


if __name__ == "__main__":
    main()
