package panface.distributed;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import panface.nn.Parameter;
import panface.nn.ParameterSlab;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.GradientReadyHook;

/**
 * The data-parallel gradient average: after every rank's backward pass, each gradient becomes
 * the mean over ranks of that gradient (PyTorch DDP's semantics; with the all-gather of
 * {@link AllGather}, whose backward multiplies by W, that is exactly the gradient of the global
 * mean loss). Gradients travel in buckets of at most {@code bucketBytes} (DDP's bucket_cap_mb; the
 * reference trainer uses 16 MiB), taken from the last parameter backwards, the order in which a
 * backward pass finishes them. A parameter whose gradient was not written on some rank since the
 * last zeroGrad (unused there: {@link Tensor#gradReceived}) contributes zeros; it ends with a
 * received gradient on every rank if any rank had one, and with none everywhere otherwise, so
 * the optimizers of all ranks (which skip parameters without one) stay in step.
 *
 * <p>{@link #run()} averages after the backward pass; {@link #backward} overlaps the two, starting
 * each bucket's all-reduce as soon as the autograd engine reports its gradients final
 * ({@link GradientReadyHook}), on a communicator that can run it beside the backward pass (the
 * in-process group's and the store's collective thread; NCCL queues it on the device's stream).
 * Every rank must then call the same other collectives in its backward pass in the same order
 * relative to the buckets, which holds when every rank's graph reaches the same replicated
 * parameters (PyTorch DDP's default, without find_unused_parameters).
 */
public final class GradientAllReduce {
    /** The reference trainer's bucket size: 16 MiB. */
    public static final long DEFAULT_BUCKET_BYTES = 16L << 20;

    private final Communicator comm;
    private final List<List<Parameter>> buckets = new ArrayList<>();
    private final DType wire;
    private InFlight inFlight;

    /** Buckets of at most bucketBytes, sent in the parameters' own dtype. */
    public GradientAllReduce(Communicator comm, List<Parameter> params, long bucketBytes) {
        this(comm, params, bucketBytes, null);
    }

