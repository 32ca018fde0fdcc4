package panface.tensor.cuda;

import static panface.tensor.cuda.KernelViews.viewOf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static panface.tensor.cuda.CudaParityTest.compare;

import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.Backend;
import panface.tensor.random.Generator;

/**
 * The kernel sources executed on the CPU (HostKernels: compiled as host C++ with a shim for
 * thread indices, barriers, shuffles and atomics, one block at a time, each CUDA thread a fiber),
 * with the backend's launch shapes, against the CPU backend in float64: softmax and its
 * gradient, layer normalisation with all its gradients (two-stage weight and bias sums), the margin
 * cross-entropy, fused attention forward and backward at every lane width, and the reductions
 * (per warp and per block: sum, max, argmax; the two-stage column sum). In F32 (relative
 * L2 error within CudaParityTest's float32 tolerance) and F64 (within 1e-12). Skipped where no
 * host C++ compiler is installed.
 */
class KernelsOnTheHostTest {
    private static final Backend CPU = Backends.of(Device.CPU);

    @BeforeAll
    static void needsCompiler() {
        assumeTrue(HostKernels.compiler() != null, "no host C++ compiler (g++, clang++ or c++) on the PATH: kernels not executed on the CPU");
    }

    static Stream<Arguments> types() {
        return Stream.of(Arguments.of(DType.F32), Arguments.of(DType.F64));
    }

    private static String sfx(DType t) {
        return t == DType.F64 ? "f64" : "f32";
    }

    /** Random values rounded to the dtype under test, as float64. */
    private static double[] values(Generator g, DType t, int n) {
        return Tensor.randn(g, n).to(t).to(DType.F64).toDoubleArray();
    }

    private static Tensor t64(double[] v, int... shape) {
        return Tensor.of(v, shape);
    }

    static Stream<Arguments> softmaxCases() {
        return Stream.of(DType.F32, DType.F64).flatMap(t -> Stream.of(
                Arguments.of(t, 5, 1000, false), Arguments.of(t, 5, 1000, true), Arguments.of(t, 3, 37, false), Arguments.of(t, 2, 5000, true)));
    }

