package dev.rebound.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Long conversations for context tests, in both protocols, optionally with agent-style turns that make two parallel
 * tool calls (read two files) and answer after the results: the shape Claude Code and OpenAI agents send.
 */
public final class Conversations {
  public static final String SYSTEM = "SYSTEM-MARKER: you are the test assistant. Answer briefly.";
  public static final String FINAL = "FINAL-QUESTION: what did we learn from all of this?";
  private static final String[] WORDS = ("river stone maple copper lantern orbit meadow harbor violet signal canyon "
      + "ember falcon garden marble pilot quartz raven saddle timber velvet willow anchor breeze cedar delta echo fable "
      + "glacier hollow island jasper kettle lemon mirror nickel oasis pepper quiver ribbon summit tunnel umber vessel").split(" ");

  private Conversations() {}

  public static String words(int seed, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) b.append(i == 0 ? "" : " ").append(WORDS[(seed * 7 + i * 13) % WORDS.length]);
    return b.toString();
  }

  /** system, then {@code turns} user/assistant turns (with two parallel tool calls each when {@code tools}), then FINAL. */
  public static JsonArray openAi(int turns, boolean tools) {
    JsonArray m = new JsonArray().add(msg("system", SYSTEM));
    for (int t = 0; t < turns; t++) {
      m.add(msg("user", "Turn " + t + ": " + words(t, 60)));
      if (tools) {
        m.add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray()
            .add(call("call_" + t + "_a", "src/a" + t + ".java"))
            .add(call("call_" + t + "_b", "src/b" + t + ".java"))));
        m.add(new JsonObject().put("role", "tool").put("tool_call_id", "call_" + t + "_a").put("content", words(t + 1, 80)));
        m.add(new JsonObject().put("role", "tool").put("tool_call_id", "call_" + t + "_b").put("content", words(t + 2, 80)));
      }
      m.add(msg("assistant", "Answer " + t + ": " + words(t + 3, 50)));
    }
    return m.add(msg("user", FINAL));
  }

  public static JsonArray anthropic(int turns, boolean tools) {
    JsonArray m = new JsonArray();
    for (int t = 0; t < turns; t++) {
      m.add(msg("user", "Turn " + t + ": " + words(t, 60)));
      if (tools) {
        m.add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
            .add(new JsonObject().put("type", "text").put("text", "Reading two files."))
            .add(use("toolu_" + t + "_a", "src/a" + t + ".java"))
            .add(use("toolu_" + t + "_b", "src/b" + t + ".java"))));
        m.add(new JsonObject().put("role", "user").put("content", new JsonArray()
            .add(result("toolu_" + t + "_a", words(t + 1, 80)))
            .add(result("toolu_" + t + "_b", words(t + 2, 80)))));
      }
      m.add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
          .add(new JsonObject().put("type", "text").put("text", "Answer " + t + ": " + words(t + 3, 50)))));
    }
    return m.add(msg("user", FINAL));
  }

  static JsonObject msg(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  private static JsonObject call(String id, String path) {
    return new JsonObject().put("id", id).put("type", "function").put("function",
        new JsonObject().put("name", "read_file").put("arguments", new JsonObject().put("path", path).encode()));
  }

  private static JsonObject use(String id, String path) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", "read_file")
        .put("input", new JsonObject().put("path", path));
  }

  private static JsonObject result(String id, String text) {
    return new JsonObject().put("type", "tool_result").put("tool_use_id", id).put("content", text);
  }

  /** Every tool call in {@code messages} has its result and every result its call (both protocols). */
  public static void assertToolPairsWhole(JsonArray messages) {
    java.util.Set<String> calls = new java.util.HashSet<>();
    java.util.Set<String> results = new java.util.HashSet<>();
    for (Object o : messages) {
      JsonObject m = (JsonObject) o;
      JsonArray tc = m.getJsonArray("tool_calls");
      if (tc != null) tc.forEach(c -> calls.add(((JsonObject) c).getString("id")));
      if (m.getString("tool_call_id") != null) results.add(m.getString("tool_call_id"));
      if (m.getValue("content") instanceof JsonArray blocks) {
        for (Object b : blocks) {
          JsonObject block = (JsonObject) b;
          if ("tool_use".equals(block.getString("type"))) calls.add(block.getString("id"));
          if ("tool_result".equals(block.getString("type"))) results.add(block.getString("tool_use_id"));
        }
      }
    }
    if (!calls.equals(results)) {
      throw new AssertionError("tool calls and results were split: calls " + calls + " results " + results);
    }
  }
}
