package panface.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import panface.nn.infer.FaceEmbedder;
import panface.nn.infer.InputFormat;

/**
 * The options of the commands that embed faces (embed, compare): which model, and for ONNX files
 * how the graph wants its input. {@code --arch} is required for our weight files and not for
 * {@code .onnx} files, whose graph is the architecture. For ONNX the input side is read from the
 * graph; the channel order and normalisation default to insightface's (RGB, (v - 127.5) / 127.5,
 * or mean 0 and std 1 when the graph normalises its input itself) and can be set with
 * {@code --bgr}, {@code --mean} and {@code --std}.
 */
record EmbedderOptions(Path model, String arch, int features, boolean flip, Boolean bgr, Float mean, Float std) {
    /** The usage lines these options add to a command's help. */
    static final String USAGE = """
              MODEL    a safetensors or PyTorch file with the backbone's state dict (then --arch), or an ONNX model
              --arch   vit_t, vit_s, vit_b, vit_l, vit_h, r18, r34, r50, r100, r200, mbf, mbf_large
              --features  embedding size, 1 to 4096 (default 512)   --flip  add the mirrored image's embedding
              ONNX input (default insightface's: RGB, mean 127.5, std 127.5, or 0 and 1 when the graph
              normalises its input itself): --bgr (channels in BGR order), --mean M, --std S (pixel values 0..255)
            """.stripTrailing();

    /** Reads the options from args (before {@code args.finish()}). */
    static EmbedderOptions parse(Args args) {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        boolean flip = args.has("flip");
        Boolean bgr = args.has("bgr") ? Boolean.TRUE : null;
        Float mean = args.get("mean", null) != null ? (float) args.getDouble("mean", 127.5, -1e6, 1e6) : null;
        Float std = args.get("std", null) != null ? (float) args.getDouble("std", 127.5, 1e-6, 1e6) : null;
        if (model == null) {
            throw new UsageException("--model is required");
        }
        boolean onnx = isOnnx(model);
        if (!onnx && arch == null) {
            throw new UsageException("--arch is required for a weight file (it is read from the graph only for .onnx models)");
        }
        if (!onnx && (bgr != null || mean != null || std != null)) {
            throw new UsageException("--bgr, --mean and --std describe an ONNX model's input; our backbones take RGB with mean and std 127.5");
        }
        return new EmbedderOptions(Path.of(model), arch, features, flip, bgr, mean, std);
    }

    private static boolean isOnnx(String model) {
        return model.toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    /** Loads the embedder these options describe, taking up to maxBatch images at once. */
    FaceEmbedder load(int maxBatch) throws IOException {
        if (!isOnnx(model.toString())) {
            return FaceEmbedder.load(arch, model, features, flip, maxBatch);
        }
        if (bgr == null && mean == null && std == null) {
            return FaceEmbedder.loadOnnx(model, null, flip, maxBatch);
        }
        return FaceEmbedder.loadOnnxWithFormat(model,
                side -> new InputFormat(side, bgr != null && bgr, mean != null ? mean : 127.5f, std != null ? std : 127.5f), flip, maxBatch);
    }
}
