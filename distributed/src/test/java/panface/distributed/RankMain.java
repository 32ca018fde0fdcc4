package panface.distributed;

import java.util.Arrays;

import panface.tensor.Tensor;

/**
 * A tiny distributed program for the launcher tests: joins the run its environment describes,
 * checks that the ranks agree (the sum of rank + 1 and the gathered ranks), prints one line and
 * stops. With {@code fail=R}, rank R exits with code 3 after the exchange and the others wait in
 * a collective that never completes, so only the launcher can stop them.
 */
public final class RankMain {
    private RankMain() {
    }

    public static void main(String[] args) {
        int failing = args.length > 0 && args[0].startsWith("fail=") ? Integer.parseInt(args[0].substring(5)) : -1;
        DistEnv env = DistEnv.fromEnvironment();
        try (Rendezvous rdzv = Rendezvous.join(env); StoreCollectives comm = new StoreCollectives(rdzv)) {
            Tensor sum = Tensor.of(new double[] {comm.rank() + 1}, 1);
            comm.allReduce(sum, Communicator.Op.SUM);
            long[] ranks = comm.allGather(Tensor.of(new long[] {comm.rank()}, 1)).toLongArray();
            System.out.println("rank " + comm.rank() + " of " + comm.worldSize() + " local " + env.localRank() + ": sum=" + (long) sum.item()
                    + " ranks=" + Arrays.toString(ranks));
            if (comm.rank() == failing) {
                System.err.println("rank " + failing + " fails on purpose");
                System.exit(3);
            }
            if (failing >= 0) {
                comm.allReduce(sum, Communicator.Op.SUM);
            }
            comm.barrier();
        }
    }
}
