package panface.distributed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts and supervises the processes of one machine of a distributed run (torchrun's role):
 * one process per local rank, each with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
 * MASTER_ADDR and MASTER_PORT set (its GPU is number LOCAL_RANK); on machine 0 it hosts the
 * rendezvous store itself ({@code PANFACE_AGENT_STORE=1} tells the ranks), so with port 0 it
 * picks a free port and hands it to the ranks. Every output line is prefixed with its rank. When
 * a rank exits with an error the launcher stops the others (SIGTERM, then a forced kill after
 * the grace period) and reports which rank failed, its exit code and its last lines of error
 * output; the launcher's exit code is that rank's. An interrupt or termination of the launcher
 * is passed to the ranks the same way.
 */
public final class Launcher {
    private static final int TAIL_LINES = 20;
    /** The JVM announces the incubating Vector API on every start: once per rank would bury the real messages. */
    private static final String INCUBATOR_NOTICE = "WARNING: Using incubator modules";

    /**
     * @param nprocPerNode processes on this machine
     * @param nnodes       machines
     * @param nodeRank     this machine's number in [0, nnodes)
     * @param masterAddr   the address of machine 0, where the store is served
     * @param masterPort   its port (0: any free port, a single machine only)
     * @param command      each rank's command line
     * @param grace        how long stopped ranks get before they are killed
     */
    public record Config(int nprocPerNode, int nnodes, int nodeRank, String masterAddr, int masterPort, List<String> command, Duration grace) {
        public Config {
            if (nprocPerNode < 1 || nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
                throw new IllegalArgumentException("need nproc-per-node >= 1, nnodes >= 1 and 0 <= node-rank < nnodes, got " + nprocPerNode + ", "
                        + nnodes + ", " + nodeRank);
            }
            if (masterPort < 0 || masterPort > 65535 || (masterPort == 0 && nnodes > 1)) {
                throw new IllegalArgumentException("a run over several machines needs an explicit master port in [1, 65535], got " + masterPort);
            }
            if (command.isEmpty()) {
                throw new IllegalArgumentException("no command to launch");
            }
            command = List.copyOf(command);
        }
    }

    /**
     * How the run ended.
     *
     * @param exitCode   0 when every rank succeeded, else the failed rank's exit code (1 if it exited 0 while being stopped)
     * @param failedRank the first rank that failed, or -1
     * @param reason     a sentence naming the failed rank, its exit code and its last error line; empty on success
     * @param pids       the process ids of the ranks, in local-rank order
     */
    public record Outcome(int exitCode, int failedRank, String reason, List<Long> pids) {
    }

    private Launcher() {
    }

    /** Runs the ranks of this machine to completion (or to the first failure). */
    public static Outcome run(Config cfg, PrintStream out, PrintStream err) {
        StoreServer server = null;
        int port = cfg.masterPort();
        if (cfg.nodeRank() == 0) {
            server = StoreServer.start(bindAddress(cfg), cfg.masterPort());
            port = server.port();
            err.println("panface launch: rendezvous store at " + cfg.masterAddr() + ":" + port + "; starting " + cfg.nprocPerNode()
                    + " rank" + (cfg.nprocPerNode() == 1 ? "" : "s") + " of " + cfg.nnodes() * cfg.nprocPerNode());
        }
        List<Process> procs = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Deque<String>> tails = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread hook = Thread.ofPlatform().unstarted(() -> stopAll(procs, cfg.grace()));
        Runtime.getRuntime().addShutdownHook(hook);
        int world = cfg.nnodes() * cfg.nprocPerNode();
        try {
            for (int local = 0; local < cfg.nprocPerNode(); local++) {
                int rank = cfg.nodeRank() * cfg.nprocPerNode() + local;
                ProcessBuilder pb = new ProcessBuilder(cfg.command());
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(rank));
                env.put("LOCAL_RANK", Integer.toString(local));
                env.put("WORLD_SIZE", Integer.toString(world));
                env.put("LOCAL_WORLD_SIZE", Integer.toString(cfg.nprocPerNode()));
                env.put("MASTER_ADDR", cfg.masterAddr());
                env.put("MASTER_PORT", Integer.toString(port));
                env.put("PANFACE_AGENT_STORE", "1");
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    stopAll(procs, cfg.grace());
                    String why = "rank " + rank + " could not start: " + e.getMessage();
                    err.println("panface launch: " + why);
                    return new Outcome(127, rank, why, pids(procs));
                }
                procs.add(p);
                Deque<String> tail = new ArrayDeque<>();
                tails.add(tail);
                String prefix = world > 1 ? "[rank " + rank + "] " : "";
                pumps.add(pump(p.getInputStream(), out, prefix, null));
                pumps.add(pump(p.getErrorStream(), err, prefix, tail));
            }
            Outcome o = supervise(cfg, procs, tails, pumps, err);
            return o;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: the hook is stopping the ranks
            }
            if (server != null) {
                server.close();
            }
        }
    }

    private static Outcome supervise(Config cfg, List<Process> procs, List<Deque<String>> tails, List<Thread> pumps, PrintStream err) {
        Map<CompletableFuture<Process>, Integer> pending = new HashMap<>();
        for (int i = 0; i < procs.size(); i++) {
            pending.put(procs.get(i).onExit(), i);
        }
        while (!pending.isEmpty()) {
            CompletableFuture<Object> any = CompletableFuture.anyOf(pending.keySet().toArray(new CompletableFuture[0]));
            try {
                any.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopAll(procs, cfg.grace());
                return new Outcome(130, -1, "interrupted", pids(procs));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
            List<CompletableFuture<Process>> done = new ArrayList<>();
            for (CompletableFuture<Process> f : pending.keySet()) {
                if (f.isDone()) {
                    done.add(f);
                }
            }
            for (CompletableFuture<Process> f : done) {
                int local = pending.remove(f);
                Process p = procs.get(local);
                int code = p.exitValue();
                if (code != 0) {
                    int rank = cfg.nodeRank() * cfg.nprocPerNode() + local;
                    joinPumps(pumps, 2 * local + 1);
                    String last = lastLine(tails.get(local));
                    String why = "rank " + rank + " (pid " + p.pid() + ") exited with code " + code + describeSignal(code)
                            + (last.isEmpty() ? "" : ": " + last);
                    err.println("panface launch: " + why);
                    err.println("panface launch: stopping the other ranks");
                    printTail(err, rank, tails.get(local));
                    stopAll(procs, cfg.grace());
                    return new Outcome(code, rank, why, pids(procs));
                }
            }
        }
        for (Thread t : pumps) {
            join(t);
        }
        return new Outcome(0, -1, "", pids(procs));
    }

    private static String describeSignal(int code) {
        return switch (code) {
            case 137 -> " (killed: SIGKILL, often the out-of-memory killer)";
            case 143 -> " (terminated: SIGTERM)";
            case 130 -> " (interrupted: SIGINT)";
            case 134 -> " (aborted: SIGABRT)";
            case 139 -> " (segmentation fault)";
            default -> "";
        };
    }

    private static void printTail(PrintStream err, int rank, Deque<String> tail) {
        synchronized (tail) {
            if (tail.size() > 1) {
                err.println("panface launch: the last error lines of rank " + rank + ":");
                for (String l : tail) {
                    err.println("    " + l);
                }
            }
        }
    }

    private static String lastLine(Deque<String> tail) {
        synchronized (tail) {
            for (var it = tail.descendingIterator(); it.hasNext();) {
                String l = it.next().strip();
                if (!l.isEmpty() && !l.startsWith("at ") && !l.startsWith("...")) {
                    return l;
                }
            }
        }
        return "";
    }

    /** Terminates every live rank (SIGTERM), then kills those still alive after the grace period. */
    static void stopAll(List<Process> procs, Duration grace) {
        List<Process> live;
        synchronized (procs) {
            live = new ArrayList<>(procs);
        }
        for (Process p : live) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Process p : live) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    p.onExit().get(left, TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // killed below
            }
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        for (Process p : live) {
            try {
                p.onExit().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // nothing more can be done about a process that survives SIGKILL
            }
        }
    }

    private static Thread pump(InputStream in, PrintStream to, String prefix, Deque<String> tail) {
        return Thread.ofPlatform().daemon().name("launch-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (line.startsWith(INCUBATOR_NOTICE)) {
                        continue;
                    }
                    to.println(prefix + line);
                    if (tail != null) {
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > TAIL_LINES) {
                                tail.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // the process closed its output: nothing more to forward
            }
        });
    }

    private static void joinPumps(List<Thread> pumps, int index) {
        if (index < pumps.size()) {
            join(pumps.get(index));
        }
    }

    private static void join(Thread t) {
        try {
            t.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Long> pids(List<Process> procs) {
        List<Long> out = new ArrayList<>();
        for (Process p : procs) {
            out.add(p.pid());
        }
        return out;
    }

    private static InetAddress bindAddress(Config cfg) {
        try {
            return cfg.nnodes() == 1 ? InetAddress.getByName(cfg.masterAddr()) : InetAddress.getByName("0.0.0.0");
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("master address '" + cfg.masterAddr() + "' is not a known host", e);
        }
    }
}
