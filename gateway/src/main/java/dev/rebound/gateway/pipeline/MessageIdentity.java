package dev.rebound.gateway.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What makes two messages the same turn, whatever JSON spelling a client or SDK uses: the role, the text (a string or
 * the text blocks joined, whitespace-trimmed), and the tool calls or results (names, arguments, ids). Fields that SDKs
 * add or drop (null refusals, annotations, cache_control, block order of empty parts) do not count, and neither do
 * thinking blocks: clients resend them with other signatures, or drop them from older turns.
 *
 * <p>Two digests of that: {@link #of} for comparing messages within this process (a session's every turn compares
 * each message of its history, so it is a fast 128-bit hash), and {@link #lasting} where an identity is kept beyond the
 * process (a thread's id is named after its first messages), SHA-256, which every version computes alike.
 */
public final class MessageIdentity {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Marker fields that say how to cache or check a block, not what it says. */
  private static final java.util.Set<String> NOT_CONTENT = java.util.Set.of("cache_control", "signature");
  /** The URL-safe base64 alphabet, for {@link #base64} (before {@link #EMPTY_ANSWER}, which is digested). */
  private static final byte[] BASE64URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".getBytes(StandardCharsets.US_ASCII);

  /**
   * An assistant message that says nothing (an aborted attempt's {@code {"role":"assistant","content":""}}, or one that
   * held only thinking): clients leave these in their history; they are no turn.
   */
  public static final String EMPTY_ANSWER = of("{\"role\":\"assistant\",\"content\":\"\"}");

  private MessageIdentity() {}

  /**
   * Whether two assistant messages are the same answer, one of them only in part: the client kept what it was sent of
   * an answer that was cut (or the store kept a partial one), so one text begins the other, and they call the same tools.
   */
  static boolean sameAnswerInPart(JsonNode a, JsonNode b) {
    if (!"assistant".equals(text(a.path("role"))) || !"assistant".equals(text(b.path("role")))) return false;
    String ta = textOf(a);
    String tb = textOf(b);
    if (ta.isEmpty() || tb.isEmpty()) return false;
    if (!(ta.startsWith(tb) || tb.startsWith(ta))) return false;
    return toolsOf(a).equals(toolsOf(b));
  }

  /** The text of a message: a string content, or its text blocks joined; whitespace-trimmed. */
  static String textOf(JsonNode m) {
    JsonNode content = m.get("content");
    if (content != null && content.isTextual()) return content.textValue().strip();
    StringBuilder text = new StringBuilder();
    appendText(content, text);
    // a Responses turn part: the output items of an answer (their message items say its text)
    for (JsonNode item : m.path("output")) {
      if ("message".equals(text(item.path("type")))) appendText(item.get("content"), text);
    }
    return text.toString().strip();
  }

  /** The text blocks of a content list (Chat and Anthropic {@code text}, Responses {@code input_text}/{@code output_text}). */
  private static void appendText(JsonNode content, StringBuilder text) {
    if (content == null || !content.isArray()) return;
    for (JsonNode block : content) {
      String type = text(block.path("type"));
      if (type.equals("text") || type.equals("input_text") || type.equals("output_text")) {
        text.append(text(block.path("text")));
      }
    }
  }

  public static String of(String json) {
    try {
      return of(JSON.readTree(json));
    } catch (java.io.IOException e) {
      return base64(MessageFingerprint.of(json));
    }
  }

  /**
   * The identity of a parsed message, for comparing it with others in this process (never store it: another version
   * may compute it otherwise; see {@link #lasting}). Floating-point numbers count by value, so a message parsed with
   * BigDecimals (as the front door reads requests) has the identity of its JSON text read back with doubles (as
   * stored).
   */
  static String of(JsonNode m) {
    return base64(MessageFingerprint.of(said(m)));
  }

  /**
   * The identity of a parsed message as every version computes it: 128 bits of the SHA-256 of what {@link #of}
   * digests, for identities kept beyond this process (a thread's id).
   */
  static String lasting(JsonNode m) {
    return base64(dev.rebound.store.MessageHash.sha256(said(m).toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** What makes the message itself: its role, its text and its tools, each after a NUL. */
  private static StringBuilder said(JsonNode m) {
    StringBuilder id = new StringBuilder(text(m.path("role"))).append('\u0000').append(textOf(m));
    for (String t : toolsOf(m)) id.append('\u0000').append(t);
    return id;
  }

  /** The tool calls, tool results and other non-text blocks of a message, in order. */
  private static List<String> toolsOf(JsonNode m) {
    List<String> tools = new ArrayList<>();
    JsonNode content = m.get("content");
    if (content != null && content.isArray()) {
      for (JsonNode block : content) {
        String type = text(block.path("type"));
        switch (type) {
          case "text", "input_text", "output_text", "thinking", "redacted_thinking" -> {
            // text is the message's text; thinking is resent re-signed or dropped by clients
          }
          case "tool_use" -> tools.add("use:" + text(block.path("id")) + ":" + text(block.path("name")) + ":"
              + canonical(block.get("input")));
          case "tool_result" -> tools.add("result:" + text(block.path("tool_use_id")) + ":" + canonical(block.get("content")));
          default -> tools.add(type + ":" + canonical(block));
        }
      }
    }
    for (JsonNode call : m.path("tool_calls")) {
      tools.add("call:" + text(call.path("id")) + ":" + text(call.path("function").path("name")) + ":"
          + canonical(parse(text(call.path("function").path("arguments")))));
    }
    if (m.has("tool_call_id")) tools.add("for:" + text(m.path("tool_call_id")));
    // a Responses turn part: the answer's calls, or the tool outputs for them (reasoning is resent re-encrypted or not)
    for (JsonNode item : m.path("output")) {
      switch (text(item.path("type"))) {
        case "message", "reasoning" -> { }
        case "function_call" -> tools.add("call:" + text(item.path("call_id")) + ":" + text(item.path("name")) + ":"
            + canonical(parse(text(item.path("arguments")))));
        case "custom_tool_call" -> tools.add("call:" + text(item.path("call_id")) + ":" + text(item.path("name")) + ":"
            + text(item.path("input")).strip());
        case "function_call_output", "custom_tool_call_output" -> tools.add("result:" + text(item.path("call_id")) + ":"
            + canonical(item.get("output")));
        default -> tools.add(text(item.path("type")) + ":" + canonical(withoutId(item)));
      }
    }
    return tools;
  }

  /** An item without the id a server gave it (clients resend items with or without theirs). */
  private static JsonNode withoutId(JsonNode item) {
    if (!item.isObject() || !item.has("id")) return item;
    com.fasterxml.jackson.databind.node.ObjectNode copy = ((com.fasterxml.jackson.databind.node.ObjectNode) item).deepCopy();
    copy.remove("id");
    copy.remove("status");
    return copy;
  }

  /**
   * The URL-safe base64 of a digest's first 16 bytes, unpadded (22 characters): the sessions cache keeps one identity
   * per stored message, and the whole text would keep every session's history in memory. Written here: every message
   * of every request in a session is digested, and the JDK's encoder wants a copy of the 16 bytes and makes two arrays.
   */
  private static String base64(byte[] h) {
    byte[] id = new byte[22];
    int o = 0;
    for (int i = 0; i < 15; i += 3) {
      int bits = (h[i] & 0xff) << 16 | (h[i + 1] & 0xff) << 8 | (h[i + 2] & 0xff);
      id[o++] = BASE64URL[bits >>> 18];
      id[o++] = BASE64URL[bits >>> 12 & 0x3f];
      id[o++] = BASE64URL[bits >>> 6 & 0x3f];
      id[o++] = BASE64URL[bits & 0x3f];
    }
    id[o++] = BASE64URL[(h[15] & 0xff) >>> 2];
    id[o] = BASE64URL[(h[15] & 0x03) << 4];
    return new String(id, StandardCharsets.ISO_8859_1);
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (java.io.IOException e) {
      return JSON.getNodeFactory().textNode(text);
    }
  }

  /** JSON with object keys sorted, so key order does not matter. */
  private static String canonical(JsonNode n) {
    if (n == null || n.isNull()) return "";
    if (n.isObject()) {
      List<String> names = new ArrayList<>();
      n.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      StringBuilder b = new StringBuilder("{");
      for (String k : names) {
        if (!NOT_CONTENT.contains(k)) b.append(k).append('=').append(canonical(n.get(k))).append(',');
      }
      return b.append('}').toString();
    }
    if (n.isArray()) {
      StringBuilder b = new StringBuilder("[");
      for (JsonNode e : n) b.append(canonical(e)).append(',');
      return b.append(']').toString();
    }
    if (n.isFloatingPointNumber()) return Double.toString(n.doubleValue());
    return n.isTextual() ? n.textValue().strip() : n.toString();
  }

  /** {@link JsonNode#asText()}, with floating-point numbers by value (see {@link #of(JsonNode)}). */
  private static String text(JsonNode n) {
    return n.isFloatingPointNumber() ? Double.toString(n.doubleValue()) : n.asText();
  }
}
