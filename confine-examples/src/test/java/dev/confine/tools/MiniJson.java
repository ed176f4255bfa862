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

  /** The value in {@code text}: a List, a Map (insertion order kept), a String, a Long, a Boolean or null. */
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
      case 't': return word("true", Boolean.TRUE);
      case 'f': return word("false", Boolean.FALSE);
      case 'n': return word("null", null);
      default:
        if (text.charAt(at) == '-' || Character.isDigit(text.charAt(at))) {
          return integer();
        }
        throw error("not an array, object, string, integer, true, false or null");
    }
  }

  private Object word(String word, Object value) {
    if (!text.startsWith(word, at)) {
      throw error("expected " + word);
    }
    at += word.length();
    return value;
  }

  /** An integer (the doctor writes no fractions): -?(0|[1-9][0-9]*), as JSON's grammar has it. */
  private Long integer() {
    int start = at;
    if (peek() == '-') {
      at++;
    }
    if (peek() == '0') {
      at++;
    } else if (Character.isDigit(peek()) && peek() != '0') {
      while (Character.isDigit(peek())) {
        at++;
      }
    } else {
      throw error("a number without digits");
    }
    if (peek() == '.' || peek() == 'e' || peek() == 'E') {
      throw error("a fraction or exponent: the doctor writes integers only");
    }
    return Long.parseLong(text.substring(start, at));
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
