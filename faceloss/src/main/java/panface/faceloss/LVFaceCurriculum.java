package panface.faceloss;

import panface.nn.Module;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * LVFace's two-stage loss schedule (the paper's v1 text; no training code is public, so every
 * open point is a named config value). Early stage (epoch &lt; switchEpoch): ArcFace (s=64,
 * m=0.5) with Partial FC negative sampling. From the switch: the full softmax (sample rate 1)
 * plus the EPL prototype term, L = (CE(z^W) + CE(z^P)) / 2. Prototypes are updated from the first
 * step (they are cheap to keep), so they are warm at the switch. Keys: fc.weight,
 * epl.prototypes.
 */
public final class LVFaceCurriculum extends Module {

    /** The schedule's settings; {@link #defaults()} gives the reconstruction the reference recommends. */
    public record Config(int switchEpoch, Margin margin, double sampleRate, double eplK, boolean warmPrototypesFromStart,
                         EmpiricalPrototypes.Rule rule, boolean marginOnPrototypes) {
        /** Switch at epoch 40 of 100, ArcFace s=64 m=0.5 straight-through, sample rate 0.3, k=0.7, softsign, warm prototypes. */
        public static Config defaults() {
            return new Config(40, Margin.arcFace(64, 0.5), 0.3, 0.7, true, EmpiricalPrototypes.Rule.SOFTSIGN, false);
        }
    }

    /** The stages. */
    public enum Stage { EARLY, STABLE }

    private final Config config;
    private final PartialFC fc;
    private final EmpiricalPrototypes prototypes;
    private final EplLoss epl;

    public LVFaceCurriculum(Config config, int numClasses, int dim, Generator gen) {
        this.config = config;
        this.fc = child("fc", new PartialFC(numClasses, dim, config.sampleRate(), config.margin(), gen));
        this.prototypes = child("epl", new EmpiricalPrototypes(numClasses, dim, config.rule(), gen.fork(0xE91)));
        this.epl = new EplLoss(config.eplK(), config.marginOnPrototypes());
    }

    public Config config() {
        return config;
    }

    public PartialFC fc() {
        return fc;
    }

    public EmpiricalPrototypes prototypes() {
        return prototypes;
    }

    /** The stage of an epoch (0-based). */
    public Stage stage(int epoch) {
        return epoch < config.switchEpoch() ? Stage.EARLY : Stage.STABLE;
    }

    /**
     * The loss of a step in an epoch. As EPL's reference, the prototypes are updated from this
     * batch first and the prototype term then uses them.
     */
    public Tensor loss(Tensor embeddings, Tensor labels, int epoch) {
        return loss(embeddings, labels, stage(epoch));
    }

    /**
     * The loss of a step in a given stage, for trainers that place the switch by step rather
     * than by epoch (a fraction of the run, or data whose epochs are longer than the run).
     */
    public Tensor loss(Tensor embeddings, Tensor labels, Stage st) {
        fc.setSampleRate(st == Stage.EARLY ? config.sampleRate() : 1.0);
        if (st == Stage.STABLE || config.warmPrototypesFromStart()) {
            prototypes.update(embeddings, labels);
        }
        Tensor l = fc.loss(embeddings, labels);
        if (st == Stage.STABLE) {
            l = epl.loss(l, embeddings, labels, prototypes.prototypes(), config.margin());
        }
        return l;
    }
}
