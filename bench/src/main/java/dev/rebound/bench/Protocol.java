package dev.rebound.bench;

import java.util.List;
import java.util.Map;

/** The client protocols the gateway speaks: request shape, path and how a stream shows content and its end. */
public enum Protocol {
  OPENAI("openai", "/v1/chat/completions", "gpt-4o", "bench-openai-via-anthropic", Map.of()),
  ANTHROPIC("anthropic", "/v1/messages", "claude-sonnet-4-5", "bench-anthropic-via-openai",
      Map.of("anthropic-version", "2023-06-01")),
  /** OpenAI's Responses API (Codex CLI, the Agents SDK), passed through to a backend that speaks it. */
  RESPONSES("responses", "/v1/responses", "gpt-5-codex", "bench-responses-via-openai", Map.of());

  private final String id;
  private final String path;
  private final String model;
  private final String crossModel;
  private final Map<String, String> headers;

  Protocol(String id, String path, String model, String crossModel, Map<String, String> headers) {
    this.id = id;
    this.path = path;
    this.model = model;
    this.crossModel = crossModel;
    this.headers = headers;
  }

  public String id() {
    return id;
  }

  public String path() {
    return path;
  }

  public String model() {
    return model;
  }

  /**
   * The model a client of this protocol names to be served by an agent of the other protocol: the bench's gateway
   * config routes it there (the {@code translated} scenario); mock-llm answers it like any model.
   */
  public String crossModel() {
    return crossModel;
  }

  /** Extra request headers this protocol needs. */
  public Map<String, String> headers() {
    return headers;
  }

  /** A small chat request; {@code text} is the user message (a marker the mock's faults can match goes in it). */
  public String body(boolean stream, String text) {
    return body(model, stream, text);
  }

  /** The same request naming {@code model} instead of this protocol's own. */
  public String body(String model, boolean stream, String text) {
    return body(model, stream, List.of("{\"role\":\"user\",\"content\":\"" + text + "\"}"));
  }

  /** A chat request whose messages are the given JSON objects, in order, as they are. */
  public String body(boolean stream, List<String> messages) {
    return body(model, stream, messages);
  }

  private String body(String model, boolean stream, List<String> messages) {
    String msgs = "[" + String.join(",", messages) + "]";
    return switch (this) {
      case OPENAI -> "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":" + msgs + "}";
      case ANTHROPIC -> "{\"model\":\"" + model + "\",\"max_tokens\":256,\"stream\":" + stream + ",\"messages\":" + msgs + "}";
      // as Codex sends it: nothing stored by id, the input items in full every turn
      case RESPONSES -> "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"store\":false,\"input\":" + msgs + "}";
    };
  }

  /** Whether this SSE event carries answer content (the first one is the time to first token). */
  public boolean isContent(String event, String data) {
    return switch (this) {
      case OPENAI -> data != null && data.startsWith("{") && (hasNonEmptyContent(data) || data.contains("\"tool_calls\""));
      case ANTHROPIC -> "content_block_delta".equals(event);
      case RESPONSES -> "response.output_text.delta".equals(event) || "response.function_call_arguments.delta".equals(event);
    };
  }

  /** Whether this SSE event is the protocol's clean end of stream. */
  public boolean isEnd(String event, String data) {
    return switch (this) {
      case OPENAI -> "[DONE]".equals(data);
      case ANTHROPIC -> "message_stop".equals(event);
      case RESPONSES -> "response.completed".equals(event) || "response.incomplete".equals(event);
    };
  }

  /** Whether this SSE event reports an error inside the stream. */
  public boolean isError(String event, String data) {
    return switch (this) {
      case OPENAI -> data != null && data.startsWith("{\"error\"");
      case ANTHROPIC -> "error".equals(event);
      case RESPONSES -> "error".equals(event) || "response.failed".equals(event);
    };
  }

  private static boolean hasNonEmptyContent(String data) {
    int i = data.indexOf("\"content\":\"");
    return i >= 0 && i + 11 < data.length() && data.charAt(i + 11) != '"';
  }

  public static Protocol parse(String s) {
    for (Protocol p : values()) if (p.id.equals(s)) return p;
    throw new IllegalArgumentException("unknown protocol '" + s + "' (openai, anthropic, responses)");
  }
}
