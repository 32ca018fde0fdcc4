package panface.examples.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import panface.faceloss.Margin;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.nn.optim.LrSchedule;
import panface.tensor.io.Json;

/**
 * The LVFace training recipe (arXiv 2501.13420 with insightface's trainer) and its plain
 * ArcFace/CosFace baselines, with the data and model sizes of a run. LVFace: AdamW (weight
 * decay 0.1 on every parameter, as insightface's trainer), a linear warm-up then polynomial
 * decay, ArcFace s=64 m=0.5 over Partial FC sampling at rate 0.3 in the early stage, then from
 * the switch the full softmax plus EPL's empirical prototypes with the adaptive margin k=0.7,
 * gradient clipping at 5 on the backbone. The paper switches after 40 of 100 epochs:
 * {@code switchAt} 0.4 of the steps, or {@code switchEpoch} when given. The baselines ("arcface",
 * "cosface") keep Partial FC at its rate for the whole run.
 *
 * <p>Read with {@link #parse} from a JSON object whose keys are the snake_case names below,
 * then command-line overrides of the same names; unknown keys are an error.
 *
 * @param loss              "lvface", "arcface" or "cosface"
 * @param steps             optimizer steps
 * @param batch             images per step
 * @param identities        training identities of the generated data
 * @param imagesPerIdentity fixed images of each generated identity
 * @param heldOut           held-out identities for the verification pairs
 * @param evalPairs         verification pairs (half same, half different)
 * @param dim               ViT width
 * @param depth             ViT blocks
 * @param patch             ViT patch size on the 112x112 image
 * @param embedding         embedding size
 * @param lr                peak learning rate
 * @param weightDecay       AdamW's decoupled weight decay
 * @param warmup            warm-up length as a fraction of the steps
 * @param power             the polynomial decay's power (1: linear)
 * @param scale             the margin softmax's scale s
 * @param margin            ArcFace's angular or CosFace's cosine margin m
 * @param sampleRate        Partial FC's sample rate in the early stage (the baselines' for the whole run)
 * @param switchAt          the switch to the stable stage as a fraction of the steps (lvface)
 * @param switchEpoch       the switch as an epoch of the data instead (-1: use switchAt)
 * @param eplK              EPL's adaptive-margin factor k
 * @param clip              gradient clipping norm on the backbone
 * @param seed              model, sampler and data seed
 */
