package panface.nn.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import panface.nn.onnx.proto.OnnxProto.AttributeProto;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;

/** Operators that move, select or make values without arithmetic: reshapes, slices, constants, casts, padding. */
final class ShapeOps {
    private ShapeOps() {
    }

    static Kernel build(NodeSpec n) {
        return switch (n.op()) {
            case "Identity" -> (Kernel.Single) in -> in[0];
            case "Dropout" -> dropout(n);
            case "Reshape" -> reshape(n);
            case "Flatten" -> flatten(n);
            case "Transpose" -> transpose(n);
            case "Squeeze" -> squeeze(n);
            case "Unsqueeze" -> unsqueeze(n);
            case "Concat" -> concat(n);
            case "Split" -> split(n);
            case "Slice" -> slice(n);
            case "Gather" -> gather(n);
            case "Shape" -> shape(n);
            case "Constant" -> constant(n);
            case "ConstantOfShape" -> constantOfShape(n);
            case "Expand" -> (Kernel.Single) in -> expand(in[0], Ops.longs(in[1]));
            case "Cast" -> cast(n);
            case "Pad" -> Pad.build(n);
            case "Resize" -> Resize.build(n);
            default -> throw new IllegalStateException(n.op());
        };
    }

    private static Kernel dropout(NodeSpec n) {
        n.f("ratio", 0.5f);
        n.i("seed", 0);
        if (n.opset < 7) {
            n.i("is_test", 0);
        }
        n.refuseOutput(1, "the dropout mask");
        return (Kernel.Single) in -> in[0];
    }

    private static Kernel reshape(NodeSpec n) {
        boolean allowZero = n.i("allowzero", 0) != 0;
        if (n.opset < 5) {
            throw new NodeError("Reshape with a shape attribute (before opset 5) is not supported");
        }
        return (Kernel.Single) in -> in[0].reshape(target(in[0].shape(), Ops.longs(in[1]), allowZero));
    }

