package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.examples.ConsoleCapture;
import panface.examples.Main;
import panface.nn.Layer;
import panface.nn.eval.RocCurve;
import panface.nn.eval.TenFoldVerification;
import panface.nn.eval.VerificationResult;
import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.FaceImages;
import panface.nn.models.MobileFaceNet;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.io.Safetensors;

/**
 * {@code panface eval} end to end with a small random MobileFaceNet: on a generated pack and a
 * pair list, the JSON of the last line agrees with the same numbers computed another way (the
 * embedder of panface.nn.infer, which normalises, and the model's own forward for the norms).
 */
class EvalCommandTest {
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

    private String lastLine() {
        String[] lines = console.out().strip().split("\n");
        return lines[lines.length - 1];
    }

    private static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(-?[0-9.Ee+-]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    /** A face-like image per identity: smooth colour waves; variant v of an identity shifts the waves by 4v and 2v pixels. */
    private static BufferedImage face(int identity, int variant) {
        Random r = new Random(identity);
        double fx = 0.02 + 0.1 * r.nextDouble();
        double fy = 0.02 + 0.1 * r.nextDouble();
        int c = r.nextInt(0xFFFFFF);
        BufferedImage img = new BufferedImage(112, 112, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 112; y++) {
            for (int x = 0; x < 112; x++) {
                int v = (int) (127 + 120 * Math.sin((x + 4 * variant) * fx) * Math.cos((y - 2 * variant) * fy));
                img.setRGB(x, y, (v << 16 | (255 - v) << 8 | v / 2) ^ (c & 0x3F3F3F));
            }
        }
        return img;
    }

    /** pickle.dumps((images, same), protocol=3) as Python 3 writes it for bytes: BINBYTES, APPENDS, NEWTRUE/NEWFALSE, TUPLE2. */
    static byte[] pack(List<byte[]> images, boolean[] same) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0x80);
        o.write(3);
        o.write(']');
        o.write('(');
        for (byte[] im : images) {
            o.write('B');
            for (int k = 0; k < 4; k++) {
                o.write(im.length >>> (8 * k));
            }
            o.writeBytes(im);
        }
        o.write('e');
        o.write(']');
        o.write('(');
        for (boolean s : same) {
            o.write(s ? 0x88 : 0x89);
        }
        o.write('e');
        o.write(0x86);
        o.write('.');
        return o.toByteArray();
    }

    @Test
    void packAndPairListGiveTheDocumentedJson() throws Exception {
        Path w = dir.resolve("mbf.safetensors");
        try (Scope s = Scope.open()) {
            Safetensors.save(w, MobileFaceNet.standard(128, 3).stateDict(), Map.of("arch", "mbf"));
        }
        // 10 pairs (one per fold): odd pairs two identities; even pairs one identity, pairs 0, 4, 8 the same image twice
        // and pairs 2, 6 shifted, so that the folds disagree (the reference below gives accuracy 0.8 +- 0.4).
        List<BufferedImage> faces = new ArrayList<>();
        boolean[] same = new boolean[10];
        for (int p = 0; p < 10; p++) {
            same[p] = p % 2 == 0;
            faces.add(face(p, 0));
            faces.add(same[p] ? face(p, p % 4 == 0 ? 0 : 5) : face(100 + p, 0));
        }
        List<byte[]> encoded = new ArrayList<>();
        for (BufferedImage f : faces) {
            encoded.add(ToyFaces.png(f));
        }
        Path bin = Files.write(dir.resolve("toy.bin"), pack(encoded, same));

        // Pair list: the pack's first 8 images (pairs 0..3), all 28 pairs among them: 2 same, 26 different
        // (FAR 1e-1 allows 2 false accepts, 1e-2 none).
        Path root = Files.createDirectory(dir.resolve("faces"));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Files.write(root.resolve("f" + i + ".png"), encoded.get(i));
        }
        double[] sim = new double[28];
        boolean[] pairSame = new boolean[28];
        int[][] pairIndex = new int[28][];
        int k = 0;
        for (int i = 0; i < 8; i++) {
            for (int j = i + 1; j < 8; j++, k++) {
                pairSame[k] = i / 2 == j / 2 && same[i / 2];
                pairIndex[k] = new int[] {i, j};
                lines.add("f" + i + ".png\tf" + j + ".png " + (pairSame[k] ? 1 : 0));
            }
        }
        Path pairs = Files.write(dir.resolve("pairs.txt"), lines);
        Path png = dir.resolve("out/roc.png");

        assertEquals(0, run("eval", "--model", w.toString(), "--arch", "mbf", "--features", "128", "--batch", "7", "--bin", bin.toString(),
                "--pairs", pairs.toString(), "--root", root.toString(), "--roc", png.toString()), console.err());
        String json = lastLine();
        assertTrue(json.startsWith("{\"packs\":[{\"name\":\"toy\",\"pairs\":10,"), json);
        assertTrue(json.contains("\"tar_at_far\":{\"1e-1\":") && json.contains("\"unresolved_far\":[\"1e-6\",\"1e-5\",\"1e-4\",\"1e-3\",\"1e-2\"]"),
                json);
        assertTrue(json.contains("\"positives\":2,\"negatives\":26"), json);
        assertTrue(json.contains("\"roc_png\":\"" + png + "\""), json);
        assertEquals(720, ImageIO.read(png.toFile()).getWidth());

        // The same numbers from the model's own forward over all images at once, the flip sum and norms written out here.
        float[][][] views = forward(w, faces);
        double norms = 0;
        float[][] summed = new float[20][128];
        for (int i = 0; i < 20; i++) {
            double n0 = 0;
            double n1 = 0;
            for (int d = 0; d < 128; d++) {
                summed[i][d] = views[0][i][d] + views[1][i][d];
                n0 += (double) views[0][i][d] * views[0][i][d];
                n1 += (double) views[1][i][d] * views[1][i][d];
            }
            norms += Math.sqrt(n0) + Math.sqrt(n1);
        }
        float[][] a = new float[10][];
        float[][] b = new float[10][];
        for (int p = 0; p < 10; p++) {
            a[p] = summed[2 * p];
            b[p] = summed[2 * p + 1];
        }
        VerificationResult expected = TenFoldVerification.evaluate("toy", a, b, same);
        // Tolerance: another batching changes the float32 forward by rounding only; accuracies and grid thresholds do not move.
        assertEquals(expected.accuracyMean(), number(json, "accuracy_mean"), 1e-12);
        assertEquals(expected.accuracyStd(), number(json, "accuracy_std"), 1e-12);
        assertEquals(expected.bestThreshold(), number(json, "best_threshold"), 1e-12);
        // Tolerance: float32 forward in other batches, relative.
        assertEquals(norms / 40, number(json, "norm_mean"), 1e-4 * norms / 40);
        for (k = 0; k < 28; k++) {
            sim[k] = FaceEmbedder.cosine(summed[pairIndex[k][0]], summed[pairIndex[k][1]]);
        }
        RocCurve roc = RocCurve.of(sim, pairSame);
        // Tolerance: cosines from differently batched float32 forwards; ranks, hence rates, are unchanged.
        assertEquals(roc.auc(), number(json, "auc"), 1e-9);
        assertEquals(roc.tarAtFar(0.1), number(json, "1e-1"), 1e-9);
    }

    /** The model's outputs for all images (views[0]) and their mirrors (views[1]), each in one batch. */
    private static float[][][] forward(Path w, List<BufferedImage> faces) throws Exception {
        try (Scope s = Scope.open(); var g = GradMode.noGrad()) {
            MobileFaceNet m = MobileFaceNet.standard(128, 3);
            m.loadStateDict(Safetensors.load(w), true);
            m.eval();
            int per = 3 * 112 * 112;
            float[] x = new float[faces.size() * per];
            for (int i = 0; i < faces.size(); i++) {
                System.arraycopy(FaceImages.toInput(faces.get(i), 112), 0, x, i * per, per);
            }
            Tensor t = Tensor.of(x, faces.size(), 3, 112, 112);
            float[][][] out = new float[2][faces.size()][];
            float[][] flat = {((Layer) m).forward(t).toFloatArray(), ((Layer) m).forward(F.flip(t, 3)).toFloatArray()};
            int d = flat[0].length / faces.size();
            for (int v = 0; v < 2; v++) {
                for (int i = 0; i < faces.size(); i++) {
                    out[v][i] = java.util.Arrays.copyOfRange(flat[v], i * d, (i + 1) * d);
                }
            }
            return out;
        }
    }

    @Test
    void wrongInputsAreRefusedWithTheReason() throws Exception {
        assertEquals(2, run("eval", "--model", "m.pt", "--arch", "mbf"));
        assertTrue(console.err().contains("give at least one --bin pack or a --pairs list"), console.err());
        assertEquals(2, run("eval", "--model", "m.pt", "--arch", "mbf", "--pairs", "p.txt"));
        assertTrue(console.err().contains("--pairs needs --root"), console.err());
        assertEquals(2, run("eval", "--model", "m.pt", "--arch", "mbf", "--bin", "a.bin", "--roc", "x.png"));
        assertEquals(2, run("eval", "--model", "m.pt", "--arch", "mbf", "--pairs", "p.txt", "--pairs", "q.txt", "--root", "."));
        assertTrue(console.err().contains("option --pairs is given twice"), console.err());
        Path missing = dir.resolve("missing.bin");
        assertEquals(1, run("eval", "--model", "m.pt", "--arch", "mbf", "--bin", missing.toString()));
        assertEquals("panface eval: " + missing + ": no such file", console.err().strip());
        // A damaged pack after a good one is found before any model is loaded (the model file does not exist).
        Path good = Files.write(dir.resolve("good.bin"), pack(List.of(new byte[] {1}, new byte[] {2}), new boolean[] {true}));
        Path cut = Files.write(dir.resolve("cut.bin"), java.util.Arrays.copyOf(Files.readAllBytes(good), 7));
        assertEquals(1, run("eval", "--model", "m.pt", "--arch", "mbf", "--bin", good.toString(), "--bin", cut.toString()));
        assertTrue(console.err().startsWith("panface eval: " + cut + ": ") && console.err().contains("truncated"), console.err());
        Path bad = Files.writeString(dir.resolve("p.txt"), "a.png b.png 1\na.png b.png maybe\n");
        assertEquals(1, run("eval", "--model", "m.pt", "--arch", "mbf", "--pairs", bad.toString(), "--root", dir.toString()));
        assertTrue(console.err().contains(bad + ":2: expected 'IMAGE_A IMAGE_B 0|1'"), console.err());
    }
}
