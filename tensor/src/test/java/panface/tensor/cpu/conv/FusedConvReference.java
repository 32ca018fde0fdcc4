package panface.tensor.cpu.conv;

import panface.tensor.ConvEpilogue;
import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * The fused convolution's meaning, in float64 from separate ops: the input affine (the
 * BatchNorm before the convolution), the convolution, the output affine, PReLU or ReLU, then the
 * residual; what the fused kernels' tests compare against.
 */
final class FusedConvReference {
    private FusedConvReference() {
    }

    /** The input with the epilogue's input affine applied, in float64 (the convolution's real input). */
    static Tensor input(Tensor x, ConvEpilogue e) {
        Tensor xi = x.to(DType.F64);
        if (e.inScale() != null) {
            int c = x.size(1);
            xi = xi.mul(e.inScale().to(DType.F64).reshape(1, c, 1, 1)).add(e.inShift().to(DType.F64).reshape(1, c, 1, 1));
        }
        return xi;
    }

    /** act(conv(input(x), w) * scale + shift) + residual, in float64. */
    static Tensor forward(Tensor x, Tensor w, int[] stride, int[] pad, int[] dil, int groups, ConvEpilogue e) {
        Tensor want = F.conv2d(input(x, e), w.to(DType.F64), null, stride, pad, dil, groups);
        int o = w.size(0);
        if (e.scale() != null) {
            want = want.mul(e.scale().to(DType.F64).reshape(1, o, 1, 1)).add(e.shift().to(DType.F64).reshape(1, o, 1, 1));
        }
        if (e.slope() != null) {
            want = F.prelu(want, e.slope().to(DType.F64));
        } else if (e.relu()) {
            want = want.relu();
        }
        if (e.residual() != null) {
            want = want.add(e.residual().to(DType.F64));
        }
        return want;
    }
}
