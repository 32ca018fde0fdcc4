package panface.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.distributed.DataParallel;
import panface.distributed.InProcessGroup;
import panface.faceloss.LVFaceCurriculum.Stage;
import panface.nn.Parameter;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * The data-parallel recipe on two in-process ranks against the single-process recipe on the
 * concatenated batch: the same losses and, after early and stable steps, the same backbone,
 * class centres and EPL prototypes. Every class is sampled (sample rate 1), since with sampling
 * the ranks draw their negatives from their own streams by design. The backbones run with their
 * BatchNorm layers in evaluation mode: in training mode each rank normalises with its own
 * batch's statistics (as insightface's data-parallel training, without synchronised BatchNorm),
 * which the single process on the whole batch cannot reproduce; everything else is the same.
 */
class ShardedRecipeTrainerTest {
    private static final int WORLD = 2;

    private static LVFaceRecipe tiny() {
        // 2 early steps, then 2 stable steps with EPL; a small ViT so the test stays fast
        return LVFaceRecipe.parse(Map.of(), Map.of("steps", "4", "batch", "8", "identities", "10", "images_per_identity", "4", "dim", "16",
                "depth", "1", "patch", "28", "embedding", "16", "sample_rate", "1", "switch_at", "0.5"));
    }

    /** One rank's initial shards and, after the run, its backbone, shards and losses. */
    record RankRun(float[] centres0, float[] prototypes0, List<float[]> backbone, float[] centres, float[] prototypes, double[] losses,
                   List<Stage> stages) {
    }

    @Test
    void twoRanksEqualTheSingleProcessRecipeOnTheConcatenatedBatch() {
        LVFaceRecipe r = tiny();
        List<RankRun> ranks = InProcessGroup.run(WORLD, comm -> {
            try (Scope s = Scope.open(); DataParallel dp = new DataParallel(comm)) {
                SyntheticIdentities share = new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed(), comm.rank(),
                        WORLD);
                ShardedRecipeTrainer t = new ShardedRecipeTrainer(r, share, Device.CPU, false, dp);
                t.model().eval();
                float[] c0 = t.fc().weight().data().toFloatArray();
                float[] p0 = t.prototypes().prototypes().toFloatArray();
                double[] losses = new double[r.steps()];
                List<Stage> stages = new ArrayList<>();
                for (int i = 0; i < r.steps(); i++) {
                    RecipeTrainer.StepResult res = t.trainStep();
                    losses[i] = res.loss();
                    stages.add(res.stage());
                }
                return new RankRun(c0, p0, arrays(t.model().parameters()), t.fc().weight().data().toFloatArray(),
                        t.prototypes().prototypes().toFloatArray(), losses, stages);
            }
        });
        assertEquals(List.of(Stage.EARLY, Stage.EARLY, Stage.STABLE, Stage.STABLE), ranks.get(0).stages());
        // replicas apply the same averaged gradients to the same broadcast weights: bit for bit equal
        for (int i = 0; i < ranks.get(0).backbone().size(); i++) {
            assertArrayEquals(ranks.get(0).backbone().get(i), ranks.get(1).backbone().get(i), "backbone parameter " + i);
        }
        assertArrayEquals(ranks.get(0).losses(), ranks.get(1).losses(), 0, "the loss is the global mean on every rank");

