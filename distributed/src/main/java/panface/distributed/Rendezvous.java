package panface.distributed;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the processes of a run find each other: rank 0 (or the launcher, {@link DistEnv#agentStore})
 * serves a {@link StoreServer} on MASTER_ADDR:MASTER_PORT, every rank connects, claims its rank
 * (a rank claimed twice is an error naming it and both claimants), checks that it agrees with
 * rank 0 on the world size, and waits at a barrier for all the others. Barriers report, at their
 * time-out, the ranks that did not arrive. Closing waits for every rank to close before rank 0
 * stops its server, so no rank loses the store while it still needs it.
 */
public final class Rendezvous implements AutoCloseable {
    private final DistEnv env;
    private final StoreServer server;
    private final TcpStore store;
    private long barriers;
    private boolean closed;

    private Rendezvous(DistEnv env, StoreServer server, TcpStore store) {
        this.env = env;
        this.server = server;
        this.store = store;
    }

    /** Joins the run the environment describes; returns once every rank has joined. */
    public static Rendezvous join(DistEnv env) {
        StoreServer server = null;
        if (env.rank() == 0 && !env.agentStore()) {
            server = StoreServer.start(bindAddress(env), env.masterPort());
        }
        int port = server != null ? server.port() : env.masterPort();
        String host = server != null && env.worldSize() == 1 ? "127.0.0.1" : env.masterAddr();
        TcpStore store;
        try {
            store = TcpStore.connect(host, port, env.timeout());
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            throw e;
        }
        Rendezvous r = new Rendezvous(env, server, store);
        try {
            r.claim();
            return r;
        } catch (RuntimeException e) {
            store.close();
            if (server != null) {
                server.close();
            }
            throw e;
        }
    }

    private static InetAddress bindAddress(DistEnv env) {
        try {
            // a single-machine run listens on the master's address; a multi-machine one on every interface
            return env.worldSize() == env.localWorldSize() ? InetAddress.getByName(env.masterAddr()) : InetAddress.getByName("0.0.0.0");
        } catch (UnknownHostException e) {
            throw new CollectiveException("MASTER_ADDR '" + env.masterAddr() + "' is not a known host", e);
        }
    }

    private void claim() {
        String me = describeProcess();
        long claims = store.add("rdzv/claims/" + env.rank(), 1);
        store.set("rdzv/who/" + env.rank() + "/" + claims, me.getBytes(StandardCharsets.UTF_8));
        if (claims > 1) {
            String first = new String(store.get("rdzv/who/" + env.rank() + "/1", env.timeout()), StandardCharsets.UTF_8);
            throw new CollectiveException("rank " + env.rank() + " was claimed twice: by " + first + " and by " + me
                    + " (two processes got the same RANK)");
        }
        if (env.rank() == 0) {
            store.set("rdzv/world", Integer.toString(env.worldSize()).getBytes(StandardCharsets.UTF_8));
        }
        int world = Integer.parseInt(new String(store.get("rdzv/world", env.timeout()), StandardCharsets.UTF_8));
        if (world != env.worldSize()) {
            throw new CollectiveException("rank " + env.rank() + " has WORLD_SIZE=" + env.worldSize() + " but rank 0 has " + world);
        }
        barrier("rendezvous");
    }

    private static String describeProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host;
    }

    public DistEnv env() {
        return env;
    }

    public int rank() {
        return env.rank();
    }

    public int worldSize() {
        return env.worldSize();
    }

    /** The store every rank shares (for small values: ids, counters, flags). */
    public TcpStore store() {
        return store;
    }

    /** The port of the store (rank 0 that served on port 0 learns it here). */
    public int port() {
        return server != null ? server.port() : env.masterPort();
    }

    /**
     * Returns once every rank has called the same (n-th) barrier; throws at the time-out naming
     * the ranks that did not arrive.
     */
    public void barrier(String what) {
        long n = barriers++;
        String prefix = "barrier/" + n + "/";
        store.set(prefix + env.rank(), what.getBytes(StandardCharsets.UTF_8));
        List<String> keys = new ArrayList<>();
        for (int r = 0; r < env.worldSize(); r++) {
            keys.add(prefix + r);
        }
        List<String> missing = store.waitAll(keys, env.timeout());
        if (!missing.isEmpty()) {
            List<Integer> ranks = new ArrayList<>();
            for (String k : missing) {
                ranks.add(Integer.parseInt(k.substring(prefix.length())));
            }
            throw new CollectiveException("barrier '" + what + "' timed out after " + CollectiveException.duration(env.timeout()) + " on rank "
                    + env.rank() + ": " + CollectiveException.ranks(ranks) + " did not arrive");
        }
    }

    /** Leaves the run: every rank announces it; rank 0 waits (briefly) for all before it stops serving. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            store.set("rdzv/closed/" + env.rank(), new byte[0]);
            if (server != null) {
                List<String> keys = new ArrayList<>();
                for (int r = 0; r < env.worldSize(); r++) {
                    keys.add("rdzv/closed/" + r);
                }
                store.waitAll(keys, Duration.ofSeconds(Math.min(30, env.timeout().toSeconds())));
            }
        } catch (CollectiveException e) {
            // the store is already gone: nothing is left to coordinate
        } finally {
            store.close();
            if (server != null) {
                server.close();
            }
        }
    }
}
