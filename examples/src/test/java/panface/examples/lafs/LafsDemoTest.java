package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.PrintStream;

import org.junit.jupiter.api.Test;

import panface.faceloss.DinoLoss;

/** The demo's comparison: with the paired start the two arms differ only by what stage (2) changed. */
class LafsDemoTest {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    /**
     * A run of seconds (16 x 1 images for stage 2, fine-tuning 2 steps on 8 identities, 40 pairs). With momentum 1 the
     * LAFS teacher's cosine runs from 1 to 1, so it stays the copy of the student's first weights.
     */
    private static LafsDemo.Settings tiny(int stage2Steps, double momentum, boolean paired, LafsDemo.Pretraining pretraining) {
        return new LafsDemo.Settings(5, 1.6, 0, 1e-2, 16, 1, stage2Steps, 1, momentum, 0.04, 16, 5e-4, false, 1, true, false, 8, 1, 2, 8, 8,
                40, DinoLoss.Centering.EMA, false, 0, 1.0, paired, 1.0, pretraining);
    }

    private static void assertSameArms(LafsDemo.Outcome o) {
        assertEquals(o.randomOnly().roc().auc(), o.pretrainedOnly().roc().auc(), "both arms start from stage 2's first weights");
        assertEquals(o.scratch().roc().auc(), o.pretrained().roc().auc(), "and fine-tune the same way");
        assertEquals(o.scratch().tenFold().accuracyMean(), o.pretrained().tenFold().accuracyMean());
    }

    @Test
    void withThePairedStartAnUnchangedTeacherFineTunesExactlyAsTheScratchArm() throws Exception {
        assertSameArms(LafsDemo.run(tiny(4, 1.0, true, LafsDemo.Pretraining.LAFS), QUIET));
    }

    @Test
    void withoutItTheScratchArmStartsFromItsOwnDraw() throws Exception {
        LafsDemo.Outcome o = LafsDemo.run(tiny(4, 1.0, false, LafsDemo.Pretraining.LAFS), QUIET);
        assertNotEquals(o.randomOnly().roc().auc(), o.pretrainedOnly().roc().auc(), "two random Part fViTs");
    }

    @Test
    void theSupervisedBoundStartsWhereTheScratchArmDoesAndItsStepsMoveTheWeights() throws Exception {
        assertSameArms(LafsDemo.run(tiny(0, 0.99, true, LafsDemo.Pretraining.SUPERVISED), QUIET));
        LafsDemo.Outcome o = LafsDemo.run(tiny(4, 0.99, true, LafsDemo.Pretraining.SUPERVISED), QUIET);
        assertNotEquals(o.randomOnly().roc().auc(), o.pretrainedOnly().roc().auc(), "4 supervised steps");
    }
}
