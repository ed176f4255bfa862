package dev.confine.tools;

import static java.util.Objects.requireNonNull;

import dev.confine.Finding;
import java.util.List;

/**
 * The doctor's JSON, written by hand: the examples' jar takes no JSON library for an array of
 * flat objects and inspect's one document. Strings are escaped as RFC 8259 requires; everything else (non-ASCII included)
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
  /** A JSON number. */
  static String number(long value) {
    return Long.toString(value);
  }

  /** An array of JSON numbers. */
  static String numbers(List<Long> values) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      out.append(i == 0 ? "" : ",").append(values.get(i));
    }
    return out.append(']').toString();
  }

  /** An array of values already written as JSON, one to a line when {@code lines}. */
  static String values(List<String> json, boolean lines) {
    if (json.isEmpty()) {
      return "[]";
    }
    String between = lines ? ",\n    " : ",";
    return (lines ? "[\n    " : "[") + String.join(between, json) + (lines ? "\n  ]" : "]");
  }

  /** An object written field by field, in the order given. */
  static final class ObjectWriter {
    private final StringBuilder out = new StringBuilder("{");
    private final String separator;

    /** {@code lines}: a field to a line, indented by two (for the top level of a document). */
    ObjectWriter(boolean lines) {
      this.separator = lines ? "\n  " : "";
    }

    ObjectWriter raw(String name, String json) {
      requireNonNull(json, "json");
      out.append(out.length() == 1 ? "" : ",").append(separator).append(string(name)).append(':').append(json);
      return this;
    }

    ObjectWriter put(String name, String value) {
      return raw(name, string(value));
    }

    ObjectWriter put(String name, long value) {
      return raw(name, number(value));
    }

    ObjectWriter put(String name, boolean value) {
      return raw(name, Boolean.toString(value));
    }

    /** The number, or null when absent. */
    ObjectWriter put(String name, java.util.OptionalLong value) {
      return raw(name, value.isPresent() ? number(value.getAsLong()) : "null");
    }

    @Override
    public String toString() {
      return out + (separator.isEmpty() ? "" : "\n") + "}";
    }
  }
}
