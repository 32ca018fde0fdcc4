package panface.bench;

import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * layerNorm, softmax and gelu on (32*144, 512) float32 through the public API (forward, and
 * forward+backward), after checking each against a float64 evaluation. JSON lines for
 * compare-rowops.sh.
 */
public final class RowOpsComparison {
    private RowOpsComparison() {
    }

    @FunctionalInterface
    interface Op {
        Tensor apply(Tensor x, Tensor w, Tensor b);
    }

    public static void main(String[] args) {
        int rows = 32 * 144;
        int cols = 512;
        Generator g = new Generator(5);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(g, rows, cols);
            Tensor w = Tensor.randn(g, cols);
            Tensor b = Tensor.randn(g, cols);
            run("layer_norm", (t, ww, bb) -> F.layerNorm(t, ww, bb, 1e-6), x, w, b);
            run("softmax", (t, ww, bb) -> F.softmax(t, -1), x, w, b);
            run("gelu", (t, ww, bb) -> F.gelu(t), x, w, b);
        }
    }

    private static void run(String name, Op op, Tensor x, Tensor w, Tensor b) {
        Tensor want = op.apply(x.to(panface.tensor.DType.F64), w.to(panface.tensor.DType.F64), b.to(panface.tensor.DType.F64));
        Tensor got = op.apply(x, w, b);
        double err = got.to(panface.tensor.DType.F64).sub(want).abs().max().item();
        if (!(err < 1e-4)) {
            throw new IllegalStateException(name + " disagrees with its float64 evaluation by " + err);
        }
        double fwd = Timing.bestSeconds(() -> {
            try (Scope inner = Scope.open()) {
                op.apply(x, w, b);
            }
        }, 200, 100);
        Report.line(name + "_fwd", fwd, "");
        Tensor xg = x.detach().requiresGrad(true);
        Tensor wg = w.detach().requiresGrad(true);
        Tensor bg = b.detach().requiresGrad(true);
        Tensor up = Tensor.randn(new Generator(9), x.shape());
        double fb = Timing.bestSeconds(() -> {
            try (Scope inner = Scope.open()) {
                op.apply(xg, wg, bg).backward(up);
                // as the PyTorch side (grad = None): the next backward writes fresh gradients
                xg.clearGrad();
                wg.clearGrad();
                bg.clearGrad();
            }
        }, 60, 60);
        Report.line(name + "_fwd_bwd", fb, "");
    }
}
