package panface.examples.lafs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import panface.faceloss.DinoLoss;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.nn.io.Checkpoint;
import panface.nn.lafs.DinoHead;
import panface.nn.lafs.LafsViews;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.LandmarkPatches;
import panface.nn.lafs.LandmarkSampling;
import panface.nn.lafs.PartFViT;
import panface.nn.optim.AdamW;
import panface.nn.optim.LrSchedule;
import panface.nn.optim.ParamGroup;
import panface.tensor.Autocast;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * One LAFS pretraining run's state and step: a frozen landmark CNN (evaluation mode) predicts
 * landmarks on the clean crops, they are perturbed (sigma), local views keep a sample of them
 * drawn with replacement, patches are cut from the colour-augmented crops; the teacher sees the
 * global views, the student all views, and DINO's loss trains the student. Per iteration: AdamW
 * with the warm-up cosine learning rate, a cosine weight decay on weights (not on biases and 1-D
 * parameters), each gradient tensor clipped on its own, the last layer's gradient dropped during
 * the first freezeLastLayerEpochs epochs, then the teacher's parameters follow the student by EMA
 * with a momentum rising from momentumStart to 1.
 */
public final class LafsPretrainer implements AutoCloseable {
    /** Whether the teacher runs stochastically. */
    public enum TeacherMode {
        /** The reference code: the teacher keeps dropout and drop path (it is never put in evaluation mode). */
        STOCHASTIC,
        /** Original DINO: the teacher runs without dropout and drop path. */
        DETERMINISTIC
    }

    /** The settings; {@link #lafs} gives the reference's. */
    public record Options(int outDim, int headHidden, int headBottleneck, double sigma, int localLandmarks, double baseLr, double minLr, int warmupEpochs, int epochs,
                          double wdStart, double wdEnd, double clip, int freezeLastLayerEpochs, double momentumStart,
                          TeacherMode teacherMode, long seed) {
        /** The reference's settings for a global batch size (lr 5e-4 * batch / 256), the code's sigma 5. */
        public static Options lafs(int globalBatch, int epochs, long seed) {
            return new Options(100_000, 2048, 256, LandmarkSampling.CODE_SIGMA, 36, 5e-4 * globalBatch / 256, 1e-6, 10, epochs, 0.04, 0.4, 3.0, 1,
                    0.996, TeacherMode.STOCHASTIC, seed);
        }
    }

    /**
     * What keeps DINO from collapsing besides the temperatures: how the teacher is centred, and
     * whether the heads normalise their hidden layers over the batch (DINO's use_bn_in_head). A
     * deterministic teacher runs in evaluation mode, so its head then uses its running statistics.
     */
    public record Dino(DinoLoss.Centering centering, boolean headBatchNorm) {
        /** LAFS's (DINO's ViT settings): the running centre, no batch normalisation in the head. */
        public static final Dino LAFS = new Dino(DinoLoss.Centering.EMA, false);
    }

    /**
     * DINO's temperatures: the student's, and the teacher's, which moves linearly from warmupTeacher
     * to teacher over the first warmupEpochs epochs and stays there.
     */
    public record Temperatures(double student, double warmupTeacher, double teacher, int warmupEpochs) {
        /** LAFS's: student 0.1, teacher 0.07 to 0.04 over 30 epochs (its 41-epoch run). */
        public static final Temperatures LAFS = new Temperatures(0.1, 0.07, 0.04, 30);
    }

    private final Options opt;
    private final Temperatures temperatures;
    private final Dino dino;
    private final LandmarkCnn landmarkCnn;
    private final PartFViT student;
    private final DinoHead studentHead;
    private final PartFViT teacher;
    private final DinoHead teacherHead;
    private final DinoLoss loss;
    private final AdamW optimizer;
    private final List<Parameter> decayed = new ArrayList<>();
    private final LrSchedule lr;
    private final LrSchedule wd;
    private final LrSchedule momentum;
    private final long stepsPerEpoch;
    private final Generator gen;
    private final List<Generator> networkGens;
    private final Scope home = Scope.detached();
    private final Device device;
    private final boolean autocast;
    private Observer observer;
    private long iteration;

