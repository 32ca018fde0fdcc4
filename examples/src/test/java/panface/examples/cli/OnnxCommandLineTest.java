package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.InputFormat;
import panface.nn.models.IResNet;
import panface.nn.onnx.OnnxExport;
import panface.tensor.Scope;

/** embed and compare on an ONNX model: no --arch, and the input format options reach the embedder. */
class OnnxCommandLineTest {
    private ConsoleCapture console;
    @TempDir
    Path dir;

    @BeforeEach
    void capture() {
        console = ConsoleCapture.start();
    }

    @AfterEach
    void restore() {
        console.close();
    }

    private int run(String... a) {
        console.reset();
        return Main.run(a);
    }

    @Test
    void embedTakesTheInputFormatOfAnOnnxModel() throws Exception {
        Path onnx = dir.resolve("mbf.onnx");
        try (Scope s = Scope.open()) {
            OnnxExport.write(new IResNet(new int[] {1, 1, 1, 1}, new int[] {8, 8, 16, 16}, 32, 16, 0, 5).eval(), onnx);
        }
        Path img = dir.resolve("face.png");
        BufferedImage bi = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                bi.setRGB(x, y, (x * 2) << 16 | (y * 2) << 8 | ((x + y) & 0xff));
            }
        }
        ImageIO.write(bi, "png", img.toFile());

        assertEquals(0, run("embed", "--model", onnx.toString(), img.toString()), console.err());
        float[] plain = parse(console.out());
        assertEquals(0, run("embed", "--model", onnx.toString(), "--bgr", "--mean", "10", "--std", "50", img.toString()), console.err());
        float[] custom = parse(console.out());
        try (FaceEmbedder e = FaceEmbedder.loadOnnx(onnx, new InputFormat(32, true, 10f, 50f), false, 1);
                FaceEmbedder d = FaceEmbedder.loadOnnx(onnx, null, false, 1)) {
            assertClose(e.embed(img), custom);
            assertClose(d.embed(img), plain);
        }
        // The two formats give different inputs, so different embeddings: the options were not ignored.
        assertTrue(FaceEmbedder.cosine(plain, custom) < 0.9999, "the format options changed nothing");

        assertEquals(0, run("compare", "--model", onnx.toString(), img.toString(), img.toString()), console.err());
        assertTrue(console.out().contains("same"), console.out());
    }

    @Test
    void formatOptionsAreRefusedForOurWeightFiles() {
        assertEquals(2, run("embed", "--model", "w.safetensors", "--arch", "mbf", "--bgr", "a.png"));
        assertTrue(console.err().contains("describe an ONNX model's input"), console.err());
        assertEquals(2, run("embed", "--model", "w.safetensors", "a.png"));
        assertTrue(console.err().contains("--arch is required for a weight file"), console.err());
    }

    private static float[] parse(String out) {
        String line = out.strip().split("\n")[0];
        String[] parts = line.split("\t")[1].split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }

    private static void assertClose(float[] expected, float[] printed) {
        assertEquals(expected.length, printed.length);
        for (int i = 0; i < expected.length; i++) {
            // printed with six decimals
            assertEquals(expected[i], printed[i], 1e-6, "component " + i);
        }
    }
}
