package panface.bench.compare;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import panface.bench.Errors;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.lafs.PartFViT;
import panface.nn.models.Models;
import panface.nn.onnx.OnnxExport;
import panface.nn.onnx.OnnxModel;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Our ONNX export read by another runtime: each named model (random weights from a seed, evaluation
 * mode) is written by {@link OnnxExport}, run by ONNX Runtime at batch 1 and 3 (the batch axis is
 * dynamic) and by our importer, and both are compared with the model's own forward. One JSON line
 * per model and batch; exit status 1 when a relative error passes 1e-4.
 * Arguments: a work folder, then model names (default r18 mbf vit_t; part_fvit is LAFS's Part fViT
 * with its landmark CNN, the reference's shape).
 */
public final class OrtExportCheck {
    private static final double LIMIT = 1e-4;

    private OrtExportCheck() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        String[] names = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[] {"r18", "mbf", "vit_t"};
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        boolean ok = true;
        for (String name : names) {
            try (Scope s = Scope.open()) {
                Module model = name.equals("part_fvit") ? new PartFViT(PartFViT.Config.lafs(true), new Generator(7))
                        : Models.create(name, 512, 7);
                model.eval();
                Path file = dir.resolve(name + ".onnx");
                try {
                    OnnxExport.write(model, file);
                } catch (RuntimeException | java.io.IOException e) {
                    System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"exported\":false,\"reason\":\"%s\"}%n", name,
                            String.valueOf(e.getMessage()).replace('"', '\''));
                    continue;
                }
                try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
                        OnnxModel ours = OnnxModel.load(file)) {
                    for (int b : new int[] {1, 3}) {
                        Tensor x = Tensor.randn(new Generator(b), b, 3, 112, 112);
                        float[] want;
                        float[] imported;
                        try (var off = GradMode.noGrad()) {
                            want = ((Layer) model).forward(x).toFloatArray();
                            imported = ours.forward(x).toFloatArray();
                        }
                        float[] ort;
                        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), new long[] {b, 3, 112, 112});
                                OrtSession.Result out = session.run(Map.of(session.getInputNames().iterator().next(), in))) {
                            ort = flatten(out.get(0).getValue());
                        }
                        double relOrt = Errors.maxRel(want, ort);
                        double relOurs = Errors.maxRel(want, imported);
                        boolean pass = relOrt <= LIMIT && relOurs <= LIMIT;
                        ok &= pass;
                        System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"batch\":%d,\"bytes\":%d,\"onnxruntime_max_rel\":%.3g,"
                                + "\"importer_max_rel\":%.3g,\"pass\":%s}%n", name, b, Files.size(file), relOrt, relOurs, pass);
                    }
                }
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static float[] flatten(Object value) {
        float[][] rows = (float[][]) value;
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }
}
