package dev.confine.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of JSON (RFC 8259; integers only, which is all the doctor writes), apart from
 * the doctor's own writer, so that the ITs read its output as any other JSON reader would.
 * Values: Map (fields in order), List, String, Long, Boolean, or null.
 */
final class JsonReader {
  private final String text;
  private int at;

  private JsonReader(String text) {
    this.text = text;
  }

  static Object parse(String text) {
    JsonReader reader = new JsonReader(text);
    Object value = reader.value();
    reader.space();
    if (reader.at != text.length()) {
      throw reader.error("text after the value");
    }
    return value;
  }

  private Object value() {
    space();
    char c = peek();
    switch (c) {
      case '{': return object();
      case '[': return array();
      case '"': return string();
      case 't': return word("true", Boolean.TRUE);
      case 'f': return word("false", Boolean.FALSE);
      case 'n': return word("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return integer();
        }
        throw error("no value");
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
      expect(':');
      if (fields.containsKey(name)) {
        throw error("field " + name + " twice");
      }
      fields.put(name, value());
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

  private String string() {
    expect('"');
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
        case '"': case '\\': case '/': out.append(e); break;
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

  private Long integer() {
    int start = at;
    if (peek() == '-') {
      at++;
    }
    if (peek() == '0') {
      at++;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') {
        at++;
      }
    } else {
      throw error("a number without digits");
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') {
      throw error("a fraction or exponent where the doctor writes integers");
    }
    return Long.parseLong(text.substring(start, at));
  }

  private Object word(String word, Object value) {
    if (!text.startsWith(word, at)) {
      throw error("expected " + word);
    }
    at += word.length();
    return value;
  }

  private void expect(char c) {
    if (next() != c) {
      throw error("expected " + c);
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
    return new IllegalArgumentException(what + " at " + at + " of: " + text);
  }
}
