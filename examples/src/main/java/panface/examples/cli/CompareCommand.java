package panface.examples.cli;

import java.nio.file.Path;
import java.util.Locale;

import panface.nn.infer.FaceEmbedder;

/** {@code compare --model W --arch A img1 img2}: cosine similarity and a same/different verdict. */
public final class CompareCommand implements Command {
    @Override
    public String name() {
        return "compare";
    }

    @Override
    public String summary() {
        return "compare two aligned face images (cosine similarity, same or different)";
    }

    @Override
    public String usage() {
        return """
                usage: panface compare --model WEIGHTS --arch ARCH [--features N] [--flip] [--threshold T] IMAGE1 IMAGE2
                  Prints the cosine similarity of the two faces' embeddings and "same" when it reaches
                  the threshold (default 0.3; choose it on a verification set for your false-accept rate).
                  Exit code 0 either way; 1 on errors.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        boolean flip = args.has("flip");
        double threshold = args.getDouble("threshold", 0.3, -1, 1);
        args.finish();
        if (model == null || arch == null || args.positional().size() != 2) {
            throw new UsageException("--model, --arch and exactly two images are required");
        }
        try (FaceEmbedder e = FaceEmbedder.load(arch, Path.of(model), features, flip, 2)) {
            float[] a = e.embed(Path.of(args.positional().get(0)));
            float[] b = e.embed(Path.of(args.positional().get(1)));
            double c = FaceEmbedder.cosine(a, b);
            System.out.printf(Locale.ROOT, "cosine %.4f  %s (threshold %.3f)%n", c, c >= threshold ? "same" : "different", threshold);
        }
        return 0;
    }
}
