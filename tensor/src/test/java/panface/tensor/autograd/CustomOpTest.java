package panface.tensor.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import panface.tensor.Tensor;

/** A user-defined op through {@link CustomOp}: recorded like a built-in op, checked by gradcheck. */
class CustomOpTest {
    /** y = s * log(1 + exp(x)) with a one-element scale s; wrongFactor scales the x gradient (1 is right). */
    private static CustomOp scaledSoftplus(double wrongFactor) {
        return new CustomOp("scaledSoftplus") {
            @Override
            protected Tensor forward(Context ctx, Tensor... in) {
                Tensor sp = in[0].exp().add(1.0).log();
                ctx.save(sp);
                return sp.mul(in[1]);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                Tensor x = ctx.input(0);
                Tensor s = ctx.input(1);
                Tensor gx = ctx.needsGrad(0) ? g.mul(x.sigmoid()).mul(s).mul(wrongFactor) : null;
                Tensor gs = ctx.needsGrad(1) ? g.mul(ctx.saved(0)).sum().reshape(s.shape()) : null;
                return new Tensor[] {gx, gs};
            }
        };
    }

    private static final double[] X = {-3.0, -0.7, 0.0, 0.4, 1.3, 2.9};
    private static final double S = 1.7;

    @Test
    void gradCheckPassesInFloat64() {
        Tensor x = Tensor.of(X, 2, 3).requiresGrad(true);
        Tensor s = Tensor.of(new double[] {S}, 1).requiresGrad(true);
        scaledSoftplus(1.0).gradCheck(x, s);
    }

    @Test
    void gradCheckCatchesAWrongBackward() {
        Tensor x = Tensor.of(X, 2, 3).requiresGrad(true);
        Tensor s = Tensor.of(new double[] {S}, 1).requiresGrad(true);
        // one percent off the true derivative: far beyond the check's tolerance (about 1e-6 relative)
        AssertionError e = assertThrows(AssertionError.class, () -> scaledSoftplus(1.01).gradCheck(x, s));
        assertTrue(e.getMessage().contains("scaledSoftplus"), e.getMessage());
    }

    @Test
    void recordsIntoTheGraphBesideBuiltInOps() {
        Tensor x = Tensor.of(X, 2, 3).requiresGrad(true);
        Tensor s = Tensor.of(new double[] {S}, 1);
        Tensor y = scaledSoftplus(1.0).apply(x.mul(2.0), s);
        assertEquals("scaledSoftplus", y.gradFn().name());
        y.sum().backward();
        double[] gx = x.grad().toDoubleArray();
        double[] yv = y.toDoubleArray();
        for (int i = 0; i < X.length; i++) {
            // independent float64 formulas: softplus(2x) and d/dx s softplus(2x) = 2 s sigmoid(2x);
            // tolerance 1e-12: one exp, log and division each in double
            double z = 2 * X[i];
            assertEquals(S * Math.log1p(Math.exp(z)), yv[i], 1e-12);
            assertEquals(2 * S / (1 + Math.exp(-z)), gx[i], 1e-12);
        }
        assertNull(s.grad(), "s does not require a gradient");
    }

    @Test
    void withoutGradientsNothingIsRecorded() {
        Tensor y = scaledSoftplus(1.0).apply(Tensor.of(X, 6), Tensor.of(new double[] {S}, 1));
        assertNull(y.gradFn());
        try (var off = GradMode.noGrad()) {
            Tensor z = scaledSoftplus(1.0).apply(Tensor.of(X, 6).requiresGrad(true), Tensor.of(new double[] {S}, 1));
            assertNull(z.gradFn());
        }
    }

    @Test
    void aGradientOfTheWrongShapeIsReported() {
        CustomOp bad = new CustomOp("bad") {
            @Override
            protected Tensor forward(Context ctx, Tensor... in) {
                return in[0].mul(2.0);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {g.sum()};
            }
        };
        Tensor x = Tensor.of(X, 6).requiresGrad(true);
        Tensor y = bad.apply(x);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.sum().backward());
        assertTrue(e.getMessage().contains("bad: gradient 0 has shape"), e.getMessage());
    }
}
