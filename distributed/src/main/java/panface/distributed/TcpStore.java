package panface.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A client of the rendezvous store ({@link StoreServer}): set and get byte values by key (a get
 * waits for the key), atomic counters, waiting for a set of keys (the missing ones are reported,
 * so a barrier can name the ranks that did not arrive), delete. Requests of one client run one at
 * a time. Connecting retries until the time-out, since rank 0's server may start after the others.
 */
public final class TcpStore implements AutoCloseable {
    private final String where;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    private TcpStore(String where, Socket socket) throws IOException {
        this.where = where;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    }

    /** Connects to host:port, retrying until the time-out (the server may not be up yet). */
    public static TcpStore connect(String host, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String where = host + ":" + port;
        IOException last = null;
        long pause = 20;
        while (System.nanoTime() < deadline) {
            Socket s = new Socket();
            try {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000L);
                s.connect(new InetSocketAddress(host, port), (int) Math.min(left, 5000));
                s.setTcpNoDelay(true);
                return new TcpStore(where, s);
            } catch (IOException e) {
                last = e;
                try {
                    s.close();
                } catch (IOException closing) {
                    // an unconnected socket has nothing to release
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
                pause = Math.min(pause * 2, 1000);
            }
        }
        throw new CollectiveException("cannot reach the rendezvous store at " + where + " within " + CollectiveException.duration(timeout)
                + (last == null ? "" : ": " + last.getMessage()) + " (is rank 0 or the launcher running, and MASTER_ADDR/MASTER_PORT right?)");
    }

    /** Sets key to value (replacing any value). */
    public synchronized void set(String key, byte[] value) {
        try {
            out.writeByte(StoreServer.SET);
            out.writeUTF(key);
            out.writeInt(value.length);
            out.write(value);
            out.flush();
            expectOk("set " + key);
        } catch (IOException e) {
            throw lost("set " + key, e);
        }
    }

    /** The value of key, waiting for it to be set; throws when it is not set within the time-out. */
    public synchronized byte[] get(String key, Duration timeout) {
        try {
            out.writeByte(StoreServer.GET);
            out.writeUTF(key);
            out.writeLong(timeout.toMillis());
            out.flush();
            byte status = in.readByte();
            if (status == StoreServer.TIMEOUT) {
                throw new CollectiveException("key '" + key + "' was not set within " + CollectiveException.duration(timeout));
            }
            return in.readNBytes(in.readInt());
        } catch (IOException e) {
            throw lost("get " + key, e);
        }
    }

    /** Adds delta to the counter at key (absent counts as 0) and returns the new value. */
    public synchronized long add(String key, long delta) {
        try {
            out.writeByte(StoreServer.ADD);
            out.writeUTF(key);
            out.writeLong(delta);
            out.flush();
            expectOk("add " + key);
            return in.readLong();
        } catch (IOException e) {
            throw lost("add " + key, e);
        }
    }

    /** Waits until every key is set; returns the keys still missing at the time-out (empty when all arrived). */
    public synchronized List<String> waitAll(List<String> keys, Duration timeout) {
        try {
            out.writeByte(StoreServer.WAIT_ALL);
            out.writeInt(keys.size());
            for (String k : keys) {
                out.writeUTF(k);
            }
            out.writeLong(timeout.toMillis());
            out.flush();
            in.readByte();
            int n = in.readInt();
            List<String> missing = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                missing.add(in.readUTF());
            }
            return missing;
        } catch (IOException e) {
            throw lost("wait", e);
        }
    }

    /** Removes key. */
    public synchronized void delete(String key) {
        try {
            out.writeByte(StoreServer.DELETE);
            out.writeUTF(key);
            out.flush();
            expectOk("delete " + key);
        } catch (IOException e) {
            throw lost("delete " + key, e);
        }
    }

    private void expectOk(String what) throws IOException {
        byte status = in.readByte();
        if (status != StoreServer.OK) {
            throw new IOException("store answered " + status + " to " + what);
        }
    }

    private CollectiveException lost(String what, IOException e) {
        return new CollectiveException("lost the rendezvous store at " + where + " during " + what + ": " + e.getMessage()
                + " (the process hosting it, rank 0 or the launcher, may have stopped)", e);
    }

    @Override
    public synchronized void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing is left to release
        }
    }
}
