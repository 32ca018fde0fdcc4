package panface.nn.io;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import panface.tensor.io.WeightFileException;

/**
 * A pickle reader that never runs code and reads a file as PyTorch's
 * {@code torch.load(weights_only=True)} does. It implements exactly the opcodes PyTorch's
 * weights-only unpickler implements (protocol 2, which torch.save writes) with the same meaning,
 * and refuses every other opcode; globals resolve only through an allow-list given by the caller.
 * In particular, as in PyTorch: BUILD is allowed only on an OrderedDict and sets its attributes
 * (a state dict's {@code _metadata}), never its items (and on a {@link Buildable}, which only the
 * caller's callables can make); APPEND only targets lists, SETITEM only
 * dicts; SETITEMS needs an even number of values; a MARK hides what is below it. Stricter than
 * PyTorch: dict keys must be strings or integers (so no key can be a container, whose hash
 * would recurse), BUILD on a tensor is refused, and STOP needs exactly one value on the stack.
 *
 * <p>Values: Long or BigInteger, Double, String, byte[] (DATA only), Boolean, null, an empty Set, {@link Tuple},
 * {@code List<Object>}, {@code Map<Object, Object>} (insertion ordered; {@link OrderedDict} for
 * collections.OrderedDict), and whatever the allowed callables return. Objects may be shared and
 * may contain themselves (through the memo); readers of the result must allow for both. Work and
 * memory are linear in the pickle's length. Every problem is a {@link WeightFileException} naming
 * the file, the byte offset and the opcode.
 *
 * <p>With {@link Opcodes#DATA} it also reads the plain data that Python 2 and Python 3 pickle with
 * protocols 2 to 5 (datasets such as verification packs, not checkpoints): byte strings, framing,
 * MEMOIZE and STACK_GLOBAL (still resolved only through the allow-list). Byte strings are
 * {@code byte[]}; a Python 2 {@code str} (BINSTRING, SHORT_BINSTRING) is read as bytes too, as
 * Python 3 reads it with {@code pickle.load(f, encoding='bytes')}.
 */
public final class SafeUnpickler {

    /** Which opcodes a reader accepts. */
    public enum Opcodes {
        /** Exactly torch.load(weights_only=True)'s protocol-2 set; SHORT_BINSTRING is text (UTF-8). */
        TORCH,
        /**
         * TORCH's set plus the byte-string and protocol-4 and 5 opcodes of plain data: BINSTRING and
         * SHORT_BINSTRING (as bytes), BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8 (as bytes),
         * SHORT_BINUNICODE, BINUNICODE8, FRAME, MEMOIZE and STACK_GLOBAL.
         */
        DATA
    }

