package panface.distributed;

import java.util.ArrayList;
import java.util.List;

import panface.faceloss.Margin;
import panface.nn.Buffer;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.Backends;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * What a training loop needs to run data-parallel, in one object: the rank and world, the device
 * of this rank, the start-of-training broadcast of the replicated model, the gradient average of
 * the replicated parameters after each backward pass, and the model-parallel Partial FC head,
 * whose centres are sharded and never averaged.
 *
 * <p>A step on every rank: forward the local batch through the backbone; {@code loss =
 * pfc.loss(embeddings, labels)} (the same global-mean scalar on every rank); {@link
 * #backward(Tensor) dp.backward(loss)}, the backward pass with the gradient average overlapped
 * (or, with {@link #setOverlap setOverlap(false)}, run after it); clip the backbone's gradients;
 * one optimizer step over backbone and shard. The replicas stay identical because they start
 * identical ({@link #broadcast}) and apply identical averaged gradients.
 *
 * <pre>{@code
 * try (DataParallel dp = DataParallel.fromEnvironment(DataParallel.deviceFor(DistEnv.fromEnvironment().localRank()))) {
 *     Module backbone = ...;                                  // same seed on every rank
 *     ShardedPartialFC head = dp.partialFc(numClasses, 512, 0.3, Margin.arcFace(64, 0.5), new Generator(seed));
 *     dp.broadcast(backbone);
 *     dp.replicate(backbone);
 *     Optimizer opt = new SGD(List.of(ParamGroup.of(backbone.parameters(), 5e-4), ParamGroup.of(head.parameters(), 5e-4)), 0.1, 0.9);
 *     for (...) {                                             // this rank's batches (the loader's per-rank sampler)
 *         Tensor loss = head.loss(backbone.forward(images), labels);
 *         dp.backward(loss);
 *         GradClip.clipNorm(backbone.parameters(), 5);
 *         opt.step();
 *         opt.zeroGrad();
 *     }
 * }
 * }</pre>
 */
public final class DataParallel implements AutoCloseable {
    private final Communicator comm;
    private final int localRank;
    private final AutoCloseable resources;
    private GradientAllReduce gradients;
    private boolean overlap = true;
    private long bucketBytes = GradientAllReduce.DEFAULT_BUCKET_BYTES;
    private DType compression;

    /** Data parallelism over an existing communicator (local rank 0; the in-process group's ranks, for example). */
    public DataParallel(Communicator comm) {
        this(comm, 0, null);
    }

    DataParallel(Communicator comm, int localRank, AutoCloseable resources) {
        this.comm = comm;
        this.localRank = localRank;
        this.resources = resources;
    }

    /**
     * Joins the process group the environment describes ({@link DistEnv}: a launcher, SLURM or a
     * torchrun-style operator set it): rendezvous through the TCP store on the master's address,
     * then NCCL when {@code device} is a GPU, the store's own (slow) collectives on the CPU.
     * Without any distributed variables it is a group of one.
     */
    public static DataParallel fromEnvironment(Device device) {
        DistEnv env = DistEnv.fromEnvironment();
        return join(env, device);
    }

    /** Joins the group described by env on the device. */
    public static DataParallel join(DistEnv env, Device device) {
        Rendezvous rdzv = Rendezvous.join(env);
        try {
            Communicator c = !device.isCpu() ? NcclCollectives.create(rdzv, device) : new StoreCollectives(rdzv);
            return new DataParallel(c, env.localRank(), rdzv);
        } catch (RuntimeException e) {
            rdzv.close();
            throw e;
        }
    }

    /**
     * The device of rank with this local rank on a machine: GPU number localRank when CUDA is
     * usable (one process per GPU), otherwise the CPU.
     */
    public static Device deviceFor(int localRank) {
        Device gpu = Device.cuda(localRank);
        return Backends.isAvailable(gpu) ? gpu : Device.CPU;
    }

    public Communicator communicator() {
        return comm;
    }

    public int rank() {
        return comm.rank();
    }

    public int worldSize() {
        return comm.worldSize();
    }

    public int localRank() {
        return localRank;
    }

    /** True on rank 0, the rank that logs, evaluates and writes the replicated part of checkpoints. */
    public boolean isMain() {
        return comm.rank() == 0;
    }

    /** Copies rank 0's parameters and buffers of a replicated module to every rank. */
    public void broadcast(Module module) {
        try (var g = GradMode.noGrad()) {
            for (Parameter p : module.parameters()) {
                broadcastInPlace(p.data());
            }
            for (Buffer b : module.namedBuffers().values()) {
                broadcastInPlace(b.data());
            }
        }
    }

    private void broadcastInPlace(Tensor t) {
        if (t.isContiguous()) {
            comm.broadcast(t, 0);
            t.storage().bumpVersion();   // a collective writes in place without going through Tensor
        } else {
            Tensor c = t.contiguous();
            comm.broadcast(c, 0);
            t.copyFrom(c);
        }
    }

    /**
     * Whether {@link #backward(Tensor)} overlaps the gradient all-reduce with the backward pass
     * (the default; bitwise the same result). Off, it runs the backward pass, then the all-reduce.
     */
    public DataParallel setOverlap(boolean on) {
        this.overlap = on;
        return this;
    }

    public boolean overlap() {
        return overlap;
    }

    /** The gradient bucket size in bytes for the next {@link #replicate} (default {@link GradientAllReduce#DEFAULT_BUCKET_BYTES}). */
    public DataParallel setBucketBytes(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("bucket size must be positive, got " + bytes);
        }
        this.bucketBytes = bytes;
        return this;
    }

    /**
     * Sends the gradients in F16 or BF16 (summed in float32) from the next {@link #replicate} on;
     * null (the default) sends them in their own dtype. See {@link GradientAllReduce}.
     */
    public DataParallel setCompression(DType dtype) {
        this.compression = dtype;
        return this;
    }

    /** Sets the replicated parameters whose gradients {@link #backward(Tensor)} and {@link #averageGradients} average. */
    public void replicate(Module... modules) {
        List<Parameter> ps = new ArrayList<>();
        for (Module m : modules) {
            ps.addAll(m.parameters());
        }
        gradients = new GradientAllReduce(comm, ps, bucketBytes, compression);
    }

    /** The gradient average of the replicated parameters (null before {@link #replicate}). */
    public GradientAllReduce gradients() {
        return gradients;
    }

    /**
     * loss.backward() with the replicated parameters' gradients averaged over ranks, overlapped
     * with the backward pass unless {@link #setOverlap} turned that off; then clip and step.
     */
    public void backward(Tensor loss) {
        requireReplicated();
        if (comm.worldSize() == 1) {
            loss.backward();
        } else if (overlap) {
            gradients.backward(loss);
        } else {
            loss.backward();
            gradients.run();
        }
    }

    /** Averages the replicated parameters' gradients over ranks after a backward pass (before clipping and the optimizer step). */
    public void averageGradients() {
        requireReplicated();
        if (comm.worldSize() > 1) {
            gradients.run();
        }
    }

    private void requireReplicated() {
        if (gradients == null) {
            throw new IllegalStateException("call replicate(backbone) before averaging gradients");
        }
    }

    /** This rank's shard of a Partial FC head over numClasses identities. */
    public ShardedPartialFC partialFc(int numClasses, int dim, double sampleRate, Margin margin, Generator gen) {
        return new ShardedPartialFC(comm, numClasses, dim, sampleRate, margin, gen);
    }

    @Override
    public void close() {
        try {
            comm.close();
        } finally {
            if (resources != null) {
                try {
                    resources.close();
                } catch (Exception e) {
                    throw new CollectiveException("closing the rendezvous failed", e);
                }
            }
        }
    }
}
