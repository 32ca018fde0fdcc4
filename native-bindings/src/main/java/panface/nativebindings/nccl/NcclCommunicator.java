package panface.nativebindings.nccl;

import static panface.nativebindings.nccl.gen.Nccl.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import panface.nativebindings.CStrings;
import panface.nativebindings.NativeCallException;
import panface.nativebindings.NativeLibraries;
import panface.nativebindings.nccl.gen.ncclUniqueId;

/**
 * One rank's NCCL communicator (create it with its device's context current). Collectives are
 * enqueued on the given stream; buffers are device addresses. Every status is checked, with
 * NCCL's own error string and its last-error text.
 */
public final class NcclCommunicator implements AutoCloseable {

    /** NCCL element types. */
    public enum DataType {
        INT8(0), UINT8(1), INT32(2), UINT32(3), INT64(4), UINT64(5), FLOAT16(6), FLOAT32(7), FLOAT64(8), BFLOAT16(9);

        final int code;

        DataType(int code) {
            this.code = code;
        }
    }

    /** NCCL reductions. */
    public enum ReduceOp {
        SUM(0), PROD(1), MAX(2), MIN(3), AVG(4);

        final int code;

        ReduceOp(int code) {
            this.code = code;
        }
    }

    private final MemorySegment comm;
    private final int rank;
    private final int size;
    private boolean closed;

    private NcclCommunicator(MemorySegment comm, int rank, int size) {
        this.comm = comm;
        this.rank = rank;
        this.size = size;
    }

    /** Loads libnccl (throws a NativeLibraryException listing the places tried). */
    public static void load() {
        NativeLibraries.load(NativeLibraries.NCCL);
    }

    /** NCCL's version code (for example 22703 for 2.27.3). */
    public static int version() {
        load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            check(ncclGetVersion(v), "ncclGetVersion", null, MemorySegment.NULL);
            return v.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** A fresh unique id (on rank 0), to be sent to every rank out of band. */
    public static byte[] uniqueId() {
        load();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(ncclUniqueId.layout());
            check(ncclGetUniqueId(id), "ncclGetUniqueId", null, MemorySegment.NULL);
            return id.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** Joins the communicator of {@code size} ranks identified by {@code id}, as {@code rank}. */
    public static NcclCommunicator initRank(byte[] id, int size, int rank) {
        load();
        if (id.length != NCCL_UNIQUE_ID_BYTES()) {
            throw new IllegalArgumentException("an NCCL unique id has " + NCCL_UNIQUE_ID_BYTES() + " bytes, got " + id.length);
        }
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, " + size + ")");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment idSeg = a.allocate(ncclUniqueId.layout());
            MemorySegment.copy(id, 0, idSeg, ValueLayout.JAVA_BYTE, 0, id.length);
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            check(ncclCommInitRank(out, size, idSeg, rank), "ncclCommInitRank", "rank " + rank + " of " + size, MemorySegment.NULL);
            return new NcclCommunicator(out.get(ValueLayout.ADDRESS, 0), rank, size);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public void allReduce(long send, long recv, long count, DataType type, ReduceOp op, MemorySegment stream) {
        checkOpen();
        check(ncclAllReduce(ptr(send), ptr(recv), count, type.code, op.code, comm, stream), "ncclAllReduce", count + " " + type, comm);
    }

    public void broadcast(long send, long recv, long count, DataType type, int root, MemorySegment stream) {
        checkOpen();
        check(ncclBroadcast(ptr(send), ptr(recv), count, type.code, root, comm, stream), "ncclBroadcast", count + " " + type, comm);
    }

    /** recv holds recvCount elements; send holds size*recvCount. */
    public void reduceScatter(long send, long recv, long recvCount, DataType type, ReduceOp op, MemorySegment stream) {
        checkOpen();
        check(ncclReduceScatter(ptr(send), ptr(recv), recvCount, type.code, op.code, comm, stream), "ncclReduceScatter",
                recvCount + " " + type, comm);
    }

    /** send holds sendCount elements; recv holds size*sendCount, rank-major. */
    public void allGather(long send, long recv, long sendCount, DataType type, MemorySegment stream) {
        checkOpen();
        check(ncclAllGather(ptr(send), ptr(recv), sendCount, type.code, comm, stream), "ncclAllGather", sendCount + " " + type, comm);
    }

    public void send(long buf, long count, DataType type, int peer, MemorySegment stream) {
        checkOpen();
        check(ncclSend(ptr(buf), count, type.code, peer, comm, stream), "ncclSend", "to rank " + peer, comm);
    }

    public void recv(long buf, long count, DataType type, int peer, MemorySegment stream) {
        checkOpen();
        check(ncclRecv(ptr(buf), count, type.code, peer, comm, stream), "ncclRecv", "from rank " + peer, comm);
    }

    /** Starts a group of calls launched together (needed for matching send/recv pairs). */
    public static void groupStart() {
        check(ncclGroupStart(), "ncclGroupStart", null, MemorySegment.NULL);
    }

    public static void groupEnd() {
        check(ncclGroupEnd(), "ncclGroupEnd", null, MemorySegment.NULL);
    }

    /** Null when no asynchronous error is pending; otherwise the failure (the communicator should be aborted). */
    public NativeCallException asyncError() {
        checkOpen();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(ValueLayout.JAVA_INT);
            check(ncclCommGetAsyncError(comm, r), "ncclCommGetAsyncError", null, comm);
            int code = r.get(ValueLayout.JAVA_INT, 0);
            return code == 0 || code == ncclInProgress() ? null : error(code, "asynchronous NCCL operation", null, comm);
        }
    }

    /** Aborts pending work and frees the communicator (after an error). */
    public void abort() {
        if (!closed) {
            closed = true;
            check(ncclCommAbort(comm), "ncclCommAbort", null, MemorySegment.NULL);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            check(ncclCommDestroy(comm), "ncclCommDestroy", null, MemorySegment.NULL);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("NCCL communicator (rank " + rank + " of " + size + ") is closed");
        }
    }

    private static MemorySegment ptr(long address) {
        return MemorySegment.ofAddress(address);
    }

    private static void check(int status, String function, String detail, MemorySegment comm) {
        if (status != 0 && status != ncclInProgress()) {
            throw error(status, function, detail, comm);
        }
    }

    private static NativeCallException error(int status, String function, String detail, MemorySegment comm) {
        String text = null;
        String last = null;
        try {
            text = CStrings.read(ncclGetErrorString(status));
            last = CStrings.read(ncclGetLastError(comm));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // the strings are a courtesy; the code and function still identify the failure
        }
        String d = detail;
        if (last != null && !last.isBlank()) {
            d = (d == null ? "" : d + "; ") + "last error: " + last;
        }
        return new NativeCallException("NCCL", function, status, null, text, d);
    }
}
