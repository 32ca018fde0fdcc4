package panface.distributed;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rendezvous store's server (as torchrun's TCPStore): a key-value map on one TCP port, whose
 * reads can wait for keys that are not set yet. Every rank of a run connects to it through a
 * {@link TcpStore}; it is hosted by rank 0 or by the launcher. One thread per connection; a
 * request is a command byte and its fields (see {@link TcpStore} for the commands).
 */
public final class StoreServer implements AutoCloseable {
    static final byte SET = 1;
    static final byte GET = 2;
    static final byte ADD = 3;
    static final byte WAIT_ALL = 4;
    static final byte DELETE = 5;
    static final byte OK = 0;
    static final byte TIMEOUT = 1;

    private final ServerSocket socket;
    private final Map<String, byte[]> values = new HashMap<>();
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    private StoreServer(ServerSocket socket) {
        this.socket = socket;
        this.acceptor = Thread.ofPlatform().daemon().name("store-accept").start(this::accept);
    }

    /** Serves on the given address and port (port 0: any free port, see {@link #port()}). */
    public static StoreServer start(InetAddress bind, int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(bind, port), 128);
            return new StoreServer(s);
        } catch (IOException e) {
            throw new CollectiveException("cannot serve the rendezvous store on " + bind.getHostAddress() + ":" + port + ": " + e.getMessage()
                    + (port != 0 ? " (is another run using this MASTER_PORT?)" : ""), e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return socket.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket c = socket.accept();
                c.setTcpNoDelay(true);
                clients.add(c);
                Thread.ofVirtual().name("store-client").start(() -> serve(c));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("rendezvous store: accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(Socket c) {
        try (c; DataInputStream in = new DataInputStream(new BufferedInputStream(c.getInputStream()));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.getOutputStream()))) {
            while (true) {
                byte cmd;
                try {
                    cmd = in.readByte();
                } catch (EOFException e) {
                    return;
                }
                switch (cmd) {
                    case SET -> {
                        String key = in.readUTF();
                        byte[] v = in.readNBytes(in.readInt());
                        synchronized (values) {
                            values.put(key, v);
                            values.notifyAll();
                        }
                        out.writeByte(OK);
                    }
                    case GET -> {
                        String key = in.readUTF();
                        long timeout = in.readLong();
                        byte[] v = awaitOne(key, timeout);
                        if (v == null) {
                            out.writeByte(TIMEOUT);
                        } else {
                            out.writeByte(OK);
                            out.writeInt(v.length);
                            out.write(v);
                        }
                    }
                    case ADD -> {
                        String key = in.readUTF();
                        long delta = in.readLong();
                        long now;
                        synchronized (values) {
                            byte[] v = values.get(key);
                            now = (v == null ? 0 : Long.parseLong(new String(v, java.nio.charset.StandardCharsets.US_ASCII))) + delta;
                            values.put(key, Long.toString(now).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                            values.notifyAll();
                        }
                        out.writeByte(OK);
                        out.writeLong(now);
                    }
                    case WAIT_ALL -> {
                        int n = in.readInt();
                        List<String> keys = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            keys.add(in.readUTF());
                        }
                        long timeout = in.readLong();
                        List<String> missing = awaitAll(keys, timeout);
                        out.writeByte(missing.isEmpty() ? OK : TIMEOUT);
                        out.writeInt(missing.size());
                        for (String k : missing) {
                            out.writeUTF(k);
                        }
                    }
                    case DELETE -> {
                        String key = in.readUTF();
                        synchronized (values) {
                            values.remove(key);
                        }
                        out.writeByte(OK);
                    }
                    default -> throw new IOException("unknown store command " + cmd);
                }
                out.flush();
            }
        } catch (IOException e) {
            if (!closed) {
                System.err.println("rendezvous store: a client connection failed: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(c);
        }
    }

    private byte[] awaitOne(String key, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (values) {
            while (!values.containsKey(key) && !closed) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                values.wait(Math.min(left, 1000));
            }
            return values.get(key);
        }
    }

    private List<String> awaitAll(List<String> keys, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (values) {
            while (!closed) {
                List<String> missing = new ArrayList<>();
                for (String k : keys) {
                    if (!values.containsKey(k)) {
                        missing.add(k);
                    }
                }
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (missing.isEmpty() || left <= 0) {
                    return missing;
                }
                values.wait(Math.min(left, 1000));
            }
            return keys;
        }
    }

    /** Stops serving and drops every connection. */
    @Override
    public void close() {
        closed = true;
        synchronized (values) {
            values.notifyAll();
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing a listening socket fails only if it is already closed
        }
        for (Socket c : clients) {
            try {
                c.close();
            } catch (IOException e) {
                // the connection is being dropped anyway
            }
        }
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
