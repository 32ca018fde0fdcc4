package panface.tensor.cpu.elementwise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import panface.tensor.backend.UnaryOp;
import panface.tensor.math.VecMath;

/**
 * VecUnary's loops are hidden-class copies of one template, one per op: each must run its own op's
 * vector form (the class data of its copy), over the vector body and the masked tail, from an
 * offset, and nothing else.
 */
class VecUnaryTest {
    @Test
    void everyVectorOpHasItsOwnCopyOfTheLoops() {
        for (UnaryOp op : UnaryOp.values()) {
            if (VecUnary.supports(op)) {
                VecUnary.Loops l = VecUnary.of(op);
                assertSame(l, VecUnary.of(op), op + ": one copy per op");
                assertTrue(l.getClass().isHidden(), op + ": a hidden class");
                assertNotSame(l.getClass(), VecUnary.of(op == UnaryOp.NEG ? UnaryOp.EXP : UnaryOp.NEG).getClass(), op + ": a class of its own");
            } else {
                assertThrows(IllegalArgumentException.class, () -> VecUnary.of(op), op + " has no vector form");
            }
        }
    }

    @Test
    void theLoopsComputeTheOpsVectorForm() {
        // The loops must give exactly what the op's vector form gives lane by lane, including the
        // masked tail (an odd length) and a non-zero offset.
        int n = 2 * VecMath.S.length() + 3;
        float[] x = new float[n + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.37f * (i - n / 2) + 0.01f;
        }
        for (UnaryOp op : UnaryOp.values()) {
            if (!VecUnary.supports(op)) {
                continue;
            }
            float a = op == UnaryOp.CLAMP ? -0.5f : 0.7f;
            float b = op == UnaryOp.CLAMP ? 0.8f : 0.3f;
            float[] in = x.clone();
            if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT || op == UnaryOp.POW) {
                for (int i = 0; i < in.length; i++) {
                    in[i] = Math.abs(in[i]) + 0.1f;
                }
            }
            if (op == UnaryOp.ACOS) {
                for (int i = 0; i < in.length; i++) {
                    in[i] = (float) Math.sin(in[i]) * 0.9f;
                }
            }
            float[] y = new float[in.length];
            VecUnary.of(op).forward(in, 1, y, 1, 0, n, a, b);
            float[] g = new float[in.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5f + 0.25f * (i % 5);
            }
            float[] gx = new float[in.length];
            VecUnary.of(op).gradient(in, 1, y, 1, g, 1, gx, 1, 0, n, a, b);
            int lanes = VecMath.S.length();
            for (int i = 0; i < n; i += lanes) {
                var m = VecMath.S.indexInRange(i, n);
                var xv = FloatVector.fromArray(VecMath.S, in, 1 + i, m);
                var yv = op.vector(xv, a, b);
                var dv = op.vectorGradient(FloatVector.fromArray(VecMath.S, g, 1 + i, m), xv, yv, a, b);
                for (int l = 0; l < lanes && i + l < n; l++) {
                    assertEquals(yv.lane(l), y[1 + i + l], 0f, op + " at " + (i + l));
                    assertEquals(dv.lane(l), gx[1 + i + l], 0f, op + "' at " + (i + l));
                }
            }
            assertTrue(y[0] == 0f && gx[0] == 0f, op + " wrote before its offset");
        }
    }
}
