package dev.confine.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of the JSON the doctor writes (arrays, objects, strings), written apart from
 * {@link Json} so that the tests read its output as any JSON reader would, not with its own rules.
 */
final class MiniJson {
  private final String text;
  private int at;

  private MiniJson(String text) {
    this.text = text;
  }

  /** The value in {@code text}: a List, a Map (insertion order kept) or a String. */
  static Object parse(String text) {
    MiniJson reader = new MiniJson(text);
    Object value = reader.value();
    reader.space();
    if (reader.at != text.length()) {
      throw reader.error("text after the value");
    }
    return value;
  }

  private Object value() {
    space();
    if (at >= text.length()) {
      throw error("no value");
    }
    switch (text.charAt(at)) {
      case '[': return array();
      case '{': return object();
      case '"': return string();
      default: throw error("not an array, object or string");
    }
  }

  private List<Object> array() {
    at++;
    List<Object> values = new ArrayList<>();
    space();
    if (peek() == ']') {
      at++;
      return values;
    }
    while (true) {
      values.add(value());
      space();
      char c = next();
      if (c == ']') {
        return values;
      }
      if (c != ',') {
        throw error("expected , or ]");
      }
    }
  }

  private Map<String, Object> object() {
    at++;
    Map<String, Object> fields = new LinkedHashMap<>();
    space();
    if (peek() == '}') {
      at++;
      return fields;
    }
    while (true) {
      space();
      String name = string();
      space();
      if (next() != ':') {
        throw error("expected :");
      }
      if (fields.put(name, value()) != null) {
        throw error("field " + name + " twice");
      }
      space();
      char c = next();
      if (c == '}') {
        return fields;
      }
      if (c != ',') {
        throw error("expected , or }");
      }
    }
  }

  private String string() {
    if (next() != '"') {
      throw error("expected a string");
    }
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        throw error("a raw control character in a string");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"': out.append('"'); break;
        case '\\': out.append('\\'); break;
        case '/': out.append('/'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'n': out.append('\n'); break;
        case 'r': out.append('\r'); break;
        case 't': out.append('\t'); break;
        case 'u':
          if (at + 4 > text.length()) {
            throw error("a short \\u escape");
          }
          out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          at += 4;
          break;
        default: throw error("unknown escape \\" + e);
      }
    }
  }

  private void space() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
  }

  private char peek() {
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private char next() {
    if (at >= text.length()) {
      throw error("the text ends early");
    }
    return text.charAt(at++);
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + " at " + at + " in: " + text);
  }
}
