package panface.faceloss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * QUD's queue settings and replacement policies, checked against float64 loops written here: the
 * paper's and the code's defaults, the reference's K % G refusal, and, once the queue is full,
 * each new key replacing the most (simQ) or least (dissimQ) similar entry not yet replaced in
 * the same batch. Exact comparisons: entries are copied, not computed.
 */
class QueueInfoNceTest {
    private static final int E = 4;

    @Test
    void paperAndCodeDefaults() {
        assertEquals(0.1, QueueInfoNce.Config.paper().tau());
        assertEquals(1024, QueueInfoNce.Config.paper().queueSize());
        assertEquals(0.07, QueueInfoNce.Config.code().tau());
        assertEquals(QueueInfoNce.Replacement.NORMAL, QueueInfoNce.Config.paper().replacement());
    }

    @Test
    void queueNotAMultipleOfTheBatchIsRefused() {
        QueueInfoNce q = new QueueInfoNce(QueueInfoNce.Config.paper().withQueueSize(10), E, new Generator(1));
        Generator g = new Generator(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.loss(Tensor.randn(g, 4, E), Tensor.randn(g, 4, E)));
        assertTrue(e.getMessage().contains("10") && e.getMessage().contains("multiple"), e.getMessage());
    }

    @Test
    void similarAndDissimilarReplaceTheNearestAndFarthestEntries() {
        for (QueueInfoNce.Replacement r : new QueueInfoNce.Replacement[] {QueueInfoNce.Replacement.SIMILAR, QueueInfoNce.Replacement.DISSIMILAR}) {
            int k = 6;
            QueueInfoNce q = new QueueInfoNce(QueueInfoNce.Config.paper().withQueueSize(k).withReplacement(r), E, new Generator(3));
            q.setState(q.queue().to(DType.F64), 0);
            Generator g = new Generator(4);
            for (int t = 0; t < 3; t++) {
                q.enqueue(Tensor.randn(g, 2, E).to(DType.F64));
            }
            assertEquals(0, q.pointer(), "filling the queue is a ring");
            double[] before = q.queue().toDoubleArray();
            Tensor keys = Tensor.randn(g, 2, E).to(DType.F64);
            double[] kv = keys.toDoubleArray();
            q.enqueue(keys);
            double[] want = before.clone();
            boolean[] taken = new boolean[k];
            for (int i = 0; i < 2; i++) {
                int best = -1;
                double bestSim = 0;
                for (int j = 0; j < k; j++) {
                    double sim = 0;
                    for (int d = 0; d < E; d++) {
                        sim += kv[i * E + d] * before[j * E + d];
                    }
                    boolean better = r == QueueInfoNce.Replacement.SIMILAR ? sim > bestSim : sim < bestSim;
                    if (!taken[j] && (best < 0 || better)) {
                        best = j;
                        bestSim = sim;
                    }
                }
                taken[best] = true;
                System.arraycopy(kv, i * E, want, best * E, E);
            }
            assertArrayEquals(want, q.queue().toDoubleArray(), 0.0, r.name());
            assertEquals(0, q.pointer(), "replacement leaves the ring pointer");
        }
    }
}
