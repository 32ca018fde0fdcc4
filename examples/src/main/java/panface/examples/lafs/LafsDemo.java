package panface.examples.lafs;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

import panface.examples.train.PairSet;
import panface.examples.train.SyntheticIdentities;
import panface.examples.train.Verification;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * LAFS at toy scale on generated faces: a small Part fViT (patches of 16 at 49 landmarks) with a
 * narrow MobileNetV3 landmark CNN is pretrained with LAFS on unlabelled images of many
 * identities, then fine-tuned on a few images of a few identities; the same fine-tuning from a
 * random Part fViT (same landmark CNN start, same head, same batches) is the baseline. Both are
 * evaluated on held-out identities. The landmark CNN is random, not supervised as the
 * reference's: both arms share it, so the comparison isolates the pretraining of Part fViT.
 */
public final class LafsDemo {
    /** The toy landmark CNN's bottlenecks (kernel, expansion, out, SE, h-swish, stride): 112 pixels down to 4x4. */
    static final int[][] TRUNK = {{3, 16, 16, 0, 0, 2}, {3, 32, 24, 0, 0, 2}, {5, 48, 32, 1, 1, 2}, {3, 64, 48, 1, 1, 2}};
    /** The toy Part fViT: 49 landmark patches of 16 pixels, width 64, depth 2, 2 heads of 32, MLP 128, the reference's dropouts. */
    static final PartFViT.Config MODEL = new PartFViT.Config(49, 16, 64, 2, 2, 32, 128, 0.1, 0.1, 0.1, true);

    /**
     * The demo's settings.
     *
     * @param seed                seeds the data, the models and the views
     * @param pretrainIdentities  identities of the unlabelled pretraining images
     * @param pretrainImages      images of each
     * @param pretrainSteps       pretraining steps
     * @param localViews          local views per image
     * @param fewIdentities       identities fine-tuned on (a subset of the pretraining ones)
     * @param fewImages           images of each for fine-tuning
     * @param finetuneSteps       fine-tuning steps (both arms)
     * @param batch               images per step
     * @param heldOut             held-out identities for evaluation
     * @param pairs               verification pairs
     */
    public record Settings(long seed, int pretrainIdentities, int pretrainImages, int pretrainSteps, int localViews, int fewIdentities,
                           int fewImages, int finetuneSteps, int batch, int heldOut, int pairs) {
        /** A run of a couple of minutes on two cores. */
        public static Settings quick(long seed) {
            return new Settings(seed, 200, 4, 60, 2, 40, 2, 60, 32, 100, 600);
        }
    }

    /** The two arms' held-out results. */
    public record Outcome(Verification.Result pretrained, Verification.Result scratch, double pretrainSeconds, double finetuneSeconds) {
    }

    private LafsDemo() {
    }

    static LandmarkCnn landmarkCnn(Generator g) {
        return new LandmarkCnn(new MobileNetV3Features(TRUNK, g), MODEL.numPatches(), 111, g);
    }

    /** Runs both arms; logs go to out. */
    public static Outcome run(Settings s, PrintStream out) throws IOException {
        PartFViT.Config teacherCfg = new PartFViT.Config(MODEL.numPatches(), MODEL.patchSize(), MODEL.dim(), MODEL.depth(), MODEL.heads(),
                MODEL.headDim(), MODEL.mlpDim(), MODEL.dropout(), MODEL.embDropout(), MODEL.dropPath(), false);
        try (Scope scope = Scope.open()) {
            LandmarkCnn lcnn = landmarkCnn(new Generator(s.seed()).fork(10));
            Map<String, Tensor> landmarks = lcnn.stateDict();
            long t0 = System.nanoTime();
            Map<String, Tensor> teacher;
            try (SyntheticIdentities data = new SyntheticIdentities(s.pretrainIdentities(), s.pretrainImages(), s.batch(), s.seed())) {
                int epochs = 4;
                long perEpoch = Math.max(1, s.pretrainSteps() / epochs);
                LafsPretrainer.Options opt = new LafsPretrainer.Options(256, 128, 32, 2, 16, 5e-4, 1e-6, 1, epochs, 0.04, 0.4, 3.0, 1,
                        0.996, LafsPretrainer.TeacherMode.STOCHASTIC, s.seed());
                LafsViews views = new LafsViews(112, s.localViews(), s.seed());
                try (LafsPretrainer pre = new LafsPretrainer(opt, landmarkCnn(new Generator(s.seed()).fork(10)), teacherCfg, views.views(),
                        perEpoch)) {
                    LafsLoops.pretrain(pre, views, data, Math.min(s.pretrainSteps(), perEpoch * epochs), new LafsLoops.Saving(null, 0, 20, out));
                    teacher = pre.teacher().stateDict();
                }
            }
            double pretrainSeconds = (System.nanoTime() - t0) * 1e-9;
            long t1 = System.nanoTime();
            Verification.Result pretrained = finetune(s, teacher, landmarks, out);
            Verification.Result scratch = finetune(s, null, landmarks, out);
            return new Outcome(pretrained, scratch, pretrainSeconds, (System.nanoTime() - t1) * 1e-9);
        }
    }

    private static Verification.Result finetune(Settings s, Map<String, Tensor> backbone, Map<String, Tensor> landmarks, PrintStream out)
            throws IOException {
        try (SyntheticIdentities few = new SyntheticIdentities(s.fewIdentities(), s.fewImages(), s.batch(), s.seed())) {
            long perEpoch = few.batchesPerEpoch();
            int epochs = (int) Math.max(2, (s.finetuneSteps() + perEpoch - 1) / perEpoch);
            LafsFinetuner.Options opt = new LafsFinetuner.Options(2e-3, 1e-6, 1, epochs, 0.58, 0.1, 0.05, 64, 0.4,
                    LafsFinetuner.Regularizer.PAPER, 0.1, s.seed());
            try (LafsFinetuner t = new LafsFinetuner(opt, MODEL, LafsDemo::landmarkCnn, few.numClasses(), perEpoch, Device.CPU)) {
                t.initialize(backbone, landmarks);
                out.println(backbone == null ? "fine-tuning from scratch" : "fine-tuning the LAFS teacher");
                LafsLoops.finetune(t, few, s.finetuneSteps(), new LafsLoops.Saving(null, 0, 20, out));
                PairSet held = few.heldOut(s.heldOut(), s.pairs(), 0);
                return Verification.evaluate(t.model(), held, Device.CPU, false);
            }
        }
    }
}
