package panface.examples.lafs;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import panface.examples.train.PairSet;
import panface.examples.train.SyntheticIdentities;
import panface.examples.train.Verification;
import panface.faceloss.DinoLoss;
import panface.nn.lafs.LafsCheckpoints;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * LAFS at toy scale on generated faces, in the reference's three stages. (1) The landmark CNN (a
 * narrow MobileNetV3) is fitted to the faces' ground-truth landmarks ({@link LandmarkFit}: a 7 x 7
 * grid over each face, no identity labels), standing in for the reference's landmark CNN taken from
 * a supervised Part fViT; it is then frozen. (2) A small Part fViT (patches of 16 at 49 landmarks,
 * width 64, depth 2) is pretrained with LAFS on unlabelled images of many identities. (3) The LAFS
 * teacher is fine-tuned on one image each of a few identities (the paper's 1-shot protocol); the
 * baseline is the same fine-tuning (same fitted landmark CNN, same head initialisation, same
 * batches, same learning rates and layer decay) from the random Part fViT the pretraining started
 * from. Both are evaluated on
 * identities that neither stage saw; the pretrained teacher is also evaluated as it is, without
 * fine-tuning, which shows what the pretraining itself learned.
 *
 * <p>The faces are framed closer than the generator's default ({@link Settings#zoom}). At the
 * default framing a border of background, with its own colour and gradient in every image, fills
 * much of the image, and the landmark CNN's per-sample min-max spreads the landmarks over the
 * whole image, so most patches show that border. Pixels then match images with the same
 * nuisances far more often than images of the same identity, and the Part fViT's class token,
 * which pools its patches (unlike the plain face ViT's head, which flattens every token), gives
 * held-out features at chance even for a random model; LAFS's views of one image all keep the
 * border, so there is nothing identity-specific for the pretraining to pick up either. Framed
 * closer, the inner face fills the patches and a random Part fViT already separates held-out
 * identities somewhat.
 *
 * <p>Two of the reference's schedules are made for 41 epochs of millions of images and are
 * changed for a run of a few hundred steps. The teacher momentum 0.996 (rising to 1) averages over
 * about 250 steps, so the teacher, which fine-tuning starts from, would stay close to its random
 * initialisation: the demo starts it at {@link Settings#momentum} (0.99 by default, about 100
 * steps) and keeps the cosine to 1. The teacher temperature warms up from 0.07 to 0.04 over 30
 * epochs, which would keep it near 0.07 here; at 0.07 a development run (seed 7, not one of the
 * reported seeds) settled at a loss of ln K (the centred teacher's outputs uniform: the collapse
 * that centring alone gives), so the demo uses the end value 0.04 throughout
 * ({@link Settings#teacherTemperature}). At 0.04, with the reference's token initialisation, the
 * loss still returned to about ln K within 240 steps, at either framing.
 *
 * <p>DINO learns what the views of one image share, and LAFS's multi-crop of a generated image
 * keeps that image's background, lighting and occluder in every view, which vary more between
 * images than the identities do. The demo therefore draws them afresh for every view
 * ({@link Settings#viewNuisances}, on by default; {@link ViewNuisances}: the background outside
 * the face ellipse that the view's own landmarks span is replaced, the landmark CNN still sees the
 * clean crop). With the reference's unit-variance class token and positional embeddings the loss
 * stayed at ln K (the centred teacher uniform) in every development variant (seed 7): a
 * deterministic teacher, K of 32 or 64, a learning rate of 1e-3, no frozen last layer, a teacher
 * temperature of 0.02, no dropout, the second global view from another image of the same identity
 * ({@link Settings#trackPairs}); a momentum starting at 0.9 gave DINO's other collapse (every
 * image on one prototype).
 *
 * <p>{@code --diagnose N} shows why ({@link LafsDiagnostics}). With unit-variance tokens the Part
 * fViT's class token is almost the same vector for every image, so the DINO head, which
 * L2-normalises its bottleneck, gives every image nearly the same direction and the centred
 * teacher is near uniform from the first step; gradients do reach every part. Batch normalisation
 * in the heads' hidden layers ({@link Settings#headBatchNorm}, DINO's use_bn_in_head) and
 * Sinkhorn-Knopp centring ({@link Settings#centering}, DINOv2's) make the teacher healthy at the
 * start, but the student's outputs then flatten towards uniform; neither helped, so both stay
 * options. The 10-fold accuracy is a coarse guide here: its thresholds step the squared distance
 * by 0.01, and an untrained Part fViT's cosines all lie within a few thousandths of 1, so its
 * accuracy sits near chance while its ROC area does not; the demo reports the ROC area's
 * difference too.
 *
 * <p>Two more settings differ from the reference for the toy scale, and together they are what
 * makes the pretraining help. The class token and positional embeddings start at timm's standard
 * deviation 0.02 instead of the reference's unit variance ({@link Settings#tokenInitStd}, both
 * arms): at width 64 the unit-variance tokens swamp the patch embeddings, so every image's class
 * token is nearly the same vector and the DINO loss never leaves ln K. And the pretraining runs
 * 960 steps, not 240: with the small tokens the teacher's own held-out ROC area rose above its
 * starting point's by about 0.00, 0.01 and 0.03 at 240, 480 and 960 steps (seeds 1-3), and only at
 * 960 did the 1-shot accuracy after fine-tuning follow (see the README's table). The scratch arm
 * starts from the very weights the pretraining started from ({@link Settings#pairedStart}), so the
 * difference is the pretraining's alone.
 */
public final class LafsDemo {
    /** The toy landmark CNN's bottlenecks (kernel, expansion, out, SE, h-swish, stride): 112 pixels down to 4x4. */
    static final int[][] TRUNK = {{3, 16, 16, 0, 0, 2}, {3, 32, 24, 0, 0, 2}, {5, 48, 32, 1, 1, 2}, {3, 64, 48, 1, 1, 2}};
    /** The toy Part fViT: 49 landmark patches of 16 pixels, width 64, depth 2, 2 heads of 32, MLP 128, the reference's dropouts. */
    static final PartFViT.Config MODEL = new PartFViT.Config(49, 16, 64, 2, 2, 32, 128, 0.1, 0.1, 0.1, true);
    /** Landmarks per side of the ground-truth grid (MODEL's 49 = 7 x 7). */
    static final int GRID = 7;

    /**
     * The demo's settings.
     *
     * @param seed                seeds the data, the models and the views
     * @param zoom                the generated faces' framing (1: the face and a wide border of background; larger is a
     *                            closer crop, see {@link SyntheticIdentities#SyntheticIdentities(int, int, int, long, double)})
     * @param landmarkSteps       steps of the landmark CNN's fit to the ground-truth landmarks (0 keeps it random)
     * @param landmarkLr          its peak learning rate
     * @param pretrainIdentities  identities of the unlabelled pretraining images
     * @param pretrainImages      images of each
     * @param pretrainSteps       pretraining steps
     * @param localViews          local views per image
     * @param momentum            the teacher momentum's start (rises to 1 by a cosine)
     * @param teacherTemperature  the teacher's temperature, constant (LAFS: 0.07 falling to 0.04 over 30 of 41 epochs)
     * @param prototypes          the DINO head's output dimension K (LAFS: 100,000)
     * @param pretrainLr          the pretraining's peak learning rate (LAFS: 5e-4 per 256 images)
     * @param deterministicTeacher whether the teacher runs without dropout and drop path (original DINO; the LAFS code keeps them)
     * @param freezeLastLayerEpochs epochs (of 4) in which the DINO head's last layer is not updated (LAFS: 1 of 41)
     * @param viewNuisances       whether every view gets its own lighting, occluder and background ({@link ViewNuisances})
     * @param trackPairs          whether the second global view comes from another image of the same identity, as two frames
     *                            of one track of an unlabelled video would (a diagnostic, not LAFS's augmentation of one image)
     * @param fewIdentities       identities fine-tuned on (a subset of the pretraining ones)
     * @param fewImages           images of each for fine-tuning (1: the paper's 1-shot)
     * @param finetuneSteps       fine-tuning steps (both arms)
     * @param batch               images per step
     * @param heldOut             held-out identities for evaluation
     * @param pairs               verification pairs
     * @param centering           how the DINO teacher is kept from collapsing
     * @param headBatchNorm       whether the DINO heads normalise their hidden layers over the batch (DINO's use_bn_in_head)
     * @param diagnoseEvery       pretraining iterations between {@link LafsDiagnostics} lines (0: none), the teacher's
     *                            held-out verification every fourth of them
     * @param tokenInitStd        the standard deviation of the Part fViT's class token and positional embeddings at
     *                            initialisation, in both arms: timm's 0.02 by default, not the reference's 1 (see the
     *                            class comment and {@link PartFViT.Config})
     * @param pairedStart         whether the scratch arm starts from the very weights the pretraining started from (on by
     *                            default), so that the two arms differ only by the pretraining; off, it starts from a Part
     *                            fViT drawn on its own, and the difference carries the two draws' luck as well
     * @param nuisanceScale       the per-view nuisances' strength when they are on, a fraction of the generator's own
     *                            ranges and probabilities (1 by default; {@link ViewNuisances#scaled})
     * @param pretraining         what stage (2) is: LAFS on the unlabelled images, or, as a bound on what any pretraining
     *                            on those images could give the 1-shot fine-tuning, supervised training on the same images
     *                            with their identity labels
     */
    public record Settings(long seed, double zoom, int landmarkSteps, double landmarkLr, int pretrainIdentities, int pretrainImages, int pretrainSteps,
                           int localViews, double momentum, double teacherTemperature, int prototypes, double pretrainLr,
                           boolean deterministicTeacher, int freezeLastLayerEpochs, boolean viewNuisances, boolean trackPairs,
                           int fewIdentities, int fewImages, int finetuneSteps, int batch, int heldOut, int pairs,
                           DinoLoss.Centering centering, boolean headBatchNorm, int diagnoseEvery, double tokenInitStd,
                           boolean pairedStart, double nuisanceScale, Pretraining pretraining) {
        /** The default run: a few minutes on two cores. */
        public static Settings quick(long seed) {
            return new Settings(seed, 1.6, 200, 1e-2, 200, 4, 960, 2, 0.99, 0.04, 256, 5e-4, false, 1, true, false, 64, 1, 100, 32, 200, 3000,
                    DinoLoss.Centering.EMA, false, 0, 0.02, true, 1.0, Pretraining.LAFS);
        }
    }

    /** Stage (2): LAFS, or its bound, the same images' supervised training (labels used). */
    public enum Pretraining {
        /** LAFS without labels. */
        LAFS,
        /**
         * The fine-tuning's own recipe (CosFace, layer decay, the regulariser) over every pretraining identity, for the
         * same number of steps: what labels on the very images LAFS sees would give. A bound for the demo, not LAFS.
         */
        SUPERVISED
    }

    /**
     * The outcome: held-out results of the pretrained teacher as it is, of the fine-tuned teacher, of
     * the random Part fViT the scratch arm starts from, of the scratch arm after fine-tuning,
     * the landmark fit's last error (pixels, NaN without a fit) and each stage's seconds.
     */
    public record Outcome(Verification.Result pretrainedOnly, Verification.Result pretrained, Verification.Result randomOnly, Verification.Result scratch,
                          double landmarkError, double landmarkSeconds, double pretrainSeconds, double finetuneSeconds) {
    }

    private LafsDemo() {
    }

    static LandmarkCnn landmarkCnn(Generator g) {
        return new LandmarkCnn(new MobileNetV3Features(TRUNK, g), MODEL.numPatches(), 111, g);
    }

    /** Runs the three stages; logs go to out. */
    public static Outcome run(Settings s, PrintStream out) throws IOException {
        PartFViT.Config model = MODEL.withTokenInitStd(s.tokenInitStd());
        PartFViT.Config teacherCfg = model.withLandmarkCnn(false);
        try (Scope scope = Scope.open()) {
            long t0 = System.nanoTime();
            LandmarkCnn lcnn = landmarkCnn(new Generator(s.seed()).fork(10));
            double landmarkError = Double.NaN;
            if (s.landmarkSteps() > 0) {
                // the pretraining images, another pass over them: landmarks only, no identity labels
                try (SyntheticIdentities data = pretrainingImages(s)) {
                    landmarkError = LandmarkFit.fit(lcnn, data, GRID, s.landmarkSteps(), s.landmarkLr(), 50, out);
                }
            }
            Map<String, Tensor> landmarks = lcnn.stateDict();
            double landmarkSeconds = (System.nanoTime() - t0) * 1e-9;
            long t1 = System.nanoTime();
            Map<String, Tensor> start = new LinkedHashMap<>();
            Map<String, Tensor> teacher = s.pretraining() == Pretraining.SUPERVISED ? supervised(s, landmarks, start, out)
                    : lafs(s, model, teacherCfg, landmarks, start, out);
            double pretrainSeconds = (System.nanoTime() - t1) * 1e-9;
            long t2 = System.nanoTime();
            Verification.Result[] pretrained = finetune(s, teacher, true, landmarks, out);
            Verification.Result[] scratch = finetune(s, s.pairedStart() ? start : null, false, landmarks, out);
            return new Outcome(pretrained[0], pretrained[1], scratch[0], scratch[1], landmarkError, landmarkSeconds, pretrainSeconds,
                    (System.nanoTime() - t2) * 1e-9);
        }
    }

    /**
     * Stage (2), LAFS on the pretraining images without their labels; start receives the student's first weights
     * (the teacher is their copy before the first step). Returns the teacher's weights.
     */
    private static Map<String, Tensor> lafs(Settings s, PartFViT.Config model, PartFViT.Config teacherCfg, Map<String, Tensor> landmarks,
                                            Map<String, Tensor> start, PrintStream out) throws IOException {
        try (SyntheticIdentities data = pretrainingImages(s)) {
            int epochs = 4;
            long perEpoch = Math.max(1, s.pretrainSteps() / epochs);
            LafsPretrainer.Options opt = new LafsPretrainer.Options(s.prototypes(), 128, 32, 2, 16, s.pretrainLr(), 1e-6, 1, epochs, 0.04, 0.4, 3.0,
                    s.freezeLastLayerEpochs(), s.momentum(),
                    s.deterministicTeacher() ? LafsPretrainer.TeacherMode.DETERMINISTIC : LafsPretrainer.TeacherMode.STOCHASTIC, s.seed());
            ViewNuisances nuis = s.viewNuisances() ? ViewNuisances.generatorRanges(new Generator(s.seed()).fork(11).seed()).scaled(s.nuisanceScale())
                    : ViewNuisances.none();
            LafsViews views = new LafsViews(112, s.localViews(), s.seed());
            LandmarkCnn frozen = landmarkCnn(new Generator(s.seed()).fork(10));
            frozen.loadStateDict(landmarks, true);
            LafsPretrainer.Temperatures temps = new LafsPretrainer.Temperatures(LafsPretrainer.Temperatures.LAFS.student(),
                    s.teacherTemperature(), s.teacherTemperature(), 0);
            LafsPretrainer.Dino dino = new LafsPretrainer.Dino(s.centering(), s.headBatchNorm());
            try (LafsPretrainer pre = new LafsPretrainer(opt, temps, dino, frozen, teacherCfg, views.views(), perEpoch, Device.CPU, false)) {
                // the teacher is the student's copy before the first step: the scratch arm starts from these weights
                start.putAll(backboneCopy(pre.teacher()));
                if (s.diagnoseEvery() > 0) {
                    PairSet held = data.heldOut(s.heldOut(), s.pairs(), 0);
                    PartFViT probe = new PartFViT(model, landmarkCnn(new Generator(s.seed()).fork(12)), new Generator(s.seed()).fork(13));
                    pre.observe(new LafsDiagnostics(pre, s.diagnoseEvery(), 4L * s.diagnoseEvery(),
                            () -> teacherHeldOut(pre.teacher(), landmarks, probe, held), out));
                }
                LafsLoops.ViewMaker maker = (b, p) -> {
                    LafsViews.Views v = views.make(b, p);
                    if (s.trackPairs()) {
                        v = secondGlobalFrom(v, views.make(data.partners(p, 1), -1 - p));
                    }
                    return nuis.apply(v, nuis.background() > 0 ? landmarksOf(frozen, v) : null, GRID, p);
                };
                LafsLoops.pretrain(pre, maker, data, Math.min(s.pretrainSteps(), perEpoch * epochs), 1, new LafsLoops.Saving(null, 0, 20, out));
                return pre.teacher().stateDict();
            }
        }
    }

    /** Stage (2)'s images (their labels used only by the supervised bound), which the landmark fit sees too. */
    private static SyntheticIdentities pretrainingImages(Settings s) {
        return new SyntheticIdentities(s.pretrainIdentities(), s.pretrainImages(), s.batch(), s.seed(), s.zoom());
    }

    /**
     * The supervised bound of stage (2): the fine-tuning's recipe over the pretraining images with their labels, for
     * as many steps as LAFS takes; start receives its first weights. Returns its Part fViT's weights without the
     * landmark CNN (both arms keep the fitted one).
     */
    private static Map<String, Tensor> supervised(Settings s, Map<String, Tensor> landmarks, Map<String, Tensor> start, PrintStream out)
            throws IOException {
        try (SyntheticIdentities data = pretrainingImages(s);
                LafsFinetuner t = finetuner(s, data, s.pretrainSteps())) {
            t.initialize(null, landmarks);
            start.putAll(backboneCopy(t.model()));
            out.println("supervised pretraining on " + data.numClasses() + " labelled identities (a bound, not LAFS)");
            LafsLoops.finetune(t, data, s.pretrainSteps(), new LafsLoops.Saving(null, 0, 20, out));
            return backboneCopy(t.model());
        }
    }

    /** A copy of the Part fViT's weights without its landmark CNN (stn.*, output_layer.*). */
    private static Map<String, Tensor> backboneCopy(PartFViT model) {
        Map<String, Tensor> copy = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> {
            if (!k.startsWith("stn.") && !k.startsWith("output_layer.")) {
                copy.put(k, v.copy());
            }
        });
        return copy;
    }

    /** The demo's fine-tuner: CosFace over data's identities, its schedule's epochs covering steps. */
    private static LafsFinetuner finetuner(Settings s, SyntheticIdentities data, int steps) {
        long perEpoch = data.batchesPerEpoch();
        int epochs = (int) Math.max(2, (steps + perEpoch - 1) / perEpoch);
        LafsFinetuner.Options opt = new LafsFinetuner.Options(2e-3, 1e-6, 1, epochs, 0.58, 0.1, 0.05, 64, 0.4,
                LafsFinetuner.Regularizer.PAPER, 0.1, null, s.seed());
        return new LafsFinetuner(opt, MODEL.withTokenInitStd(s.tokenInitStd()), LafsDemo::landmarkCnn, data.numClasses(), perEpoch, Device.CPU);
    }

    /** The held-out verification of the teacher as it is, in the fine-tuning's model (with the fitted landmark CNN). */
    private static String teacherHeldOut(PartFViT teacher, Map<String, Tensor> landmarks, PartFViT probe, PairSet held) {
        try (Scope scope = Scope.open(); var g = GradMode.noGrad()) {
            LafsCheckpoints.loadLandmarkCnn(probe.landmarkCnn(), landmarks);
            Map<String, Tensor> state = new LinkedHashMap<>(teacher.stateDict());
            probe.landmarkCnn().stateDict().forEach(state::putIfAbsent);
            LafsCheckpoints.loadBackbone(probe, state);
        }
        return Verification.evaluate(probe, held, Device.CPU, false).describe();
    }

    /** The views with the second global view (clean and augmented) taken from other. */
    private static LafsViews.Views secondGlobalFrom(LafsViews.Views views, LafsViews.Views other) {
        List<Tensor> clean = new ArrayList<>(views.clean());
        List<Tensor> aug = new ArrayList<>(views.augmented());
        clean.set(1, other.clean().get(1));
        aug.set(1, other.augmented().get(1));
        return new LafsViews.Views(clean, aug);
    }

    /** Every view's landmarks as the frozen landmark CNN predicts them on its clean copy (the ones its patches are cut at). */
    private static List<float[]> landmarksOf(LandmarkCnn frozen, LafsViews.Views views) {
        List<float[]> marks = new ArrayList<>();
        try (var g = GradMode.noGrad()) {
            for (Tensor c : views.clean()) {
                marks.add(frozen.forward(c).toFloatArray());
            }
        }
        return marks;
    }

    /**
     * Fine-tunes from backbone (null: a Part fViT drawn by the fine-tuner), the pretrained teacher or the
     * scratch arm's start; returns the held-out results before and after.
     */
    private static Verification.Result[] finetune(Settings s, Map<String, Tensor> backbone, boolean pretrained, Map<String, Tensor> landmarks,
                                                  PrintStream out)
            throws IOException {
        try (SyntheticIdentities few = new SyntheticIdentities(s.fewIdentities(), s.fewImages(), s.batch(), s.seed(), s.zoom())) {
            try (LafsFinetuner t = finetuner(s, few, s.finetuneSteps())) {
                t.initialize(backbone, landmarks);
                PairSet held = few.heldOut(s.heldOut(), s.pairs(), 0);
                Verification.Result before = Verification.evaluate(t.model(), held, Device.CPU, false);
                out.println((pretrained ? "LAFS teacher" : "random Part fViT") + " before fine-tuning: " + before.describe());
                out.println(pretrained ? "fine-tuning the LAFS teacher" : "fine-tuning from scratch");
                LafsLoops.finetune(t, few, s.finetuneSteps(), new LafsLoops.Saving(null, 0, 20, out));
                return new Verification.Result[] {before, Verification.evaluate(t.model(), held, Device.CPU, false)};
            }
        }
    }
}
