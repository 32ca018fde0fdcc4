package panface.distributed;

import java.time.Duration;
import java.util.Map;

/**
 * Where this process stands in a distributed run, read from the environment variables that
 * launchers and schedulers already set, so the same program starts under panface's launcher,
 * torchrun-style operators (Kubernetes training operators set the same names) or SLURM:
 * <ul>
 * <li>{@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE},
 * {@code MASTER_ADDR}, {@code MASTER_PORT} (torchrun's names; they win when present);</li>
 * <li>otherwise SLURM's {@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}, with
 * the master the first host of {@code SLURM_JOB_NODELIST} unless {@code MASTER_ADDR} is set, and
 * the port {@code MASTER_PORT} or 20000 + SLURM_JOB_ID mod 20000 (distinct jobs sharing a node
 * then rarely collide);</li>
 * <li>otherwise a group of one.</li>
 * </ul>
 * {@code PANFACE_AGENT_STORE=1} says the launcher hosts the rendezvous store (otherwise rank 0
 * does); {@code PANFACE_RDZV_TIMEOUT} is the rendezvous and collective time-out in seconds
 * (default 300).
 *
 * @param rank           this process's rank in [0, worldSize)
 * @param worldSize      the number of processes
 * @param localRank      the rank among the processes of this machine (its GPU number)
 * @param localWorldSize processes on this machine
 * @param masterAddr     host of the rendezvous store
 * @param masterPort     its port (0 only for a group of one: any free port)
 * @param agentStore     true when the launcher, not rank 0, hosts the store
 * @param timeout        how long rendezvous and collectives wait for a missing rank
 */
public record DistEnv(int rank, int worldSize, int localRank, int localWorldSize, String masterAddr, int masterPort, boolean agentStore,
                      Duration timeout) {

    public DistEnv {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, WORLD_SIZE=" + worldSize + ")");
        }
        if (localRank < 0 || localRank >= localWorldSize) {
            throw new IllegalArgumentException("local rank " + localRank + " is outside [0, " + localWorldSize + ")");
        }
        if (masterPort < 0 || masterPort > 65535 || (masterPort == 0 && worldSize > 1)) {
            throw new IllegalArgumentException("MASTER_PORT must be in [1, 65535] for a group of " + worldSize + ", got " + masterPort);
        }
    }

    /** A group of one on this machine (rendezvous on the loopback address, any free port). */
    public static DistEnv single() {
        return new DistEnv(0, 1, 0, 1, "127.0.0.1", 0, false, Duration.ofSeconds(300));
    }

    /** Reads the process environment. */
    public static DistEnv fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads a given environment (see the class comment for the variables). */
    public static DistEnv from(Map<String, String> env) {
        Duration timeout = Duration.ofSeconds(number(env, "PANFACE_RDZV_TIMEOUT", 300));
        boolean agent = "1".equals(env.get("PANFACE_AGENT_STORE"));
        if (env.containsKey("RANK") || env.containsKey("WORLD_SIZE")) {
            int world = required(env, "WORLD_SIZE", "RANK is set");
            int rank = required(env, "RANK", "WORLD_SIZE is set");
            int localRank = (int) number(env, "LOCAL_RANK", 0);
            int localWorld = (int) number(env, "LOCAL_WORLD_SIZE", Math.max(localRank + 1, 1));
            return new DistEnv(rank, world, localRank, Math.max(localWorld, localRank + 1), master(env, world), port(env, world, -1), agent,
                    timeout);
        }
        if (env.containsKey("SLURM_PROCID") && env.containsKey("SLURM_NTASKS")) {
            int world = required(env, "SLURM_NTASKS", "SLURM_PROCID is set");
            int rank = required(env, "SLURM_PROCID", "SLURM_NTASKS is set");
            int localRank = (int) number(env, "SLURM_LOCALID", 0);
            int localWorld = leadingInt(env.getOrDefault("SLURM_NTASKS_PER_NODE", env.getOrDefault("SLURM_TASKS_PER_NODE", "")), localRank + 1);
            String addr = env.get("MASTER_ADDR");
            if (addr == null) {
                String nodes = env.getOrDefault("SLURM_JOB_NODELIST", env.get("SLURM_NODELIST"));
                if (nodes == null && world > 1) {
                    throw new IllegalArgumentException("SLURM_PROCID is set but neither MASTER_ADDR nor SLURM_JOB_NODELIST is");
                }
                addr = nodes == null ? "127.0.0.1" : firstHost(nodes);
            }
            long job = number(env, "SLURM_JOB_ID", 0);
            int port = port(env, world, (int) (20000 + job % 20000));
            return new DistEnv(rank, world, localRank, Math.max(localWorld, localRank + 1), addr, port, agent, timeout);
        }
        return new DistEnv(0, 1, 0, 1, env.getOrDefault("MASTER_ADDR", "127.0.0.1"), port(env, 1, 0), agent, timeout);
    }

    private static String master(Map<String, String> env, int world) {
        String addr = env.get("MASTER_ADDR");
        if (addr == null && world > 1) {
            throw new IllegalArgumentException("WORLD_SIZE=" + world + " but MASTER_ADDR is not set: every rank needs the rendezvous host");
        }
        return addr == null ? "127.0.0.1" : addr;
    }

    private static int port(Map<String, String> env, int world, int fallback) {
        if (env.containsKey("MASTER_PORT")) {
            return (int) number(env, "MASTER_PORT", 0);
        }
        if (fallback < 0 && world > 1) {
            throw new IllegalArgumentException("WORLD_SIZE=" + world + " but MASTER_PORT is not set: every rank needs the rendezvous port");
        }
        return Math.max(fallback, 0);
    }

    private static int required(Map<String, String> env, String name, String because) {
        if (!env.containsKey(name)) {
            throw new IllegalArgumentException(because + " but " + name + " is not");
        }
        return (int) number(env, name, 0);
    }

    private static long number(Map<String, String> env, String name, long def) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
        }
    }

    /** The count at the start of a SLURM tasks-per-node value such as "4(x2),3". */
    private static int leadingInt(String v, int def) {
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        return i == 0 ? def : Integer.parseInt(v.substring(0, i));
    }

    /**
     * The first host of a SLURM host list: "gpu[07-09,12],cpu1" gives "gpu07", "a1,b2" gives
     * "a1" (the zero padding of the range is kept, as SLURM names the hosts).
     */
    static String firstHost(String nodeList) {
        String s = nodeList.trim();
        int comma = s.indexOf(',');
        int bracket = s.indexOf('[');
        if (bracket < 0 || (comma >= 0 && comma < bracket)) {
            return comma < 0 ? s : s.substring(0, comma);
        }
        String prefix = s.substring(0, bracket);
        int end = bracket + 1;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
            end++;
        }
        return prefix + s.substring(bracket + 1, end);
    }
}