    /** Sees each iteration's outputs and gradients: a diagnostic, not part of the training. */
    interface Observer {
        /** The teacher's outputs (2B, K) on the global tokens, the student's (V*B, K), the centre before this step's update. */
        void outputs(long iteration, Tensor globals, Tensor teacher, Tensor student, Tensor center, double teacherTemperature);

        /** Called after backward, before clipping and the update: the student's gradients are in place. */
        void gradients(long iteration);
    }

    /**
     * A run: student and teacher are built alike from config (without landmarks) and the teacher
     * starts as a copy of the student; views is the number of views per image (2 global + local).
     */
    public LafsPretrainer(Options opt, LandmarkCnn landmarkCnn, PartFViT.Config config, int views, long stepsPerEpoch) {
        this(opt, Temperatures.LAFS, landmarkCnn, config, views, stepsPerEpoch);
    }

    /** A run with other DINO temperatures than LAFS's. */
    public LafsPretrainer(Options opt, Temperatures temperatures, LandmarkCnn landmarkCnn, PartFViT.Config config, int views,
                          long stepsPerEpoch) {
        this(opt, temperatures, landmarkCnn, config, views, stepsPerEpoch, Device.CPU, false);
    }

    /**
     * A run on a device (the landmark CNN, both networks, their heads and the DINO centre move
     * there; views are copied there each step). With autocast the student's and teacher's forward
     * passes run their products and attention in bf16 on that device, parameters and optimizer
     * state staying float32, softmaxes and the loss in float32 (PyTorch's autocast rules); the
     * frozen landmark CNN stays float32 (bf16 would put landmarks on a half-pixel grid).
     */
    public LafsPretrainer(Options opt, Temperatures temperatures, LandmarkCnn landmarkCnn, PartFViT.Config config, int views,
                          long stepsPerEpoch, Device device, boolean autocast) {
        this(opt, temperatures, Dino.LAFS, landmarkCnn, config, views, stepsPerEpoch, device, autocast);
    }

