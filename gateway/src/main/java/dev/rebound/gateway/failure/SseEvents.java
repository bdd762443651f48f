package dev.rebound.gateway.failure;

import java.util.ArrayList;
import java.util.List;

/** Just enough of the server-sent-events format to find an error event inside a captured stream body. */
public final class SseEvents {
  private static final int MAX_EVENTS = 10_000;

  /** One dispatched event: its name (null when the stream did not name it) and its joined data lines. */
  public record Event(String name, String data) {}

  private SseEvents() {}

  /** Whether the text is an event stream rather than a JSON, HTML or plain body. */
  public static boolean isEventStream(String text) {
    if (text == null) return false;
    int at = 0;
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    for (String field : new String[] {"data:", "event:", ":", "id:", "retry:"}) {
      if (text.startsWith(field, at)) return true;
    }
    return false;
  }

  /** The provider's own end of stream: OpenAI "[DONE]", Anthropic message_stop, Responses response.completed. */
  public static boolean isFinal(Event e) {
    String data = e.data().strip();
    return data.equals("[DONE]") || "message_stop".equals(e.name()) || "response.completed".equals(e.name())
        || data.startsWith("{\"type\":\"message_stop\"") || data.startsWith("{\"type\":\"response.completed\"");
  }

  public static List<Event> parse(String text) {
    List<Event> events = new ArrayList<>();
    String name = null;
    StringBuilder data = null;
    for (String line : text.split("\r\n|\r|\n", -1)) {
      if (line.isEmpty()) {
        if (data != null) events.add(new Event(name, data.toString()));
        if (events.size() >= MAX_EVENTS) return events;
        name = null;
        data = null;
        continue;
      }
      if (line.startsWith(":")) continue; // comment, e.g. ": OPENROUTER PROCESSING"
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) value = value.substring(1);
      switch (field) {
        case "event" -> name = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { } // id, retry: nothing to classify
      }
    }
    if (data != null) events.add(new Event(name, data.toString())); // body cut before the closing blank line
    return events;
  }
}
