package panface.nn.onnx;

import java.util.Arrays;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * ONNX ConvTranspose in 2-D as a convolution: the input with stride - 1 zeros inserted between its
 * pixels, padded by dilation * (k - 1) minus the pads on each side (plus output_padding at the
 * end; a negative amount crops), convolved at stride 1 with the weight's in and out channels
 * exchanged per group and its window flipped. That is the definition written as a gather, so the
 * output is y[o] = sum over x[i] w[i, o] placed at i * stride - pad (PyTorch's and ONNX's).
 */
final class ConvTranspose {
    private ConvTranspose() {
    }

    static Kernel build(NodeSpec n) {
        Tensor w0 = n.constant(1);
        if (w0 != null && w0.dim() != 4) {
            throw new NodeError("only 2-D ConvTranspose is supported, weight " + Arrays.toString(w0.shape()));
        }
        int groups = n.int32("group", 1);
        int[] k = n.ints32("kernel_shape", w0 == null ? null : new int[] {w0.size(2), w0.size(3)});
        int[] s = n.ints32("strides", new int[] {1, 1});
        int[] d = n.ints32("dilations", new int[] {1, 1});
        int[] op = n.ints32("output_padding", new int[] {0, 0});
        int[] outShape = n.ints32("output_shape", null);
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] pads = n.ints32("pads", new int[] {0, 0, 0, 0});
        if (k == null || k.length != 2 || s.length != 2 || d.length != 2 || op.length != 2 || pads.length != 4) {
            throw new NodeError("only 2-D ConvTranspose is supported");
        }
        if (w0 != null && (k[0] != w0.size(2) || k[1] != w0.size(3))) {
            throw new NodeError("kernel_shape " + Arrays.toString(k) + " differs from the weight's");
        }
        if (autoPad.equals("VALID")) {
            pads = new int[] {0, 0, 0, 0};
        } else if (!autoPad.equals("NOTSET") || outShape != null) {
            if (outShape == null) {
                throw new NodeError("ConvTranspose auto_pad " + autoPad + " needs output_shape");
            }
            if (!autoPad.equals("NOTSET") && !autoPad.equals("SAME_UPPER") && !autoPad.equals("SAME_LOWER")) {
                throw new NodeError("ConvTranspose auto_pad " + autoPad + " is not supported");
            }
        }
        Tensor wc = w0 == null ? null : convWeight(w0, groups);
        int[] fixedPads = pads;
        boolean upper = autoPad.equals("SAME_UPPER");
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            if (x.dim() != 4) {
                throw new NodeError("only 2-D ConvTranspose of (N, C, H, W) inputs is supported");
            }
            int[] p = outShape == null ? fixedPads : padsFor(outShape, x, s, d, k, op, upper);
            Tensor w = wc != null ? wc : convWeight(in[1], groups);
            Tensor b = in.length > 2 ? in[2] : null;
            return F.conv2d(spread(x, s, d, k, p, op), w, b, new int[] {1, 1}, new int[] {0, 0}, d, groups);
        };
    }

    /** (Cin, Cout/g, kh, kw) to (Cout, Cin/g, kh, kw) per group, window flipped. */
    static Tensor convWeight(Tensor w, int groups) {
        int cin = w.size(0);
        int coutG = w.size(1);
        if (cin % groups != 0) {
            throw new NodeError("ConvTranspose weight has " + cin + " input channels for " + groups + " groups");
        }
        try (var g = GradMode.noGrad()) {
            Tensor t = w.reshape(groups, cin / groups, coutG, w.size(2), w.size(3)).permute(0, 2, 1, 3, 4)
                    .reshape(groups * coutG, cin / groups, w.size(2), w.size(3));
            return F.flip(t, 2, 3).contiguous();
        }
    }

    /** Pads (top, left, bottom, right) that give output_shape, as the ONNX definition derives them. */
    private static int[] padsFor(int[] outShape, Tensor x, int[] s, int[] d, int[] k, int[] op, boolean upper) {
        int[] out = outShape.length == 2 ? outShape : Arrays.copyOfRange(outShape, outShape.length - 2, outShape.length);
        int[] p = new int[4];
        for (int i = 0; i < 2; i++) {
            int total = s[i] * (x.size(2 + i) - 1) + op[i] + (k[i] - 1) * d[i] + 1 - out[i];
            if (total < 0) {
                throw new NodeError("output_shape " + Arrays.toString(outShape) + " is larger than the transposed convolution gives");
            }
            p[i] = upper ? total / 2 : total - total / 2;
            p[i + 2] = total - p[i];
        }
        return p;
    }

    /** The input with zeros between its pixels and the borders the equivalent convolution needs. */
    private static Tensor spread(Tensor x, int[] s, int[] d, int[] k, int[] pads, int[] op) {
        int n = x.size(0);
        int c = x.size(1);
        int h = x.size(2);
        int w = x.size(3);
        if (s[0] > 1 || s[1] > 1) {
            x = F.pad(x.reshape(n, c, h, 1, w, 1), new int[] {0, s[1] - 1, 0, 0, 0, s[0] - 1}, 0).reshape(n, c, h * s[0], w * s[1])
                    .narrow(2, 0, (h - 1) * s[0] + 1).narrow(3, 0, (w - 1) * s[1] + 1);
        }
        int[] before = new int[2];
        int[] after = new int[2];
        for (int i = 0; i < 2; i++) {
            before[i] = d[i] * (k[i] - 1) - pads[i];
            after[i] = d[i] * (k[i] - 1) - pads[i + 2] + op[i];
        }
        x = F.pad(x, new int[] {Math.max(0, before[1]), Math.max(0, after[1]), Math.max(0, before[0]), Math.max(0, after[0])}, 0);
        for (int i = 0; i < 2; i++) {
            int start = Math.max(0, -before[i]);
            int end = x.size(2 + i) - Math.max(0, -after[i]);
            if (start > 0 || end < x.size(2 + i)) {
                if (end <= start) {
                    throw new NodeError("ConvTranspose pads leave no output");
                }
                x = x.narrow(2 + i, start, end - start);
            }
        }
        return x;
    }
}
