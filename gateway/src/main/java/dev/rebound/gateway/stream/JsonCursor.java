package dev.rebound.gateway.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A forward-only reader of one JSON value held as bytes, for the stream relay's hot path: a transcript reads a few
 * fields of every event, so this walks the event's data once, compares field names as bytes, skips what is not asked
 * for without looking inside, and decodes only the strings asked for. No parser object, no tree, no field-name strings.
 *
 * <p>It reads well-formed JSON as JSON does, and is lenient where leniency costs nothing (a missing comma between
 * members is not noticed); input it cannot read (truncated, a stray character where a value or name belongs) throws
 * {@link Malformed}, one shared instance without a stack trace, so a broken upstream event costs no allocation either.
 */
public final class JsonCursor {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Thrown for input the cursor cannot read; the caller treats the event as teaching nothing. */
  public static final class Malformed extends RuntimeException {
    private static final Malformed INSTANCE = new Malformed();

    private Malformed() {
      super("malformed JSON", null, false, false);
    }
  }

  private final byte[] b;
  private final int end;
  private int i;
  private int nameFrom;
  private int nameTo;

  /** Reads {@code bytes[from, to)}. */
  public JsonCursor(byte[] bytes, int from, int to) {
    if (from < 0 || to > bytes.length || from > to) throw new IndexOutOfBoundsException(from + ".." + to);
    this.b = bytes;
    this.i = from;
    this.end = to;
  }

  /** A field name or value to compare with ({@link #fieldIs}, {@link #stringIs}): its ASCII bytes, made once. */
  public static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  public static JsonCursor of(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return new JsonCursor(bytes, 0, bytes.length);
  }

  /** The first byte of the next value ('{', '[', '"', 'n', 't', 'f', '-' or a digit); throws at the end of input. */
  public int peek() {
    skipWhitespace();
    return at(i);
  }

  /** Enters the object that comes next and returns true; false, reading nothing, when the next value is not one. */
  public boolean enterObject() {
    if (peek() != '{') return false;
    i++;
    return true;
  }

  /**
   * Moves to the next member of the object entered last and returns true, standing on its value; false when the object
   * ends (its closing brace is read).
   */
  public boolean nextField() {
    skipWhitespace();
    if (at(i) == ',') {
      i++;
      skipWhitespace();
    }
    byte c = at(i);
    if (c == '}') {
      i++;
      return false;
    }
    if (c != '"') throw Malformed.INSTANCE;
    nameFrom = i + 1;
    nameTo = endOfString(i);
    i = nameTo + 1;
    skipWhitespace();
    if (at(i) != ':') throw Malformed.INSTANCE;
    i++;
    return true;
  }

  /** Whether the current member's name is {@code name} (ASCII bytes; a name written with escapes does not match). */
  public boolean fieldIs(byte[] name) {
    return equalsRange(name, nameFrom, nameTo);
  }

  /** Enters the array that comes next and returns true; false, reading nothing, when the next value is not one. */
  public boolean enterArray() {
    if (peek() != '[') return false;
    i++;
    return true;
  }

  /** Moves to the next element of the array entered last and returns true; false when the array ends (']' read). */
  public boolean nextElement() {
    skipWhitespace();
    if (at(i) == ',') {
      i++;
      skipWhitespace();
    }
    if (at(i) == ']') {
      i++;
      return false;
    }
    return true;
  }

