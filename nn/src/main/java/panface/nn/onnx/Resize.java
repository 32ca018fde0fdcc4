package panface.nn.onnx;

import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * ONNX Resize (and opset 9's Upsample semantics through Resize 10) in nearest mode, the form
 * PyTorch's nn.Upsample(mode="nearest") and F.interpolate export: output index i reads input index
 * floor(i / scale) ("asymmetric" coordinates, "floor" rounding). Other modes and coordinate
 * transformations are refused at load.
 */
final class Resize {
    private Resize() {
    }

    static Kernel build(NodeSpec n) {
        String mode = n.s("mode", "nearest");
        String coord = n.opset >= 11 ? n.s("coordinate_transformation_mode", "half_pixel") : "asymmetric";
        String rounding = n.opset >= 11 ? n.s("nearest_mode", "round_prefer_floor") : "floor";
        if (n.opset >= 11) {
            n.f("cubic_coeff_a", -0.75f);
            n.i("exclude_outside", 0);
            n.f("extrapolation_value", 0);
        }
        if (n.opset >= 18) {
            n.s("keep_aspect_ratio_policy", "stretch");
            if (n.hasAttr("axes")) {
                throw new NodeError("Resize axes are not supported");
            }
            if (n.i("antialias", 0) != 0) {
                throw new NodeError("Resize antialias is not supported");
            }
        }
        if (!mode.equals("nearest") || !coord.equals("asymmetric") || !rounding.equals("floor")) {
            throw new NodeError("Resize mode '" + mode + "' with coordinate_transformation_mode '" + coord + "' and nearest_mode '" + rounding
                    + "' is not supported (only nearest, asymmetric, floor)");
        }
        int scalesAt = n.opset >= 11 ? 2 : 1;
        return (Kernel.Single) in -> {
            Tensor x = in[0];
            int r = x.dim();
            double[] scale = new double[r];
            int[] size = new int[r];
            Tensor sizes = n.opset >= 11 && in.length > 3 ? in[3] : null;
            Tensor scales = in.length > scalesAt ? in[scalesAt] : null;
            if (sizes != null && sizes.numel() > 0) {
                long[] s = Ops.longs(sizes);
                check(s.length, r);
                for (int d = 0; d < r; d++) {
                    size[d] = (int) s[d];
                    scale[d] = (double) s[d] / x.size(d);
                }
            } else if (scales != null && scales.numel() > 0) {
                float[] s = scales.to(panface.tensor.DType.F32).contiguous().toFloatArray();
                check(s.length, r);
                for (int d = 0; d < r; d++) {
                    scale[d] = s[d];
                    size[d] = (int) Math.floor(x.size(d) * (double) s[d]);
                }
            } else {
                throw new NodeError("Resize needs scales or sizes");
            }
            for (int d = 0; d < r; d++) {
                if (size[d] == x.size(d)) {
                    continue;
                }
                long[] idx = new long[size[d]];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = Math.min(x.size(d) - 1, (long) Math.floor(i / scale[d]));
                }
                x = F.indexSelect(x, d, Tensor.of(idx).to(x.device()));
            }
            return x;
        };
    }

    private static void check(int given, int rank) {
        if (given != rank) {
            throw new NodeError("Resize has " + given + " scales or sizes for a tensor of rank " + rank);
        }
    }
}
