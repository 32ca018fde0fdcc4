package panface.bench;

import java.util.Locale;

import panface.faceloss.CombinedMarginHead;
import panface.faceloss.Margin;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * The ArcFace margin softmax forward + backward at B=128, E=512, C=100,000 (float32): normalise,
 * cosine GEMM, the fused margin cross-entropy (gradient written over the logits), and the two
 * GEMMs and normalisation backward of the gradients. Checks the loss against a float64 evaluation
 * first, then reports time and the peak tensor memory of one step. JSON lines.
 */
public final class MarginComparison {
    private MarginComparison() {
    }

    public static void main(String[] args) {
        int b = 128;
        int e = 512;
        int c = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Generator g = new Generator(1);
        try (Scope s = Scope.open()) {
            Tensor w = Tensor.randn(g, c, e).mul(0.01).detach().requiresGrad(true);
            Tensor x = Tensor.randn(g, b, e).detach().requiresGrad(true);
            long[] y = new long[b];
            for (int i = 0; i < b; i++) {
                y[i] = g.nextInt(c);
            }
            Tensor labels = Tensor.of(y, b);
            Margin m = Margin.arcFace(64, 0.5);
            double want = CombinedMarginHead.loss(x.detach().to(panface.tensor.DType.F64), labels, w.detach().to(panface.tensor.DType.F64), m).item();
            double got = CombinedMarginHead.loss(x.detach(), labels, w.detach(), m).item();
            if (!(Math.abs(got - want) <= 1e-4 * Math.abs(want))) {
                throw new IllegalStateException("float32 loss " + got + " differs from float64 " + want);
            }
            Runnable step = () -> {
                try (Scope inner = Scope.open()) {
                    CombinedMarginHead.loss(x, labels, w, m).backward();
                    x.zeroGrad();
                    w.zeroGrad();
                }
            };
            step.run();
            long base = MemoryStats.liveBytes(Device.CPU);
            MemoryStats.resetPeak(Device.CPU);
            step.run();
            long peak = MemoryStats.peakBytes(Device.CPU) - base;
            double sec = Timing.bestSeconds(step, 2, 8);
            Report.line("margin_softmax_fwd_bwd_c" + c, sec, String.format(Locale.ROOT, "\"peak_step_mib\":%.1f", peak / 1048576.0));
        }
    }
}
