package panface.distributed;

import java.util.ArrayList;
import java.util.List;

import panface.nn.Parameter;
import panface.nn.ParameterSlab;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;

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
 * <p>The all-reduce runs after the backward pass, not overlapped with it: overlapping needs the
 * autograd engine to report each gradient as it is finished, which it does not yet do.
 */
public final class GradientAllReduce {
    /** The reference trainer's bucket size: 16 MiB. */
    public static final long DEFAULT_BUCKET_BYTES = 16L << 20;

    private final Communicator comm;
    private final List<List<Parameter>> buckets = new ArrayList<>();

    public GradientAllReduce(Communicator comm, List<Parameter> params, long bucketBytes) {
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

    /** Replaces every gradient by its mean over ranks (one all-reduce per bucket). */
    public void run() {
        int world = comm.worldSize();
        try (var g = GradMode.noGrad()) {
            for (List<Parameter> bucket : buckets) {
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
                comm.allReduce(flat, Communicator.Op.SUM);
                double[] had = flat.narrow(0, flat.numel() - bucket.size(), bucket.size()).toDoubleArray();
                int off = 0;
                for (int i = 0; i < bucket.size(); i++) {
                    Parameter p = bucket.get(i);
                    int n = p.data().numel();
                    if (had[i] > 0) {
                        Tensor mean = flat.narrow(0, off, n).reshape(p.shape()).mul(1.0 / world);
                        if (p.grad() == null) {
                            p.data().accumulateGrad(mean);
                        } else {
                            p.grad().copyFrom(mean);
                            p.data().markGradReceived();
                        }
                    }
                    off += n;
                }
            }
        }
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