public record LVFaceRecipe(String loss, int steps, int batch, int identities, int imagesPerIdentity, int heldOut, int evalPairs,
                           int dim, int depth, int patch, int embedding, double lr, double weightDecay, double warmup, double power,
                           double scale, double margin, double sampleRate, double switchAt, int switchEpoch, double eplK, double clip,
                           long seed) {

    /** The defaults: the paper's recipe on a 2-core-sized model and data set. */
    public static LVFaceRecipe defaults() {
        return new LVFaceRecipe("lvface", 1200, 64, 500, 24, 300, 2000, 64, 2, 14, 128, 2e-3, 0.1, 0.1, 1.0, 64, 0.5, 0.3, 0.4, -1,
                0.7, 5.0, 1);
    }

    public LVFaceRecipe {
        if (!loss.equals("lvface") && !loss.equals("arcface") && !loss.equals("cosface")) {
            throw new IllegalArgumentException("loss must be lvface, arcface or cosface, got '" + loss + "'");
        }
        check(steps > 0, "steps must be positive");
        check(batch > 1, "batch must be > 1");
        check(identities >= 2, "identities must be >= 2");
        check(imagesPerIdentity >= 1, "images_per_identity must be >= 1");
        check((long) identities * imagesPerIdentity >= batch, "identities x images_per_identity must hold at least one batch");
        check(heldOut >= 2, "held_out must be >= 2");
        check(evalPairs >= 20, "eval_pairs must be >= 20 (the 10-fold protocol needs both kinds in every fold)");
        check(dim > 0 && dim % 4 == 0, "dim must be positive and divisible by 4 (4 heads)");
        check(depth > 0 && patch > 0 && patch <= 112 && embedding > 0, "depth, patch (<= 112) and embedding must be positive");
        check(lr > 0 && weightDecay >= 0 && warmup >= 0 && warmup < 1 && power > 0, "lr > 0, weight_decay >= 0, 0 <= warmup < 1, power > 0");
        check(scale > 0 && margin >= 0, "scale must be positive, margin not negative");
        check(sampleRate > 0 && sampleRate <= 1, "0 < sample_rate <= 1");
        check(switchAt >= 0 && switchAt <= 1, "0 <= switch_at <= 1");
        check(switchEpoch >= -1, "switch_epoch must be >= 0, or -1 for switch_at");
        check(eplK >= 0 && eplK < 1, "0 <= epl_k < 1");
        check(clip > 0, "clip must be positive");
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException(what);
        }
    }

    /** The margin of the loss: ArcFace (lvface, arcface) or CosFace. */
    public Margin marginFunction() {
        return loss.equals("cosface") ? Margin.cosFace(scale, margin) : Margin.arcFace(scale, margin);
    }

    /** Whether the run has a stable stage (EPL prototypes, full softmax). */
    public boolean switches() {
        return loss.equals("lvface");
    }

    /** The first step of the stable stage given the data's batches per epoch; steps when there is none. */
    public int switchStep(long batchesPerEpoch) {
        if (!switches()) {
            return steps;
        }
        long at = switchEpoch >= 0 ? switchEpoch * batchesPerEpoch : Math.round(switchAt * steps);
        return (int) Math.min(steps, at);
    }

    /** Warm-up steps. */
    public int warmupSteps() {
        return (int) Math.round(warmup * steps);
    }

    /** The recipe's face ViT (112x112 input, 4 heads, MLP ratio 2, no dropout or drop path), its weights drawn from the seed. */
    public FaceViT backbone() {
        return new FaceViT(new ViTConfig(112, patch, dim, depth, 4, 2.0, embedding, 0.0, 0.0, false, seed));
    }

    /**
     * The learning rate of each step: linear warm-up then polynomial decay. insightface's schedule
     * runs its iteration 0 at the full rate; skipping it makes the first step a warm-up step and
     * the ramp reach the peak on the warm-up's last step.
     */
    public LrSchedule schedule() {
        return LrSchedule.polynomialWarmup(lr, warmupSteps(), steps + 1L, power).skip(1);
    }

    /** The keys that shape the training (not the evaluation-only ones) and the autocast flag, as a checkpoint's recipe entries. */
    Map<String, String> checkpointEntries(boolean autocast) {
        Map<String, Object> shaping = new LinkedHashMap<>();
        toMap().forEach((k, v) -> {
            if (!evaluationOnly(k)) {
                shaping.put(k, v);
            }
        });
        shaping.put("autocast", autocast);
        return TrainCheckpoints.recipe(shaping);
    }

    /** Every key with its value, in order (the JSON names). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("steps", steps);
        m.put("batch", batch);
        m.put("identities", identities);
        m.put("images_per_identity", imagesPerIdentity);
        m.put("held_out", heldOut);
        m.put("eval_pairs", evalPairs);
        m.put("dim", dim);
        m.put("depth", depth);
        m.put("patch", patch);
        m.put("embedding", embedding);
        m.put("lr", lr);
        m.put("weight_decay", weightDecay);
        m.put("warmup", warmup);
        m.put("power", power);
        m.put("scale", scale);
        m.put("margin", margin);
        m.put("sample_rate", sampleRate);
        m.put("switch_at", switchAt);
        m.put("switch_epoch", switchEpoch);
        m.put("epl_k", eplK);
        m.put("clip", clip);
        m.put("seed", seed);
        return m;
    }

    /** The keys that do not change the training (evaluation only): a resumed run may change them. */
    public static boolean evaluationOnly(String key) {
        return key.equals("held_out") || key.equals("eval_pairs");
    }

    /** Reads a JSON config file (an object of recipe keys). */
    public static Map<String, Object> readConfig(Path file) throws IOException {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The defaults, then the config's values, then the overrides (strings, as typed on a command
     * line); a key that is not a recipe key, or a value of the wrong type, is an error. Without
     * a margin in either, CosFace takes 0.4 (insightface's ViT configs), the others 0.5.
     */
    public static LVFaceRecipe parse(Map<String, Object> config, Map<String, String> overrides) {
        Map<String, Object> v = defaults().toMap();
        boolean marginGiven = false;
        for (Map.Entry<String, Object> e : config.entrySet()) {
            v.put(e.getKey(), typed(e.getKey(), e.getValue(), v, "config key '" + e.getKey() + "'"));
            marginGiven |= e.getKey().equals("margin");
        }
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            v.put(e.getKey(), typed(e.getKey(), e.getValue(), v, "--" + e.getKey().replace('_', '-')));
            marginGiven |= e.getKey().equals("margin");
        }
        if (!marginGiven && "cosface".equals(v.get("loss"))) {
            v.put("margin", 0.4);
        }
        return new LVFaceRecipe((String) v.get("loss"), (int) v.get("steps"), (int) v.get("batch"), (int) v.get("identities"),
                (int) v.get("images_per_identity"), (int) v.get("held_out"), (int) v.get("eval_pairs"), (int) v.get("dim"),
                (int) v.get("depth"), (int) v.get("patch"), (int) v.get("embedding"), (double) v.get("lr"), (double) v.get("weight_decay"),
                (double) v.get("warmup"), (double) v.get("power"), (double) v.get("scale"), (double) v.get("margin"),
                (double) v.get("sample_rate"), (double) v.get("switch_at"), (int) v.get("switch_epoch"), (double) v.get("epl_k"),
                (double) v.get("clip"), (long) v.get("seed"));
    }

    /** A config or override value converted to the type of the key's default; {@code what} names it in errors. */
    private static Object typed(String key, Object value, Map<String, Object> defaults, String what) {
        Object def = defaults.get(key);
        if (def == null) {
            throw new IllegalArgumentException("unknown " + what + "; the keys are " + String.join(", ", defaults.keySet()));
        }
        String text = String.valueOf(value);
        try {
            if (def instanceof String) {
                if (!(value instanceof String)) {
                    throw new NumberFormatException();
                }
                return value;
            }
            if (value instanceof Boolean || value == null) {
                throw new NumberFormatException();
            }
            if (def instanceof Double) {
                double d = Double.parseDouble(text);
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            }
            // integral keys: a JSON number must be integral, a command-line value an integer
            long l = value instanceof Double d ? exactLong(d) : Long.parseLong(text);
            if (def instanceof Integer) {
                return Math.toIntExact(l);
            }
            return l;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s expects %s, got '%s'", what,
                    def instanceof String ? "a string" : def instanceof Double ? "a finite number" : "an integer", text));
        }
    }

    private static long exactLong(double d) {
        if (d != Math.rint(d) || Math.abs(d) > 1e15) {
            throw new NumberFormatException();
        }
        return (long) d;
    }
}
