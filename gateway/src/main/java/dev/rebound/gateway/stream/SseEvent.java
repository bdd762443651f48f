package dev.rebound.gateway.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One SSE event; {@code raw} is the exact text as received including the terminating blank line, so relaying raw is
 * byte-identical.
 *
 * @param event the value of the {@code event:} line, null when there is none
 * @param data the {@code data:} lines joined with '\n', null when there is none (comment-only events)
 * @param raw the exact text of the event, blank lines that preceded it and its terminating blank line included
 */
public record SseEvent(String event, String data, String raw) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * An event written by the gateway: {@code event: NAME\ndata: DATA\n\n}, or just the data line when name is null.
   * DATA must be one line, which compact JSON always is.
   */
  public static SseEvent of(String event, String data) {
    String raw = event == null ? "data: " + data + "\n\n" : "event: " + event + "\ndata: " + data + "\n\n";
    return new SseEvent(event, data, raw);
  }

  /** True when the event holds only comment lines (":..."), e.g. keep-alives such as {@code : OPENROUTER PROCESSING}. */
  public boolean isComment() {
    if (event != null || data != null) return false;
    // no event/data field, but an id: or retry: line would still make it a real (if useless) event
    for (int start = 0; start < raw.length(); ) {
      int end = raw.indexOf('\n', start);
      if (end < 0) end = raw.length();
      if (end > start && raw.charAt(start) != ':' && raw.charAt(start) != '\r') return false;
      start = end + 1;
    }
    return true;
  }

  /** True for OpenAI's end-of-stream marker {@code data: [DONE]}. */
  public boolean isDone() {
    return "[DONE]".equals(data);
  }

  /** The data parsed as JSON; null when there is none or it is malformed (a broken upstream chunk teaches nothing). */
  public JsonNode json() {
    if (data == null) return null;
    try {
      return JSON.readTree(data);
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
