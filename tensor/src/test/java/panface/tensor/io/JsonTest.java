package panface.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void nestingIsLimitedTo128Levels() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertTrue(Json.parse(ok) instanceof List<?>);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nest more than 128 levels deep"), e.getMessage());
        String objects = "{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000);
        assertThrows(IllegalArgumentException.class, () -> Json.parse(objects));
        String siblings = "[" + "[],".repeat(1000) + "[]]";
        assertEquals(1001, ((List<?>) Json.parse(siblings)).size(), "depth counts nesting, not siblings");
    }

    @Test
    void unicodeEscapesTakeExactlyFourHexDigits() {
        assertEquals(Map.of("k", "\u00e9A"), Json.parseObject("{\"k\":\"\\u00e9\\u0041\"}"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\u+041\""));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\u-041\""));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"\\u00\""));
    }
}
