package panface.nn.onnx;

import java.util.Arrays;

import panface.tensor.F;
import panface.tensor.Tensor;

/** Operators with weights or windows: convolution, normalisation, products, softmax, reductions, pooling and sampling. */
final class LayerOps {
    private LayerOps() {
    }

    static Kernel build(NodeSpec n) {
        return switch (n.op()) {
            case "Conv" -> conv(n);
            case "ConvTranspose" -> ConvTranspose.build(n);
            case "BatchNormalization" -> batchNorm(n);
            case "MatMul" -> (Kernel.Single) in -> F.matmul(in[0], in[1]);
            case "Gemm" -> gemm(n);
            case "Softmax" -> softmax(n);
            case "LayerNormalization" -> layerNorm(n);
            case "ReduceMean", "ReduceSum", "ReduceMin", "ReduceMax" -> reduce(n);
            case "GridSample" -> gridSample(n);
            case "GlobalAveragePool" -> (Kernel.Single) in -> {
                int[] dims = new int[in[0].dim() - 2];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = i + 2;
                }
                return in[0].mean(dims, true);
            };
            case "AveragePool", "MaxPool" -> pool(n);
            default -> throw new IllegalStateException(n.op());
        };
    }

    /**
     * The 2-D window attributes shared by Conv and the pools: pads as top, left, bottom, right (they
     * may differ before and after), auto_pad NOTSET or VALID.
     */
    record Window(int[] kernel, int[] stride, int[] pads, int[] dilation) {
        static Window read(NodeSpec n, int[] kernelFromWeight) {
            String autoPad = n.s("auto_pad", "NOTSET");
            int[] k = n.ints32("kernel_shape", kernelFromWeight);
            if (k == null || k.length != 2) {
                throw new NodeError("only 2-D windows are supported, kernel_shape " + Arrays.toString(k));
            }
            if (kernelFromWeight != null && !Arrays.equals(k, kernelFromWeight)) {
                throw new NodeError("kernel_shape " + Arrays.toString(k) + " differs from the weight's " + Arrays.toString(kernelFromWeight));
            }
            int[] s = n.ints32("strides", new int[] {1, 1});
            int[] d = n.ints32("dilations", new int[] {1, 1});
            int[] p = n.ints32("pads", new int[] {0, 0, 0, 0});
            if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
                throw new NodeError("auto_pad " + autoPad + " is not supported (give explicit pads)");
            }
            if (autoPad.equals("VALID")) {
                p = new int[] {0, 0, 0, 0};
            }
            if (s.length != 2 || d.length != 2 || p.length != 4) {
                throw new NodeError("strides, dilations and pads must be for 2 dimensions");
            }
            for (int v : p) {
                if (v < 0) {
                    throw new NodeError("negative pads " + Arrays.toString(p) + " are not supported");
                }
            }
            return new Window(k, s, p, d);
        }

        boolean symmetric() {
            return pads[0] == pads[2] && pads[1] == pads[3];
        }

        /** The pads both sides share (height, width). */
        int[] shared() {
            return new int[] {Math.min(pads[0], pads[2]), Math.min(pads[1], pads[3])};
        }

        /** F.pad's list (left, right, top, bottom) for what exceeds the shared pads. */
        int[] extra() {
            int[] c = shared();
            return new int[] {pads[1] - c[1], pads[3] - c[1], pads[0] - c[0], pads[2] - c[0]};
        }

        /** F.pad's list for all the pads. */
        int[] all() {
            return new int[] {pads[1], pads[3], pads[0], pads[2]};
        }
    }

    static ConvKernel conv(NodeSpec n) {
        Tensor w = n.constant(1);
        int[] fromWeight = w == null ? null : w.dim() == 4 ? new int[] {w.size(2), w.size(3)} : new int[w.dim() - 2];
        Window win = Window.read(n, fromWeight);
        int groups = n.int32("group", 1);
        return new ConvKernel(null, null, win.stride(), win.pads(), win.dilation(), groups, ConvKernel.Act.NONE, 0, null, false);
    }

    private static Kernel batchNorm(NodeSpec n) {
        double eps = n.f("epsilon", 1e-5f);
        n.f("momentum", 0.9f);
        if (n.opset < 9) {
            n.i("spatial", 1);
        }
        if (n.opset >= 14 && n.i("training_mode", 0) != 0) {
            throw new NodeError("BatchNormalization in training mode is not supported");
        }
        for (int i = 1; i < 5; i++) {
            n.refuseOutput(i, "running statistics of training mode");
        }
        return (Kernel.Single) in -> F.batchNorm(in[0], in[3], in[4], in[1], in[2], false, 0.1, eps);
    }

    private static Kernel gemm(NodeSpec n) {
        double alpha = n.f("alpha", 1f);
        double beta = n.f("beta", 1f);
        boolean ta = n.i("transA", 0) != 0;
        boolean tb = n.i("transB", 0) != 0;
        if (n.opset < 7) {
            n.i("broadcast", 0);
        }
        return (Kernel.Single) in -> {
            Tensor a = ta ? in[0].mT() : in[0];
            Tensor b = tb ? in[1].mT() : in[1];
            Tensor y = F.matmul(a, b);
            if (alpha != 1) {
                y = y.mul(alpha);
            }
            if (in.length > 2 && in[2] != null) {
                y = y.add(beta == 1 ? in[2] : in[2].mul(beta));
            }
            return y;
        };
    }

    private static Kernel softmax(NodeSpec n) {
        long axis = n.i("axis", n.opset >= 13 ? -1 : 1);
        if (n.opset >= 13) {
            return (Kernel.Single) in -> F.softmax(in[0], Ops.axis(axis, in[0].dim(), "Softmax axis"));
        }
        return (Kernel.Single) in -> {
            int[] s = in[0].shape();
            int a = Ops.axis(axis, s.length, "Softmax axis");
            if (a == s.length - 1) {
                return F.softmax(in[0], a);
            }
            int outer = 1;
            for (int i = 0; i < a; i++) {
                outer *= s[i];
            }
            return F.softmax(in[0].reshape(outer, in[0].numel() / Math.max(outer, 1)), 1).reshape(s);
        };
    }

    private static Kernel layerNorm(NodeSpec n) {
        long axis = n.i("axis", -1);
        double eps = n.f("epsilon", 1e-5f);
        n.i("stash_type", 1);
        n.refuseOutput(1, "Mean");
        n.refuseOutput(2, "InvStdDev");
        return (Kernel.Single) in -> {
            int[] s = in[0].shape();
            int a = Ops.axis(axis, s.length, "LayerNormalization axis");
            int[] norm = Arrays.copyOfRange(s, a, s.length);
            Tensor w = in[1].reshape(norm);
            Tensor b = in.length > 2 && in[2] != null ? in[2].reshape(norm) : null;
            return norm.length == 1 ? F.layerNorm(in[0], w, b, eps) : F.layerNorm(in[0], norm, w, b, eps);
        };
    }

    /**
     * ReduceMean, ReduceSum, ReduceMin and ReduceMax: the axes an attribute until the opset where
     * they became an input (13 for ReduceSum, 18 for the others); no axes reduce all of them unless
     * noop_with_empty_axes. Min and max reduce one axis after the other, the highest first.
     */
    private static Kernel reduce(NodeSpec n) {
        String op = n.op();
        boolean axesAsInput = n.opset >= (op.equals("ReduceSum") ? 13 : 18);
        long[] attr = axesAsInput ? null : n.ints("axes");
        boolean keep = n.i("keepdims", 1) != 0;
        boolean noop = axesAsInput && n.i("noop_with_empty_axes", 0) != 0;
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            long[] axes = axesAsInput ? (in.length > 1 && in[1] != null ? Ops.longs(in[1]) : null) : attr;
            if (axes == null || axes.length == 0) {
                if (noop) {
                    return x;
                }
                axes = new long[x.dim()];
                for (int i = 0; i < axes.length; i++) {
                    axes[i] = i;
                }
            }
            int[] dims = Ops.axes(axes, x.dim(), op + " axis");
            return switch (op) {
                case "ReduceSum" -> x.sum(dims, keep);
                case "ReduceMean" -> x.mean(dims, keep);
                default -> extreme(x, dims, keep, op.equals("ReduceMax"));
            };
        };
    }

    private static Tensor extreme(Tensor x, int[] dims, boolean keep, boolean max) {
        int[] sorted = Arrays.stream(dims).distinct().sorted().toArray();
        if (x.numel() == 0) {
            throw new NodeError("ReduceMin and ReduceMax of an empty tensor are not supported");
        }
        Tensor y = x;
        for (int i = sorted.length - 1; i >= 0; i--) {
            y = max ? y.max(sorted[i], keep) : y.min(sorted[i], keep);
        }
        return y;
    }

    /**
     * GridSample on 4-D inputs (N, C, H, W) with a grid (N, Ho, Wo, 2) of (x, y) in [-1, 1]: bilinear
     * ("linear" from opset 20), zero padding, align_corners 0 or 1. Nearest and cubic modes and the
     * border and reflection paddings are refused at load.
     */
    private static Kernel gridSample(NodeSpec n) {
        String mode = n.s("mode", n.opset >= 20 ? "linear" : "bilinear");
        String padding = n.s("padding_mode", "zeros");
        long corners = n.i("align_corners", 0);
        if (!mode.equals(n.opset >= 20 ? "linear" : "bilinear")) {
            throw new NodeError("GridSample mode '" + mode + "' is not supported (" + (n.opset >= 20 ? "linear" : "bilinear") + " only)");
        }
        if (!padding.equals("zeros")) {
            throw new NodeError("GridSample padding_mode '" + padding + "' is not supported (zeros only)");
        }
        if (corners != 0 && corners != 1) {
            throw new NodeError("GridSample align_corners " + corners + " is not 0 or 1");
        }
        return (Kernel.Single) in -> {
            if (in[0].dim() != 4) {
                throw new NodeError("GridSample is supported on 4-D inputs only, got " + in[0].describe());
            }
            return F.gridSample(in[0], in[1].dtype() == in[0].dtype() ? in[1] : in[1].to(in[0].dtype()), corners == 1);
        };
    }

    private static Kernel pool(NodeSpec n) {
        boolean max = n.op().equals("MaxPool");
        Window win = Window.read(n, null);
        boolean ceil = n.opset >= 10 && n.i("ceil_mode", 0) != 0;
        boolean countPad = !max && n.i("count_include_pad", 0) != 0;
        if (max) {
            if (n.i("storage_order", 0) != 0) {
                throw new NodeError("MaxPool storage_order 1 is not supported");
            }
            n.refuseOutput(1, "Indices");
        }
        if (win.dilation()[0] != 1 || win.dilation()[1] != 1) {
            throw new NodeError("dilated pooling is not supported");
        }
        if (max) {
            return (Kernel.Single) in -> F.maxPool2d(win.symmetric() ? in[0] : F.pad(in[0], win.extra(), Double.NEGATIVE_INFINITY),
                    win.kernel(), win.stride(), win.shared(), ceil);
        }
        if (win.symmetric()) {
            return (Kernel.Single) in -> F.avgPool2d(in[0], win.kernel(), win.stride(), win.shared(), ceil, countPad);
        }
        int[] none = {0, 0};
        if (countPad) {
            return (Kernel.Single) in -> F.avgPool2d(F.pad(in[0], win.all(), 0), win.kernel(), win.stride(), none, ceil, true);
        }
        // without the pads in the count: the window sums of the zero-padded input over the window
        // counts of a zero-padded mask of ones (both averages divide by the same window size)
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            Tensor mask = Tensor.ones(x.dtype(), 1, 1, x.size(2), x.size(3));
            Tensor sums = F.avgPool2d(F.pad(x, win.all(), 0), win.kernel(), win.stride(), none, ceil, true);
            Tensor counts = F.avgPool2d(F.pad(mask, win.all(), 0), win.kernel(), win.stride(), none, ceil, true);
            return sums.div(counts);
        };
    }
}
