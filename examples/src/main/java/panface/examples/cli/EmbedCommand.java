package panface.examples.cli;

import java.nio.file.Path;
import java.util.Locale;

import panface.nn.infer.FaceEmbedder;

/** {@code embed --model W --arch A img...}: prints L2-normalised embeddings. */
public final class EmbedCommand implements Command {
    @Override
    public String name() {
        return "embed";
    }

    @Override
    public String summary() {
        return "print the embeddings of aligned face images";
    }

    @Override
    public String usage() {
        return "usage: panface embed --model MODEL [--arch ARCH] [--features N] [--flip] [--bgr --mean M --std S] IMAGE...\n"
                + EmbedderOptions.USAGE + "\n" + """
                  Images are aligned 112x112 faces (other sizes are resized). Prints one line per image:
                  the file name and the comma-separated L2-normalised embedding.
                """.stripTrailing();
    }

    @Override
    public int run(Args args) throws Exception {
        EmbedderOptions options = EmbedderOptions.parse(args);
        args.finish();
        if (args.positional().isEmpty()) {
            throw new UsageException("at least one image is required");
        }
        try (FaceEmbedder e = options.load(32)) {
            for (String img : args.positional()) {
                float[] v = e.embed(Path.of(img));
                StringBuilder sb = new StringBuilder(img).append('\t');
                for (int i = 0; i < v.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(String.format(Locale.ROOT, "%.6f", v[i]));
                }
                System.out.println(sb);
            }
        }
        return 0;
    }
}
