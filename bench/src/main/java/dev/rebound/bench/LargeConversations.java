package dev.rebound.bench;

import io.vertx.core.buffer.Buffer;

/**
 * Bodies for the large-context workload: a few long conversations (system prompt, then question/answer turns, every
 * third turn a tool call and its result), each sent with a new last question, so the gateway counts only that new
 * message and cuts the rest to fit. Built once; each request is the stored prefix plus a short unique tail.
 */
final class LargeConversations {
  static final int VARIANTS = 8;
  private static final String[] WORDS = ("the function returns a list of values when the input is empty we should check "
      + "each branch and handle errors explicitly because callers rely on stable results from parse load save update "
      + "config cache index token stream buffer request response retry timeout").split(" ");

  private final Protocol protocol;
  private final Buffer[] prefixes = new Buffer[VARIANTS];
  private final String suffix;

  LargeConversations(Protocol protocol, boolean stream, int tokens) {
    this.protocol = protocol;
    for (int v = 0; v < VARIANTS; v++) prefixes[v] = Buffer.buffer(prefix(protocol, stream, tokens, v));
    this.suffix = "\"}]}";
  }

  /** Conversation {@code n % VARIANTS} with a last question no earlier request asked. */
  Buffer body(long n, String nonce) {
    return prefixes[(int) (n % VARIANTS)].copy()
        .appendString("Follow-up " + nonce + "-" + n + ": what else should we check?").appendString(suffix);
  }

  /** Everything up to the text of the last user message (the caller appends it and the closing brackets). */
  static String prefix(Protocol p, boolean stream, int tokens, int variant) {
    StringBuilder m = new StringBuilder();
    int approx = 0;
    int turn = 0;
    while (approx < tokens) {
      String q = prose(variant * 1000 + turn, 90);
      String a = prose(variant * 1000 + turn + 7, 90);
      m.append(m.length() == 0 ? "" : ",").append(msg("user", "Question " + turn + ": " + q));
      if (turn % 3 == 2) {
        String id = "call_" + variant + "_" + turn;
        String result = prose(variant * 1000 + turn + 3, 100);
        if (p == Protocol.OPENAI) {
          m.append(",{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"").append(id)
              .append("\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"src/m")
              .append(turn).append(".py\\\"}\"}}]}");
          m.append(",{\"role\":\"tool\",\"tool_call_id\":\"").append(id).append("\",\"content\":\"").append(result).append("\"}");
        } else {
          m.append(",{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"").append(id)
              .append("\",\"name\":\"read_file\",\"input\":{\"path\":\"src/m").append(turn).append(".py\"}}]}");
          m.append(",{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"").append(id)
              .append("\",\"content\":\"").append(result).append("\"}]}");
        }
        approx += 130;
      }
      m.append(",").append(msg("assistant", "Answer " + turn + ": " + a));
      approx += 2 * 105;
      turn++;
    }
    String system = "You are a careful coding assistant working on a large repository.";
    String head = p == Protocol.OPENAI
        ? "{\"model\":\"" + Workload.LARGE_CONTEXT_MODEL + "\",\"stream\":" + stream + ",\"messages\":[" + msg("system", system) + ","
        : "{\"model\":\"" + Workload.LARGE_CONTEXT_MODEL + "\",\"max_tokens\":256,\"stream\":" + stream + ",\"system\":\"" + system + "\",\"messages\":[";
    return head + m + ",{\"role\":\"user\",\"content\":\"";
  }

  private static String msg(String role, String text) {
    return "{\"role\":\"" + role + "\",\"content\":\"" + text + "\"}";
  }

  private static String prose(int seed, int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append(WORDS[Math.floorMod(seed * 31 + i * 7, WORDS.length)]).append(i % 11 == 10 ? "." : "");
    }
    return b.toString();
  }
}
