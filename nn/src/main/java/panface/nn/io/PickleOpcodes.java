package panface.nn.io;

/** The names of pickle opcodes, for messages that say where a pickle went wrong. */
final class PickleOpcodes {
    private PickleOpcodes() {
    }

    /** The pickle name of an opcode (with its byte), for messages. */
    static String name(int op) {
        String name = switch (op) {
            case 0x80 -> "PROTO";
            case '.' -> "STOP";
            case '}' -> "EMPTY_DICT";
            case ']' -> "EMPTY_LIST";
            case ')' -> "EMPTY_TUPLE";
            case 0x8f -> "EMPTY_SET";
            case '(' -> "MARK";
            case 'N' -> "NONE";
            case 0x88 -> "NEWTRUE";
            case 0x89 -> "NEWFALSE";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'M' -> "BININT2";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 'G' -> "BINFLOAT";
            case 'X' -> "BINUNICODE";
            case 'U' -> "SHORT_BINSTRING";
            case 'T' -> "BINSTRING";
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 0x8c -> "SHORT_BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8";
            case 0x94 -> "MEMOIZE";
            case 0x95 -> "FRAME";
            case 0x93 -> "STACK_GLOBAL";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 'h' -> "BINGET";
            case 'j' -> "LONG_BINGET";
            case 't' -> "TUPLE";
            case 0x85 -> "TUPLE1";
            case 0x86 -> "TUPLE2";
            case 0x87 -> "TUPLE3";
            case 'a' -> "APPEND";
            case 'e' -> "APPENDS";
            case 's' -> "SETITEM";
            case 'u' -> "SETITEMS";
            case 'c' -> "GLOBAL";
            case 'R' -> "REDUCE";
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'b' -> "BUILD";
            case 'Q' -> "BINPERSID";
            case 'P' -> "PERSID";
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case '0' -> "POP";
            case '2' -> "DUP";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x96 -> "BYTEARRAY8";
            default -> null;
        };
        return String.format("0x%02x", op) + (name == null ? "" : " " + name);
    }
}