  /** Skips the next value, whatever it is, nested values and strings with braces in them included. */
  public void skipValue() {
    byte c = (byte) peek();
    if (c == '"') {
      i = endOfString(i) + 1;
    } else if (c == '{' || c == '[') {
      int depth = 0;
      do {
        c = at(i);
        if (c == '"') {
          i = endOfString(i);
        } else if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          depth--;
        }
        i++;
      } while (depth > 0);
    } else {
      int from = i;
      while (i < end && !endsScalar(b[i])) i++;
      if (i == from) throw Malformed.INSTANCE;
    }
  }

  /** The next value as a string if it is one (decoded), else null; the value is read either way. */
  public String stringOrNull() {
    if (peek() != '"') {
      skipValue();
      return null;
    }
    int from = i + 1;
    int close = endOfString(i);
    i = close + 1;
    return decode(from, close);
  }

  /** Whether the next value is a string of at least one character; the value is read either way. */
  public boolean nonEmptyString() {
    boolean nonEmpty = peek() == '"' && at(i + 1) != '"';
    skipValue();
    return nonEmpty;
  }

  /** Whether the next value is the string {@code value} (ASCII bytes, as written); the value is read either way. */
  public boolean stringIs(byte[] value) {
    if (peek() != '"') {
      skipValue();
      return false;
    }
    int from = i + 1;
    int close = endOfString(i);
    i = close + 1;
    return equalsRange(value, from, close);
  }

  /** Whether the next value is an array or object with at least one element or member; the value is read either way. */
  public boolean nonEmptyContainer() {
    int c = peek();
    boolean nonEmpty = false;
    if (c == '[' || c == '{') {
      int k = i + 1;
      while (k < end && isWhitespace(b[k])) k++;
      nonEmpty = at(k) != (c == '[' ? ']' : '}');
    }
    skipValue();
    return nonEmpty;
  }

  /**
   * The next value as a whole number if it is a number (a fraction is cut, as {@code (long) 2.9} is; one too large for
   * a long is clamped), else {@code otherwise}; the value is read either way.
   */
  public long longOr(long otherwise) {
    int c = peek();
    if (c != '-' && (c < '0' || c > '9')) {
      skipValue();
      return otherwise;
    }
    int from = i;
    skipValue();
    boolean negative = b[from] == '-';
    long value = 0;
    for (int k = negative ? from + 1 : from; k < i; k++) {
      byte d = b[k];
      if (d < '0' || d > '9') return fractional(from, otherwise);
      if (value > (Long.MAX_VALUE - (d - '0')) / 10) return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
      value = value * 10 + (d - '0');
    }
    return negative ? -value : value;
  }

  /**
   * The next value as a tree, the tree Jackson's {@code readTree} makes of it (for the part of an event or answer that
   * is needed whole: a usage object), built as the cursor reads it instead of through a parser and a deserializer,
   * which cost more than the few members read. A number that is not a whole one of up to 18 digits is Jackson's to
   * read. Nesting deeper than Jackson allows ({@value #MAX_DEPTH}) is malformed, as it is to Jackson. The value is read.
   */
  public JsonNode tree() {
    return tree(0);
  }

  /** Jackson's default limit on nesting: an upstream's value nested deeper must not exhaust the event loop's stack. */
  static final int MAX_DEPTH = 1000;

  private JsonNode tree(int depth) {
    int c = peek();
    if ((c == '{' || c == '[') && depth >= MAX_DEPTH) throw Malformed.INSTANCE;
    if (c == '{') {
      i++;
      ObjectNode object = NODES.objectNode();
      while (nextField()) {
        String name = decode(nameFrom, nameTo);
        object.set(name, tree(depth + 1));
      }
      return object;
    }
    if (c == '[') {
      i++;
      ArrayNode array = NODES.arrayNode();
      while (nextElement()) array.add(tree(depth + 1));
      return array;
    }
    if (c == '"') return NODES.textNode(stringOrNull());
    int from = i;
    skipValue();
    JsonNode scalar = scalar(from, i);
    if (scalar != null) return scalar;
    try {
      return JSON.readTree(b, from, i - from);
    } catch (IOException e) {
      throw Malformed.INSTANCE;
    }
  }

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** true, false, null, or a whole number of up to 18 digits written as JSON writes it; null for anything else. */
  private JsonNode scalar(int from, int to) {
    int len = to - from;
    if (equalsRange(TRUE, from, to)) return NODES.booleanNode(true);
    if (equalsRange(FALSE, from, to)) return NODES.booleanNode(false);
    if (equalsRange(NULL, from, to)) return NODES.nullNode();
    boolean negative = b[from] == '-';
    int k = negative ? from + 1 : from;
    int digits = to - k;
    // JSON has no leading zeros ("01") and no bare sign; such input, fractions and longer numbers go to Jackson
    if (digits < 1 || digits > 18 || (b[k] == '0' && digits > 1)) return null;
    long value = 0;
    for (; k < to; k++) {
      byte d = b[k];
      if (d < '0' || d > '9') return null;
      value = value * 10 + (d - '0');
    }
    if (negative) value = -value;
    return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? NODES.numberNode((int) value) : NODES.numberNode(value);
  }

  private static final byte[] TRUE = ascii("true");
  private static final byte[] FALSE = ascii("false");
  private static final byte[] NULL = ascii("null");

  /** The string between {@code from} and {@code to} (a name or value without its quotes), escapes decoded. */
  private String decode(int from, int to) {
    for (int k = from; k < to; k++) if (b[k] == '\\') return unescape(from, to);
    return new String(b, from, to - from, StandardCharsets.UTF_8);
  }

  private long fractional(int from, long otherwise) {
    try {
      double d = Double.parseDouble(new String(b, from, i - from, StandardCharsets.ISO_8859_1));
      return Double.isNaN(d) ? otherwise : (long) d;
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /**
   * The index of the quote closing the string whose opening quote is at {@code open}. Strings are most of an event's
   * bytes, so they are scanned eight bytes at a time for the next quote or backslash.
   */
  private int endOfString(int open) {
    int k = open + 1;
    while (true) {
      k = quoteOrBackslash(k);
      if (k >= end) throw Malformed.INSTANCE;
      if (b[k] == '"') return k;
      k += 2; // the escaped character, whatever it is
    }
  }

  private static final long QUOTES = '"' * SseParser.ONES;
  private static final long BACKSLASHES = '\\' * SseParser.ONES;

  /** The first '"' or '\\' at or after {@code from}; {@link #end} or beyond when there is none. */
  private int quoteOrBackslash(int from) {
    int k = from;
    for (; k + 8 <= end; k += 8) {
      long w = (long) SseParser.LONGS.get(b, k);
      long q = w ^ QUOTES;
      long s = w ^ BACKSLASHES;
      long found = ((q - SseParser.ONES) & ~q | (s - SseParser.ONES) & ~s) & SseParser.HIGHS;
      if (found != 0) return k + (Long.numberOfTrailingZeros(found) >>> 3);
    }
    for (; k < end; k++) if (b[k] == '"' || b[k] == '\\') return k;
    return k;
  }

  private String unescape(int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    int run = from;
    for (int k = from; k < to; k++) {
      if (b[k] != '\\') continue;
      if (k > run) out.append(new String(b, run, k - run, StandardCharsets.UTF_8));
      byte e = at(++k);
      switch (e) {
        case '"', '\\', '/' -> out.append((char) e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (k + 4 >= to) throw Malformed.INSTANCE;
          int code = 0;
          for (int h = 1; h <= 4; h++) {
            int digit = Character.digit(b[k + h], 16);
            if (digit < 0) throw Malformed.INSTANCE;
            code = code * 16 + digit;
          }
          out.append((char) code); // a surrogate pair arrives as two escapes, appended one after the other
          k += 4;
        }
        default -> throw Malformed.INSTANCE;
      }
      run = k + 1;
    }
    if (to > run) out.append(new String(b, run, to - run, StandardCharsets.UTF_8));
    return out.toString();
  }

  private boolean equalsRange(byte[] expected, int from, int to) {
    if (to - from != expected.length) return false;
    for (int k = 0; k < expected.length; k++) if (b[from + k] != expected[k]) return false;
    return true;
  }

  private byte at(int k) {
    if (k >= end) throw Malformed.INSTANCE;
    return b[k];
  }

  private void skipWhitespace() {
    // compact JSON has none: one comparison for the byte that is not
    while (i < end && (b[i] & 0xFF) <= ' ' && isWhitespace(b[i])) i++;
  }

  private static boolean isWhitespace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  /** The bytes that end a number or literal: structure, a quote, whitespace. */
  private static final boolean[] ENDS_SCALAR = new boolean[256];

  static {
    for (char c : ",}]:\"{[ \n\r\t".toCharArray()) ENDS_SCALAR[c] = true;
  }

  private static boolean endsScalar(byte c) {
    return ENDS_SCALAR[c & 0xFF];
  }
}
