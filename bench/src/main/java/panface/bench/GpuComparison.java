package panface.bench;

import java.util.Locale;

import panface.nativebindings.cublas.CublasHandle;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.Backend;
import panface.tensor.backend.Distribution;
import panface.tensor.cuda.CudaBackend;
import panface.tensor.random.Generator;

/**
 * The CUDA speed goals, each checked for correctness on a sample first: bf16, TF32 and fp32 GEMM
 * at 8192^3; fused attention forward+backward at (B=128, H=8, T=144, D=64) in bf16; layerNorm,
 * softmax and gelu on (16384, 1024) in bf16 and fp32 with the device-to-device copy of the same
 * bytes as the bandwidth yardstick. Each time is the best of 5 batches of back-to-back calls
 * between two synchronisations, divided by the batch size (the PyTorch side, gpu_torch.py, does
 * the same). Prints JSON lines for compare-gpu.sh. Usage: GpuComparison [device ordinal]
 */
public final class GpuComparison {
    private static final int BATCHES = 5;

    private GpuComparison() {
    }

    public static void main(String[] args) {
        Device gpu = Device.cuda(args.length > 0 ? Integer.parseInt(args[0]) : 0);
        if (!Backends.isAvailable(gpu)) {
            System.err.println("no usable CUDA device: " + Backends.unavailableReason(gpu));
            System.exit(2);
        }
        CudaBackend be = (CudaBackend) Backends.of(gpu);
        Generator g = new Generator(11);
        gemm(be, gpu, g, DType.BF16, CublasHandle.Float32Mode.FP32, "matmul_bf16_8192");
        gemm(be, gpu, g, DType.F32, CublasHandle.Float32Mode.TF32, "matmul_tf32_8192");
        gemm(be, gpu, g, DType.F32, CublasHandle.Float32Mode.FP32, "matmul_f32_8192");
        be.setFloat32MatmulMode(CublasHandle.Float32Mode.FP32);
        attention(be, gpu, g);
        for (DType t : new DType[] {DType.BF16, DType.F32}) {
            rowOps(be, gpu, g, t);
        }
    }

