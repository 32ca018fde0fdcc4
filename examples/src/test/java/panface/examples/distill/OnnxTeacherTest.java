package panface.examples.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nn.models.IResNet;
import panface.nn.onnx.OnnxExport;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/** A teacher given as an ONNX file embeds as the backbone it was exported from. */
class OnnxTeacherTest {
    @Test
    void onnxTeacherEmbedsAsItsBackbone(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open()) {
            IResNet net = new IResNet(new int[] {1, 1, 1, 1}, new int[] {8, 8, 16, 16}, 32, 16, 0.0, 3);
            net.eval();
            Path file = dir.resolve("teacher.onnx");
            OnnxExport.write(net, file);
            FrozenTeacher teacher = FrozenTeacher.load("unused", file, 16);
            Tensor x = Tensor.randn(new Generator(4), 2, 3, 32, 32);
            double[] want;
            try (var off = GradMode.noGrad()) {
                want = net.forward(x).toDoubleArray();
            }
            // the importer folds BatchNorm into the convolutions: equal within float32 rounding
            assertArrayEquals(want, teacher.apply(x).toDoubleArray(), 1e-4);
        }
    }
}
