package panface.distributed;

import panface.nativebindings.nccl.NcclCommunicator;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.cuda.CudaInterop;

/**
 * The production communicator: one process per GPU, collectives by NCCL on the device's stream
 * (so they run in order with the backend's kernels, and no host synchronisation is needed
 * between a backward pass and its gradient all-reduce). Rank 0 creates the NCCL unique id and
 * hands it to the others through the rendezvous store. Tensors must be contiguous and on this
 * rank's device. NCCL errors carry NCCL's own message; an asynchronous error is checked at
 * {@link #barrier}.
 */
public final class NcclCollectives implements Communicator {
    private final Rendezvous rdzv;
    private final Device device;
    private final NcclCommunicator nccl;

    private NcclCollectives(Rendezvous rdzv, Device device, NcclCommunicator nccl) {
        this.rdzv = rdzv;
        this.device = device;
        this.nccl = nccl;
    }

    /** Joins the NCCL communicator of the rendezvous' ranks on the given GPU. */
    public static NcclCollectives create(Rendezvous rdzv, Device device) {
        if (device.isCpu()) {
            throw new IllegalArgumentException("NCCL needs a GPU; use StoreCollectives on the CPU");
        }
        byte[] id;
        if (rdzv.rank() == 0) {
            id = NcclCommunicator.uniqueId();
            rdzv.store().set("nccl/id", id);
        } else {
            try {
                id = rdzv.store().get("nccl/id", rdzv.env().timeout());
            } catch (CollectiveException e) {
                throw new CollectiveException("rank " + rdzv.rank() + " did not receive the NCCL id from rank 0 within "
                        + CollectiveException.duration(rdzv.env().timeout()), e);
            }
        }
        try (Scope s = Scope.open()) {
            // the communicator is bound to the context current at creation: the device's own
            CudaInterop.makeCurrent(Tensor.zeros(device, DType.F32, 1).asView());
            return new NcclCollectives(rdzv, device, NcclCommunicator.initRank(id, rdzv.worldSize(), rdzv.rank()));
        }
    }

    @Override
    public int rank() {
        return nccl.rank();
    }

    @Override
    public int worldSize() {
        return nccl.size();
    }

    private void check(Tensor t) {
        if (!t.device().equals(device) || !t.isContiguous()) {
            throw new IllegalArgumentException("NCCL collectives on rank " + rank() + " need contiguous tensors on " + device + ", got "
                    + t.describe());
        }
        CudaInterop.makeCurrent(t.asView());
    }

    static NcclCommunicator.DataType type(DType d) {
        return switch (d) {
            case F32 -> NcclCommunicator.DataType.FLOAT32;
            case F64 -> NcclCommunicator.DataType.FLOAT64;
            case F16 -> NcclCommunicator.DataType.FLOAT16;
            case BF16 -> NcclCommunicator.DataType.BFLOAT16;
            case I32 -> NcclCommunicator.DataType.INT32;
            case I64 -> NcclCommunicator.DataType.INT64;
            case BOOL -> NcclCommunicator.DataType.UINT8;
        };
    }

    private static NcclCommunicator.ReduceOp op(Op op) {
        return op == Op.SUM ? NcclCommunicator.ReduceOp.SUM : NcclCommunicator.ReduceOp.MAX;
    }

    @Override
    public void allReduce(Tensor t, Op op) {
        check(t);
        long p = CudaInterop.dataPointer(t.asView());
        nccl.allReduce(p, p, t.numel(), type(t.dtype()), op(op), CudaInterop.stream(t.asView()));
    }

    @Override
    public Tensor allGather(Tensor t) {
        check(t);
        int[] shape = t.shape().clone();
        shape[0] *= worldSize();
        Tensor out = Tensor.empty(device, t.dtype(), shape);
        nccl.allGather(CudaInterop.dataPointer(t.asView()), CudaInterop.dataPointer(out.asView()), t.numel(), type(t.dtype()), CudaInterop.stream(t.asView()));
        return out;
    }

    @Override
    public Tensor reduceScatter(Tensor t, Op op) {
        check(t);
        if (t.dim() == 0 || t.size(0) % worldSize() != 0) {
            throw new IllegalArgumentException("reduceScatter needs a first dimension divisible by the world size " + worldSize() + ", got "
                    + t.describe());
        }
        int[] shape = t.shape().clone();
        shape[0] /= worldSize();
        Tensor out = Tensor.empty(device, t.dtype(), shape);
        nccl.reduceScatter(CudaInterop.dataPointer(t.asView()), CudaInterop.dataPointer(out.asView()), out.numel(), type(t.dtype()), op(op),
                CudaInterop.stream(t.asView()));
        return out;
    }

    @Override
    public void broadcast(Tensor t, int root) {
        check(t);
        long p = CudaInterop.dataPointer(t.asView());
        nccl.broadcast(p, p, t.numel(), type(t.dtype()), root, CudaInterop.stream(t.asView()));
    }

    /** Every rank's queued work reaches this point (a one-element all-reduce read back), then pending NCCL errors are raised. */
    @Override
    public void barrier() {
        try (Scope s = Scope.open()) {
            Tensor one = Tensor.zeros(device, DType.F32, 1);
            allReduce(one, Op.SUM);
            one.item();
        }
        var err = nccl.asyncError();
        if (err != null) {
            throw err;
        }
    }

    @Override
    public void close() {
        nccl.close();
    }
}
