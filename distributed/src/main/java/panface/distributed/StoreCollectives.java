package panface.distributed;

import java.util.ArrayList;
import java.util.List;

import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

/**
 * Collectives of CPU processes through the rendezvous store: each rank sets its contribution
 * under the collective's sequence number and reads every other rank's. Every value crosses the
 * store's one TCP port twice, so it is meant for multi-process runs without a GPU (checking a
 * launch end to end, small CPU trainings), not for speed. A rank that does not contribute within
 * the time-out is named in the error. A rank deletes its contribution to collective n - 1 when it
 * finishes collective n: by then every rank has started n, so every rank has read n - 1.
 * {@link Communicator#allReduceAsync} runs on a collective thread of the rank.
 */
public final class StoreCollectives implements Communicator {
    private final Rendezvous rdzv;
    private final TcpStore store;
    private final CollectiveThread async;
    private long seq;
    private volatile boolean closed;

    public StoreCollectives(Rendezvous rdzv) {
        this.rdzv = rdzv;
        this.store = rdzv.store();
        this.async = new CollectiveThread("rank-" + rdzv.rank() + "-collectives");
    }

    @Override
    public int rank() {
        return rdzv.rank();
    }

    @Override
    public int worldSize() {
        return rdzv.worldSize();
    }

    private List<HostBuffer> exchange(String op, HostBuffer mine) {
        if (closed) {
            throw new IllegalStateException("communicator of rank " + rank() + " is closed");
        }
        long n = seq++;
        String prefix = "coll/" + n + "/";
        store.set(prefix + rank(), mine.toBytes());
        List<HostBuffer> all = new ArrayList<>();
        for (int r = 0; r < worldSize(); r++) {
            try {
                all.add(r == rank() ? mine : HostBuffer.fromBytes(store.get(prefix + r, rdzv.env().timeout())));
            } catch (CollectiveException e) {
                throw new CollectiveException(op + " #" + n + " on rank " + rank() + ": rank " + r + " did not contribute within "
                        + CollectiveException.duration(rdzv.env().timeout()), e);
            }
        }
        if (n > 0) {
            store.delete("coll/" + (n - 1) + "/" + rank());
        }
        return all;
    }

    @Override
    public void allReduce(Tensor t, Op op) {
        async.drain();
        reduceInPlace(t, op);
    }

    @Override
    public Work allReduceAsync(Tensor t, Op op) {
        if (closed) {
            throw new IllegalStateException("communicator of rank " + rank() + " is closed");
        }
        return async.submit(() -> reduceInPlace(t, op));
    }

    private void reduceInPlace(Tensor t, Op op) {
        List<HostBuffer> all = exchange("allReduce", HostBuffer.of(t));
        HostBuffer.checkSame("allReduce", all);
        // the host result's tensor is a temporary: freed here, not left in the caller's scope
        try (var g = GradMode.noGrad(); var s = panface.tensor.Scope.open()) {
            t.copyFrom(HostBuffer.reduce(all, op).toTensor(t.device()));
        }
    }

    @Override
    public Tensor allGather(Tensor t) {
        async.drain();
        return gather(t);
    }

    @Override
    public Work allGatherAsync(Tensor t) {
        if (closed) {
            throw new IllegalStateException("communicator of rank " + rank() + " is closed");
        }
        return async.submit(() -> gather(t));
    }

    private Tensor gather(Tensor t) {
        List<HostBuffer> all = exchange("allGather", HostBuffer.of(t));
        HostBuffer.checkSame("allGather", all);
        return HostBuffer.concat(all).toTensor(t.device());
    }

    @Override
    public Tensor reduceScatter(Tensor t, Op op) {
        async.drain();
        List<HostBuffer> all = exchange("reduceScatter", HostBuffer.of(t));
        HostBuffer.checkSame("reduceScatter", all);
        return HostBuffer.reduce(all, op).block(rank(), worldSize()).toTensor(t.device());
    }

    @Override
    public void broadcast(Tensor t, int root) {
        async.drain();
        // every rank contributes (an empty marker off the root) and reads every contribution, so that
        // finishing collective n still proves that every rank has read n - 1
        HostBuffer mine = rank() == root ? HostBuffer.of(t) : HostBuffer.of(Tensor.zeros(0));
        List<HostBuffer> all = exchange("broadcast", mine);
        if (rank() != root) {
            try (var g = GradMode.noGrad()) {
                t.copyFrom(all.get(root).toTensor(t.device(), t.shape()));
            }
        }
    }

    @Override
    public void barrier() {
        async.drain();
        rdzv.barrier("barrier");
    }

    @Override
    public void close() {
        closed = true;
        async.close();
    }
}
