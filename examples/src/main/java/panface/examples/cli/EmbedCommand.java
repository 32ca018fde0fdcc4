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
        return """
                usage: panface embed --model WEIGHTS --arch ARCH [--features N] [--flip] IMAGE...
                  WEIGHTS  a safetensors or PyTorch file with the backbone's state dict
                  ARCH     vit_t, vit_s, vit_b, vit_l, vit_h, r18, r34, r50, r100, r200, mbf, mbf_large
                  --features  embedding size, 1 to 4096 (default 512)   --flip  add the mirrored image's embedding
                  Images are aligned 112x112 faces (other sizes are resized). Prints one line per image:
                  the file name and the comma-separated L2-normalised embedding.""";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", null);
        String arch = args.get("arch", null);
        int features = args.getInt("features", 512, 1, FaceEmbedder.MAX_FEATURES);
        boolean flip = args.has("flip");
        args.finish();
        if (model == null || arch == null || args.positional().isEmpty()) {
            throw new UsageException("--model, --arch and at least one image are required");
        }
        try (FaceEmbedder e = FaceEmbedder.load(arch, Path.of(model), features, flip, 32)) {
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