    /** ONNX's reshape target: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
    static int[] target(int[] from, long[] spec, boolean allowZero) {
        int[] out = new int[spec.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.length; i++) {
            long d = spec[i];
            if (d == -1) {
                if (infer >= 0) {
                    throw new NodeError("reshape target " + Arrays.toString(spec) + " has two -1");
                }
                infer = i;
                continue;
            }
            if (d == 0 && !allowZero) {
                if (i >= from.length) {
                    throw new NodeError("reshape target " + Arrays.toString(spec) + " copies dimension " + i + " of " + Arrays.toString(from));
                }
                d = from[i];
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new NodeError("reshape target " + Arrays.toString(spec) + " has dimension " + d);
            }
            out[i] = (int) d;
            known *= d;
        }
        long numel = 1;
        for (int d : from) {
            numel *= d;
        }
        if (infer >= 0) {
            if (known == 0 || numel % known != 0) {
                throw new NodeError("cannot reshape " + Arrays.toString(from) + " to " + Arrays.toString(spec));
            }
            out[infer] = (int) (numel / known);
        } else if (known != numel) {
            throw new NodeError("cannot reshape " + Arrays.toString(from) + " to " + Arrays.toString(spec));
        }
        return out;
    }

    private static Kernel flatten(NodeSpec n) {
        long axis = n.i("axis", 1);
        return (Kernel.Single) in -> {
            int[] s = in[0].shape();
            int a = axis == s.length ? s.length : Ops.axis(axis, s.length, "Flatten axis");
            int outer = 1;
            for (int i = 0; i < a; i++) {
                outer *= s[i];
            }
            return in[0].reshape(outer, in[0].numel() / Math.max(outer, 1));
        };
    }

    private static Kernel transpose(NodeSpec n) {
        long[] perm = n.ints("perm");
        return (Kernel.Single) in -> {
            int r = in[0].dim();
            int[] p = new int[r];
            for (int i = 0; i < r; i++) {
                p[i] = perm == null ? r - 1 - i : Ops.axis(perm[i], r, "Transpose perm");
            }
            if (perm != null && perm.length != r) {
                throw new NodeError("perm " + Arrays.toString(perm) + " does not fit rank " + r);
            }
            return in[0].permute(p);
        };
    }

    private static long[] axesFrom(NodeSpec n, Tensor[] in, long[] attr) {
        return n.opset >= 13 ? (in.length > 1 && in[1] != null ? Ops.longs(in[1]) : null) : attr;
    }

    private static Kernel squeeze(NodeSpec n) {
        long[] attr = n.opset < 13 ? n.ints("axes") : null;
        return (Kernel.Single) in -> {
            long[] axes = axesFrom(n, in, attr);
            if (axes == null) {
                return in[0].squeeze();
            }
            int[] a = Ops.axes(axes, in[0].dim(), "Squeeze axis");
            Arrays.sort(a);
            Tensor x = in[0];
            for (int i = a.length - 1; i >= 0; i--) {
                if (x.size(a[i]) != 1) {
                    throw new NodeError("cannot squeeze dimension " + a[i] + " of size " + x.size(a[i]));
                }
                x = x.squeeze(a[i]);
            }
            return x;
        };
    }

    private static Kernel unsqueeze(NodeSpec n) {
        long[] attr = n.opset < 13 ? n.ints("axes") : null;
        return (Kernel.Single) in -> {
            long[] axes = axesFrom(n, in, attr);
            if (axes == null) {
                throw new NodeError("Unsqueeze needs axes");
            }
            int[] a = Ops.axes(axes, in[0].dim() + axes.length, "Unsqueeze axis");
            Arrays.sort(a);
            Tensor x = in[0];
            for (int d : a) {
                x = x.unsqueeze(d);
            }
            return x;
        };
    }

    private static Kernel concat(NodeSpec n) {
        long axis = n.i("axis", 0);
        return (Kernel.Single) in -> {
            List<Tensor> parts = new ArrayList<>();
            for (Tensor t : in) {
                if (t != null && t.numel() > 0) {
                    parts.add(t);
                }
            }
            if (parts.isEmpty()) {
                return in[0];
            }
            return parts.size() == 1 ? parts.get(0) : F.cat(parts, Ops.axis(axis, in[0].dim(), "Concat axis"));
        };
    }

    private static Kernel split(NodeSpec n) {
        long axis = n.i("axis", 0);
        long[] attr = n.opset < 13 ? n.ints("split") : null;
        long numOutputs = n.opset >= 18 ? n.i("num_outputs", 0) : 0;
        int outs = n.outputs();
        return in -> {
            Tensor x = in[0];
            int a = Ops.axis(axis, x.dim(), "Split axis");
            long[] sizes = n.opset >= 13 ? (in.length > 1 && in[1] != null ? Ops.longs(in[1]) : null) : attr;
            if (sizes == null) {
                int parts = numOutputs > 0 ? (int) numOutputs : outs;
                int each = (x.size(a) + parts - 1) / parts;
                sizes = new long[parts];
                for (int i = 0; i < parts; i++) {
                    sizes[i] = Math.max(0, Math.min(each, x.size(a) - (long) i * each));
                }
            }
            if (sizes.length != outs || Arrays.stream(sizes).sum() != x.size(a)) {
                throw new NodeError("split sizes " + Arrays.toString(sizes) + " do not fit dimension " + a + " of size " + x.size(a)
                        + " into " + outs + " outputs");
            }
            Tensor[] out = new Tensor[outs];
            int at = 0;
            for (int i = 0; i < outs; i++) {
                out[i] = x.narrow(a, at, (int) sizes[i]);
                at += (int) sizes[i];
            }
            return out;
        };
    }

    private static Kernel slice(NodeSpec n) {
        long[] s0 = n.opset < 10 ? n.ints("starts") : null;
        long[] e0 = n.opset < 10 ? n.ints("ends") : null;
        long[] a0 = n.opset < 10 ? n.ints("axes") : null;
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            long[] starts = n.opset < 10 ? s0 : Ops.longs(in[1]);
            long[] ends = n.opset < 10 ? e0 : Ops.longs(in[2]);
            long[] axes = n.opset < 10 ? a0 : in.length > 3 && in[3] != null ? Ops.longs(in[3]) : null;
            long[] steps = n.opset >= 10 && in.length > 4 && in[4] != null ? Ops.longs(in[4]) : null;
            if (ends.length != starts.length || (axes != null && axes.length != starts.length)
                    || (steps != null && steps.length != starts.length)) {
                throw new NodeError("Slice starts, ends, axes and steps differ in length");
            }
            for (int i = 0; i < starts.length; i++) {
                int a = axes == null ? i : Ops.axis(axes[i], x.dim(), "Slice axis");
                x = sliceAxis(x, a, starts[i], ends[i], steps == null ? 1 : steps[i]);
            }
            return x;
        };
    }

    /** One axis of ONNX Slice: start and end clamped as the specification says for the step's sign. */
    private static Tensor sliceAxis(Tensor x, int a, long start, long end, long step) {
        long dim = x.size(a);
        if (step == 0) {
            throw new NodeError("Slice step 0");
        }
        long st = start < 0 ? start + dim : start;
        long en = end < 0 ? end + dim : end;
        if (step == 1) {
            st = clamp(st, dim);
            en = clamp(en, dim);
            return x.narrow(a, (int) st, (int) Math.max(0, en - st));
        }
        if (step > 0) {
            st = clamp(st, dim);
            en = clamp(en, dim);
        } else {
            st = Math.max(-1, Math.min(st, dim - 1));
            en = Math.max(-1, Math.min(en, dim - 1));
        }
        long count = step > 0 ? Math.max(0, (en - st + step - 1) / step) : Math.max(0, (st - en + (-step) - 1) / -step);
        long[] idx = new long[(int) count];
        for (int k = 0; k < idx.length; k++) {
            idx[k] = st + k * step;
        }
        return F.indexSelect(x, a, Tensor.of(idx, idx.length).to(x.device()));
    }