    @ParameterizedTest(name = "{0} {1}x{2} log={3}")
    @MethodSource("softmaxCases")
    void softmaxAndItsGradient(DType t, int rows, int cols, boolean log) throws Exception {
        boolean f = t == DType.F32;
        Generator g = new Generator(rows * cols);
        double[] x = values(g, t, rows * cols);
        double[] gy = values(g, t, rows * cols);
        Path dir = HostKernels.runDir();
        HostKernels.write(dir, "x", x, f);
        HostKernels.write(dir, "gy", gy, f);
        HostKernels.writeLongs(dir, "meta", rows, cols, CudaFused.rowThreads(cols), log ? 1 : 0);
        HostKernels.write(dir, "dmeta", new double[] {0}, false);
        HostKernels.run(HostKernels.driver("rows"), "softmax", sfx(t), dir.toString());
        try (Scope scope = Scope.open()) {
            Tensor y = Tensor.zeros(DType.F64, rows, cols);
            CPU.softmax(t64(x, rows, cols).asView(), viewOf(y), log);
            Tensor gx = Tensor.zeros(DType.F64, rows, cols);
            CPU.softmaxBackward(viewOf(y), t64(gy, rows, cols).asView(), viewOf(gx), log);
            compare("softmax", y, t64(HostKernels.read(dir, "y", f), rows, cols), t);
            compare("softmax gradient", gx, t64(HostKernels.read(dir, "gx", f), rows, cols), t);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void layerNormAndItsGradients(DType t) throws Exception {
        boolean f = t == DType.F32;
        int rows = 150;   // three chunks of the weight and bias gradient sums
        int cols = 384;
        Generator g = new Generator(5);
        double[] x = values(g, t, rows * cols);
        double[] w = values(g, t, cols);
        double[] b = values(g, t, cols);
        double[] gy = values(g, t, rows * cols);
        Path dir = HostKernels.runDir();
        for (String[] n : new String[][] {{"x"}, {"w"}, {"b"}, {"gy"}}) {
            HostKernels.write(dir, n[0], switch (n[0]) {
                case "x" -> x;
                case "w" -> w;
                case "b" -> b;
                default -> gy;
            }, f);
        }
        HostKernels.writeLongs(dir, "meta", rows, cols, CudaFused.rowThreads(cols), CudaBackend.rowsPerChunk(rows));
        HostKernels.write(dir, "dmeta", new double[] {1e-5}, false);
        HostKernels.run(HostKernels.driver("rows"), "layer_norm", sfx(t), dir.toString());
        try (Scope scope = Scope.open()) {
            Tensor y = Tensor.zeros(DType.F64, rows, cols);
            Tensor mean = Tensor.zeros(DType.F64, rows);
            Tensor rstd = Tensor.zeros(DType.F64, rows);
            CPU.layerNorm(t64(x, rows, cols).asView(), t64(w, cols).asView(), t64(b, cols).asView(), 1e-5, viewOf(y), viewOf(mean), viewOf(rstd));
            Tensor gx = Tensor.zeros(DType.F64, rows, cols);
            Tensor gw = Tensor.zeros(DType.F64, cols);
            Tensor gb = Tensor.zeros(DType.F64, cols);
            CPU.layerNormBackward(t64(x, rows, cols).asView(), t64(w, cols).asView(), viewOf(mean), viewOf(rstd), t64(gy, rows, cols).asView(), viewOf(gx), viewOf(gw), viewOf(gb));
            compare("layer norm", y, t64(HostKernels.read(dir, "y", f), rows, cols), t);
            compare("layer norm mean", mean, t64(HostKernels.read(dir, "mean", f), rows), t);
            compare("layer norm 1/std", rstd, t64(HostKernels.read(dir, "rstd", f), rows), t);
            compare("layer norm gradient of x", gx, t64(HostKernels.read(dir, "gx", f), rows, cols), t);
            compare("layer norm gradient of the weight", gw, t64(HostKernels.read(dir, "gw", f), cols), t);
            compare("layer norm gradient of the bias", gb, t64(HostKernels.read(dir, "gb", f), cols), t);
        }
    }

    static Stream<Arguments> marginCases() {
        return Stream.of(DType.F32, DType.F64).flatMap(t -> TrainingKernelsParityTest.margins().stream().map(c -> Arguments.of(t, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("marginCases")
    void marginCrossEntropy(DType t, TrainingKernelsParityTest.MarginCase c) throws Exception {
        boolean f = t == DType.F32;
        int rows = 6;
        int cols = 1100;
        double[] cos;
        try (Scope scope = Scope.open()) {
            cos = panface.tensor.F.tanh(Tensor.randn(new Generator(c.name().hashCode()), rows * cols)).mul(1.05).to(t).to(DType.F64)
                    .toDoubleArray();
        }
        long[] y = new long[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i == 2 ? -1 : (i * 7919L + 3) % cols;
        }
        Path dir = HostKernels.runDir();
        HostKernels.write(dir, "cos", cos, f);
        HostKernels.writeLongs(dir, "labels", y);
        HostKernels.writeLongs(dir, "meta", rows, cols, CudaFused.rowThreads(cols), c.exact() ? 1 : 0, c.hard() ? 1 : 0);
        HostKernels.write(dir, "dmeta", new double[] {c.s(), c.m1(), c.m2(), c.m3(), 1.0 / rows}, false);
        HostKernels.run(HostKernels.driver("rows"), "margin_ce", sfx(t), dir.toString());
        try (Scope scope = Scope.open()) {
            Tensor loss = Tensor.zeros(DType.F64, rows);
            Tensor grad = Tensor.zeros(DType.F64, rows, cols);
            MarginReference.marginCrossEntropy(t64(cos, rows, cols), Tensor.of(y, rows), c.s(), c.m1(), c.m2(), c.m3(), c.exact(), c.hard(), 1.0 / rows,
                    loss, grad);
            assertArrayEquals(new int[8], HostKernels.readInts(dir, "err"), "the kernel reported an error");
            compare(c.name() + " loss", loss, t64(HostKernels.read(dir, "loss", f), rows), t);
            compare(c.name() + " gradient", grad, t64(HostKernels.read(dir, "grad", f), rows, cols), t);
        }
    }

    static Stream<Arguments> attentionCases() {
        // head sizes for each lane width (8, 16, 24, 32), one not a multiple of 4; more than one 32-key tile
        int[][] shapes = {{32, 37, 70}, {61, 40, 100}, {96, 33, 129}, {128, 35, 67}};
        return Stream.of(DType.F32, DType.F64).flatMap(t -> Stream.of(shapes).map(s -> Arguments.of(t, s[0], s[1], s[2])));
    }

    @ParameterizedTest(name = "{0} D={1} T={2} S={3}")
    @MethodSource("attentionCases")
    void attentionForwardAndBackward(DType t, int d, int tq, int s) throws Exception {
        boolean f = t == DType.F32;
        int b = 2;
        int h = 2;
        Generator g = new Generator(d * 31 + s);
        double[] q = values(g, t, b * h * tq * d);
        double[] k = values(g, t, b * h * s * d);
        double[] v = values(g, t, b * h * s * d);
        double[] gy = values(g, t, b * h * tq * d);
        double scale = 1 / Math.sqrt(d);
        int dl = CudaFused.lanesWidth(d);
        DType st = CudaFused.statType(t);
        Path dir = HostKernels.runDir();
        HostKernels.write(dir, "q", q, f);
        HostKernels.write(dir, "k", k, f);
        HostKernels.write(dir, "v", v, f);
        HostKernels.write(dir, "gy", gy, f);
        HostKernels.writeLongs(dir, "meta", b, h, tq, s, d, dl, CudaFused.forwardSharedBytes(dl, st), CudaFused.dkdvSharedBytes(dl, st),
                CudaFused.dqSharedBytes(dl, st));
        HostKernels.write(dir, "dmeta", new double[] {scale}, false);
        HostKernels.run(HostKernels.driver("attention"), sfx(t), dir.toString());
        try (Scope scope = Scope.open()) {
            Tensor tq64 = t64(q, b, h, tq, d);
            Tensor tk64 = t64(k, b, h, s, d);
            Tensor tv64 = t64(v, b, h, s, d);
            Tensor out = Tensor.zeros(DType.F64, b, h, tq, d);
            Tensor lse = Tensor.zeros(DType.F64, b, h, tq);
            CPU.attention(viewOf(tq64), viewOf(tk64), viewOf(tv64), scale, viewOf(out), viewOf(lse));
            Tensor gq = Tensor.zeros(DType.F64, b, h, tq, d);
            Tensor gk = Tensor.zeros(DType.F64, b, h, s, d);
            Tensor gv = Tensor.zeros(DType.F64, b, h, s, d);
            CPU.attentionBackward(viewOf(tq64), viewOf(tk64), viewOf(tv64), viewOf(out), viewOf(lse), t64(gy, b, h, tq, d).asView(), scale, viewOf(gq), viewOf(gk), viewOf(gv));
            String w = "attention D=" + d + " S=" + s + " ";
            compare(w + "output", out, t64(HostKernels.read(dir, "out", f), b, h, tq, d), t);
            compare(w + "log-sum-exp", lse, t64(HostKernels.read(dir, "lse", f), b, h, tq), t);
            compare(w + "gradient of q", gq, t64(HostKernels.read(dir, "gq", f), b, h, tq, d), t);
            compare(w + "gradient of k", gk, t64(HostKernels.read(dir, "gk", f), b, h, s, d), t);
            compare(w + "gradient of v", gv, t64(HostKernels.read(dir, "gv", f), b, h, s, d), t);
        }
    }

    /** SUM, MAX, ARGMAX: the ordinals of ReduceOp that reduce.cu's enum mirrors. */
    static Stream<Arguments> reduceCases() {
        return Stream.of(DType.F32, DType.F64).flatMap(t -> Stream.of(
                // warp mode: 8 outputs a block, the last block part-empty; block mode: few long rows
                Arguments.of(t, 0, 13, 300, false), Arguments.of(t, 1, 13, 300, false), Arguments.of(t, 4, 13, 300, false),
                Arguments.of(t, 0, 3, 5000, true), Arguments.of(t, 1, 3, 5000, true), Arguments.of(t, 4, 3, 5000, true)));
    }

    @ParameterizedTest(name = "{0} op {1} {2}x{3} block={4}")
    @MethodSource("reduceCases")
    void reductions(DType t, int op, int nOut, int nRed, boolean wholeBlock) throws Exception {
        boolean f = t == DType.F32;
        double[] x = values(new Generator(nOut * nRed + op), t, nOut * nRed);
        Path dir = HostKernels.runDir();
        HostKernels.write(dir, "x", x, f);
        HostKernels.writeLongs(dir, "meta", nOut, nRed, op, wholeBlock ? 1 : 0, 2);
        HostKernels.run(HostKernels.driver("reduce"), sfx(t), dir.toString());
        double[] out = HostKernels.read(dir, "out", f);
        long[] arg = java.util.Arrays.stream(HostKernels.read(dir, "arg", false)).mapToLong(Double::doubleToRawLongBits).toArray();
        double[] wantRow = new double[nOut];
        long[] wantArg = new long[nOut];
        for (int i = 0; i < nOut; i++) {
            double acc = op == 0 ? 0 : Double.NEGATIVE_INFINITY;
            for (int j = 0; j < nRed; j++) {
                double v = x[i * nRed + j];
                if (op == 0) {
                    acc += v;
                } else if (v > acc) {
                    acc = v;
                    wantArg[i] = j;
                }
            }
            wantRow[i] = acc;
        }
        if (op == 4) {
            assertArrayEquals(wantArg, arg, "argmax");
        } else {
            compare(op == 0 ? "row sum" : "row max", t64(wantRow, nOut), t64(out, nOut), t);
        }
        double[] wantCols = new double[nRed];
        for (int i = 0; i < nOut; i++) {
            for (int j = 0; j < nRed; j++) {
                wantCols[j] += x[i * nRed + j];
            }
        }
        compare("column sum", t64(wantCols, nRed), t64(HostKernels.read(dir, "cols", f), nRed), t);
    }
}
