package panface.nn.onnx;

import java.util.Arrays;

import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * ONNX Pad in constant, reflect and edge mode. The pads are an attribute before opset 11 and an
 * input from then on (with the constant value as an optional input), and opset 18 adds the axes
 * they apply to. Reflect mirrors about the border element without repeating it (numpy's
 * "reflect"), edge repeats the border element; both gather the input along each padded axis.
 * Negative pads (cropping) and opset 19's wrap mode are refused.
 */
final class Pad {
    private Pad() {
    }

    private enum Mode { CONSTANT, REFLECT, EDGE }

    static Kernel build(NodeSpec n) {
        String name = n.s("mode", "constant");
        Mode mode = switch (name) {
            case "constant" -> Mode.CONSTANT;
            case "reflect" -> Mode.REFLECT;
            case "edge" -> Mode.EDGE;
            default -> throw new NodeError("Pad mode '" + name + "' is not supported (constant, reflect, edge)");
        };
        long[] padsAttr = n.opset < 11 ? n.ints(n.opset < 2 ? "paddings" : "pads") : null;
        float valueAttr = n.opset < 11 ? n.f("value", 0) : 0;
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            long[] pads = n.opset < 11 ? padsAttr : Ops.longs(in[1]);
            double value = n.opset < 11 ? valueAttr : in.length > 2 && in[2] != null && in[2].numel() > 0 ? in[2].reshape(1).getDouble(0) : 0;
            int r = x.dim();
            int[] axes = new int[r];
            if (n.opset >= 18 && in.length > 3 && in[3] != null) {
                axes = Ops.axes(Ops.longs(in[3]), r, "Pad axis");
            } else {
                for (int i = 0; i < r; i++) {
                    axes[i] = i;
                }
            }
            if (pads == null || pads.length != 2 * axes.length) {
                throw new NodeError("pads " + Arrays.toString(pads) + " do not fit " + axes.length + " axes");
            }
            int[] before = new int[r];
            int[] after = new int[r];
            for (int i = 0; i < axes.length; i++) {
                if (pads[i] < 0 || pads[i + axes.length] < 0 || pads[i] > Integer.MAX_VALUE || pads[i + axes.length] > Integer.MAX_VALUE) {
                    throw new NodeError("pads " + Arrays.toString(pads) + " are not supported (negative or too large)");
                }
                before[axes[i]] = (int) pads[i];
                after[axes[i]] = (int) pads[i + axes.length];
            }
            if (mode == Mode.CONSTANT) {
                int[] torch = new int[2 * r];
                for (int d = 0; d < r; d++) {
                    torch[2 * d] = before[r - 1 - d];
                    torch[2 * d + 1] = after[r - 1 - d];
                }
                return Arrays.stream(torch).allMatch(p -> p == 0) ? x : F.pad(x, torch, value);
            }
            for (int d = 0; d < r; d++) {
                if (before[d] != 0 || after[d] != 0) {
                    x = F.indexSelect(x, d, Tensor.of(sources(x.size(d), before[d], after[d], mode), x.size(d) + before[d] + after[d])
                            .to(x.device()));
                }
            }
            return x;
        };
    }

    /** For each output position along an axis, the input position it copies. */
    private static long[] sources(int size, int before, int after, Mode mode) {
        if (size == 0) {
            throw new NodeError("Pad " + mode.name().toLowerCase(java.util.Locale.ROOT) + " of an empty axis");
        }
        if (mode == Mode.REFLECT && size > 1 && (before >= size || after >= size)) {
            throw new NodeError("Pad reflect needs pads below the axis length " + size + ", got " + before + " and " + after);
        }
        long[] idx = new long[size + before + after];
        for (int o = 0; o < idx.length; o++) {
            int i = o - before;
            if (mode == Mode.EDGE || size == 1) {
                i = Math.max(0, Math.min(size - 1, i));
            } else if (i < 0) {
                i = -i;
            } else if (i >= size) {
                i = 2 * (size - 1) - i;
            }
            idx[o] = i;
        }
        return idx;
    }
}