    /** A Python tuple. */
    public record Tuple(List<Object> items) {
        public Object get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }
    }

    /** A collections.OrderedDict: its items, and apart from them the attributes that BUILD set. */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private final Map<Object, Object> attributes = new LinkedHashMap<>();

        /** An empty dict without attributes. */
        public OrderedDict() {
        }

        /** Attributes such as a state dict's {@code _metadata}; they are not items. */
        public Map<Object, Object> attributes() {
            return attributes;
        }
    }

    /** A callable the pickle may REDUCE with: receives the argument tuple; its IOException's message says what is wrong. */
    @FunctionalInterface
    public interface Callable {
        Object call(Tuple args) throws IOException;
    }

    /**
     * An object made by an allowed callable that takes its state from BUILD, as a numpy array
     * does when unpickled; BUILD on anything else but an OrderedDict is refused. Its build method
     * must check the state it is given: the pickle chose it.
     */
    public interface Buildable {
        void build(Object state) throws IOException;
    }

    /** Resolves a persistent id (BINPERSID) to an object, e.g. a storage read from elsewhere in the file. */
    @FunctionalInterface
    public interface PersistentLoader {
        Object load(Object pid) throws IOException;
    }

    /**
     * A reference to an allowed global, for use as a callable or as a marker value (e.g. a
     * storage type). {@code newObj} allows it as a NEWOBJ class (PyTorch allows nn.Parameter).
     */
    public record Global(String module, String name, Callable callable, boolean newObj) {
        public Global(String module, String name, Callable callable) {
            this(module, name, callable, false);
        }

        /** "module.name". */
        public String qualifiedName() {
            return module + "." + name;
        }
    }

    private final Path file;
    private final String entry;
    private final ByteBuffer in;
    private final Map<String, Global> allowed;
    private final PersistentLoader persistentLoad;
    private final Opcodes opcodes;
    private List<Object> stack = new ArrayList<>();
    private final Deque<List<Object>> metastack = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int at;
    private int op;

    /**
     * @param file           the file, for messages
     * @param entry          where the pickle lies in the file (e.g. "archive/data.pkl"), for messages
     * @param data           the pickle bytes
     * @param allowed        globals by "module.name"
     * @param persistentLoad resolves persistent ids (BINPERSID); null refuses them
     */
    public SafeUnpickler(Path file, String entry, byte[] data, Map<String, Global> allowed, PersistentLoader persistentLoad) {
        this(file, entry, data, allowed, persistentLoad, Opcodes.TORCH);
    }

    /** As the other constructor, with a choice of opcode set. */
    public SafeUnpickler(Path file, String entry, byte[] data, Map<String, Global> allowed, PersistentLoader persistentLoad, Opcodes opcodes) {
        this.opcodes = opcodes;
        this.file = file;
        this.entry = entry;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.allowed = allowed;
        this.persistentLoad = persistentLoad;
    }

    private WeightFileException error(String msg) {
        return error(msg, null);
    }

    private WeightFileException error(String msg, Throwable cause) {
        return new WeightFileException(file, "byte " + at + " of " + entry + ", opcode " + PickleOpcodes.name(op), msg, cause);
    }

    /** Reads until STOP and returns the result. */
    public Object load() throws WeightFileException {
        try {
            while (true) {
                at = in.position();
                op = in.get() & 0xFF;
                if (op == '.') {
                    if (!metastack.isEmpty() || stack.size() != 1) {
                        throw error("STOP with " + stack.size() + " values on the stack and " + metastack.size() + " open MARKs");
                    }
                    return stack.get(0);
                }
                step();
            }
        } catch (BufferUnderflowException e) {
            throw error("the pickle ends in the middle of this opcode (truncated)", e);
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw error(e.getMessage(), e);
        } catch (RuntimeException | StackOverflowError e) {
            throw error("internal error while unpickling (" + e + ")", e);
        }
    }

    private void step() throws IOException {
        if (opcodes == Opcodes.DATA && dataStep()) {
            return;
        }
        switch (op) {
            case 0x80 -> in.get();                                      // PROTO: any version; the opcodes decide
            case '}' -> push(new LinkedHashMap<Object, Object>());
            case ']' -> push(new ArrayList<Object>());
            case ')' -> push(new Tuple(List.of()));
            case 0x8f -> push(Set.of());                                // EMPTY_SET: nothing can add to it
            case '(' -> {                                               // MARK: a fresh stack until the matching pop
                metastack.push(stack);
                stack = new ArrayList<>();
            }
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) in.getInt());
            case 'K' -> push((long) (in.get() & 0xFF));
            case 'M' -> push((long) (in.getShort() & 0xFFFF));
            case 0x8a -> push(longN(in.get() & 0xFF));
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));   // BINFLOAT is big-endian
            case 'X' -> push(utf8(bytes(Integer.toUnsignedLong(in.getInt()))));
            case 'U' -> push(utf8(bytes(in.get() & 0xFF)));
            case 'q' -> memo.put((long) (in.get() & 0xFF), top());
            case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), top());
            case 'h' -> push(memoGet(in.get() & 0xFF));
            case 'j' -> push(memoGet(Integer.toUnsignedLong(in.getInt())));
            case 't' -> push(new Tuple(popMark()));
            case 0x85 -> push(new Tuple(listOf(pop())));
            case 0x86 -> {
                Object b = pop();
                Object a = pop();
                push(new Tuple(listOf(a, b)));
            }
            case 0x87 -> {
                Object c = pop();
                Object b = pop();
                Object a = pop();
                push(new Tuple(listOf(a, b, c)));
            }
            case 'a' -> {
                Object v = pop();
                asList(top()).add(v);
            }
            case 'e' -> {
                List<Object> items = popMark();
                asList(top()).addAll(items);
            }
            case 's' -> {
                Object v = pop();
                Object k = pop();
                asDict(top()).put(key(k), v);
            }
            case 'u' -> {
                List<Object> items = popMark();
                Map<Object, Object> m = asDict(top());
                if (items.size() % 2 != 0) {
                    throw error("SETITEMS with an odd number (" + items.size() + ") of keys and values");
                }
                for (int i = 0; i < items.size(); i += 2) {
                    m.put(key(items.get(i)), items.get(i + 1));
                }
            }
            case 'c' -> push(global(line(), line()));
            case 'R' -> {
                Object args = pop();
                Object fn = top();
                if (!(fn instanceof Global g) || g.callable() == null) {
                    throw error("REDUCE on " + describe(fn) + ", which is not an allowed callable");
                }
                stack.set(stack.size() - 1, call(g, args));
            }
            case 0x81 -> {                                              // NEWOBJ
                Object args = pop();
                Object cls = pop();
                if (!(cls instanceof Global g) || !g.newObj()) {
                    throw error("NEWOBJ of " + describe(cls) + "; only torch.nn.Parameter and argparse.Namespace may be created this way");
                }
                push(call(g, args));
            }
            case 'b' -> {
                Object state = pop();
                Object target = top();
                if (target instanceof Buildable b) {
                    try {
                        b.build(state);
                    } catch (WeightFileException e) {
                        throw e;
                    } catch (IOException e) {
                        throw error("BUILD of " + describe(target) + ": " + e.getMessage(), e);
                    }
                    return;
                }
                if (!(target instanceof OrderedDict od)) {
                    throw error("BUILD on " + describe(target) + "; only an OrderedDict's attributes may be set this way");
                }
                if (!(state instanceof Map<?, ?> s)) {
                    throw error("BUILD of an OrderedDict with " + describe(state) + " instead of a dict of attributes");
                }
                od.attributes().putAll(s);
            }
            case 'Q' -> {
                Object pid = pop();
                if (persistentLoad == null) {
                    throw error("persistent ids are not expected in this file");
                }
                if (!(pid instanceof Tuple t && t.size() > 0 && "storage".equals(t.get(0)))) {
                    throw error("a persistent id that is not a ('storage', ...) tuple: " + describe(pid));
                }
                push(persistentLoad.load(pid));
            }
            default -> throw error("this opcode is not supported: like torch.load(weights_only=True), this reader accepts only the "
                    + "opcodes of protocol 2 that plain data and tensors need");
        }
    }

    /** The opcodes only {@link Opcodes#DATA} accepts; false when op is not one of them. */
    private boolean dataStep() throws IOException {
        switch (op) {
            case 'U', 'C' -> push(bytes(in.get() & 0xFF));               // SHORT_BINSTRING, SHORT_BINBYTES
            case 'T' -> {                                               // BINSTRING: a signed length, as Python reads it
                int n = in.getInt();
                if (n < 0) {
                    throw error("a negative length " + n + " (corrupt)");
                }
                push(bytes(n));
            }
            case 'B' -> push(bytes(Integer.toUnsignedLong(in.getInt())));
            case 0x96 -> push(bytes(in.getLong()));                    // BYTEARRAY8 (protocol 5): a bytearray, read as bytes
            case 0x8e -> push(bytes(in.getLong()));                    // BINBYTES8
            case 0x8c -> push(utf8(bytes(in.get() & 0xFF)));             // SHORT_BINUNICODE
            case 0x8d -> push(utf8(bytes(in.getLong())));              // BINUNICODE8
            case 0x95 -> {                                              // FRAME: a hint for buffered reading; only its length is checked
                long n = in.getLong();
                if (n < 0 || n > in.remaining()) {
                    throw error("a frame of " + Long.toUnsignedString(n) + " bytes exceeds the " + in.remaining() + " bytes left (truncated or corrupt)");
                }
            }
            case 0x94 -> memo.put((long) memo.size(), top());           // MEMOIZE: the next free index, as Python numbers it
            case 0x93 -> {                                              // STACK_GLOBAL: module and name from the stack
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String m && name instanceof String n)) {
                    throw error("STACK_GLOBAL of " + describe(module) + " and " + describe(name) + " instead of two strings");
                }
                push(global(m, n));
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private Object call(Global g, Object args) throws IOException {
        if (!(args instanceof Tuple t)) {
            throw error("the arguments of " + g.qualifiedName() + " are " + describe(args) + ", not a tuple");
        }
        try {
            return g.callable().call(t);
        } catch (WeightFileException e) {
            throw e;
        } catch (IOException e) {
            throw error(g.qualifiedName() + ": " + e.getMessage(), e);
        }
    }

    private static List<Object> listOf(Object... xs) {
        List<Object> l = new ArrayList<>(xs.length);
        java.util.Collections.addAll(l, xs);
        return l;
    }

    private byte[] bytes(long n) throws WeightFileException {
        if (n < 0 || n > in.remaining()) {
            throw error("a length of " + Long.toUnsignedString(n) + " exceeds the " + in.remaining() + " bytes left (truncated or corrupt)");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private String utf8(byte[] b) throws WeightFileException {
        try {
            CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return c.toString();
        } catch (CharacterCodingException e) {
            throw error("a string that is not valid UTF-8", e);
        }
    }

    /** A GLOBAL operand: bytes up to a newline, UTF-8; longer than any module or class name is refused. */
    private String line() throws WeightFileException {
        int start = in.position();
        while (in.get() != '\n') {
            if (in.position() - start > 256) {
                throw error("a GLOBAL name is longer than 256 bytes");
            }
        }
        byte[] b = new byte[in.position() - start - 1];
        in.get(start, b);
        return utf8(b);
    }

    private Object longN(int n) throws WeightFileException {
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

    private Global global(String module, String name) throws WeightFileException {
        Global g = allowed.get(module + "." + name);
        if (g == null) {
            throw error("global '" + module + "." + name + "' is not allowed; this reader loads tensors and plain data only and never "
                    + "imports or calls anything else");
        }
        return g;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() throws WeightFileException {
        if (stack.isEmpty()) {
            throw error("stack underflow" + (metastack.isEmpty() ? "" : " (below a MARK)"));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object top() throws WeightFileException {
        if (stack.isEmpty()) {
            throw error("stack underflow" + (metastack.isEmpty() ? "" : " (below a MARK)"));
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws WeightFileException {
        if (metastack.isEmpty()) {
            throw error("no MARK on the stack");
        }
        List<Object> items = stack;
        stack = metastack.pop();
        return items;
    }

    private Object memoGet(long key) throws WeightFileException {
        if (!memo.containsKey(key)) {
            throw error("memo entry " + key + " was never stored");
        }
        return memo.get(key);
    }

    /** Dict keys: strings and integers only, so that no key is a container (whose hash would recurse) and no two keys Python counts equal (1, 1.0, True) stay apart. */
    private Object key(Object k) throws WeightFileException {
        if (isKey(k)) {
            return k;
        }
        throw error("a dict key of type " + describe(k) + "; only strings and integers are supported as keys");
    }

    /** Whether a value may be a dict key here: a string or an integer. */
    static boolean isKey(Object k) {
        return k instanceof String || k instanceof Long || k instanceof BigInteger;
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) throws WeightFileException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw error("APPEND to " + describe(o) + "; only lists can be appended to");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asDict(Object o) throws WeightFileException {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error("SETITEM on " + describe(o) + "; only dicts can take items");
    }

    /** A short, bounded description of a value's type (never its contents, which may be huge or contain themselves). */
    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case Global g -> "global " + g.qualifiedName();
            case OrderedDict d -> "an OrderedDict";
            case Map<?, ?> m -> "a dict";
            case List<?> l -> "a list";
            case Tuple t -> "a tuple of " + t.size();
            case Set<?> s -> "a set";
            case String s -> "a string";
            case Long l -> "an int";
            case BigInteger b -> "an int";
            case Double d -> "a float";
            case Boolean b -> "a bool";
            case byte[] b -> "bytes";
            default -> "a " + o.getClass().getSimpleName();
        };
    }
}
