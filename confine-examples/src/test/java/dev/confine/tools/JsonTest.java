package dev.confine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.confine.Finding;
import dev.confine.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void quotesBackslashesAndControlCharactersAreEscaped() {
    assertEquals("\"a\\\"b\"", Json.string("a\"b"));
    assertEquals("\"C:\\\\dir\\\\\"", Json.string("C:\\dir\\"));
    assertEquals("\"1\\n2\\r3\\t4\\b5\\f6\"", Json.string("1\n2\r3\t4\b5\f6"));
    assertEquals("\"\\u0000\\u0001\\u001f\\u007f\"", Json.string("\u0000\u0001\u001f\u007f"));
    assertEquals("\"\\u2028\\u2029\"", Json.string("\u2028\u2029"));
  }

  @Test
  void nonAsciiIsWrittenAsItIs() {
    assertEquals("\"/srv/jail/café/日本/\uD83D\uDE00\"", Json.string("/srv/jail/café/日本/\uD83D\uDE00"));
  }

  @Test
  void everyStringReadsBackAsItWas() {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < 0x300; c++) {
      all.append(c);
    }
    for (String s : List.of("", "plain", "quote \" and \\ back", "tab\tnew\nline", all.toString(), "é \u2028 \uD83D\uDE00")) {
      String written = Json.string(s);
      assertEquals(s, MiniJson.parse(written), written);
      for (char c : written.toCharArray()) {
        assertFalse(c < 0x20, "no raw control character in " + written);
      }
    }
  }

  @Test
  void theArrayHasOneObjectPerFindingWithFiveFields() {
    List<Finding> findings =
        List.of(
            new Finding(Severity.ERROR, "setuid-file", "/j/bin/\"su\" is setuid", "why\nnot", "chmod u-s /j/bin/su"),
            new Finding(Severity.INFO, "same-path", "/opt/é", "", "Nothing to do."));
    String json = Json.array(findings);
    assertEquals(4, json.split("\n").length, "one object to a line between the brackets: " + json);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> read = (List<Map<String, Object>>) MiniJson.parse(json);
    assertEquals(2, read.size());
    assertEquals(
        Map.of("code", "setuid-file", "severity", "ERROR", "what", "/j/bin/\"su\" is setuid", "why", "why\nnot", "fix", "chmod u-s /j/bin/su"),
        read.get(0));
    assertEquals(List.of("code", "severity", "what", "why", "fix"), List.copyOf(read.get(1).keySet()));
    assertEquals("/opt/é", read.get(1).get("what"));
  }

  @Test
  void noFindingsIsAnEmptyArray() {
    assertEquals("[]", Json.array(List.of()));
    assertEquals(List.of(), MiniJson.parse(Json.array(List.of())));
  }
}
