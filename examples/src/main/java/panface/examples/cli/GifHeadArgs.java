package panface.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

import panface.examples.train.GifRecipeTrainer;
import panface.faceloss.gif.IdentityCodes;

/**
 * {@code train}'s head options: {@code --head fc|gif}, and for GIF the codes file and the token
 * heads' options, read and checked before training starts.
 *
 * @param gif     whether the GIF head was asked for
 * @param codes   the identity codes (null for the fc head)
 * @param options the token heads' options (null for the fc head)
 */
record GifHeadArgs(boolean gif, IdentityCodes codes, GifRecipeTrainer.Heads options) {

    /** Reads the options (call before {@link Args#finish}); the codes file is read here too. */
    static GifHeadArgs read(Args args) {
        String head = args.get("head", "fc");
        String codesPath = args.get("codes", null);
        boolean given = codesPath != null || args.get("gif-k", null) != null || args.get("gif-l", null) != null
                || args.get("gif-heads", null) != null || args.get("gif-conditioning", null) != null;
        int k = args.get("gif-k", null) == null ? 0 : args.getInt("gif-k", 0, 2, 65536);
        int l = args.get("gif-l", null) == null ? 0 : args.getInt("gif-l", 0, 1, 64);
        String heads = args.get("gif-heads", "softmax");
        String conditioning = args.get("gif-conditioning", "independent");
        if (!head.equals("fc") && !head.equals("gif")) {
            throw new UsageException("--head is fc (one class per identity, the recipe's loss) or gif (identity codes), got '" + head + "'");
        }
        if (head.equals("fc")) {
            if (given) {
                throw new UsageException("--codes and the --gif-* options go with --head gif");
            }
            return new GifHeadArgs(false, null, null);
        }
        if (codesPath == null) {
            throw new UsageException("--head gif needs --codes CODES: build them from any backbone over the training data with "
                    + "'panface gif codes --arch A --model W --data TRAIN.rec --out CODES [--k 256] [--l L]'");
        }
        GifRecipeTrainer.Heads options;
        IdentityCodes codes;
        try {
            options = GifRecipeTrainer.Heads.parse(heads, conditioning);
            codes = IdentityCodes.read(Path.of(codesPath));
        } catch (IllegalArgumentException | IOException e) {
            throw new UsageException("--codes " + codesPath + ": " + e.getMessage());
        }
        if ((k != 0 && k != codes.k()) || (l != 0 && l != codes.l())) {
            throw new UsageException(String.format(Locale.ROOT, "--codes %s has k=%d l=%d, not the --gif-k/--gif-l given", codesPath, codes.k(),
                    codes.l()));
        }
        return new GifHeadArgs(true, codes, options);
    }

    /** The log's description of the GIF head. */
    String describe(String loss, double scale, double margin, long headParameters) {
        String heads = options.margin() ? String.format(Locale.ROOT, "%s s=%.0f m=%.2f", loss.equals("cosface") ? "CosFace" : "ArcFace", scale,
                margin) : "softmax";
        return String.format(Locale.ROOT, "GIF codes k=%d l=%d for %d identities: %d %s %s token heads (%,d parameters)", codes.k(), codes.l(),
                codes.size(), codes.l(), options.conditioning().name().toLowerCase(Locale.ROOT), heads, headParameters);
    }
}
