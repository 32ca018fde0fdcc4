/**
 * Multi-GPU training: communicators, model-parallel Partial FC, data-parallel gradients,
 * sharded checkpoints and the multi-process launcher, as insightface's partial_fc_v2 and
 * train_v2 do it.
 *
 * <ul>
 * <li>{@link panface.distributed.Communicator}: all-reduce (sum, max), all-gather,
 * reduce-scatter, broadcast and barrier on device tensors. {@link panface.distributed.NcclCollectives}
 * is the production engine (one process per GPU); {@link panface.distributed.StoreCollectives}
 * runs CPU processes through the rendezvous store; {@link panface.distributed.InProcessGroup}
 * runs ranks as threads of one JVM and is the test vehicle of every algorithm here.</li>
 * <li>{@link panface.distributed.DistEnv} reads RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR/MASTER_PORT
 * (torchrun, Kubernetes operators) or SLURM's variables; {@link panface.distributed.Rendezvous}
 * joins the run through a {@link panface.distributed.TcpStore} on the master.</li>
 * <li>{@link panface.distributed.ShardedPartialFC}: each rank holds a {@link panface.distributed.Shard}
 * of the class centres; embeddings are all-gathered with {@link panface.distributed.AllGather}
 * (its backward reduces each gradient to its owner) and the margin softmax runs across shards
 * ({@link panface.distributed.DistMarginSoftmax}). {@link panface.distributed.ShardedPrototypes}
 * shards EPL's prototypes the same way.</li>
 * <li>{@link panface.distributed.DataParallel}: what a training loop calls (join from the
 * environment, broadcast the replicated model, average gradients in buckets with
 * {@link panface.distributed.GradientAllReduce}, each bucket's all-reduce started during the
 * backward pass as soon as its gradients are final, optionally sent in float16 or bfloat16,
 * build the sharded head).</li>
 * <li>{@link panface.distributed.ShardedCheckpoint} and {@link panface.distributed.ShardMerge}:
 * one atomic file per rank, and the merge into one class-centre file.</li>
 * <li>{@link panface.distributed.Launcher}: one process per local rank, stops them all when one
 * fails.</li>
 * </ul>
 *
 * <p>The memory each GPU needs for the centres, their optimizer state and the logits is modelled
 * in the module's MEMORY.md. The NCCL path has not run on a GPU yet; everything else is tested
 * on the CPU.
 */
package panface.distributed;
