package panface.tensor.cuda;

import static panface.tensor.cuda.KernelViews.viewOf;

import static panface.tensor.cuda.CudaParityTest.compare;
import static panface.tensor.cuda.CudaParityTest.needsGpu;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.backend.Backend;
import panface.tensor.random.Generator;

/**
 * The kernels a face-recognition training step runs, called directly on the backends, GPU
 * against the CPU in float64 on the same (dtype-rounded) inputs, one kernel at a time: AdamW,
 * the margin-softmax cross-entropy (ArcFace, CosFace, combined, exact and straight-through
 * gradients, hard fallback, rows without a target), the Partial FC chain (sampled centres,
 * normalisation, cosine product, margin loss, gradients back to the centres), and fused attention
 * at head sizes 32, 64, 96 and 128 with 100 to 300 keys (several 32-key tiles in the backward),
 * including the float64 variants whose shared memory passes 48 KiB. Relative L2 error per output,
 * with {@link CudaParityTest#tolerance}. Skipped without a CUDA device; the same checks run on
 * the CPU against itself in float32 so that the cases themselves are exercised everywhere.
 */
class TrainingKernelsParityTest {
    private static final Device GPU = Device.cuda(0);

    static Stream<Arguments> floatTypes() {
        return Stream.of(DType.F32, DType.BF16, DType.F16).map(Arguments::of);
    }

    /** Inputs rounded through the dtype under test, as float64 on the CPU. */
    private static Tensor input(Generator g, DType t, int... shape) {
        return Tensor.randn(g, shape).to(t).to(DType.F64);
    }

    private static Tensor on(Tensor x64, Device d, DType t) {
        return x64.to(t).to(d);
    }

    // ---- AdamW ------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatTypes")
    void adamwMatchesTheCpu(DType t) {
        needsGpu();
        adamw(GPU, t);
    }

    @Test
    void adamwCaseOnTheCpu() {
        adamw(Device.CPU, DType.F32);
    }

    static void adamw(Device device, DType t) {
        try (Scope scope = Scope.open()) {
            Generator g = new Generator(11);
            int n = 4099;
            Tensor p = input(g, t, n);
            Tensor grad = input(g, t, n);
            Tensor m = input(g, t, n).mul(0.1);
            Tensor v = input(g, t, n).abs().mul(0.01).to(t).to(DType.F64);
            Tensor[] cpu = {p.add(0), grad, m.add(0), v.add(0)};
            Tensor[] dev = {on(p, device, t), on(grad, device, t), on(m, device, t), on(v, device, t)};
            for (long step = 1; step <= 3; step++) {
                Backends.of(Device.CPU).adamw((cpu[0]).asView(), (cpu[1]).asView(), (cpu[2]).asView(), (cpu[3]).asView(), 1e-3, 0.9, 0.999, 1e-8, 0.05, step);
                Backends.of(device).adamw((dev[0]).asView(), (dev[1]).asView(), (dev[2]).asView(), (dev[3]).asView(), 1e-3, 0.9, 0.999, 1e-8, 0.05, step);
            }
            compare("adamw parameter", cpu[0], dev[0], t);
            compare("adamw first moment", cpu[2], dev[2], t);
            compare("adamw second moment", cpu[3], dev[3], t);
        }
    }

    // ---- margin-softmax cross-entropy ------------------------------------------------------------

    /** s, m1, m2, m3, exact gradient, hard fallback. */
    record MarginCase(String name, double s, double m1, double m2, double m3, boolean exact, boolean hard) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<MarginCase> margins() {
        return List.of(new MarginCase("ArcFace", 64, 1, 0.5, 0, false, false), new MarginCase("ArcFace exact, hard fallback", 64, 1, 0.5, 0, true, true),
                new MarginCase("CosFace", 64, 1, 0, 0.35, false, false), new MarginCase("combined", 32, 1, 0.3, 0.2, true, false),
                new MarginCase("SphereFace-like m1", 30, 1.35, 0, 0, true, true));
    }

