package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.QueueInfoNce;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * QUD's queue on 2 in-process ranks: each rank enqueues the all-gathered teacher keys, so after
 * every step each rank's queue and pointer equal those of one process that saw the concatenated
 * batch, bit for bit (the same normalised rows copied to the same places), through a wrap of
 * the ring. The mean of the ranks' losses equals the single process's loss to 1e-12 (float64,
 * the same terms averaged in two stages).
 */
class QueueAllGatherTest {
    private static final int WORLD = 2;
    private static final int B = 4;
    private static final int E = 6;
    private static final int K = 16;
    private static final int STEPS = 3;

    record RankResult(double[] losses, double[][] queues, long[] pointers) {
    }

    @Test
    void gatheredQueueEqualsSingleProcessQueueOnTheConcatenatedBatch() {
        Generator data = new Generator(11);
        Tensor[] students = new Tensor[STEPS];
        Tensor[] teachers = new Tensor[STEPS];
        for (int t = 0; t < STEPS; t++) {
            students[t] = Tensor.randn(data, WORLD * B, E).to(DType.F64);
            teachers[t] = Tensor.randn(data, WORLD * B, E).to(DType.F64);
        }
        QueueInfoNce.Config cfg = QueueInfoNce.Config.paper().withQueueSize(K);
        QueueInfoNce single = new QueueInfoNce(cfg, E, new Generator(5));
        single.setState(single.queue().to(DType.F64), 0);
        double[] singleLoss = new double[STEPS];
        double[][] singleQueue = new double[STEPS][];
        long[] singlePtr = new long[STEPS];
        for (int t = 0; t < STEPS; t++) {
            singleLoss[t] = single.loss(students[t], teachers[t]).item();
            singleQueue[t] = single.queue().toDoubleArray();
            singlePtr[t] = single.pointer();
        }
        List<RankResult> ranks = InProcessGroup.run(WORLD, comm -> {
            QueueInfoNce q = new QueueInfoNce(cfg, E, new Generator(5));
            q.setState(q.queue().to(DType.F64), 0);
            q.setKeyGather(comm::allGather);
            int r = comm.rank();
            double[] losses = new double[STEPS];
            double[][] queues = new double[STEPS][];
            long[] ptrs = new long[STEPS];
            for (int t = 0; t < STEPS; t++) {
                losses[t] = q.loss(students[t].narrow(0, r * B, B), teachers[t].narrow(0, r * B, B)).item();
                queues[t] = q.queue().toDoubleArray();
                ptrs[t] = q.pointer();
            }
            return new RankResult(losses, queues, ptrs);
        });
        assertEquals(0, singlePtr[1], "two gathered batches of 8 fill the queue of 16 and the pointer wraps");
        for (int t = 0; t < STEPS; t++) {
            double mean = 0;
            for (RankResult rr : ranks) {
                assertArrayEquals(singleQueue[t], rr.queues()[t], 0.0, "queue after step " + (t + 1));
                assertEquals(singlePtr[t], rr.pointers()[t]);
                mean += rr.losses()[t] / WORLD;
            }
            assertEquals(singleLoss[t], mean, 1e-12, "loss at step " + (t + 1));
        }
    }

    @Test
    void queueNotAMultipleOfTheGatheredBatchIsRefusedWithTheNumbers() {
        CollectiveException e = assertThrows(CollectiveException.class, () -> InProcessGroup.run(WORLD, comm -> {
            QueueInfoNce q = new QueueInfoNce(QueueInfoNce.Config.paper().withQueueSize(12), E, new Generator(5));
            q.setKeyGather(comm::allGather);
            Generator g = new Generator(3 + comm.rank());
            return q.loss(Tensor.randn(g, B, E), Tensor.randn(g, B, E)).item();
        }));
        String m = messages(e);
        assertTrue(m.contains("12") && m.contains("multiple") && m.contains("= 8"), m);
    }

    private static String messages(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
