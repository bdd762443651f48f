package dev.rebound.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How the stores keep a session's events: one row per {@link CheckpointStore#appendEvents} call, holding every event
 * of the call (the gateway writes a session's events of the last fifth of a second together, a dozen or more under
 * load). The embedded store keeps a row under the id of its first event; Redis keeps it as one stream entry. A row per
 * event cost the embedded store a key, a B-tree entry and a JSON envelope each (half of the bytes a turn wrote), and
 * Redis an XADD each.
 *
 * <p>A row is {@code [VERSION][count: int]}, then per event {@code [at: long][type][reason][json]}, each text an int
 * length (-1: null) and its UTF-8 bytes; the events' ids follow the row's first one. Rows written before this layout
 * hold one event each as a JSON object ({@code {"at":..,"type":..,"reason":..,"json":..}}) and are read as such.
 */
final class EventRows {
  static final byte VERSION = 1;
  private static final byte LEGACY_JSON = '{';
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private EventRows() {}

  /** One row of {@code events}, each stamped {@code now} when it has no time of its own. */
  static byte[] encode(List<NewEvent> events, long now) {
    List<byte[]> texts = new ArrayList<>(events.size() * 3);
    int size = 1 + 4;
    for (NewEvent e : events) {
      size += 8;
      for (String s : new String[] {e.type(), e.reason(), e.json()}) {
        byte[] utf8 = s == null ? null : s.getBytes(StandardCharsets.UTF_8);
        texts.add(utf8);
        size += 4 + (utf8 == null ? 0 : utf8.length);
      }
    }
    ByteBuffer row = ByteBuffer.allocate(size).put(VERSION).putInt(events.size());
    int t = 0;
    for (NewEvent e : events) {
      row.putLong(e.at() == null ? now : e.at().toEpochMilli());
      for (int i = 0; i < 3; i++) {
        byte[] utf8 = texts.get(t++);
        row.putInt(utf8 == null ? -1 : utf8.length);
        if (utf8 != null) row.put(utf8);
      }
    }
    return row.array();
  }

  /** How many events the row holds (read without decoding them). */
  static int count(byte[] row) {
    if (row[0] == LEGACY_JSON) return 1;
    return ByteBuffer.wrap(row, 1, 4).getInt();
  }

  /** The row's events, the first with id {@code firstId}. */
  static List<SessionEvent> decode(byte[] row, long firstId) {
    List<SessionEvent> out = new ArrayList<>();
    decode(row, "", firstId, firstId, out);
    return out;
  }

  /**
   * Adds the row's events numbered {@code from} or later to {@code out}, the first numbered {@code firstId}, each with
   * the id {@code idPrefix} + its number.
   */
  static void decode(byte[] row, String idPrefix, long firstId, long from, List<SessionEvent> out) {
    if (row[0] == LEGACY_JSON) {
      if (firstId >= from) out.add(legacy(row, firstId));
      return;
    }
    if (row[0] != VERSION) throw new IllegalStateException("event row of an unknown layout " + row[0]);
    ByteBuffer in = ByteBuffer.wrap(row, 1, row.length - 1);
    int count = in.getInt();
    for (int i = 0; i < count; i++) {
      Instant at = Instant.ofEpochMilli(in.getLong());
      String type = text(in);
      String reason = text(in);
      String json = text(in);
      if (firstId + i >= from) out.add(new SessionEvent(idPrefix + (firstId + i), at, type, reason, json));
    }
  }

  /** The row without its first {@code dropped} events (fewer than it holds): what the cap keeps of the oldest row. */
  static byte[] withoutFirst(byte[] row, int dropped) {
    List<SessionEvent> kept = decode(row, 0);
    kept = kept.subList(dropped, kept.size());
    List<NewEvent> again = new ArrayList<>(kept.size());
    for (SessionEvent e : kept) again.add(new NewEvent(e.at(), e.type(), e.reason(), e.json()));
    return encode(again, 0);
  }

  private static String text(ByteBuffer in) {
    int length = in.getInt();
    if (length < 0) return null;
    String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
    in.position(in.position() + length);
    return s;
  }

  private static SessionEvent legacy(byte[] row, long id) {
    try {
      JsonNode e = JSON.readTree(row);
      return new SessionEvent(Long.toString(id), Instant.ofEpochMilli(e.get("at").asLong()), e.get("type").asText(),
          textOrNull(e, "reason"), textOrNull(e, "json"));
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt event row", e);
    }
  }

  private static String textOrNull(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  /** For writing rows as the first layout did (tests of reading them). */
  static byte[] legacyRow(long at, String type, String reason, String json) {
    try {
      return JSON.writeValueAsBytes(JSON.createObjectNode().put("at", at).put("type", type).put("reason", reason)
          .put("json", json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
