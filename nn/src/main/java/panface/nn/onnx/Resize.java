package panface.nn.onnx;

import java.util.Arrays;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * ONNX Resize in nearest, (multi)linear and (multi)cubic mode, axis by axis. Each output index i
 * maps to a coordinate of the input by the coordinate_transformation_mode (half_pixel,
 * pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn); nearest rounds it by
 * nearest_mode (round_prefer_floor, round_prefer_ceil, floor, ceil), linear blends the two
 * neighbours, the coordinate clamped to the input (edge values outside), and cubic blends four
 * neighbours with Keys' cubic convolution weights of parameter cubic_coeff_a, taps outside the
 * input taking the edge value, or with exclude_outside dropped and the others' weights
 * renormalised. Opset 10's Resize is asymmetric with floor rounding (Upsample's semantics).
 * tf_crop_and_resize, antialias and axes are refused at load.
 */
final class Resize {
    private Resize() {
    }

    private enum Coordinates { HALF_PIXEL, PYTORCH_HALF_PIXEL, ALIGN_CORNERS, ASYMMETRIC, TF_HALF_PIXEL_FOR_NN }

    private enum Rounding { ROUND_PREFER_FLOOR, ROUND_PREFER_CEIL, FLOOR, CEIL }

    static Kernel build(NodeSpec n) {
        String mode = n.s("mode", "nearest");
        String coord = n.opset >= 11 ? n.s("coordinate_transformation_mode", "half_pixel") : "asymmetric";
        String rounding = n.opset >= 11 ? n.s("nearest_mode", "round_prefer_floor") : "floor";
        double a = n.opset >= 11 ? n.f("cubic_coeff_a", -0.75f) : -0.75;
        long excludeOutside = n.opset >= 11 ? n.i("exclude_outside", 0) : 0;
        if (n.opset >= 11) {
            n.f("extrapolation_value", 0);
        }
        if (excludeOutside != 0 && excludeOutside != 1) {
            throw new NodeError("Resize exclude_outside " + excludeOutside + " is not 0 or 1");
        }
        if (n.opset >= 18) {
            if (!n.s("keep_aspect_ratio_policy", "stretch").equals("stretch")) {
                throw new NodeError("Resize keep_aspect_ratio_policy other than stretch is not supported");
            }
            if (n.hasAttr("axes")) {
                throw new NodeError("Resize axes are not supported");
            }
            if (n.i("antialias", 0) != 0) {
                throw new NodeError("Resize antialias is not supported");
            }
        }
        if (!mode.equals("nearest") && !mode.equals("linear") && !(mode.equals("cubic") && n.opset >= 11)) {
            throw new NodeError("Resize mode '" + mode + "' is not supported (nearest, linear" + (n.opset >= 11 ? ", cubic)" : ")"));
        }
        Coordinates c;
        Rounding r;
        try {
            c = Coordinates.valueOf(coord.toUpperCase(java.util.Locale.ROOT));
            r = Rounding.valueOf(rounding.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new NodeError("Resize coordinate_transformation_mode '" + coord + "' with nearest_mode '" + rounding + "' is not supported");
        }
        boolean linear = mode.equals("linear");
        boolean cubic = mode.equals("cubic");
        boolean exclude = excludeOutside == 1;
        int scalesAt = n.opset >= 11 ? 2 : 1;
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            int rank = x.dim();
            double[] scale = new double[rank];
            int[] size = new int[rank];
            Tensor sizes = n.opset >= 11 && in.length > 3 ? in[3] : null;
            Tensor scales = in.length > scalesAt ? in[scalesAt] : null;
            if (sizes != null && sizes.numel() > 0) {
                long[] s = Ops.longs(sizes);
                check(s.length, rank);
                for (int d = 0; d < rank; d++) {
                    size[d] = (int) s[d];
                    scale[d] = (double) s[d] / x.size(d);
                }
            } else if (scales != null && scales.numel() > 0) {
                float[] s = scales.to(DType.F32).contiguous().toFloatArray();
                check(s.length, rank);
                for (int d = 0; d < rank; d++) {
                    scale[d] = s[d];
                    size[d] = (int) Math.floor(x.size(d) * s[d]);           // a float product, as ONNX Runtime computes it
                }
            } else {
                throw new NodeError("Resize needs scales or sizes");
            }
            for (int d = 0; d < rank; d++) {
                if (size[d] == x.size(d) && scale[d] == 1) {
                    continue;
                }
                if (size[d] <= 0) {
                    throw new NodeError("Resize to size " + Arrays.toString(size));
                }
                x = cubic ? cubic(x, d, size[d], scale[d], c, a, exclude)
                        : linear ? linear(x, d, size[d], scale[d], c) : nearest(x, d, size[d], scale[d], c, r);
            }
            return x;
        };
    }

