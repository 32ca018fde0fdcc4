package panface.nn.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.models.ViTConfig;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Our models written as ONNX and read back by the importer give the model's own embeddings, at two
 * batch sizes (the batch axis is dynamic). The importer is checked against PyTorch's exports in
 * OnnxPyTorchTest. Tolerance: 1e-4 relative, as there (the import folds BatchNorm into the
 * convolutions and sums in another order).
 */
class OnnxExportTest {
    @TempDir
    Path dir;

    /**
     * Random BatchNorm and LayerNorm statistics and affine parameters, so that each normalisation
     * matters, and linear weights 25 times their initial trunc_normal(0.02): with the initial ones the
     * attention logits are so small that the softmax is nearly uniform whatever the scale.
     */
    private static void randomiseNorms(Module m, long seed, double linearScale) {
        Generator g = new Generator(seed);
        Map<String, Tensor> state = new HashMap<>(m.stateDict());
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String k = e.getKey();
            int[] s = e.getValue().shape();
            if (k.endsWith("running_var") || (k.endsWith(".weight") && s.length == 1)) {
                e.setValue(Tensor.rand(g, s).add(0.5));
            } else if (k.endsWith("running_mean") || (k.endsWith(".bias") && s.length == 1)) {
                e.setValue(Tensor.randn(g, s).mul(0.1));
            } else if (k.endsWith(".weight") && s.length == 2) {
                e.setValue(e.getValue().mul(linearScale));
            }
        }
        m.loadStateDict(state, true);
    }

    private void roundTrip(Module model, int side, String name) throws Exception {
        roundTrip(model, side, name, 25);
    }

    private void roundTrip(Module model, int side, String name, double linearScale) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            randomiseNorms(model, 9, linearScale);
            model.eval();
            Path file = dir.resolve(name + ".onnx");
            OnnxExport.write(model, file);
            try (OnnxModel m = OnnxModel.load(file); InferencePlan plan = m.compileInference(Tensor.zeros(1, 3, side, side))) {
                assertEquals(OnnxExport.OPSET, m.opset());
                assertArrayEquals(new int[] {-1, 3, side, side}, m.inputShape());
                for (int batch : new int[] {3, 1}) {
                    Tensor x = Tensor.randn(new Generator(batch), batch, 3, side, side);
                    float[] want = ((Layer) model).forward(x).toFloatArray();
                    float[] got = plan.run(x).contiguous().toFloatArray();
                    double rel = OnnxPyTorchTest.maxRel(got, want);
                    assertTrue(rel <= 1e-4, name + " batch " + batch + ": max_rel " + rel);
                }
            }
        }
    }

    @Test
    void iresnet() throws Exception {
        roundTrip(new IResNet(new int[] {1, 2, 1, 1}, new int[] {8, 8, 16, 16}, 32, 16, 0, 4), 32, "r");
    }

    @Test
    void mobileFaceNet() throws Exception {
        // a grouped stem ConvBlock at layers.1, and (blocks[0] > 1) a residual stage there instead
        roundTrip(new MobileFaceNet(new MobileFaceNet.Config(16, new int[] {1, 1, 2, 1}, 8, 16, new int[] {8, 16, 16}, 4, 16, 32), 5), 32, "mbf");
        roundTrip(new MobileFaceNet(new MobileFaceNet.Config(16, new int[] {2, 1, 1, 2}, 8, 16, new int[] {8, 16, 16}, 8, 16, 32), 6), 32, "mbf2");
    }

    /**
     * A narrow Part fViT on 32-pixel images: bottlenecks with and without squeeze-excitation, ReLU and
     * h-swish, stride 2 and residuals; 20 landmarks of which the first 16 ((32 / 8)^2) are cut, so
     * the landmarks are sliced and only the first 17 positional embeddings used; 3 heads of 10 in a
     * 24-wide model.
     */
    @Test
    void partFViT() throws Exception {
        Generator gen = new Generator(3);
        int[][] table = {{3, 16, 16, 0, 0, 1}, {3, 32, 24, 0, 0, 2}, {5, 48, 24, 1, 1, 1}, {3, 48, 32, 1, 0, 2}};
        LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 20, 31, gen);
        PartFViT model = new PartFViT(new PartFViT.Config(20, 8, 24, 2, 3, 10, 40, 0.1, 0.1, 0.1, true), lcnn, gen);
        // its linears start at PyTorch's default scale, so they keep it: 25 times would put the
        // landmark head's min-max and the attention far into saturation
        roundTrip(model, 32, "part_fvit", 1);
    }

    @Test
    void vit() throws Exception {
        roundTrip(new FaceViT(new ViTConfig(36, 9, 16, 2, 2, 2.0, 8, 0, 0, false, 5)), 36, "vit");
    }
}
