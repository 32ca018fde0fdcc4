package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.PrintStream;

import org.junit.jupiter.api.Test;

import panface.faceloss.DinoLoss;

/** The demo's comparison: with the paired start the two arms differ only by what the pretraining changed. */
class LafsDemoTest {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    /**
     * A run in which the pretraining cannot change the teacher: the teacher momentum is 1 throughout
     * (its cosine runs from 1 to 1), so the teacher stays the copy of the student's first weights.
     */
    private static LafsDemo.Settings frozenTeacher(boolean paired) {
        return new LafsDemo.Settings(5, 1.6, 0, 1e-2, 16, 1, 4, 1, 1.0, 0.04, 16, 5e-4, false, 1, true, false, 8, 1, 2, 8, 8, 40,
                DinoLoss.Centering.EMA, false, 0, 1.0, paired);
    }

    @Test
    void withThePairedStartAnUnchangedTeacherFineTunesExactlyAsTheScratchArm() throws Exception {
        LafsDemo.Outcome o = LafsDemo.run(frozenTeacher(true), QUIET);
        assertEquals(o.randomOnly().roc().auc(), o.pretrainedOnly().roc().auc(), "both arms start from the pretraining's first weights");
        assertEquals(o.scratch().roc().auc(), o.pretrained().roc().auc(), "and fine-tune the same way");
        assertEquals(o.scratch().tenFold().accuracyMean(), o.pretrained().tenFold().accuracyMean());
    }

    @Test
    void withoutItTheScratchArmStartsFromItsOwnDraw() throws Exception {
        LafsDemo.Outcome o = LafsDemo.run(frozenTeacher(false), QUIET);
        assertNotEquals(o.randomOnly().roc().auc(), o.pretrainedOnly().roc().auc(), "two random Part fViTs");
    }
}
