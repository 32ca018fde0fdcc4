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
        return "usage: panface compare --model MODEL [--arch ARCH] [--features N] [--flip] [--bgr --mean M --std S] [--threshold T] "
                + "IMAGE1 IMAGE2\n" + EmbedderOptions.USAGE + "\n" + """
                  Prints the cosine similarity of the two faces' embeddings and "same" when it reaches
                  the threshold (default 0.3; choose it on a verification set for your false-accept rate).
                  Exit code 0 either way; 1 on errors.
                """.stripTrailing();
    }

    @Override
    public int run(Args args) throws Exception {
        EmbedderOptions options = EmbedderOptions.parse(args);
        double threshold = args.getDouble("threshold", 0.3, -1, 1);
        args.finish();
        if (args.positional().size() != 2) {
            throw new UsageException("exactly two images are required");
        }
        try (FaceEmbedder e = options.load(2)) {
            float[] a = e.embed(Path.of(args.positional().get(0)));
            float[] b = e.embed(Path.of(args.positional().get(1)));
            double c = FaceEmbedder.cosine(a, b);
            System.out.printf(Locale.ROOT, "cosine %.4f  %s (threshold %.3f)%n", c, c >= threshold ? "same" : "different", threshold);
        }
        return 0;
    }
}
