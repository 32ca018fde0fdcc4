package panface.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import panface.tensor.backend.UnaryOp;

/** VecUnary is generated from VecMath's switch arms; the committed file must be what the generator writes. */
class VecUnaryGeneratedTest {
    @Test
    void committedFileIsTheGeneratorsOutput() throws IOException {
        String expected = VecUnaryGenerator.generate(Files.readString(VecUnaryGenerator.VEC_MATH));
        String actual = Files.readString(VecUnaryGenerator.VEC_UNARY);
        assertEquals(expected, actual, "VecUnary.java differs from what VecMath's apply/derivative arms generate: edit VecMath, then run "
                + "tensor/scripts/generate-vec-unary.sh and commit the result");
    }

    @Test
    void everyVectorOpHasBothLoops() {
        for (UnaryOp op : UnaryOp.values()) {
            if (VecMath.supports(op)) {
                assertNotNull(VecUnary.loop(op), op + " forward loop");
                assertNotNull(VecUnary.gradLoop(op), op + " derivative loop");
            }
        }
    }

    @Test
    void generatedLoopsComputeTheSwitchForm() {
        // The loops must give exactly what the readable switch gives lane by lane, including the
        // masked tail (an odd length) and a non-zero offset.
        int n = 2 * VecMath.S.length() + 3;
        float[] x = new float[n + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.37f * (i - n / 2) + 0.01f;
        }
        for (UnaryOp op : UnaryOp.values()) {
            if (!VecMath.supports(op)) {
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
            VecUnary.loop(op).run(in, 1, y, 1, 0, n, a, b);
            float[] g = new float[in.length];
            for (int i = 0; i < g.length; i++) {
                g[i] = 0.5f + 0.25f * (i % 5);
            }
            float[] gx = new float[in.length];
            VecUnary.gradLoop(op).run(in, 1, y, 1, g, 1, gx, 1, 0, n, a, b);
            int lanes = VecMath.S.length();
            for (int i = 0; i + lanes <= n; i += lanes) {
                var xv = jdk.incubator.vector.FloatVector.fromArray(VecMath.S, in, 1 + i);
                var yv = VecMath.apply(op, xv, a, b);
                var gv = jdk.incubator.vector.FloatVector.fromArray(VecMath.S, g, 1 + i);
                var dv = VecMath.gradient(op, gv, xv, yv, a, b);
                for (int l = 0; l < lanes; l++) {
                    assertEquals(yv.lane(l), y[1 + i + l], 0f, op + " at " + (i + l));
                    assertEquals(dv.lane(l), gx[1 + i + l], 0f, op + "' at " + (i + l));
                }
            }
            assertTrue(y[0] == 0f && gx[0] == 0f, op + " wrote before its offset");
        }
    }
}