    /** Seconds per call: the best of BATCHES batches of reps calls, each batch between two synchronisations. */
    static double time(Backend be, Runnable body, int reps) {
        body.run();
        be.synchronize();
        double best = Double.POSITIVE_INFINITY;
        for (int b = 0; b < BATCHES; b++) {
            long s = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                body.run();
            }
            be.synchronize();
            best = Math.min(best, (System.nanoTime() - s) * 1e-9 / reps);
        }
        return best;
    }

    private static Tensor randn(Generator g, Device d, DType t, int... shape) {
        return Tensor.random(g, Distribution.NORMAL, 0, 1, d, t, shape);
    }

    private static void gemm(CudaBackend be, Device gpu, Generator g, DType t, CublasHandle.Float32Mode mode, String name) {
        int n = 8192;
        be.setFloat32MatmulMode(mode);
        try (Scope s = Scope.open()) {
            Tensor a = randn(g, gpu, t, n, n);
            Tensor b = randn(g, gpu, t, n, n);
            Tensor c = Tensor.empty(gpu, t, n, n);
            be.matmul(a.asView(), b.asView(), c.asView(), 1, 0);
            // 16 sampled entries against float64 dot products of the same (rounded) inputs
            double tol = t == DType.BF16 ? 0.05 * Math.sqrt(n) : mode == CublasHandle.Float32Mode.TF32 ? 0.01 * Math.sqrt(n) : 1e-3 * Math.sqrt(n);
            Generator pick = new Generator(3);
            for (int k = 0; k < 16; k++) {
                int i = pick.nextInt(n);
                int j = pick.nextInt(n);
                double[] row = a.narrow(0, i, 1).to(Device.CPU).toDoubleArray();
                double[] col = b.narrow(1, j, 1).to(Device.CPU).toDoubleArray();
                double want = 0;
                for (int p = 0; p < n; p++) {
                    want += row[p] * col[p];
                }
                double got = c.narrow(0, i, 1).narrow(1, j, 1).to(Device.CPU).toDoubleArray()[0];
                if (Math.abs(got - want) > tol) {
                    throw new IllegalStateException(name + " wrong at (" + i + ", " + j + "): " + got + " vs " + want);
                }
            }
            double sec = time(be, () -> be.matmul(a.asView(), b.asView(), c.asView(), 1, 0), 10);
            Report.line(name, sec, String.format(Locale.ROOT, "\"tflops\":%.1f", 2.0 * n * n * n / sec / 1e12));
        }
    }

    private static void attention(CudaBackend be, Device gpu, Generator g) {
        int bb = 128;
        int h = 8;
        int t = 144;
        int d = 64;
        double scale = 1 / Math.sqrt(d);
        try (Scope s = Scope.open()) {
            Tensor q = randn(g, gpu, DType.BF16, bb, h, t, d);
            Tensor k = randn(g, gpu, DType.BF16, bb, h, t, d);
            Tensor v = randn(g, gpu, DType.BF16, bb, h, t, d);
            Tensor gy = randn(g, gpu, DType.BF16, bb, h, t, d);
            Tensor out = Tensor.empty(gpu, DType.BF16, bb, h, t, d);
            Tensor lse = Tensor.empty(gpu, DType.F32, bb, h, t);
            Tensor gq = Tensor.empty(gpu, DType.BF16, bb, h, t, d);
            Tensor gk = Tensor.empty(gpu, DType.BF16, bb, h, t, d);
            Tensor gv = Tensor.empty(gpu, DType.BF16, bb, h, t, d);
            be.attention(q.asView(), k.asView(), v.asView(), scale, out.asView(), lse.asView());
            // the first sample against float64 attention on the CPU
            Tensor q0 = q.narrow(0, 0, 1).to(Device.CPU).to(DType.F64);
            Tensor want = F.scaledDotProductAttention(q0, k.narrow(0, 0, 1).to(Device.CPU).to(DType.F64),
                    v.narrow(0, 0, 1).to(Device.CPU).to(DType.F64), scale);
            double err = out.narrow(0, 0, 1).to(Device.CPU).to(DType.F64).sub(want).abs().max().item();
            if (!(err < 0.03)) {
                throw new IllegalStateException("attention forward differs from float64 by " + err);
            }
            double fwd = time(be, () -> be.attention(q.asView(), k.asView(), v.asView(), scale, out.asView(), lse.asView()), 20);
            double both = time(be, () -> {
                be.attention(q.asView(), k.asView(), v.asView(), scale, out.asView(), lse.asView());
                be.attentionBackward(q.asView(), k.asView(), v.asView(), out.asView(), lse.asView(), gy.asView(), scale, gq.asView(), gk.asView(), gv.asView());
            }, 20);
            double flops = 4.0 * bb * h * t * t * d;
            Report.line("attention_fwd_bf16", fwd, String.format(Locale.ROOT, "\"tflops\":%.1f", flops / fwd / 1e12));
            Report.line("attention_fwd_bwd_bf16", both, String.format(Locale.ROOT, "\"tflops\":%.1f", 3.5 * flops / both / 1e12));
        }
    }

    private static void rowOps(CudaBackend be, Device gpu, Generator g, DType t) {
        int rows = 16384;
        int cols = 1024;
        String sx = t == DType.BF16 ? "bf16" : "f32";
        try (Scope s = Scope.open()) {
            Tensor x = randn(g, gpu, t, rows, cols);
            Tensor w = randn(g, gpu, t, cols);
            Tensor b = randn(g, gpu, t, cols);
            Tensor y = Tensor.empty(gpu, t, rows, cols);
            Tensor mean = Tensor.empty(gpu, DType.F32, rows);
            Tensor rstd = Tensor.empty(gpu, DType.F32, rows);
            long bytes = 2L * rows * cols * t.byteSize();
            double copy = time(be, () -> be.copy(x.asView(), y.asView()), 50);
            Report.line("copy_d2d_" + sx, copy, gbps(bytes, copy));
            check("layer_norm_" + sx, () -> be.layerNorm(x.asView(), w.asView(), b.asView(), 1e-6, y.asView(), mean.asView(), rstd.asView()), y,
                    () -> F.layerNorm(head(x), head(w), head(b), 1e-6), t);
            double ln = time(be, () -> be.layerNorm(x.asView(), w.asView(), b.asView(), 1e-6, y.asView(), mean.asView(), rstd.asView()), 50);
            Report.line("layer_norm_" + sx, ln, gbps(bytes, ln) + String.format(Locale.ROOT, ",\"of_copy\":%.2f", copy / ln));
            check("softmax_" + sx, () -> be.softmax(x.asView(), y.asView(), false), y, () -> F.softmax(head(x), 1), t);
            double sm = time(be, () -> be.softmax(x.asView(), y.asView(), false), 50);
            Report.line("softmax_" + sx, sm, gbps(bytes, sm) + String.format(Locale.ROOT, ",\"of_copy\":%.2f", copy / sm));
            check("gelu_" + sx, () -> be.unary(panface.tensor.backend.UnaryOp.GELU, x.asView(), y.asView(), 0, 0), y, () -> F.gelu(head(x)), t);
            double ge = time(be, () -> be.unary(panface.tensor.backend.UnaryOp.GELU, x.asView(), y.asView(), 0, 0), 50);
            Report.line("gelu_" + sx, ge, gbps(bytes, ge) + String.format(Locale.ROOT, ",\"of_copy\":%.2f", copy / ge));
        }
    }

    /** The first 64 rows (or the whole vector) on the CPU in float64. */
    private static Tensor head(Tensor x) {
        Tensor h = x.dim() == 2 ? x.narrow(0, 0, 64) : x;
        return h.to(Device.CPU).to(DType.F64);
    }

    private static void check(String name, Runnable op, Tensor y, java.util.function.Supplier<Tensor> want, DType t) {
        op.run();
        Tensor w = want.get();
        double err = y.narrow(0, 0, 64).to(Device.CPU).to(DType.F64).sub(w).abs().max().item();
        double tol = (t == DType.BF16 ? 1e-2 : 1e-5) * Math.max(1, w.abs().max().item());
        if (!(err <= tol)) {
            throw new IllegalStateException(name + " differs from float64 by " + err + " (allowed " + tol + ")");
        }
    }

    private static String gbps(long bytes, double sec) {
        return String.format(Locale.ROOT, "\"gbps\":%.0f", bytes / sec / 1e9);
    }
}
