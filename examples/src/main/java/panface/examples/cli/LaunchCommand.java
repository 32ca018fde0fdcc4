package panface.examples.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import panface.distributed.JvmCommand;
import panface.distributed.Launcher;
import panface.examples.Main;

/**
 * {@code launch}: runs a command as one process per GPU of this machine (and, with several
 * machines, one launch per machine), with the environment the distributed library reads. A
 * panface command ({@code -- train ...}) runs in a JVM like this one (same Java, flags and class
 * path, or module path when it runs as modules); a command starting with a path ({@code -- ./script.sh}) runs as it is.
 */
public final class LaunchCommand implements Command {
    @Override
    public String name() {
        return "launch";
    }

    @Override
    public String summary() {
        return "run a command as one process per GPU (multi-GPU and multi-machine training)";
    }

    @Override
    public String usage() {
        return """
                usage: panface launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P] [--grace S] -- COMMAND ...
                  Starts N processes of COMMAND on this machine, rank RANK = R * N + LOCAL_RANK of WORLD_SIZE = M * N, each told
                  RANK, LOCAL_RANK (its GPU), WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT. Machine 0 serves the
                  rendezvous store on A:P (default 127.0.0.1 and, on one machine, any free port; several machines need --master-port
                  and --master-addr set to machine 0's address on every machine). Output lines are prefixed with their rank. When a
                  rank fails the others are stopped (SIGTERM, then SIGKILL after S seconds, default 10), the failed rank and its last
                  error line are printed, and the exit code is that rank's. SIGINT/SIGTERM to the launcher stop every rank.
                  COMMAND is a panface command (train ...) run in a JVM like this one, or a program given by its path (./x.sh ...).
                examples:
                  panface launch --nproc-per-node 8 -- train --config vit_t.json
                  panface launch --nproc-per-node 8 --nnodes 2 --node-rank 0 --master-addr 10.0.0.1 --master-port 29500 -- train ...""";
    }

    @Override
    public int run(Args args) {
        int nproc = args.getInt("nproc-per-node", 1, 1, 1024);
        int nnodes = args.getInt("nnodes", 1, 1, 65536);
        int nodeRank = args.getInt("node-rank", 0, 0, nnodes - 1);
        String addr = args.get("master-addr", "127.0.0.1");
        int port = args.getInt("master-port", nnodes == 1 ? 0 : 29500, nnodes == 1 ? 0 : 1, 65535);
        int grace = args.getInt("grace", 10, 0, 3600);
        List<String> words = args.afterSeparator();
        args.finish();
        if (!args.positional().isEmpty()) {
            throw new UsageException("put the command after --, e.g. panface launch --nproc-per-node 2 -- train ...");
        }
        if (words.isEmpty()) {
            throw new UsageException("no command to launch: give it after --");
        }
        Launcher.Config cfg = new Launcher.Config(nproc, nnodes, nodeRank, addr, port, childCommand(words), Duration.ofSeconds(grace));
        Launcher.Outcome o = Launcher.run(cfg, System.out, System.err);
        return o.exitCode();
    }

    /** The command line of each rank: a panface command in a JVM like this one, or a program given by its path. */
    static List<String> childCommand(List<String> words) {
        String first = words.get(0);
        if (first.startsWith("/") || first.startsWith("./") || first.startsWith("../")) {
            return words;
        }
        List<String> cmd = new ArrayList<>(JvmCommand.of(JvmCommand.options(), Main.class));
        cmd.addAll(words);
        return cmd;
    }
}