    static Stream<Arguments> marginsAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (MarginCase c : margins()) {
            for (DType t : new DType[] {DType.F32, DType.BF16, DType.F16}) {
                out.add(Arguments.of(c, t));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("marginsAndTypes")
    void marginCrossEntropyMatchesTheCpu(MarginCase c, DType t) {
        needsGpu();
        marginCrossEntropy(c, GPU, t);
    }

    static void marginCrossEntropy(MarginCase c, Device device, DType t) {
        try (Scope scope = Scope.open()) {
            int rows = 9;
            int k = 1537;
            // cosines in (-1.05, 1.05): some outside [-1, 1] exercise the clamp and the zero gradient
            Tensor cos = F.tanh(Tensor.randn(new Generator(c.name().hashCode()), rows, k)).mul(1.05).to(t).to(DType.F64);
            long[] y = new long[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = i == 4 ? -1 : (i * 7919L + 3) % k;   // row 4 has no target in this shard
            }
            Tensor labels = Tensor.of(y, rows);
            Tensor loss64 = Tensor.zeros(DType.F64, rows);
            Tensor grad64 = Tensor.zeros(DType.F64, rows, k);
            MarginReference.marginCrossEntropy(cos, labels, c.s(), c.m1(), c.m2(), c.m3(), c.exact(), c.hard(), 1.0 / rows, loss64,
                    grad64);
            Tensor lossD = Tensor.zeros(device, t, rows);
            Tensor gradD = Tensor.zeros(device, t, rows, k);
            MarginReference.marginCrossEntropy(on(cos, device, t), labels.to(device), c.s(), c.m1(), c.m2(), c.m3(), c.exact(), c.hard(),
                    1.0 / rows, lossD, gradD);
            compare(c.name() + " loss", loss64, lossD, t);
            compare(c.name() + " gradient", grad64, gradD, t);
        }
    }

    // ---- Partial FC --------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatTypes")
    void partialFcChainMatchesTheCpu(DType t) {
        needsGpu();
        partialFc(GPU, t);
    }

    @Test
    void partialFcCaseOnTheCpu() {
        partialFc(Device.CPU, DType.F32);
    }

    /**
     * The kernels of PartialFC.loss: centres gathered by sorted sampled indices, both sides
     * l2-normalised, cosines by a matrix product, the margin loss with labels remapped into the
     * sample, and its gradient pushed back to embeddings and to the full weight (index_add).
     */
    static void partialFc(Device device, DType t) {
        try (Scope scope = Scope.open()) {
            Generator g = new Generator(23);
            int classes = 700;
            int dim = 96;
            int batch = 12;
            long[] sampled = new long[250];
            for (int i = 0; i < sampled.length; i++) {
                sampled[i] = i * 2L + (i % 3 == 0 ? 1 : 0);   // sorted, distinct, below 700
            }
            long[] labelsInSample = new long[batch];
            for (int i = 0; i < batch; i++) {
                labelsInSample[i] = (i * 37L) % sampled.length;
            }
            Tensor w = input(g, t, classes, dim);
            Tensor emb = input(g, t, batch, dim);
            Tensor[] want = partialFcLoss(w, emb, sampled, labelsInSample, Device.CPU, DType.F64);
            Tensor[] got = partialFcLoss(w, emb, sampled, labelsInSample, device, t);
            String[] names = {"partial fc loss", "partial fc gradient of the embeddings", "partial fc gradient of the weight"};
            for (int i = 0; i < 3; i++) {
                compare(names[i], want[i], got[i], t);
            }
        }
    }

    private static Tensor[] partialFcLoss(Tensor w64, Tensor emb64, long[] sampled, long[] labels, Device device, DType t) {
        Tensor w = on(w64, device, t).detach().requiresGrad(true);
        Tensor emb = on(emb64, device, t).detach().requiresGrad(true);
        Tensor idx = Tensor.of(sampled, sampled.length).to(device);
        Tensor centres = F.l2Normalize(F.indexSelect(w, 0, idx), 1, 1e-12);
        Tensor cos = F.linear(F.l2Normalize(emb, 1, 1e-12), centres, null);
        Backend be = Backends.of(device);
        Tensor loss = Tensor.zeros(device, t, labels.length);
        Tensor grad = Tensor.zeros(device, t, cos.shape());
        // s = 16, not 64: the chain rounds the cosines in the 16-bit types before the loss scales them
        MarginReference.marginCrossEntropy(cos.detach().contiguous(), Tensor.of(labels, labels.length).to(device), 16, 1, 0.5, 0, false, false,
                1.0 / labels.length, loss, grad);
        cos.backward(grad);
        return new Tensor[] {loss, emb.grad(), w.grad()};
    }

    // ---- attention ---------------------------------------------------------------------------------

    /** Head size, query length, key length. */
    static Stream<Arguments> attentionShapes() {
        List<Arguments> out = new ArrayList<>();
        int[][] shapes = {{32, 40, 100}, {64, 100, 173}, {65, 37, 129}, {96, 70, 300}, {100, 33, 211}, {128, 130, 257}};
        for (int[] s : shapes) {
            for (DType t : new DType[] {DType.F32, DType.BF16}) {
                out.add(Arguments.of(s[0], s[1], s[2], t));
            }
        }
        // the float64 variants: dynamic shared memory above the 48 KiB default from dl = 24 up
        out.add(Arguments.of(96, 35, 140, DType.F64));
        out.add(Arguments.of(128, 35, 140, DType.F64));
        return out.stream();
    }

    @ParameterizedTest(name = "D={0} T={1} S={2} {3}")
    @MethodSource("attentionShapes")
    void attentionMatchesTheCpu(int d, int tq, int s, DType t) {
        needsGpu();
        attention(d, tq, s, GPU, t);
    }

    static Stream<Arguments> attentionShapesInFloat32() {
        return attentionShapes().filter(a -> a.get()[3] == DType.F32);
    }

    @ParameterizedTest(name = "D={0} T={1} S={2}")
    @MethodSource("attentionShapesInFloat32")
    void attentionCaseOnTheCpu(int d, int tq, int s, DType t) {
        attention(d, tq, s, Device.CPU, DType.F32);
    }

    static void attention(int d, int tq, int s, Device device, DType t) {
        try (Scope scope = Scope.open()) {
            Generator g = new Generator(d * 1000 + s);
            int b = 2;
            int h = 2;
            Tensor q = input(g, t, b, h, tq, d);
            Tensor k = input(g, t, b, h, s, d);
            Tensor v = input(g, t, b, h, s, d);
            Tensor gy = input(g, t, b, h, tq, d);
            double scale = 1 / Math.sqrt(d);
            Tensor[] want = attentionRun(q, k, v, gy, scale, Device.CPU, DType.F64);
            Tensor[] got = attentionRun(q, k, v, gy, scale, device, t);
            String[] names = {"output", "log-sum-exp", "gradient of q", "gradient of k", "gradient of v"};
            for (int i = 0; i < names.length; i++) {
                compare("attention D=" + d + " T=" + tq + " S=" + s + " " + names[i], want[i], got[i], t);
            }
        }
    }

    private static Tensor[] attentionRun(Tensor q64, Tensor k64, Tensor v64, Tensor gy64, double scale, Device device, DType t) {
        Backend be = Backends.of(device);
        Tensor q = on(q64, device, t);
        Tensor k = on(k64, device, t);
        Tensor v = on(v64, device, t);
        Tensor gy = on(gy64, device, t);
        int[] qs = q.shape();
        Tensor out = Tensor.empty(device, t, qs);
        Tensor lse = Tensor.empty(device, CudaFused.statType(t), qs[0], qs[1], qs[2]);
        be.attention(viewOf(q), viewOf(k), viewOf(v), scale, viewOf(out), viewOf(lse));
        Tensor gq = Tensor.empty(device, t, qs);
        Tensor gk = Tensor.empty(device, t, k.shape());
        Tensor gv = Tensor.empty(device, t, v.shape());
        be.attentionBackward(viewOf(q), viewOf(k), viewOf(v), viewOf(out), viewOf(lse), viewOf(gy), scale, viewOf(gq), viewOf(gk), viewOf(gv));
        return new Tensor[] {out, lse, gq, gk, gv};
    }
}
