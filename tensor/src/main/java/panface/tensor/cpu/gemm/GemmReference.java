package panface.tensor.cpu.gemm;

import panface.tensor.View;
import panface.tensor.cpu.runtime.CpuStorage;
import panface.tensor.cpu.runtime.Ref;
import panface.tensor.cpu.runtime.RefCalls;
import panface.tensor.cpu.runtime.Strided;

/**
 * The reference of the GEMM family: out = alpha a b + beta out over the last two dimensions, for
 * every batch index of out, summed in double straight from the operands' strides (a broadcast batch
 * dimension has stride 0); {@code Gemm} (OpenBLAS, or {@code JavaGemm}) and {@code PackedGemm} are
 * tested against it.
 */
public final class GemmReference {
    private GemmReference() {
    }

    public static void matmul(View a, View b, View out, double alpha, double beta) {
        RefCalls.hit("matmul");
        int r = out.dim();
        int m = out.size(-2);
        int n = out.size(-1);
        int k = a.size(-1);
        int[] batch = java.util.Arrays.copyOf(out.shape(), r - 2);
        int[] aOff = Strided.offsets(batch, java.util.Arrays.copyOf(a.strides(), r - 2), a.offset());
        int[] bOff = Strided.offsets(batch, java.util.Arrays.copyOf(b.strides(), r - 2), b.offset());
        int[] oOff = Strided.offsets(batch, java.util.Arrays.copyOf(out.strides(), r - 2), out.offset());
        CpuStorage as = Ref.storage(a);
        CpuStorage bs = Ref.storage(b);
        CpuStorage os = Ref.storage(out);
        int am = a.stride(-2);
        int ak = a.stride(-1);
        int bk = b.stride(-2);
        int bn = b.stride(-1);
        int om = out.stride(-2);
        int on = out.stride(-1);
        for (int t = 0; t < aOff.length; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += as.getDouble(aOff[t] + i * am + p * ak) * bs.getDouble(bOff[t] + p * bk + j * bn);
                    }
                    int o = oOff[t] + i * om + j * on;
                    double prev = beta == 0 ? 0 : beta * os.getDouble(o);
                    os.setDouble(o, alpha * s + prev);
                }
            }
        }
    }
}
