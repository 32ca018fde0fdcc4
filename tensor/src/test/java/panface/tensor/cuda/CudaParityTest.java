package panface.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Reduction;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/**
 * The CUDA backend against the CPU backend in float64: every case runs forward and backward on
 * fresh random inputs in F32, BF16 and F16 on the GPU and is compared by relative L2 error (per
 * output and per input gradient) with a tolerance for the dtype. Skipped, with the reason, on a
 * machine without a usable CUDA device.
 */
class CudaParityTest {
    private static final Device GPU = Device.cuda(0);

    static void needsGpu() {
        assumeTrue(Backends.isAvailable(GPU), () -> "no CUDA device: " + Backends.unavailableReason(GPU));
    }

    /** Relative L2 tolerance: float32 accumulation order, then storage rounding for the 16-bit types. */
    static double tolerance(DType t) {
        return switch (t) {
            case F32 -> 2e-5;
            case F16 -> 4e-3;
            case BF16 -> 2.5e-2;
            default -> 1e-12;
        };
    }

    record Case(String name, int[][] shapes, Function<List<Tensor>, Tensor> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    static int[] s(int... d) {
        return d;
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("unary mix", new int[][] {s(3, 257)},
                x -> F.gelu(x.get(0)).mul(F.silu(x.get(0))).add(F.tanh(x.get(0))).add(F.sigmoid(x.get(0)).mul(F.geluTanh(x.get(0))))));
        c.add(new Case("broadcast arithmetic", new int[][] {s(4, 1, 33), s(5, 33), s(1, 5, 1)},
                x -> x.get(0).add(x.get(1)).mul(x.get(2)).div(x.get(1).abs().add(1)).sub(x.get(0).maximum(x.get(1)))));
        c.add(new Case("reductions", new int[][] {s(6, 7, 300)},
                x -> x.get(0).sum(new int[] {0, 2}, false).add(x.get(0).mean(0, false).sum(1, false).mul(0.5))
                        .add(x.get(0).var(new int[] {0, 2}, 1, false))));
        c.add(new Case("column sum (bias gradients)", new int[][] {s(4096, 96)}, x -> x.get(0).sum(0, false)));
        c.add(new Case("long row sum", new int[][] {s(2, 100000)}, x -> x.get(0).sum(1, true)));
        c.add(new Case("max along a dim", new int[][] {s(9, 130)}, x -> x.get(0).max(1, false)));
        c.add(new Case("softmax and logSoftmax", new int[][] {s(8, 1000)},
                x -> F.softmax(x.get(0), 1).add(F.logSoftmax(x.get(0).mul(3), 1).mul(0.1))));
        c.add(new Case("layer norm", new int[][] {s(2, 77, 384), s(384), s(384)},
                x -> F.layerNorm(x.get(0), x.get(1), x.get(2), 1e-6)));
        // more rows than one chunk of the weight and bias gradient's two-stage sum
        c.add(new Case("layer norm backward over many rows", new int[][] {s(3001, 96), s(96), s(96)},
                x -> F.layerNorm(x.get(0), x.get(1), x.get(2), 1e-5)));
        c.add(new Case("batched matmul with broadcasting", new int[][] {s(2, 3, 17, 40), s(40, 9)}, x -> F.matmul(x.get(0), x.get(1))));
        c.add(new Case("linear on a transposed view", new int[][] {s(64, 48), s(31, 64), s(31)},
                x -> F.linear(x.get(0).transpose(0, 1), x.get(1), x.get(2))));
        c.add(new Case("linear with fused bias+gelu and bias+silu", new int[][] {s(3, 20, 48), s(96, 48), s(96)},
                x -> F.linearActivation(x.get(0), x.get(1), x.get(2), panface.tensor.backend.UnaryOp.GELU, 0)
                        .add(F.biasActivation(x.get(0).narrow(2, 0, 1).expand(3, 20, 96).contiguous(), x.get(2),
                                panface.tensor.backend.UnaryOp.SILU, 0))));
        c.add(new Case("attention with a value head size unlike the query's", new int[][] {s(2, 2, 9, 32), s(2, 2, 7, 32), s(2, 2, 7, 20)},
                x -> F.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), 0.2)));
        for (int d : new int[] {32, 64, 100, 128, 160}) {
            c.add(new Case("attention D=" + d, new int[][] {s(2, 3, 37, d), s(2, 3, 29, d), s(2, 3, 29, d)},
                    x -> F.scaledDotProductAttention(x.get(0), x.get(1), x.get(2), 1 / Math.sqrt(d))));
        }
        c.add(new Case("self-attention from qkv", new int[][] {s(2, 50, 3 * 4 * 32)}, x -> F.selfAttention(x.get(0), 4, 0.18)));
        c.add(new Case("conv2d stride, padding, dilation, groups", new int[][] {s(2, 4, 13, 11), s(6, 2, 3, 3), s(6)},
                x -> F.conv2d(x.get(0), x.get(1), x.get(2), s(2, 1), s(1, 2), s(1, 2), 2)));
        c.add(new Case("pools", new int[][] {s(2, 3, 15, 14)},
                x -> F.maxPool2d(x.get(0), s(3, 3), s(2, 2), s(1, 1), false).sum()
                        .add(F.avgPool2d(x.get(0), s(3, 2), s(2, 2), s(1, 0), true, false).sum())
                        .add(F.adaptiveAvgPool2d(x.get(0), 4, 5).mul(F.adaptiveAvgPool2d(x.get(0), 4, 5)).sum())));
        c.add(new Case("grid sample", new int[][] {s(2, 3, 9, 10), s(2, 5, 6, 2)},
                x -> F.gridSample(x.get(0), F.tanh(x.get(1)).mul(1.1), false).add(F.gridSample(x.get(0), F.tanh(x.get(1)), true))));
        c.add(new Case("cross-entropy with label smoothing", new int[][] {s(16, 700)},
                x -> F.crossEntropy(x.get(0), labels(16, 700), 0.1, Reduction.MEAN)));
        c.add(new Case("l2 normalise", new int[][] {s(33, 512)}, x -> F.l2Normalize(x.get(0), 1, 1e-12)));
        c.add(new Case("gather, indexSelect, scatterAdd", new int[][] {s(6, 40), s(6, 40)},
                x -> F.gather(x.get(0), 1, labels(6 * 7, 40).view(6, 7)).sum(1, false)
                        .add(F.indexSelect(x.get(0), 0, Tensor.of(new long[] {5, 0, 0, 3, 2, 1}, 6)).sum(1, false))
                        .add(F.scatterAdd(x.get(1), 1, labels(6 * 9, 40).view(6, 9), x.get(0).narrow(1, 0, 9)).sum(1, false))));
        c.add(new Case("where, clamp, pow", new int[][] {s(500), s(500)},
                x -> F.where(x.get(0).gt(x.get(1)), x.get(0).clamp(-0.5, 0.7), x.get(1).abs().add(0.1).pow(1.5))));
        return c;
    }

    private static Tensor labels(int n, int k) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i * 7919L + 13) % k;
        }
        return Tensor.of(v, n);
    }

    static Stream<Arguments> casesAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases()) {
            for (DType t : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                out.add(Arguments.of(c, t));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("casesAndTypes")
    void forwardAndBackwardMatchTheCpu(Case c, DType dtype) {
        needsGpu();
        check(c, dtype, GPU);
    }

    /** The cases themselves, checked on any machine: CPU float32 against CPU float64. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void casesHoldOnTheCpuInFloat32(Case c) {
        check(c, DType.F32, Device.CPU);
    }

    static void check(Case c, DType dtype, Device device) {
        try (Scope scope = Scope.open()) {
            Generator g = new Generator(c.name().hashCode());
            List<Tensor> cpu = new ArrayList<>();
            List<Tensor> gpu = new ArrayList<>();
            for (int[] shape : c.shapes()) {
                // round through the GPU dtype so both sides see the same inputs
                Tensor x = Tensor.randn(g, shape).to(dtype).to(DType.F64);
                cpu.add(x.detach().requiresGrad(true));
                gpu.add(x.to(dtype).to(device).detach().requiresGrad(true));
            }
            Tensor want = c.body().apply(cpu);
            Tensor got = c.body().apply(gpu);
            assertEquals(device, got.device(), "result left the device");
            assertArrayEquals(want.shape(), got.shape(), "shape");
            compare(c.name() + " forward", want, got, dtype);
            Tensor up = Tensor.randn(g, want.shape()).to(dtype).to(DType.F64);
            want.backward(up);
            got.backward(up.to(dtype).to(device));
            for (int i = 0; i < cpu.size(); i++) {
                assertTrue(gpu.get(i).grad() != null, c.name() + ": input " + i + " got no gradient");
                compare(c.name() + " gradient of input " + i, cpu.get(i).grad(), gpu.get(i).grad(), dtype);
            }
        }
    }

    static void compare(String what, Tensor want, Tensor got, DType dtype) {
        double[] w = want.to(Device.CPU).toDoubleArray();
        double[] h = got.to(Device.CPU).toDoubleArray();
        assertEquals(w.length, h.length, what + ": length");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < w.length; i++) {
            if (!Double.isFinite(h[i])) {
                fail(what + ": element " + i + " is " + h[i] + " (want " + w[i] + ")");
            }
            diff += (h[i] - w[i]) * (h[i] - w[i]);
            norm += w[i] * w[i];
        }
        double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
        assertTrue(rel <= tolerance(dtype), what + " in " + dtype + ": relative L2 error " + rel + " over " + tolerance(dtype));
    }

    @Test
    void randomFillsMatchTheCpu() {
        needsGpu();
        try (Scope scope = Scope.open()) {
            for (DType t : new DType[] {DType.F32, DType.F64, DType.BF16, DType.I64}) {
                for (Distribution d : new Distribution[] {Distribution.UNIFORM, Distribution.NORMAL, Distribution.BERNOULLI}) {
                    if (!t.isFloating() && d != Distribution.BERNOULLI) {
                        continue;
                    }
                    double a = d == Distribution.BERNOULLI ? 0.3 : -1;
                    Tensor cpu = Tensor.random(new Generator(5, 17), d, a, 2, Device.CPU, t, 3, 1001);
                    Tensor gpu = Tensor.random(new Generator(5, 17), d, a, 2, GPU, t, 3, 1001);
                    double[] want = cpu.toDoubleArray();
                    double[] got = gpu.to(Device.CPU).toDoubleArray();
                    if (d != Distribution.NORMAL) {
                        assertArrayEquals(want, got, t + " " + d);
                        continue;
                    }
                    for (int i = 0; i < want.length; i++) {
                        // Box-Muller uses the GPU's log, sin and cos (within 2 ulp of Java's, not equal):
                        // 4 ulp of the stored type at |a| + |b|*r, r <= 8.6 for 53-bit uniforms
                        double tol = 4 * ulp(t, 1 + 2 * 8.6);
                        if (!(Math.abs(got[i] - want[i]) <= tol)) {
                            fail(t + " NORMAL element " + i + ": GPU " + got[i] + ", CPU " + want[i]);
                        }
                    }
                }
            }
        }
    }

    private static double ulp(DType t, double x) {
        return switch (t) {
            case F64 -> Math.ulp(x);
            case F32 -> Math.ulp((float) x);
            case BF16 -> Math.ulp((float) x) * 65536;
            default -> 0;
        };
    }

    @Test
    void argmaxTopkAndSortAgreeWithTheCpu() {
        needsGpu();
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.randn(new Generator(3), 7, 513);
            Tensor gx = x.to(GPU);
            assertArrayEquals(x.argmax(1, false).toDoubleArray(), gx.argmax(1, false).to(Device.CPU).toDoubleArray());
            assertArrayEquals(F.argsort(x, 1, true).toDoubleArray(), F.argsort(gx, 1, true).to(Device.CPU).toDoubleArray());
        }
    }

    @Test
    void badIndicesAreReportedNotWrittenOutOfBounds() {
        needsGpu();
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.randn(new Generator(4), 5, 3).to(GPU);
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> F.indexSelect(x, 0, Tensor.of(new long[] {1, 5}, 2).to(GPU)));
            assertTrue(e.getMessage().contains("5"), e.getMessage());
            // the device still works afterwards
            assertEquals(15, x.mul(0).add(1).sum().item(), 0);
        }
    }

    @Test
    void integerDivisionByZeroIsAnError() {
        needsGpu();
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.of(new long[] {4, 9}, 2).to(GPU);
            Tensor b = Tensor.of(new long[] {2, 0}, 2).to(GPU);
            assertThrows(ArithmeticException.class, () -> a.div(b).to(Device.CPU));
        }
    }

    /**
     * The fused margin softmax in the confident regime (target cosine 0.6-0.95, s = 64, ArcFace,
     * 1,000 and 100,000 classes): float32 on the GPU against the float64 CPU reference on the
     * same cosines, per element within 2e-5 relative (the float32 log-sum-exp's own rounding;
     * see MarginDifferentialTest).
     */
    @Test
    void marginSoftmaxOfConfidentRowsMatchesFloat64() {
        needsGpu();
        try (Scope scope = Scope.open()) {
            for (int k : new int[] {1000, 100_000}) {
                int rows = 5;
                java.util.SplittableRandom r = new java.util.SplittableRandom(k);
                float[] c = new float[rows * k];
                long[] y = new long[rows];
                double[] targets = {0.6, 0.7, 0.8, 0.9, 0.95};
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < k; j++) {
                        c[i * k + j] = (float) Math.max(-1, Math.min(1, 0.1 * r.nextGaussian()));
                    }
                    y[i] = (i * 7919L) % k;
                    c[i * k + (int) y[i]] = (float) targets[i];
                }
                Tensor c32 = Tensor.of(c, rows, k);
                Tensor labels = Tensor.of(y, rows);
                Tensor loss64 = Tensor.zeros(DType.F64, rows);
                Tensor grad64 = Tensor.zeros(DType.F64, rows, k);
                MarginReference.marginCrossEntropy(c32.to(DType.F64), labels, 64, 1, 0.5, 0, false, false, 1.0 / rows, loss64, grad64);
                Tensor loss32 = Tensor.zeros(GPU, DType.F32, rows);
                Tensor grad32 = Tensor.zeros(GPU, DType.F32, rows, k);
                MarginReference.marginCrossEntropy(c32.to(GPU), labels.to(GPU), 64, 1, 0.5, 0, false, false, 1.0 / rows, loss32, grad32);
                double[][] want = {loss64.toDoubleArray(), grad64.toDoubleArray()};
                double[][] got = {loss32.to(Device.CPU).toDoubleArray(), grad32.to(Device.CPU).toDoubleArray()};
                for (int t = 0; t < 2; t++) {
                    for (int i = 0; i < want[t].length; i++) {
                        if (!(Math.abs(got[t][i] - want[t][i]) <= 2e-5 * Math.abs(want[t][i]) + 1e-37)) {
                            fail((t == 0 ? "loss" : "gradient") + " element " + i + " of " + k + " classes: GPU " + got[t][i] + ", float64 " + want[t][i]);
                        }
                    }
                }
            }
        }
    }
}