    private static long clamp(long v, long dim) {
        return Math.max(0, Math.min(v, dim));
    }

    private static Kernel gather(NodeSpec n) {
        long axis = n.i("axis", 0);
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            int a = Ops.axis(axis, x.dim(), "Gather axis");
            long[] idx = Ops.longs(in[1]);
            int dim = x.size(a);
            for (int i = 0; i < idx.length; i++) {
                long v = idx[i] < 0 ? idx[i] + dim : idx[i];
                if (v < 0 || v >= dim) {
                    throw new NodeError("Gather index " + idx[i] + " is outside dimension " + a + " of size " + dim);
                }
                idx[i] = v;
            }
            if (in[1].dim() == 0) {
                return x.narrow(a, (int) idx[0], 1).squeeze(a);
            }
            Tensor picked = F.indexSelect(x, a, Tensor.of(idx).to(x.device()));
            int[] s = x.shape();
            int[] is = in[1].shape();
            int[] out = new int[s.length - 1 + is.length];
            System.arraycopy(s, 0, out, 0, a);
            System.arraycopy(is, 0, out, a, is.length);
            System.arraycopy(s, a + 1, out, a + is.length, s.length - a - 1);
            return picked.reshape(out);
        };
    }

    private static Kernel shape(NodeSpec n) {
        long start = n.opset >= 15 ? n.i("start", 0) : 0;
        Long end = n.opset >= 15 && n.hasAttr("end") ? n.i("end", 0) : null;
        return (Kernel.Single) in -> {
            int[] s = in[0].shape();
            int r = s.length;
            int lo = (int) clamp(start < 0 ? start + r : start, r);
            int hi = end == null ? r : (int) clamp(end < 0 ? end + r : end, r);
            long[] v = new long[Math.max(0, hi - lo)];
            for (int i = 0; i < v.length; i++) {
                v[i] = s[lo + i];
            }
            return Tensor.of(v, v.length);
        };
    }

    private static Kernel constant(NodeSpec n) {
        Tensor v;
        AttributeProto t = n.raw("value");
        if (t != null) {
            try {
                v = OnnxTensors.toTensor(t.getT(), null, "Constant");
            } catch (java.io.IOException e) {
                throw new NodeError(e.getMessage());
            }
        } else if (n.hasAttr("value_float")) {
            v = Tensor.scalar(n.f("value_float", 0));
        } else if (n.hasAttr("value_floats")) {
            float[] f = n.floats("value_floats");
            v = Tensor.of(f, f.length);
        } else if (n.hasAttr("value_int")) {
            v = Tensor.scalar(n.i("value_int", 0), DType.I64);
        } else if (n.hasAttr("value_ints")) {
            long[] l = n.ints("value_ints");
            v = Tensor.of(l, l.length);
        } else {
            throw new NodeError("Constant without a supported value attribute (value, value_float(s), value_int(s))");
        }
        Tensor value = v;
        return (Kernel.Single) in -> value;
    }

    private static Kernel constantOfShape(NodeSpec n) {
        AttributeProto a = n.raw("value");
        Tensor v;
        try {
            v = a == null ? Tensor.scalar(0) : OnnxTensors.toTensor(a.getT(), null, "ConstantOfShape value");
        } catch (java.io.IOException e) {
            throw new NodeError(e.getMessage());
        }
        if (v.numel() != 1) {
            throw new NodeError("ConstantOfShape value must hold one element");
        }
        double value = v.reshape(1).getDouble(0);
        DType dt = v.dtype();
        return (Kernel.Single) in -> Tensor.full(value, Device.CPU, dt, Ops.toInts(Ops.longs(in[0]), "ConstantOfShape shape"));
    }

    /** ONNX's Expand: the bidirectional broadcast of x's shape and the given one. */
    static Tensor expand(Tensor x, long[] shape) {
        int[] out = Ops.broadcast(x.shape(), Ops.toInts(shape, "Expand shape"));
        return Arrays.equals(out, x.shape()) ? x : x.expand(out);
    }

    private static Kernel cast(NodeSpec n) {
        long to = n.i("to", 0);
        if (n.opset >= 19) {
            n.i("saturate", 1);
        }
        DType dt = OnnxTensors.dtype((int) to);
        if (dt == null) {
            throw new NodeError("Cast to " + OnnxTensors.typeName((int) to) + " is not supported");
        }
        return (Kernel.Single) in -> in[0].to(dt);
    }
}