        try (Scope s = Scope.open()) {
            RecipeTrainer single = new RecipeTrainer(r, new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed()),
                    Device.CPU, false);
            single.model().eval();
            // the shards draw their initial rows from per-rank streams: start the single process from their concatenation
            try (var ng = GradMode.noGrad()) {
                single.head().fc().weight().data().copyFrom(rows(ranks, true, r.embedding()));
                single.head().prototypes().prototypes().copyFrom(rows(ranks, false, r.embedding()));
            }
            double[] losses = new double[r.steps()];
            for (int i = 0; i < r.steps(); i++) {
                losses[i] = single.trainStep().loss();
            }
            // float32 sums grouped per rank then across ranks, with logits scaled by s=64: a relative 1e-5 of losses near 50
            assertArrayEquals(losses, ranks.get(0).losses(), 5e-4, "losses");
            List<float[]> backbone = arrays(single.model().parameters());
            float[] centres = single.head().fc().weight().data().toFloatArray();
            float[] prototypes = single.head().prototypes().prototypes().toFloatArray();
            // float32 gradients that differ in their last bits, through four AdamW steps of at most about lr (2e-3) each:
            // differences of order 1e-6, a hundredth of the centres' movement that the last assertion requires
            double tol = 2e-5;
            double moved = 0;
            for (int i = 0; i < backbone.size(); i++) {
                assertClose(backbone.get(i), ranks.get(0).backbone().get(i), tol, "backbone parameter " + i);
            }
            assertClose(centres, concat(ranks.get(0).centres(), ranks.get(1).centres()), tol, "class centres");
            assertClose(prototypes, concat(ranks.get(0).prototypes(), ranks.get(1).prototypes()), tol, "EPL prototypes");
            float[] c0 = concat(ranks.get(0).centres0(), ranks.get(1).centres0());
            for (int i = 0; i < c0.length; i++) {
                moved = Math.max(moved, Math.abs(c0[i] - centres[i]));
            }
            assertTrue(moved > 10 * tol, "the steps must move the centres well beyond the tolerance, moved " + moved);
        }
    }

    /** Small buckets, so that the tiny ViT's gradients travel in several, most of them started during the backward pass. */
    @Test
    void theAllReduceOverlappedWithBackwardOrAfterItGivesTheSameWeightsBitForBit() {
        LVFaceRecipe r = tiny();
        List<List<List<float[]>>> runs = new ArrayList<>();
        for (boolean overlap : new boolean[] {true, false}) {
            runs.add(InProcessGroup.run(WORLD, comm -> {
                try (Scope s = Scope.open(); DataParallel dp = new DataParallel(comm).setOverlap(overlap).setBucketBytes(4096)) {
                    SyntheticIdentities share = new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed(),
                            comm.rank(), WORLD);
                    ShardedRecipeTrainer t = new ShardedRecipeTrainer(r, share, Device.CPU, false, dp);
                    assertTrue(dp.gradients().buckets().size() > 3, dp.gradients().buckets().size() + " buckets");
                    for (int i = 0; i < r.steps(); i++) {
                        t.trainStep();
                    }
                    List<float[]> out = arrays(t.model().parameters());
                    out.add(t.fc().weight().data().toFloatArray());
                    return out;
                }
            }));
        }
        for (int rank = 0; rank < WORLD; rank++) {
            for (int i = 0; i < runs.get(0).get(rank).size(); i++) {
                assertArrayEquals(runs.get(1).get(rank).get(i), runs.get(0).get(rank).get(i), "parameter " + i + " of rank " + rank);
            }
        }
    }

    @Test
    void aNonFiniteShardOnOneRankStopsEveryRankBeforeTheUpdate() {
        LVFaceRecipe r = tiny();
        List<String> outcomes = InProcessGroup.run(WORLD, comm -> {
            try (Scope s = Scope.open(); DataParallel dp = new DataParallel(comm)) {
                SyntheticIdentities share = new SyntheticIdentities(r.identities(), r.imagesPerIdentity(), r.batch(), r.seed(), comm.rank(),
                        WORLD);
                ShardedRecipeTrainer t = new ShardedRecipeTrainer(r, share, Device.CPU, false, dp);
                if (comm.rank() == 1) {
                    // a NaN centre on rank 1 only: the global loss is NaN, and no rank may take the step
                    try (var ng = GradMode.noGrad()) {
                        t.fc().weight().data().copyFrom(t.fc().weight().data().mul(0).add(Float.NaN));
                    }
                }
                float[] before = t.model().parameters().get(0).data().toFloatArray();
                try {
                    t.trainStep();
                    return "stepped";
                } catch (RecipeTrainer.Diverged e) {
                    boolean kept = java.util.Arrays.equals(before, t.model().parameters().get(0).data().toFloatArray());
                    return (kept ? "stopped, weights kept: " : "stopped, weights changed: ") + e.getMessage();
                }
            }
        });
        for (String o : outcomes) {
            assertTrue(o.startsWith("stopped, weights kept: "), o);
        }
    }

    private static Tensor rows(List<RankRun> ranks, boolean centres, int dim) {
        float[] all = concat(centres ? ranks.get(0).centres0() : ranks.get(0).prototypes0(), centres ? ranks.get(1).centres0()
                : ranks.get(1).prototypes0());
        return Tensor.of(all, all.length / dim, dim);
    }

    private static List<float[]> arrays(List<Parameter> ps) {
        List<float[]> out = new ArrayList<>();
        for (Parameter p : ps) {
            out.add(p.data().toFloatArray());
        }
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(worst <= tol, what + ": largest difference " + worst + " > " + tol);
    }
}
