#!/usr/bin/env python3
"""Writes the project's own golden cases with PyTorch (the reference framework).

Run with a Python that has PyTorch (1.13 was used for the committed files):
    python3 make_cases.py [OUTPUT_DIR]
Every case is computed in float64 on the CPU from a fixed seed and written as one safetensors
file in the golden-case format (op, args, schema in __metadata__; input./param./buffer./output./
upstream./grad. tensors). Ops beyond the shared schema table are listed in EXTRA_OPS.md.
"""
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
DT = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64", torch.int32: "I32", torch.bool: "BOOL"}


def save(name, op, args, tensors):
    header = {"__metadata__": {"op": op, "args": json.dumps(args), "schema": "1"}}
    blobs, off = [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous().cpu()
        b = t.numpy().tobytes() if t.dtype != torch.bool else t.to(torch.uint8).numpy().tobytes()
        header[k] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def case(name, op, args, fn, inputs=None, params=None, buffers=None, grads=True):
    """fn(**inputs, **params, **buffers) -> dict of outputs. Gradients of sum <out, upstream>."""
    inputs, params, buffers = inputs or {}, params or {}, buffers or {}
    leaves = {}
    for group in (inputs, params):
        for k, v in group.items():
            leaves[k] = v.clone().requires_grad_(grads and v.is_floating_point())
    bufs = {k: v.clone() for k, v in buffers.items()}
    outs = fn(**leaves, **bufs)
    tensors = {}
    for k, v in inputs.items():
        tensors["input." + k] = v
    for k, v in params.items():
        tensors["param." + k] = v
    for k, v in buffers.items():
        tensors["buffer." + k] = v
    loss = 0
    for k, v in outs.items():
        tensors["output." + k] = v
        if grads and v.requires_grad:
            if v.dim() == 0:
                loss = loss + v
            else:
                up = torch.randn_like(v)
                tensors["upstream." + k] = up
                loss = loss + (v * up).sum()
    if grads and torch.is_tensor(loss):
        loss.backward()
        for k, v in leaves.items():
            if v.requires_grad:
                tensors["grad." + k] = v.grad if v.grad is not None else torch.zeros_like(v)
    save(name, op, args, tensors)


def r(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20261122)
    y = lambda t: {"y": t}

    # elementwise and activations
    x = r(3, 5) * 3
    x[0, 0], x[0, 1], x[0, 2] = 0.0, 6.0, -3.0
    for op, f in [("relu", F.relu), ("relu6", F.relu6), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("silu", F.silu),
                  ("hardswish", F.hardswish), ("hardsigmoid", F.hardsigmoid), ("exp", torch.exp), ("abs", torch.abs), ("neg", torch.neg)]:
        case(op, op, {}, lambda x, f=f: y(f(x)), inputs={"x": x})
    pos = torch.rand(3, 4, dtype=torch.float64) + 0.2
    for op, f in [("log", torch.log), ("sqrt", torch.sqrt), ("rsqrt", torch.rsqrt)]:
        case(op, op, {}, lambda x, f=f: y(f(x)), inputs={"x": pos})
    case("gelu_none", "gelu", {"approximate": "none"}, lambda x: y(F.gelu(x)), inputs={"x": x})
    case("gelu_tanh", "gelu", {"approximate": "tanh"}, lambda x: y(F.gelu(x, approximate="tanh")), inputs={"x": x})
    case("leaky_relu", "leaky_relu", {"negative_slope": 0.2}, lambda x: y(F.leaky_relu(x, 0.2)), inputs={"x": x})
    case("clamp", "clamp", {"min": -0.5, "max": 1.0}, lambda x: y(torch.clamp(x, -0.5, 1.0)), inputs={"x": r(4, 5)})
    case("pow_scalar", "pow_scalar", {"exponent": 2.5}, lambda x: y(x ** 2.5), inputs={"x": pos})
    case("prelu_channels", "prelu", {}, lambda x, weight: y(F.prelu(x, weight)), inputs={"x": r(2, 3, 4, 4)},
         params={"weight": torch.rand(3, dtype=torch.float64) * 0.5})
    case("prelu_single", "prelu", {}, lambda x, weight: y(F.prelu(x, weight)), inputs={"x": r(2, 5)},
         params={"weight": torch.tensor([0.25], dtype=torch.float64)})
    for kind, f in [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("maximum", torch.maximum), ("minimum", torch.minimum)]:
        case("binary_" + kind, "binary", {"kind": kind}, lambda a, b, f=f: y(f(a, b)), inputs={"a": r(2, 3, 4), "b": r(3, 1)})
    case("binary_div", "binary", {"kind": "div"}, lambda a, b: y(a / b), inputs={"a": r(2, 3), "b": pos[:1, :3] + 0.5})
    case("binary_pow", "binary", {"kind": "pow"}, lambda a, b: y(a ** b), inputs={"a": pos, "b": r(4)})
    case("where", "where", {}, lambda cond, a, b: y(torch.where(cond, a, b)),
         inputs={"cond": torch.rand(3, 4) > 0.5, "a": r(3, 4), "b": r(4)})

    # reductions
    xr = r(3, 4, 5)
    case("reduce_sum_all", "reduce", {"kind": "sum"}, lambda x: y(x.sum()), inputs={"x": xr})
    case("reduce_sum_dims", "reduce", {"kind": "sum", "dims": [0, 2], "keepdim": True}, lambda x: y(x.sum((0, 2), keepdim=True)), inputs={"x": xr})
    case("reduce_mean", "reduce", {"kind": "mean", "dims": [1]}, lambda x: y(x.mean(1)), inputs={"x": xr})
    case("reduce_amax", "reduce", {"kind": "amax", "dims": [2]}, lambda x: y(x.amax(2)), inputs={"x": xr})
    case("reduce_var", "reduce", {"kind": "var", "dims": [1, 2], "correction": 1}, lambda x: y(x.var((1, 2), unbiased=True)), inputs={"x": xr})
    case("reduce_var_pop", "reduce", {"kind": "var", "dims": [0], "correction": 0, "keepdim": True},
         lambda x: y(x.var(0, unbiased=False, keepdim=True)), inputs={"x": xr})
    case("reduce_norm2", "reduce", {"kind": "norm", "p": 2, "dims": [2]}, lambda x: y(x.norm(2, dim=2)), inputs={"x": xr})
    case("reduce_norm1", "reduce", {"kind": "norm", "p": 1, "dims": [0, 1]}, lambda x: y(x.norm(1, dim=(0, 1))), inputs={"x": xr})
    case("max_dim", "max_dim", {"dim": 1, "keepdim": False},
         lambda x: dict(zip(("values", "indices"), torch.max(x, 1))), inputs={"x": xr})

    # linear algebra
    case("linear", "linear", {}, lambda x, weight, bias: y(F.linear(x, weight, bias)), inputs={"x": r(2, 3, 8)},
         params={"weight": r(5, 8), "bias": r(5)})
    case("linear_nobias", "linear", {}, lambda x, weight: y(F.linear(x, weight)), inputs={"x": r(4, 6)}, params={"weight": r(3, 6)})
    case("matmul_broadcast", "matmul", {}, lambda a, b: y(a @ b), inputs={"a": r(2, 1, 3, 4), "b": r(3, 4, 5)})
    case("matmul_vec", "matmul", {}, lambda a, b: y(a @ b), inputs={"a": r(3, 4), "b": r(4)})

    # normalisation and softmax
    case("layer_norm", "layer_norm", {"eps": 1e-6}, lambda x, weight, bias: y(F.layer_norm(x, (16,), weight, bias, 1e-6)),
         inputs={"x": r(3, 7, 16)}, params={"weight": r(16), "bias": r(16)})
    case("layer_norm_plain", "layer_norm", {"eps": 1e-5, "normalized_shape": [4, 5]},
         lambda x: y(F.layer_norm(x, (4, 5), eps=1e-5)), inputs={"x": r(3, 4, 5)})
    for training, shape, eps in [(True, (6, 5), 2e-5), (True, (3, 4, 5, 5), 1e-5), (False, (3, 4, 5, 5), 1e-5), (False, (4, 5), 2e-5)]:
        c = shape[1]
        name = "batch_norm%dd_%s" % (len(shape) - 2 if len(shape) > 2 else 1, "train" if training else "eval")

        def bn(x, weight, bias, running_mean, running_var, training=training, eps=eps):
            out = F.batch_norm(x, running_mean, running_var, weight, bias, training, 0.1, eps)
            return {"y": out, "running_mean": running_mean, "running_var": running_var}
        case(name, "batch_norm", {"training": training, "momentum": 0.1, "eps": eps}, bn, inputs={"x": r(*shape)},
             params={"weight": r(c), "bias": r(c)}, buffers={"running_mean": r(c) * 0.1, "running_var": torch.rand(c, dtype=torch.float64) + 0.5})
    big = r(4, 9) * 40
    big[0] += 1000
    for dim in (-1, 1, 0):
        case("softmax_dim%d" % dim, "softmax", {"dim": dim}, lambda x, dim=dim: y(F.softmax(x, dim)), inputs={"x": r(3, 6, 4)})
        case("log_softmax_dim%d" % dim, "log_softmax", {"dim": dim}, lambda x, dim=dim: y(F.log_softmax(x, dim)), inputs={"x": r(3, 6, 4)})
    case("softmax_large", "softmax", {"dim": -1}, lambda x: y(F.softmax(x, -1)), inputs={"x": big})
    case("log_softmax_large", "log_softmax", {"dim": -1}, lambda x: y(F.log_softmax(x, -1)), inputs={"x": big})
    case("l2_normalize", "l2_normalize", {"dim": 1, "eps": 1e-12}, lambda x: y(F.normalize(x, dim=1, eps=1e-12)), inputs={"x": r(5, 8)})
    tiny = r(3, 4)
    tiny[1] *= 1e-14
    case("l2_normalize_clamped", "l2_normalize", {"dim": 1, "eps": 1e-12}, lambda x: y(F.normalize(x, dim=1, eps=1e-12)), inputs={"x": tiny})
    tgt = torch.tensor([3, 0, 8, 8, 1, 5])
    case("cross_entropy", "cross_entropy", {}, lambda logits, target: {"loss": F.cross_entropy(logits, target)},
         inputs={"logits": r(6, 9) * 3, "target": tgt})
    case("cross_entropy_smooth", "cross_entropy", {"label_smoothing": 0.1},
         lambda logits, target: {"loss": F.cross_entropy(logits, target, label_smoothing=0.1)}, inputs={"logits": r(6, 9) * 3, "target": tgt})
    case("cross_entropy_sum", "cross_entropy", {"reduction": "sum", "label_smoothing": 0.2},
         lambda logits, target: {"loss": F.cross_entropy(logits, target, reduction="sum", label_smoothing=0.2)},
         inputs={"logits": r(6, 9), "target": tgt})

    # attention
    case("attention", "attention", {}, lambda q, k, v: y(F.softmax(q @ k.transpose(-1, -2) / 8 ** 0.5, -1) @ v),
         inputs={"q": r(2, 3, 7, 8), "k": r(2, 3, 7, 8), "v": r(2, 3, 7, 8)})
    case("attention_scale", "attention", {"scale": 0.3}, lambda q, k, v: y(F.softmax(q @ k.transpose(-1, -2) * 0.3, -1) @ v),
         inputs={"q": r(1, 2, 5, 4), "k": r(1, 2, 6, 4), "v": r(1, 2, 6, 3)})

    # convolution and pooling
    for name, cin, cout, k, args in [
        ("conv2d_3x3", 3, 6, 3, {"stride": 1, "padding": 1, "groups": 1, "dilation": 1}),
        ("conv2d_stride2", 4, 6, 3, {"stride": 2, "padding": 1, "groups": 1, "dilation": 1}),
        ("conv2d_dilated", 2, 3, 3, {"stride": 1, "padding": 2, "groups": 1, "dilation": 2}),
        ("conv2d_groups", 4, 6, 3, {"stride": 1, "padding": [0, 1], "groups": 2, "dilation": 1}),
        ("conv2d_depthwise", 6, 6, 3, {"stride": 2, "padding": 1, "groups": 6, "dilation": 1}),
        ("conv2d_patch9", 3, 8, 9, {"stride": 9, "padding": 0, "groups": 1, "dilation": 1}),
        ("conv2d_1x1", 5, 4, 1, {"stride": 1, "padding": 0, "groups": 1, "dilation": 1}),
    ]:
        size = 20 if k == 9 else 7
        case(name, "conv2d", args, lambda x, weight, bias, args=args: y(F.conv2d(x, weight, bias, **args)),
             inputs={"x": r(2, cin, size, size)}, params={"weight": r(cout, cin // args["groups"], k, k), "bias": r(cout)})
    case("conv2d_nobias", "conv2d", {"stride": 1, "padding": 0, "groups": 1, "dilation": 1},
         lambda x, weight: y(F.conv2d(x, weight)), inputs={"x": r(1, 2, 5, 5)}, params={"weight": r(3, 2, 2, 2)})
    for name, args in [("avg_pool2d", {"kernel_size": 2, "stride": 2}),
                       ("avg_pool2d_pad", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
                       ("avg_pool2d_pad_incl", {"kernel_size": [3, 2], "stride": [2, 1], "padding": 1, "ceil_mode": False, "count_include_pad": True})]:
        case(name, "avg_pool2d", args, lambda x, args=args: y(F.avg_pool2d(x, **args)), inputs={"x": r(2, 3, 7, 8)})
    for name, args in [("max_pool2d", {"kernel_size": 2, "stride": 2}),
                       ("max_pool2d_pad_ceil", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True})]:
        case(name, "max_pool2d", args, lambda x, args=args: y(F.max_pool2d(x, **args)), inputs={"x": r(2, 3, 7, 8)})
    for o in (1, [3, 2], [5, 7]):
        case("adaptive_avg_pool2d_%s" % ("x".join(map(str, o)) if isinstance(o, list) else o), "adaptive_avg_pool2d", {"output_size": o},
             lambda x, o=o: y(F.adaptive_avg_pool2d(x, o)), inputs={"x": r(2, 3, 7, 9)})
    for ac in (False, True):
        case("grid_sample_ac%d" % ac, "grid_sample", {"mode": "bilinear", "padding_mode": "zeros", "align_corners": ac},
             lambda x, grid, ac=ac: y(F.grid_sample(x, grid, "bilinear", "zeros", ac)),
             inputs={"x": r(2, 3, 6, 7), "grid": torch.rand(2, 4, 5, 2, dtype=torch.float64) * 2.4 - 1.2})

    # indexing, joining, reordering
    case("embedding", "embedding", {}, lambda indices, weight: y(F.embedding(indices, weight)),
         inputs={"indices": torch.tensor([[1, 4, 1], [0, 2, 4]])}, params={"weight": r(5, 6)})
    case("gather", "gather", {"dim": 1}, lambda x, index: y(torch.gather(x, 1, index)),
         inputs={"x": r(3, 5), "index": torch.tensor([[0, 4], [2, 2], [1, 0]])})
    case("index_select", "index_select", {"dim": 0}, lambda x, index: y(torch.index_select(x, 0, index)),
         inputs={"x": r(5, 3), "index": torch.tensor([4, 0, 4, 2])})
    case("scatter_add", "scatter_add", {"dim": 1}, lambda x, index, src: y(torch.scatter_add(x, 1, index, src)),
         inputs={"x": r(3, 5), "index": torch.tensor([[0, 4, 0], [2, 2, 1], [1, 0, 3]]), "src": r(3, 3)})
    case("cat", "cat", {"dim": 1}, lambda t0, t1, t2: y(torch.cat([t0, t1, t2], 1)), inputs={"t0": r(2, 3), "t1": r(2, 1), "t2": r(2, 4)})
    case("stack", "stack", {"dim": 1}, lambda t0, t1: y(torch.stack([t0, t1], 1)), inputs={"t0": r(2, 3), "t1": r(2, 3)})
    case("pad", "pad", {"pad": [1, 2, 0, 3], "value": 0.5}, lambda x: y(F.pad(x, (1, 2, 0, 3), value=0.5)), inputs={"x": r(2, 3, 4)})
    case("flip", "flip", {"dims": [0, 2]}, lambda x: y(torch.flip(x, (0, 2))), inputs={"x": r(2, 3, 4)})

    # sorting and searching (no gradients)
    s = r(3, 8)
    s[0, 3] = s[0, 5]
    case("topk", "topk", {"k": 3, "dim": 1, "largest": True}, lambda x: dict(zip(("values", "indices"), torch.topk(x, 3, 1))),
         inputs={"x": s}, grads=False)
    case("topk_smallest", "topk", {"k": 2, "dim": 0, "largest": False},
         lambda x: dict(zip(("values", "indices"), torch.topk(x, 2, 0, largest=False))), inputs={"x": s}, grads=False)
    case("sort", "sort", {"dim": 1, "descending": True}, lambda x: dict(zip(("values", "indices"), torch.sort(x, stable=True, dim=1, descending=True))),
         inputs={"x": s}, grads=False)
    sq = torch.sort(r(9))[0]
    vals = torch.cat([sq[[0, 3, 3, 8]], r(4)])
    for right in (False, True):
        case("searchsorted_%s" % ("right" if right else "left"), "searchsorted", {"right": right},
             lambda sorted, values, right=right: y(torch.searchsorted(sorted, values, right=right)),
             inputs={"sorted": sq, "values": vals}, grads=False)

    conv_shapes()
    later_activations()


def later_activations():
    """Activations added after the cases above (own seed, so those stay as they were)."""
    torch.manual_seed(20261207)
    y = lambda t: {"y": t}
    x = r(3, 6) * 4
    # both sides of softplus's threshold (20), and far below zero where log(1 + e^x) is e^x
    x[0, 0], x[0, 1], x[0, 2], x[0, 3], x[0, 4], x[0, 5] = 0.0, 19.5, 20.0, 20.5, 35.0, -40.0
    case("softplus", "softplus", {}, lambda x: y(F.softplus(x)), inputs={"x": x})


def conv_shapes():
    """The shapes of the face backbones' convolutions (own seed, so the cases above stay as they were)."""
    torch.manual_seed(20261206)
    y = lambda t: {"y": t}
    for name, n, cin, cout, k, hw, args, bias in [
        ("conv2d_3x3_odd_pad1", 3, 5, 7, 3, (13, 11), {"stride": 1, "padding": 1, "groups": 1, "dilation": 1}, True),
        ("conv2d_3x3_odd_pad0", 1, 4, 6, 3, (13, 11), {"stride": 1, "padding": 0, "groups": 1, "dilation": 1}, False),
        ("conv2d_3x3_stride2_odd", 3, 6, 8, 3, (13, 11), {"stride": 2, "padding": 1, "groups": 1, "dilation": 1}, False),
        ("conv2d_1x1_stride2_odd", 3, 6, 5, 1, (13, 11), {"stride": 2, "padding": 0, "groups": 1, "dilation": 1}, False),
        ("conv2d_1x1_batch1", 1, 24, 40, 1, (9, 7), {"stride": 1, "padding": 0, "groups": 1, "dilation": 1}, True),
        ("conv2d_depthwise_s1_odd", 2, 5, 5, 3, (13, 11), {"stride": 1, "padding": 1, "groups": 5, "dilation": 1}, False),
        ("conv2d_groups2ch_s1", 2, 6, 6, 3, (9, 8), {"stride": 1, "padding": 1, "groups": 3, "dilation": 1}, False),
        ("conv2d_gdc7x7", 3, 8, 8, 7, (7, 7), {"stride": 1, "padding": 0, "groups": 8, "dilation": 1}, False),
    ]:
        case(name, "conv2d", args, lambda x, weight, bias=None, args=args: y(F.conv2d(x, weight, bias, **args)),
             inputs={"x": r(n, cin, *hw)},
             params=dict({"weight": r(cout, cin // args["groups"], k, k)}, **({"bias": r(cout)} if bias else {})))


if __name__ == "__main__":
    main()
