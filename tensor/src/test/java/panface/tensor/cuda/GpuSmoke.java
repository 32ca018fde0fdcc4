package panface.tensor.cuda;

import static panface.tensor.cuda.KernelViews.viewOf;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;

import panface.nativebindings.NativeLibraries;
import panface.nativebindings.cublaslt.CublasLtHandle;
import panface.nativebindings.cuda.Cuda;
import panface.nativebindings.nccl.NcclCommunicator;
import panface.nativebindings.nvrtc.NvrtcCompiler;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The first step of a GPU run (scripts/gpu/run.sh), in a JVM of its own: each native library
 * loaded (and from where), NVRTC's version, every kernel module compiled in parallel into the
 * kernel cache, one GEMM per dtype, cuBLASLt with a bias epilogue (and in TF32 mode), a one-rank
 * NCCL all-reduce, and AdamW, margin cross-entropy and attention against the CPU. One line per
 * check, {@code SMOKE ok|FAIL|SKIP name: detail}; what needs a missing GPU or library is
 * skipped with the reason. Exit status 1 when a check failed.
 */
public final class GpuSmoke {
    private static final PrintStream OUT = System.out;
    private static int failures;
    private static boolean gpu;

    private GpuSmoke() {
    }

    public static void main(String[] args) {
        for (NativeLibraries.Spec spec : new NativeLibraries.Spec[] {NativeLibraries.CUDA, NativeLibraries.NVRTC, NativeLibraries.CUBLASLT,
                NativeLibraries.CUBLAS, NativeLibraries.NCCL}) {
            check("library " + spec.name(), false, () -> NativeLibraries.load(spec).toString());
        }
        check("nvrtc version", false, () -> {
            int[] v = NvrtcCompiler.version();
            return v[0] + "." + v[1];
        });
        Device dev = Device.cuda(0);
        gpu = Backends.isAvailable(dev);
        if (!gpu) {
            OUT.println("SMOKE SKIP device: " + firstLine(Backends.unavailableReason(dev)));
        } else {
            OUT.println("SMOKE ok   device: " + ((CudaBackend) Backends.of(dev)).describe());
        }
        check("kernels compiled in parallel", true, () -> {
            long t0 = System.nanoTime();
            Map<String, RuntimeException> failed = ((CudaBackend) Backends.of(dev)).cudaDevice().kernels().loadAll();
            if (!failed.isEmpty()) {
                StringBuilder b = new StringBuilder();
                failed.forEach((f, e) -> b.append(f).append(": ").append(firstLine(e.getMessage())).append("; "));
                throw new IllegalStateException(b.toString());
            }
            return CudaKernels.SOURCES.size() + " modules in " + (System.nanoTime() - t0) / 1_000_000 + " ms";
        });
        for (DType t : new DType[] {DType.F32, DType.F64, DType.BF16, DType.F16}) {
            check("gemm " + t, true, () -> {
                try (Scope scope = Scope.open()) {
                    Generator g = new Generator(1);
                    Tensor a = Tensor.randn(g, 67, 129).to(t).to(DType.F64);
                    Tensor b = Tensor.randn(g, 129, 33).to(t).to(DType.F64);
                    CudaParityTest.compare("gemm", F.matmul(a, b), F.matmul(a.to(t).to(dev), b.to(t).to(dev)), t);
                    return "67x129 @ 129x33";
                }
            });
        }
        check("cublasLt with bias", true, () -> cublasLt(dev, false));
        check("cublasLt with bias, TF32", true, () -> cublasLt(dev, true));
        check("nccl one-rank all-reduce", true, () -> ncclAllReduce(dev));
        check("adamw", true, () -> {
            TrainingKernelsParityTest.adamw(dev, DType.F32);
            return "3 steps, F32";
        });
        check("margin cross-entropy", true, () -> {
            TrainingKernelsParityTest.marginCrossEntropy(TrainingKernelsParityTest.margins().get(1), dev, DType.F32);
            return "ArcFace exact, F32";
        });
        check("attention", true, () -> {
            TrainingKernelsParityTest.attention(96, 70, 300, dev, DType.F32);
            TrainingKernelsParityTest.attention(128, 35, 140, dev, DType.F64);
            return "D=96 S=300 F32, D=128 F64";
        });
        OUT.println("SMOKE " + (failures == 0 ? "passed" : failures + " failed"));
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void check(String name, boolean needsGpu, Callable<String> body) {
        if (needsGpu && !gpu) {
            OUT.println("SMOKE SKIP " + name + ": no CUDA device");
            return;
        }
        long t0 = System.nanoTime();
        try {
            String detail = body.call();
            OUT.printf("SMOKE ok   %s: %s (%d ms)%n", name, detail, (System.nanoTime() - t0) / 1_000_000);
        } catch (Throwable e) {
            if (!needsGpu) {
                // a missing library is reported, not failed: the checks that need it say so
                OUT.println("SMOKE SKIP " + name + ": " + firstLine(e.getMessage()));
                return;
            }
            failures++;
            OUT.println("SMOKE FAIL " + name + ": " + e);
            e.printStackTrace(OUT);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** D = A B + bias (column-major, 3x4 times 4x2) through cuBLASLt, against the same sum on the CPU. */
    private static String cublasLt(Device dev, boolean tf32) {
        CudaDevice cd = ((CudaBackend) Backends.of(dev)).cudaDevice();
        cd.makeCurrent();
        int m = 3;
        int n = 2;
        int k = 4;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] bias = {0.5f, -1f, 2f};
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 5) - 2 + 0.25f;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i % 3) - 1 + 0.5f;
        }
        try (Scope scope = Scope.open()) {
            Tensor ta = Tensor.of(a, a.length).to(dev);
            Tensor tb = Tensor.of(b, b.length).to(dev);
            Tensor tc = Tensor.zeros(dev, DType.F32, m * n);
            Tensor tbias = Tensor.of(bias, m).to(dev);
            long ws = Cuda.memAlloc(4 << 20);
            try (CublasLtHandle h = CublasLtHandle.create(cd.stream(), ws, 4 << 20)) {
                // R_32F = 0 (cudaDataType)
                CublasLtHandle.Problem p = new CublasLtHandle.Problem(false, false, m, n, k, 0, m, 0, 0, k, 0, 0, m, 0, 1, tf32, true);
                h.matmul(p, 1.0, CudaBackend.start(viewOf(ta)), CudaBackend.start(viewOf(tb)), 0.0, CudaBackend.start(viewOf(tc)), CudaBackend.start(viewOf(tbias)));
                Cuda.streamSynchronize(cd.stream());
            } finally {
                Cuda.memFree(ws);
            }
            double[] got = tc.to(Device.CPU).toDoubleArray();
            // the values are exact in TF32's 10-bit mantissa, so both modes must agree to float32 rounding
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double want = bias[i];
                    for (int l = 0; l < k; l++) {
                        want += (double) a[l * m + i] * b[j * k + l];
                    }
                    if (Math.abs(got[j * m + i] - want) > 1e-5 * (1 + Math.abs(want))) {
                        throw new AssertionError("D[" + i + "," + j + "] = " + got[j * m + i] + ", want " + want);
                    }
                }
            }
            return "3x4 @ 4x2 + bias, version " + CublasLtHandle.version();
        }
    }

    private static String ncclAllReduce(Device dev) {
        CudaDevice cd = ((CudaBackend) Backends.of(dev)).cudaDevice();
        cd.makeCurrent();
        try (Scope scope = Scope.open(); NcclCommunicator c = NcclCommunicator.initRank(NcclCommunicator.uniqueId(), 1, 0)) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 4).to(dev);
            Tensor y = Tensor.zeros(dev, DType.F32, 4);
            c.allReduce(CudaBackend.start(viewOf(x)), CudaBackend.start(viewOf(y)), 4, NcclCommunicator.DataType.FLOAT32, NcclCommunicator.ReduceOp.SUM,
                    cd.stream());
            Cuda.streamSynchronize(cd.stream());
            double[] got = y.to(Device.CPU).toDoubleArray();
            if (got[0] != 1 || got[3] != 4) {
                throw new AssertionError("all-reduce over one rank changed the values: " + java.util.Arrays.toString(got));
            }
            return "4 floats, NCCL " + NcclCommunicator.version();
        }
    }
}
