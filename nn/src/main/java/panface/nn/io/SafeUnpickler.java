package panface.nn.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pickle reader that never runs code. It implements the opcodes that state dicts and simple
 * containers use (protocols 2 to 5: numbers, strings, bytes, tuples, lists, dicts, booleans,
 * None, the memo, persistent ids) and resolves globals only through an allow-list given by the
 * caller; any other global, and any opcode it does not know, is refused with an error that names
 * it and its position. Values: Long or BigInteger, Double, String, byte[], Boolean, null,
 * {@link Tuple}, {@code List<Object>}, {@code Map<Object, Object>} (insertion ordered), and
 * whatever the allowed callables return.
 */
public final class SafeUnpickler {

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Object get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }
    }

    /** A callable the pickle may reduce with: receives the argument tuple. */
    @FunctionalInterface
    public interface Callable {
        Object call(Tuple args) throws IOException;
    }

    /** A reference to an allowed global, for use as a callable or as a marker value (e.g. a storage type). */
    public record Global(String module, String name, Callable callable) {
    }

    private final ByteBuffer in;
    private final Map<String, Global> allowed;
    private final Function<Object, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Integer, Object> memo = new HashMap<>();

    /**
     * @param data           the pickle bytes
     * @param allowed        globals by "module.name"
     * @param persistentLoad resolves persistent ids (BINPERSID); null refuses them
     */
    public SafeUnpickler(byte[] data, Map<String, Global> allowed, Function<Object, Object> persistentLoad) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.allowed = allowed;
        this.persistentLoad = persistentLoad;
    }

    private IOException error(int at, String msg) {
        return new IOException("unsafe or unsupported pickle at byte " + at + ": " + msg);
    }

    /** Reads until STOP and returns the result. */
    public Object load() throws IOException {
        try {
            while (true) {
                int at = in.position();
                int op = in.get() & 0xFF;
                switch (op) {
                    case 0x80 -> in.get();                                      // PROTO
                    case 0x95 -> in.getLong();                                  // FRAME
                    case '.' -> {                                               // STOP
                        if (stack.size() != 1) {
                            throw error(at, "STOP with " + stack.size() + " values on the stack");
                        }
                        return stack.get(0);
                    }
                    case '}' -> push(new LinkedHashMap<>());
                    case ']' -> push(new ArrayList<>());
                    case ')' -> push(new Tuple(List.of()));
                    case '(' -> marks.push(stack.size());
                    case 'N' -> push(null);
                    case 0x88 -> push(Boolean.TRUE);
                    case 0x89 -> push(Boolean.FALSE);
                    case 'J' -> push((long) in.getInt());
                    case 'K' -> push((long) (in.get() & 0xFF));
                    case 'M' -> push((long) (in.getShort() & 0xFFFF));
                    case 0x8a -> push(longN(in.get() & 0xFF));
                    case 0x8b -> push(longN(in.getInt()));
                    case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                    case 'X' -> push(new String(bytes(in.getInt()), StandardCharsets.UTF_8));
                    case 0x8c -> push(new String(bytes(in.get() & 0xFF), StandardCharsets.UTF_8));
                    case 0x8d -> push(new String(bytes(checkedLength(in.getLong(), at)), StandardCharsets.UTF_8));
                    case 'T', 'B' -> push(bytes(in.getInt()));
                    case 'U', 'C' -> push(bytes(in.get() & 0xFF));
                    case 0x8e -> push(bytes(checkedLength(in.getLong(), at)));
                    case 'q' -> memo.put(in.get() & 0xFF, top(at));
                    case 'r' -> memo.put(in.getInt(), top(at));
                    case 0x94 -> memo.put(memo.size(), top(at));
                    case 'h' -> push(memoGet(in.get() & 0xFF, at));
                    case 'j' -> push(memoGet(in.getInt(), at));
                    case 't' -> push(new Tuple(popMark(at)));
                    case 0x85 -> push(new Tuple(List.of(pop(at))));
                    case 0x86 -> {
                        Object b = pop(at);
                        Object a = pop(at);
                        push(new Tuple(listOf(a, b)));
                    }
                    case 0x87 -> {
                        Object c = pop(at);
                        Object b = pop(at);
                        Object a = pop(at);
                        push(new Tuple(listOf(a, b, c)));
                    }
                    case 'a' -> {
                        Object v = pop(at);
                        asList(top(at), at).add(v);
                    }
                    case 'e' -> {
                        List<Object> items = popMark(at);
                        asList(top(at), at).addAll(items);
                    }
                    case 's' -> {
                        Object v = pop(at);
                        Object k = pop(at);
                        asMap(top(at), at).put(k, v);
                    }
                    case 'u' -> {
                        List<Object> items = popMark(at);
                        Map<Object, Object> m = asMap(top(at), at);
                        for (int i = 0; i + 1 < items.size(); i += 2) {
                            m.put(items.get(i), items.get(i + 1));
                        }
                    }
                    case 'c' -> push(global(line(), line(), at));
                    case 0x93 -> {
                        Object name = pop(at);
                        Object module = pop(at);
                        if (!(module instanceof String ms) || !(name instanceof String ns)) {
                            throw error(at, "STACK_GLOBAL without string operands");
                        }
                        push(global(ms, ns, at));
                    }
                    case 'R' -> {
                        Object args = pop(at);
                        Object fn = pop(at);
                        if (!(fn instanceof Global g) || g.callable() == null) {
                            throw error(at, "REDUCE on " + describe(fn) + ", which is not an allowed callable");
                        }
                        if (!(args instanceof Tuple t)) {
                            throw error(at, "REDUCE arguments are not a tuple");
                        }
                        push(g.callable().call(t));
                    }
                    case 'b' -> {
                        Object state = pop(at);
                        Object target = top(at);
                        if (target instanceof Map<?, ?> m && state instanceof Map<?, ?> s) {
                            @SuppressWarnings("unchecked")
                            Map<Object, Object> mm = (Map<Object, Object>) m;
                            mm.putAll(s);
                        } else if (!(target instanceof Map<?, ?> && state == null)) {
                            throw error(at, "BUILD on " + describe(target) + " is not supported");
                        }
                    }
                    case 'Q' -> {
                        Object pid = pop(at);
                        if (persistentLoad == null) {
                            throw error(at, "persistent ids are not expected in this file");
                        }
                        push(persistentLoad.apply(pid));
                    }
                    default -> throw error(at, String.format("opcode 0x%02x is not supported (only plain data and allow-listed globals are read)", op));
                }
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new IOException("truncated pickle: the data ends before STOP", e);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new IOException("malformed pickle: " + e.getMessage(), e);
        }
    }

    private static List<Object> listOf(Object... xs) {
        List<Object> l = new ArrayList<>(xs.length);
        java.util.Collections.addAll(l, xs);
        return l;
    }

    private int checkedLength(long n, int at) throws IOException {
        if (n < 0 || n > in.remaining()) {
            throw error(at, "length " + n + " exceeds the remaining " + in.remaining() + " bytes");
        }
        return (int) n;
    }

    private byte[] bytes(int n) throws IOException {
        if (n < 0 || n > in.remaining()) {
            throw new IOException("truncated or corrupt pickle: a length of " + n + " exceeds the remaining " + in.remaining() + " bytes");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return sb.toString();
            }
            if (sb.length() > 256) {
                throw new IOException("corrupt pickle: a GLOBAL name is longer than 256 characters");
            }
            sb.append((char) (b & 0xFF));
        }
    }

    private Object longN(int n) throws IOException {
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Global global(String module, String name, int at) throws IOException {
        Global g = allowed.get(module + "." + name);
        if (g == null) {
            throw error(at, "global '" + module + "." + name + "' is not allowed; this reader loads tensors and plain data only and never "
                    + "imports or calls anything else");
        }
        return g;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop(int at) throws IOException {
        if (stack.isEmpty() || (!marks.isEmpty() && stack.size() <= marks.peek())) {
            throw error(at, "stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top(int at) throws IOException {
        if (stack.isEmpty()) {
            throw error(at, "stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark(int at) throws IOException {
        if (marks.isEmpty()) {
            throw error(at, "no MARK on the stack");
        }
        int m = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(int key, int at) throws IOException {
        if (!memo.containsKey(key)) {
            throw error(at, "memo entry " + key + " was never stored");
        }
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, int at) throws IOException {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw error(at, "APPEND to " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, int at) throws IOException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error(at, "SETITEM on " + describe(o));
    }

    private static String describe(Object o) {
        if (o instanceof Global g) {
            return g.module() + "." + g.name();
        }
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
