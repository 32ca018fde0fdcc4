#!/usr/bin/env python3
"""Writes one-node ONNX graphs for ReduceMin/ReduceMax, Pad (reflect, edge), Resize (cubic) and
GridSample, with ONNX Runtime's outputs as the expected values.

Run with a Python that has onnx (1.23 wrote the committed files) and onnxruntime (1.30) and numpy:
    python make_onnx_ops.py [OUTPUT_DIR]
Each case is <case>.onnx reading "x" and writing "y" (further inputs are initializers), and
ops_io.safetensors holds <case>.x and <case>.y (float32).
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE
RNG = np.random.default_rng(23)


def save_safetensors(path, tensors):
    header, blobs, off = {"__metadata__": {"schema": "1"}}, [], 0
    for k in sorted(tensors):
        b = np.ascontiguousarray(tensors[k], dtype=np.float32).tobytes()
        header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def case(cases, name, opset, op, x, inputs=(), **attrs):
    """inputs: further inputs after x, each a numpy array (an initializer) or "" (absent)."""
    names, init = ["x"], []
    for i, v in enumerate(inputs):
        if isinstance(v, str):
            names.append(v)
        else:
            names.append("c%d" % i)
            init.append(numpy_helper.from_array(v, "c%d" % i))
    node = helper.make_node(op, names, ["y"], name="n_" + name, **attrs)
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                              [helper.make_value_info("y", helper.make_tensor_type_proto(TensorProto.FLOAT, None))], init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8 if opset <= 18 else 9)
    path = os.path.join(OUT, name + ".onnx")
    onnx.save(model, path)
    y = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    cases[name + ".x"] = x
    cases[name + ".y"] = y
    print(name, x.shape, "->", y.shape)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    c = {}
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    x = rand(2, 3, 4)
    case(c, "reducemax_op13", 13, "ReduceMax", x, axes=[1])
    case(c, "reducemin_op13", 13, "ReduceMin", x, axes=[0, 2], keepdims=0)
    case(c, "reducemax_op18", 18, "ReduceMax", x, [i64(-1)], keepdims=0)
    case(c, "reducemin_op18", 18, "ReduceMin", x)
    case(c, "reducemin_op18_noop", 18, "ReduceMin", x, noop_with_empty_axes=1)

    img = rand(1, 2, 4, 5)
    case(c, "pad_reflect_op11", 11, "Pad", img, [i64(0, 0, 1, 2, 0, 0, 2, 3)], mode="reflect")
    case(c, "pad_edge_op13", 13, "Pad", img, [i64(0, 1, 3, 0, 0, 0, 1, 4)], mode="edge")
    case(c, "pad_reflect_op18_axes", 18, "Pad", img, [i64(3, 1, 2, 4), "", i64(2, -1)], mode="reflect")
    case(c, "pad_edge_op10", 10, "Pad", img, pads=[0, 0, 2, 1, 0, 0, 0, 2], mode="edge")
    case(c, "pad_constant_op13", 13, "Pad", img, [i64(0, 0, 1, 1, 0, 0, 2, 0), np.array(1.5, dtype=np.float32)])

    small = rand(1, 2, 5, 6)
    f32 = lambda *v: np.array(v, dtype=np.float32)  # noqa: E731
    empty = np.zeros(0, dtype=np.float32)
    case(c, "resize_cubic_op11_half_pixel", 11, "Resize", small, [empty, f32(1, 1, 2, 1.5)], mode="cubic")
    case(c, "resize_cubic_op13_align_corners", 13, "Resize", small, ["", "", i64(1, 2, 9, 4)], mode="cubic",
         coordinate_transformation_mode="align_corners")
    case(c, "resize_cubic_op13_asymmetric_exclude", 13, "Resize", small, ["", f32(1, 1, 0.6, 1.7)], mode="cubic",
         coordinate_transformation_mode="asymmetric", cubic_coeff_a=-0.5, exclude_outside=1)
    case(c, "resize_cubic_op13_pytorch_half_pixel", 13, "Resize", small, ["", "", i64(1, 2, 1, 11)], mode="cubic",
         coordinate_transformation_mode="pytorch_half_pixel")
    case(c, "resize_cubic_op13_tf_half_pixel_for_nn", 13, "Resize", small, ["", f32(1, 1, 1.4, 0.5)], mode="cubic",
         coordinate_transformation_mode="tf_half_pixel_for_nn")
    case(c, "resize_cubic_op18_half_pixel_exclude", 18, "Resize", small, ["", f32(1, 1, 1.7, 2.3)], mode="cubic",
         exclude_outside=1, cubic_coeff_a=-0.6)

    img = rand(2, 3, 6, 7)
    grid = RNG.uniform(-1.2, 1.2, (2, 4, 5, 2)).astype(np.float32)
    case(c, "gridsample_op16", 16, "GridSample", img, [grid])
    case(c, "gridsample_op16_align_corners", 16, "GridSample", img, [grid], align_corners=1, mode="bilinear", padding_mode="zeros")
    case(c, "gridsample_op20", 20, "GridSample", img, [grid], mode="linear")
    save_safetensors(os.path.join(OUT, "ops_io.safetensors"), c)


if __name__ == "__main__":
    main()