    /** The input coordinate of output index i along an axis of length in resized to out. */
    private static double source(int i, int in, int out, double scale, Coordinates c) {
        return switch (c) {
            case HALF_PIXEL -> (i + 0.5) / scale - 0.5;
            case PYTORCH_HALF_PIXEL -> out > 1 ? (i + 0.5) / scale - 0.5 : 0;
            case ALIGN_CORNERS -> out == 1 ? 0 : i * (double) (in - 1) / (out - 1);
            case ASYMMETRIC -> i / scale;
            case TF_HALF_PIXEL_FOR_NN -> (i + 0.5) / scale;
        };
    }

    private static Tensor nearest(Tensor x, int d, int out, double scale, Coordinates c, Rounding r) {
        int in = x.size(d);
        long[] idx = new long[out];
        for (int i = 0; i < out; i++) {
            double s = source(i, in, out, scale, c);
            double f = Math.floor(s);
            double v = switch (r) {
                case ROUND_PREFER_FLOOR -> s - f == 0.5 ? f : Math.round(s);
                case ROUND_PREFER_CEIL -> Math.floor(s + 0.5);
                case FLOOR -> f;
                case CEIL -> Math.ceil(s);
            };
            idx[i] = (long) Math.max(0, Math.min(in - 1, v));
        }
        return F.indexSelect(x, d, Tensor.of(idx, out).to(x.device()));
    }

    private static Tensor linear(Tensor x, int d, int out, double scale, Coordinates c) {
        int in = x.size(d);
        long[] lo = new long[out];
        long[] hi = new long[out];
        float[] w = new float[out];
        for (int i = 0; i < out; i++) {
            double s = Math.max(0, Math.min(in - 1, source(i, in, out, scale, c)));
            int f = (int) Math.floor(s);
            lo[i] = f;
            hi[i] = Math.min(in - 1, f + 1);
            w[i] = (float) (s - f);
        }
        int[] shape = new int[x.dim()];
        Arrays.fill(shape, 1);
        shape[d] = out;
        Tensor wt = Tensor.of(w, shape).to(x.dtype());
        Tensor a = F.indexSelect(x, d, Tensor.of(lo, out));
        Tensor b = F.indexSelect(x, d, Tensor.of(hi, out));
        return a.add(b.sub(a).mul(wt));
    }

    /**
     * Four taps floor(s) - 1 .. floor(s) + 2 around the unclamped coordinate s with Keys' weights
     * for t = s - floor(s): W(|d|) = ((a + 2)|d| - (a + 3))|d|^2 + 1 for |d| <= 1 and
     * ((|d| - 5)|d| + 8)a|d| - 4a for 1 < |d| < 2.
     */
    private static Tensor cubic(Tensor x, int d, int out, double scale, Coordinates c, double a, boolean exclude) {
        int in = x.size(d);
        long[][] idx = new long[4][out];
        float[][] w = new float[4][out];
        for (int i = 0; i < out; i++) {
            double s = source(i, in, out, scale, c);
            double f = Math.floor(s);
            double t = s - f;
            double[] k = {keys(1 + t, a), keys(t, a), keys(1 - t, a), keys(2 - t, a)};
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                long p = (long) f - 1 + j;
                if (exclude && (p < 0 || p >= in)) {
                    k[j] = 0;
                }
                sum += k[j];
                idx[j][i] = Math.max(0, Math.min(in - 1, p));
            }
            for (int j = 0; j < 4; j++) {
                w[j][i] = (float) (exclude ? k[j] / sum : k[j]);
            }
        }
        int[] shape = new int[x.dim()];
        Arrays.fill(shape, 1);
        shape[d] = out;
        Tensor y = null;
        for (int j = 0; j < 4; j++) {
            Tensor term = F.indexSelect(x, d, Tensor.of(idx[j], out).to(x.device())).mul(Tensor.of(w[j], shape).to(x.dtype()).to(x.device()));
            y = y == null ? term : y.add(term);
        }
        return y;
    }

    /** Keys' cubic convolution kernel at distance z >= 0. */
    private static double keys(double z, double a) {
        if (z <= 1) {
            return ((a + 2) * z - (a + 3)) * z * z + 1;
        }
        return z < 2 ? ((z - 5) * z + 8) * a * z - 4 * a : 0;
    }

    private static void check(int given, int rank) {
        if (given != rank) {
            throw new NodeError("Resize has " + given + " scales or sizes for a tensor of rank " + rank);
        }
    }
}
