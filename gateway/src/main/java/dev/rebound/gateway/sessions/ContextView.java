package dev.rebound.gateway.sessions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.rebound.store.StoredMessage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What a checkpoint says went upstream, written so that it costs the store almost nothing: the stored history says
 * what the messages are, the view only which of them were sent.
 *
 * <ul>
 *   <li>{@link #SENT_AS_STORED}: the turn's stored messages, as they are (a partial answer left by a cut is not one
 *       of them: the client's history does not hold it).</li>
 *   <li>{@code {"sentFromStored": [0, 1, {"role": "user", ...}, 40, 41]}}: a cut context, in order: a number is the
 *       index of one of the turn's stored messages (partial answers not counted, as the client's history does not
 *       hold them), an object a message the gateway wrote (a summary, a placeholder). A truncated conversation of a
 *       long session is then a few bytes per message instead of a copy of everything sent.</li>
 *   <li>A JSON array (checkpoints written before this form): the messages themselves.</li>
 * </ul>
 */
public final class ContextView {
  public static final String SENT_AS_STORED = "{\"sentAsStored\":true}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContextView() {}

  /**
   * The view of a cut context: {@code sources[j]} is the request message the j-th sent message is (the request's
   * messages are the turn's stored history), or -1 when the gateway wrote it.
   */
  public static String sentFrom(int[] sources, JsonNode sentMessages) {
    ArrayNode items = JSON.createArrayNode();
    for (int j = 0; j < sources.length; j++) {
      if (sources[j] >= 0) items.add(sources[j]);
      else items.add(sentMessages.get(j));
    }
    return JSON.createObjectNode().set("sentFromStored", items).toString();
  }

  /** Whether {@link #expand} needs the turn's stored messages. */
  public static boolean readsHistory(String view) {
    return !view.startsWith("[");
  }

  /**
   * The messages of a view that holds them (a JSON array: a COMPACTED checkpoint's whole history before it), as the
   * stored messages a checkpoint taken before that compaction counted.
   */
  public static List<StoredMessage> messagesOf(String view) {
    JsonArray messages = new JsonArray(view);
    List<StoredMessage> out = new java.util.ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.getJsonObject(i);
      String json = m.encode();
      out.add(new StoredMessage(i, m.getString("role", "user"), json, false, null));
    }
    return out;
  }

  /** The messages the view stands for, given the turn's stored messages (0 up to the checkpoint's count). */
  public static JsonArray expand(String view, List<StoredMessage> stored) {
    if (!readsHistory(view)) return new JsonArray(view);
    List<StoredMessage> history = stored.stream().filter(m -> !m.partial()).toList();
    JsonNode parsed;
    try {
      parsed = JSON.readTree(view);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonArray out = new JsonArray();
    JsonNode items = parsed.path("sentFromStored");
    if (!items.isArray()) {
      history.forEach(m -> out.add(new JsonObject(m.json())));
      return out;
    }
    for (JsonNode item : items) {
      if (item.isInt() && item.asInt() < history.size()) out.add(new JsonObject(history.get(item.asInt()).json()));
      else if (item.isObject()) out.add(new JsonObject(item.toString()));
    }
    return out;
  }
}