    /**
     * Buckets of at most bucketBytes (counted in the parameters' dtype); with a compression
     * dtype (F16 or BF16), each rank sends its bucket in it and the ranks' contributions are
     * summed in float32, in rank order, from the gathered buckets: half the bytes on the wire for
     * float32 gradients, at the cost of rounding each contribution to the narrower type (float16
     * also overflows beyond 65504; bfloat16 keeps float32's range). Null: no compression.
     */
    public GradientAllReduce(Communicator comm, List<Parameter> params, long bucketBytes, DType compression) {
        if (compression != null && compression != DType.F16 && compression != DType.BF16) {
            throw new IllegalArgumentException("gradient compression is to F16 or BF16, got " + compression);
        }
        this.wire = compression;
        if (bucketBytes <= 0) {
            throw new IllegalArgumentException("bucket size must be positive, got " + bucketBytes);
        }
        this.comm = comm;
        List<Parameter> current = new ArrayList<>();
        long bytes = 0;
        for (int i = params.size() - 1; i >= 0; i--) {
            Parameter p = params.get(i);
            if (!p.requiresGrad()) {
                continue;
            }
            long size = (long) p.data().numel() * p.data().dtype().byteSize();
            boolean sameKind = current.isEmpty() || (current.get(0).data().device().equals(p.data().device())
                    && current.get(0).data().dtype() == p.data().dtype());
            if (!current.isEmpty() && (!sameKind || bytes + size > bucketBytes)) {
                buckets.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(p);
            bytes += size;
        }
        if (!current.isEmpty()) {
            buckets.add(current);
        }
    }

    /** The buckets, each a list of parameters sent in one collective. */
    public List<List<Parameter>> buckets() {
        return buckets;
    }

    /** Replaces every gradient by its mean over ranks (one all-reduce per bucket, after the backward pass). */
    public void run() {
        try (var g = GradMode.noGrad()) {
            for (List<Parameter> bucket : buckets) {
                Tensor sent = pack(bucket);
                Communicator.Work w;
                if (wire == null) {
                    comm.allReduce(sent, Communicator.Op.SUM);
                    w = Communicator.Work.done(null);
                } else {
                    w = Communicator.Work.done(comm.allGather(sent));
                }
                unpack(bucket, sum(bucket, sent, w));
            }
        }
    }

    /**
     * Runs loss.backward() and averages the gradients, each bucket's all-reduce started as soon as
     * the backward pass has finished its gradients ({@link #begin}, {@link #finish}). The result
     * is bitwise that of backward() then {@link #run()}: the same buckets, reduced the same way.
     */
    public void backward(Tensor loss) {
        GradientReadyHook hook = begin();
        try (var h = GradientReadyHook.install(hook)) {
            loss.backward();
        } catch (RuntimeException e) {
            abandon();
            throw e;
        }
        finish();
    }

    /**
     * Starts an overlapped average: install the returned hook around one backward pass
     * ({@link GradientReadyHook#install}), then call {@link #finish}. A bucket's all-reduce starts
     * ({@link Communicator#allReduceAsync}) once every parameter in it is final and every earlier
     * bucket has started: the same order on every rank, whatever order the hooks come in.
     */
    public GradientReadyHook begin() {
        if (inFlight != null) {
            throw new IllegalStateException("begin() twice without finish()");
        }
        inFlight = new InFlight();
        InFlight f = inFlight;
        return leaf -> f.ready(leaf);
    }

    /**
     * Starts the buckets the backward pass did not complete (parameters it did not reach), waits
     * for every all-reduce and writes the means: call it before clipping and the optimizer step.
     */
    public void finish() {
        InFlight f = inFlight;
        if (f == null) {
            throw new IllegalStateException("finish() without begin()");
        }
        inFlight = null;
        try (var g = GradMode.noGrad()) {
            f.launch(buckets.size());
            for (int b = 0; b < buckets.size(); b++) {
                f.work[b].await();
                unpack(buckets.get(b), sum(buckets.get(b), f.flat[b], f.work[b]));
            }
        }
    }

    /** Waits for what a failed backward pass started, so that no collective is left writing; the gradients stay as they are. */
    private void abandon() {
        InFlight f = inFlight;
        inFlight = null;
        for (Communicator.Work w : f.work) {
            if (w != null) {
                try {
                    w.await();
                } catch (RuntimeException ignored) {
                    // the backward pass's own failure is the one reported
                }
            }
        }
    }

    /** The state of one overlapped average: parameters still pending per bucket, started all-reduces. */
    private final class InFlight {
        final Map<Tensor, Integer> bucketOf = new IdentityHashMap<>();
        final int[] waiting = new int[buckets.size()];
        final Tensor[] flat = new Tensor[buckets.size()];
        final Communicator.Work[] work = new Communicator.Work[buckets.size()];
        int started;

        InFlight() {
            // looked up now, not when the buckets were made: a parameter's tensor may have been replaced since (packed, moved)
            for (int b = 0; b < buckets.size(); b++) {
                for (Parameter p : buckets.get(b)) {
                    bucketOf.put(p.data(), b);
                }
                waiting[b] = buckets.get(b).size();
            }
        }

        void ready(Tensor leaf) {
            Integer b = bucketOf.remove(leaf);
            if (b == null) {
                return;
            }
            waiting[b]--;
            int upTo = started;
            while (upTo < waiting.length && waiting[upTo] == 0) {
                upTo++;
            }
            launch(upTo);
        }

        /** Starts buckets [started, upTo) in order. */
        void launch(int upTo) {
            for (; started < upTo; started++) {
                flat[started] = pack(buckets.get(started));
                work[started] = wire == null ? comm.allReduceAsync(flat[started], Communicator.Op.SUM) : comm.allGatherAsync(flat[started]);
            }
        }
    }

    /**
     * A bucket's gradients and, after them, one flag per parameter (1 when its gradient was
     * written), in one flat tensor: the flags' sum tells every rank which parameters some rank
     * wrote. An unwritten gradient contributes zeros.
     */
    private Tensor pack(List<Parameter> bucket) {
        // only the flat tensor outlives the call: the parts and zeros are freed at once
        return Scope.compute(() -> {
            Tensor first = bucket.get(0).data();
            Device dev = first.device();
            DType dt = first.dtype();
            List<Tensor> parts = new ArrayList<>();
            double[] present = new double[bucket.size()];
            for (int i = 0; i < bucket.size(); i++) {
                Parameter p = bucket.get(i);
                boolean has = p.data().gradReceived();
                present[i] = has ? 1 : 0;
                parts.add(has ? p.grad().reshape(-1) : Tensor.zeros(dev, dt, p.data().numel()));
            }
            parts.add(Tensor.of(present, present.length).to(dt).to(dev));
            Tensor flat = F.cat(parts, 0).contiguous();
            return wire == null ? flat : flat.to(wire).contiguous();
        });
    }

    /**
     * The sum over ranks of a sent bucket, in the parameters' dtype: the bucket itself after an
     * all-reduce; with compression, the gathered contributions summed in float32 in rank order
     * (the same sum on every rank), the sent and gathered buckets freed.
     */
    private Tensor sum(List<Parameter> bucket, Tensor sent, Communicator.Work w) {
        if (wire == null) {
            return sent;
        }
        Tensor gathered = w.result();
        int n = sent.numel();
        DType dt = bucket.get(0).data().dtype();
        Tensor total = Scope.compute(() -> {
            Tensor acc = gathered.narrow(0, 0, n).to(DType.F32).contiguous();
            for (int r = 1; r < comm.worldSize(); r++) {
                acc.addInPlace(gathered.narrow(0, r * n, n).to(DType.F32), 1.0);
            }
            return acc.to(dt).contiguous();
        });
        sent.storage().close();
        gathered.storage().close();
        return total;
    }

    /**
     * Writes the mean over ranks of a reduced bucket into the gradients some rank wrote, then
     * frees the bucket: at most the buckets in flight are held beside the gradients.
     */
    private void unpack(List<Parameter> bucket, Tensor flat) {
        double[] had = flat.narrow(0, flat.numel() - bucket.size(), bucket.size()).toDoubleArray();
        flat.mulInPlace(1.0 / comm.worldSize());
        int off = 0;
        for (int i = 0; i < bucket.size(); i++) {
            Parameter p = bucket.get(i);
            int n = p.data().numel();
            if (had[i] > 0) {
                Tensor mean = flat.narrow(0, off, n).reshape(p.shape());
                if (p.grad() == null) {
                    p.data().accumulateGrad(mean);
                } else {
                    p.grad().copyFrom(mean);
                    p.data().markGradReceived();
                }
            }
            off += n;
        }
        flat.storage().close();
    }

    /**
     * Averages a slab's gradients in place over ranks, in chunks of at most bucketBytes: no
     * copies, since the slab's gradients are one flat tensor already. One more small collective
     * tells every rank which members received a gradient on some rank, so that all mark the same.
     */
    public static void run(Communicator comm, ParameterSlab slab, long bucketBytes) {
        Tensor grads = slab.grads();
        if (grads == null) {
            return;
        }
        List<Parameter> members = new ArrayList<>(slab.members().values());
        double[] present = new double[members.size()];
        for (int i = 0; i < present.length; i++) {
            present[i] = members.get(i).data().gradReceived() ? 1 : 0;
        }
        int chunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, bucketBytes / grads.dtype().byteSize()));
        try (var g = GradMode.noGrad()) {
            Tensor flags = Tensor.of(present, present.length).to(grads.device());
            comm.allReduce(flags, Communicator.Op.SUM);
            double[] had = flags.toDoubleArray();
            for (int off = 0; off < grads.numel(); off += chunk) {
                Tensor part = grads.narrow(0, off, Math.min(chunk, grads.numel() - off));
                comm.allReduce(part, Communicator.Op.SUM);
                part.mulInPlace(1.0 / comm.worldSize());
            }
            for (int i = 0; i < had.length; i++) {
                if (had[i] > 0) {
                    members.get(i).data().markGradReceived();
                }
            }
        }
    }
}
