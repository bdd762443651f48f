package dev.rebound.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The stored (binary) form of messages and checkpoints, shared by both stores.
 *
 * <p>A record is {@code [marker byte][payload]}; the payload is the record's JSON envelope in UTF-8, gzip-compressed
 * when it is larger than {@value #COMPRESS_ABOVE} bytes (long tool outputs and pasted files dominate session size).
 * Marker bits: {@code 1} = gzip, {@code 2} = partial message. The partial bit sits outside the (maybe compressed)
 * payload so the Redis Lua script can implement replacePartial without decoding.
 *
 * <p>A stored checkpoint is framed as ASCII {@code "<seq>:<messageCount>:"} followed by its encoded body: the Lua
 * script only knows seq and messageCount at write time, and restore checks message counts without decoding bodies.
 */
final class MessageCodec {

  static final int COMPRESS_ABOVE = 4096;
  static final int GZIP = 1;
  static final int PARTIAL = 2;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private MessageCodec() {}

  // ---- messages

  /**
   * @param withHash whether the record carries the message's {@link StoredMessage#hash} as well: the Redis store's do,
   *                 so that a gateway of an earlier version, which reads it from the record, can share the store during
   *                 a rolling upgrade; the embedded store's file is one process's, and hashing every message as it was
   *                 written cost its worker more than writing it
   */
  static byte[] encodeMessage(StoredMessage m, boolean withHash) {
    ObjectNode env = JSON.createObjectNode()
        .put("role", m.role())
        .put("at", m.at().toEpochMilli())
        .put("json", m.json());
    if (withHash) env.put("hash", m.hash());
    if (!m.usage().isEmpty()) env.set("usage", encodeUsage(m.usage()));
    return pack(env, m.partial() ? PARTIAL : 0);
  }

  static StoredMessage decodeMessage(int index, byte[] data) {
    JsonNode env = unpack(data, 0);
    // a record's own "hash" (the Redis store's, and every record before it was computed when asked) is not read: it is
    // the same function of the text
    return new StoredMessage(index, env.get("role").asText(), env.get("json").asText(), isPartial(data),
        Instant.ofEpochMilli(env.get("at").asLong()), decodeUsage(env.get("usage")));
  }

  /** Usage as {@code {"in":..,"out":..,"cacheRead":..,"cacheWrite":..}}, the fields left out when zero. */
  static ObjectNode encodeUsage(TurnUsage u) {
    ObjectNode node = JSON.createObjectNode();
    if (u.input() != 0) node.put("in", u.input());
    if (u.output() != 0) node.put("out", u.output());
    if (u.cacheRead() != 0) node.put("cacheRead", u.cacheRead());
    if (u.cacheWrite() != 0) node.put("cacheWrite", u.cacheWrite());
    return node;
  }

  /** Reads {@link #encodeUsage}; records written before usage was kept have none. */
  static TurnUsage decodeUsage(JsonNode node) {
    if (node == null || !node.isObject()) return TurnUsage.NONE;
    return new TurnUsage(node.path("in").asLong(0), node.path("out").asLong(0), node.path("cacheRead").asLong(0),
        node.path("cacheWrite").asLong(0));
  }

  static boolean isPartial(byte[] data) {
    return (data[0] & PARTIAL) != 0;
  }

  // ---- checkpoints

  static byte[] encodeCheckpointBody(CheckpointDraft d, Instant at) {
    ObjectNode env = JSON.createObjectNode()
        .put("kind", d.kind().name())
        .put("label", d.label())
        .put("contextView", d.contextView())
        .put("tokens", d.tokens())
        .put("at", at.toEpochMilli())
        .put("reason", d.reason());
    return pack(env, 0);
  }

  /** What write.lua does in Redis; the embedded store frames in Java. */
  static byte[] frameCheckpoint(int seq, int messageCount, byte[] body) {
    byte[] prefix = (seq + ":" + messageCount + ":").getBytes(StandardCharsets.US_ASCII);
    byte[] frame = Arrays.copyOf(prefix, prefix.length + body.length);
    System.arraycopy(body, 0, frame, prefix.length, body.length);
    return frame;
  }

  static Checkpoint decodeCheckpoint(byte[] frame) {
    int first = indexOf(frame, 0);
    int second = indexOf(frame, first + 1);
    int seq = Integer.parseInt(new String(frame, 0, first, StandardCharsets.US_ASCII));
    int count = Integer.parseInt(new String(frame, first + 1, second - first - 1, StandardCharsets.US_ASCII));
    JsonNode env = unpack(frame, second + 1);
    return new Checkpoint(seq, CheckpointKind.valueOf(env.get("kind").asText()), textOrNull(env, "label"), count,
        env.get("contextView").asText(), env.get("tokens").asLong(), Instant.ofEpochMilli(env.get("at").asLong()),
        textOrNull(env, "reason"));
  }

  static int checkpointMessageCount(byte[] frame) {
    int first = indexOf(frame, 0);
    int second = indexOf(frame, first + 1);
    return Integer.parseInt(new String(frame, first + 1, second - first - 1, StandardCharsets.US_ASCII));
  }

  // ---- envelope

  private static byte[] pack(ObjectNode envelope, int flags) {
    try {
      byte[] plain = JSON.writeValueAsBytes(envelope);
      byte[] payload = plain;
      if (plain.length > COMPRESS_ABOVE) {
        flags |= GZIP;
        payload = gzip(plain);
      }
      byte[] out = new byte[payload.length + 1];
      out[0] = (byte) flags;
      System.arraycopy(payload, 0, out, 1, payload.length);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode unpack(byte[] data, int offset) {
    try {
      int flags = data[offset];
      if ((flags & GZIP) == 0) return JSON.readTree(data, offset + 1, data.length - offset - 1);
      try (var in = new GZIPInputStream(new ByteArrayInputStream(data, offset + 1, data.length - offset - 1))) {
        return JSON.readTree(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt stored record", e);
    }
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(plain.length / 4 + 64);
    try (var out = new GZIPOutputStream(buf)) {
      out.write(plain);
    }
    return buf.toByteArray();
  }

  private static int indexOf(byte[] frame, int from) {
    for (int i = from; i < frame.length; i++) {
      if (frame[i] == ':') return i;
    }
    throw new IllegalStateException("corrupt checkpoint frame");
  }

  private static String textOrNull(JsonNode env, String field) {
    JsonNode v = env.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
