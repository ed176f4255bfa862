package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.Finding;
import java.util.List;

/**
 * The doctor's JSON, written by hand: the examples' jar takes no JSON library for one array of
 * flat objects. Strings are escaped as RFC 8259 requires; everything else (non-ASCII included)
 * is written as it is, and the output is UTF-8.
 */
final class Json {
  private Json() {}

  /** A JSON string literal for {@code text}: quotes, backslash and control characters escaped. */
  static String string(String text) {
    requireNonNull(text, "text");
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        default:
          // U+2028 and U+2029 are legal in JSON but end a line in JavaScript: escaped for readers that eval.
          if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"').toString();
  }

  /** One finding as an object with the fields code, severity, what, why and fix, in that order. */
  static String object(Finding finding) {
    return "{\"code\":" + string(finding.code())
        + ",\"severity\":" + string(finding.severity().name())
        + ",\"what\":" + string(finding.message())
        + ",\"why\":" + string(finding.why())
        + ",\"fix\":" + string(finding.fix())
        + "}";
  }

  /** The findings as one array, an object to a line (so that grep still works on it), "[]" for none. */
  static String array(List<Finding> findings) {
    if (findings.isEmpty()) {
      return "[]";
    }
    StringBuilder out = new StringBuilder("[\n");
    for (int i = 0; i < findings.size(); i++) {
      out.append("  ").append(object(findings.get(i))).append(i + 1 < findings.size() ? ",\n" : "\n");
    }
    return out.append(']').toString();
  }
}