    /** A run with other anti-collapse settings than LAFS's. */
    public LafsPretrainer(Options opt, Temperatures temperatures, Dino dino, LandmarkCnn landmarkCnn,
                          PartFViT.Config config, int views, long stepsPerEpoch, Device device, boolean autocast) {
        this.opt = opt;
        this.device = device;
        this.autocast = autocast;
        this.temperatures = temperatures;
        this.gen = new Generator(opt.seed());
        this.landmarkCnn = landmarkCnn;
        landmarkCnn.eval();
        for (Parameter p : landmarkCnn.parameters()) {
            p.requiresGrad(false);
        }
        // the four networks' generators drive their dropout and drop path after initialisation: kept for checkpoints
        this.networkGens = List.of(gen.fork(1), gen.fork(2), gen.fork(1), gen.fork(2));
        this.student = new PartFViT(config, networkGens.get(0));
        this.dino = dino;
        this.studentHead = new DinoHead(config.dim(), opt.outDim(), 3, opt.headHidden(), opt.headBottleneck(), true, dino.headBatchNorm(),
                networkGens.get(1));
        this.teacher = new PartFViT(config, networkGens.get(2));
        this.teacherHead = new DinoHead(config.dim(), opt.outDim(), 3, opt.headHidden(), opt.headBottleneck(), true, dino.headBatchNorm(),
                networkGens.get(3));
        copy(student, teacher);
        copy(studentHead, teacherHead);
        for (Parameter p : teacher.parameters()) {
            p.requiresGrad(false);
        }
        for (Parameter p : teacherHead.parameters()) {
            p.requiresGrad(false);
        }
        teacher.train(opt.teacherMode() == TeacherMode.STOCHASTIC);
        teacherHead.train(opt.teacherMode() == TeacherMode.STOCHASTIC);
        this.loss = new DinoLoss(opt.outDim(), views, 2, temperatures.student(), temperatures.warmupTeacher(), temperatures.teacher(),
                temperatures.warmupEpochs(), 0.9, dino.centering());
        // moved before the optimizer is built, so its moments are made beside the parameters
        for (Module m : List.of(landmarkCnn, student, studentHead, teacher, teacherHead, loss)) {
            m.to(device);
        }
        List<Parameter> plain = new ArrayList<>();
        for (Module m : List.of(student, studentHead)) {
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                boolean noDecay = e.getKey().endsWith(".bias") || e.getValue().shape().length == 1;
                (noDecay ? plain : decayed).add(e.getValue());
            }
        }
        // decoupled decay is applied here with the scheduled rate, so the optimizer's own decay is 0
        // the optimizer's moments live as long as the run, not in the scope of the step that creates them
        this.optimizer = home.within(() -> new AdamW(List.of(ParamGroup.of(decayed, 0), ParamGroup.of(plain, 0)), opt.baseLr(), 0.9,
                0.999, 1e-8));
        long total = stepsPerEpoch * opt.epochs();
        this.lr = LrSchedule.warmupCosine(opt.baseLr(), stepsPerEpoch * opt.warmupEpochs(), total, opt.minLr());
        this.wd = LrSchedule.warmupCosine(opt.wdStart(), 0, total, opt.wdEnd());
        this.momentum = LrSchedule.warmupCosine(opt.momentumStart(), 0, total, 1.0);
        this.stepsPerEpoch = stepsPerEpoch;
    }

    private static void copy(Module from, Module to) {
        to.loadStateDict(from.stateDict(), true);
    }

    public PartFViT student() {
        return student;
    }

    public DinoHead studentHead() {
        return studentHead;
    }

    /** The teacher backbone, which fine-tuning starts from. */
    public PartFViT teacher() {
        return teacher;
    }

    public DinoHead teacherHead() {
        return teacherHead;
    }

    public DinoLoss loss() {
        return loss;
    }

    /** The student's optimizer (its moments hold the gradients' history). */
    AdamW optimizer() {
        return optimizer;
    }

    /** Sets the observer (null: none). */
    void observe(Observer o) {
        this.observer = o;
    }

    /** The temperatures this run uses. */
    public Temperatures temperatures() {
        return temperatures;
    }

    /** Iterations done. */
    public long iteration() {
        return iteration;
    }

    /** The patch tokens of every view: global views with all landmarks, local views with a sample of them. */
    List<Tensor> tokens(LafsViews.Views views) {
        List<Tensor> out = new ArrayList<>();
        int patch = student.config().patchSize();
        try (var g = GradMode.noGrad()) {
            for (int k = 0; k < views.clean().size(); k++) {
                Tensor r = LandmarkSampling.perturb(landmarkCnn.forward(views.clean().get(k).to(device)), opt.sigma(), gen);
                if (k >= 2) {
                    r = LandmarkSampling.select(r, LandmarkSampling.drawIndices(r.size(0), r.size(1), opt.localLandmarks(), gen));
                }
                out.add(LandmarkPatches.extract(views.augmented().get(k).to(device), r, patch));
            }
        }
        return out;
    }

    /** One iteration on a batch's views; returns the loss. */
    public double step(LafsViews.Views views) {
        return step(List.of(views));
    }

    /**
     * One iteration with gradient accumulation over micro-batches' views: each runs forward and
     * backward on its own, its loss weighted by its share of the images, the DINO centre is moved
     * once by the mean teacher output of all of them, then the clipped, decayed update and the EMA
     * follow as for one batch. With a deterministic teacher and without dropout this is the step of
     * the concatenated batch up to rounding. Returns the weighted loss.
     */
    public double step(List<LafsViews.Views> micro) {
        try (Scope scope = Scope.open()) {
            List<List<Tensor>> tok = new ArrayList<>();
            for (LafsViews.Views v : micro) {
                tok.add(tokens(v));
            }
            return stepMicro(tok);
        }
    }

    /** One iteration on the views' patch tokens (global views first, each (B, n, 3 P^2)); returns the loss. */
    double stepTokens(List<Tensor> tok) {
        return stepMicro(List.of(tok));
    }

    /** One iteration on micro-batches' patch tokens, each as {@link #stepTokens} takes them; returns the weighted loss. */
    double stepMicro(List<List<Tensor>> micro) {
        int epoch = (int) (iteration / stepsPerEpoch);
        long images = 0;
        for (List<Tensor> tok : micro) {
            images += tok.get(0).size(0);
        }
        double value = 0;
        try (Scope scope = Scope.open()) {
            optimizer.zeroGrad();
            boolean split = micro.size() > 1;
            Tensor center0 = null;
            Tensor centerSum = null;
            if (split) {
                try (var g = GradMode.noGrad()) {
                    center0 = loss.center().mul(1.0);
                    centerSum = loss.center().mul(0.0);
                }
            }
            for (List<Tensor> tok : micro) {
                double w = (double) tok.get(0).size(0) / images;
                try (Scope part = Scope.open()) {
                    Tensor globals = F.cat(tok.subList(0, 2), 0);
                    Tensor t;
                    Tensor s;
                    try (Autocast ac = autocast ? Autocast.enable(DType.BF16, device.kind()) : Autocast.disable()) {
                        try (var g = GradMode.noGrad()) {
                            t = teacherHead.forward(teacher.forwardTokens(globals));
                        }
                        s = studentHead.forward(student.forwardTokens(globals));
                        if (tok.size() > 2) {
                            s = F.cat(List.of(s, studentHead.forward(student.forwardTokens(F.cat(tok.subList(2, tok.size()), 0)))), 0);
                        }
                    }
                    if (autocast) {
                        // the loss's softmaxes and centre in float32, as autocast would run them
                        t = t.to(DType.F32);
                        s = s.to(DType.F32);
                    }
                    if (split) {
                        // every micro-batch is scored against the step's starting centre; the loss moves it, so put it back
                        try (var g = GradMode.noGrad()) {
                            loss.center().copyFrom(center0);
                        }
                    }
                    if (observer != null) {
                        observer.outputs(iteration, globals, t, s, loss.center(), loss.teacherTemperature(epoch));
                    }
                    Tensor l = loss.loss(s, t, epoch);
                    if (split) {
                        // centre_i = m c0 + (1 - m) mean_i, so the images' weighted mean of centre_i is one update by the whole batch's mean
                        try (var g = GradMode.noGrad()) {
                            centerSum.addInPlace(loss.center(), w);
                        }
                    }
                    value += w * l.item();
                    (split ? l.mul(w) : l).backward();
                }
            }
            if (observer != null) {
                observer.gradients(iteration);
            }
            try (var g = GradMode.noGrad()) {
                if (split) {
                    loss.center().copyFrom(centerSum);
                }
                if (epoch < opt.freezeLastLayerEpochs()) {
                    studentHead.lastLayerV().data().zeroGrad();   // DINO's cancel_gradients_last_layer: no update at all
                }
                clipEach(opt.clip());
                double rate = lr.lr(iteration);
                double decay = wd.lr(iteration);
                optimizer.setLearningRate(rate);
                for (Parameter p : decayed) {
                    if (p.data().gradReceived()) {
                        p.data().mulInPlace(1 - rate * decay);
                    }
                }
                optimizer.step();
                optimizer.zeroGrad();
                double m = momentum.lr(iteration);
                ema(student, teacher, m);
                ema(studentHead, teacherHead, m);
            }
        }
        iteration++;
        return value;
    }

    /** g *= min(1, clip / (||g|| + 1e-6)) for each gradient tensor on its own (DINO's clip_gradients). */
    private void clipEach(double clip) {
        if (clip <= 0) {
            return;
        }
        for (Module m : List.of(student, studentHead)) {
            for (Parameter p : m.parameters()) {
                if (p.data().gradReceived() && p.grad() != null) {
                    double norm = p.grad().norm(2, null, false).item();
                    double coef = clip / (norm + 1e-6);
                    if (coef < 1) {
                        p.grad().mulInPlace(coef);
                    }
                }
            }
        }
    }

    /** teacher = m * teacher + (1 - m) * student over parameters (buffers untouched, as DINO). */
    private static void ema(Module student, Module teacher, double m) {
        Map<String, Parameter> s = student.namedParameters();
        for (Map.Entry<String, Parameter> e : teacher.namedParameters().entrySet()) {
            e.getValue().data().mulInPlace(m).addInPlace(s.get(e.getKey()).data(), 1 - m);
        }
    }

    /**
     * Saves everything a step depends on: student, teacher, both heads, the DINO centre, the
     * optimizer's moments, the generators' positions (landmark noise and sampling, dropout) and
     * the iteration, with extra metadata (such as the data position). The frozen landmark CNN is
     * not saved: it comes from its own file, which the run is started with again.
     */
    public void save(Path file, Map<String, String> extra) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(entries());
        meta.put("recipe", "panface lafs pretrain");
        meta.putAll(extra);
        Checkpoint.save(file, modules(), optimizer, generators(), iteration, meta);
    }

    /** Restores a state saved by a run with the same options; returns the checkpoint's metadata. */
    public Map<String, String> resume(Path file) throws IOException {
        Checkpoint.State st = Checkpoint.load(file);
        LafsResume.checkEntries(file, entries(), st.metadata(), OPTIONAL_ENTRIES);
        try (var g = GradMode.noGrad()) {
            Checkpoint.restore(st, modules(), optimizer, generators());
        }
        iteration = st.step();
        return st.metadata();
    }

    /** The entries {@link #entries} writes only when not at their defaults. */
    private static final Set<String> OPTIONAL_ENTRIES = Set.of("lafs.pretrain.autocast", "lafs.pretrain.dino", "lafs.pretrain.temperatures");

    private Map<String, String> entries() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("lafs.pretrain.options", opt.toString());
        m.put("lafs.pretrain.steps_per_epoch", Long.toString(stepsPerEpoch));
        if (autocast) {
            // recorded only when on, so states saved before autocast was an option still resume
            m.put("lafs.pretrain.autocast", "bf16");
        }
        if (!dino.equals(Dino.LAFS)) {
            // recorded only when not LAFS's, so states saved before these were options still resume
            m.put("lafs.pretrain.dino", dino.toString());
        }
        if (!temperatures.equals(Temperatures.LAFS)) {
            // recorded only when not LAFS's, so states saved before the temperatures were an option still resume
            m.put("lafs.pretrain.temperatures", temperatures.toString());
        }
        return m;
    }

    private Map<String, Module> modules() {
        Map<String, Module> m = new LinkedHashMap<>();
        m.put("student", student);
        m.put("student_head", studentHead);
        m.put("teacher", teacher);
        m.put("teacher_head", teacherHead);
        m.put("dino_loss", loss);
        return m;
    }

    private Map<String, Generator> generators() {
        Map<String, Generator> g = new LinkedHashMap<>();
        g.put("landmarks", gen);
        String[] names = {"student", "student_head", "teacher", "teacher_head"};
        for (int i = 0; i < names.length; i++) {
            g.put(names[i], networkGens.get(i));
        }
        return g;
    }

    /** Frees the optimizer's state. */
    @Override
    public void close() {
        home.close();
    }
}
