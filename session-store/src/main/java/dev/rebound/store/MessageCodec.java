package dev.rebound.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
    // hashed before the envelope is open: hashing parses and writes JSON, and would find the buffers Jackson recycles
    // taken by the envelope's writer
    String hash = withHash ? m.hash() : null;
    return pack(m.partial() ? PARTIAL : 0, json -> {
      json.writeStringField("role", m.role());
      json.writeNumberField("at", m.at().toEpochMilli());
      json.writeStringField("json", m.json());
      if (hash != null) json.writeStringField("hash", hash);
      writeUsage(json, m.usage());
    });
  }

  static StoredMessage decodeMessage(int index, byte[] data) {
    JsonNode env = unpack(data, 0);
    // a record's own "hash" (the Redis store's, and every record before it was computed when asked) is not read: it is
    // the same function of the text
    return new StoredMessage(index, env.get("role").asText(), env.get("json").asText(), isPartial(data),
        Instant.ofEpochMilli(env.get("at").asLong()), decodeUsage(env.get("usage")));
  }

  /**
   * Usage as a field {@code "usage":{"in":..,"out":..,"cacheRead":..,"cacheWrite":..}}, the numbers left out when zero
   * and the field when all are.
   */
  static void writeUsage(JsonGenerator json, TurnUsage u) throws IOException {
    if (u.isEmpty()) return;
    json.writeObjectFieldStart("usage");
    if (u.input() != 0) json.writeNumberField("in", u.input());
    if (u.output() != 0) json.writeNumberField("out", u.output());
    if (u.cacheRead() != 0) json.writeNumberField("cacheRead", u.cacheRead());
    if (u.cacheWrite() != 0) json.writeNumberField("cacheWrite", u.cacheWrite());
    json.writeEndObject();
  }

  /** Reads {@link #writeUsage}; records written before usage was kept have none. */
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
    return pack(0, json -> {
      json.writeStringField("kind", d.kind().name());
      json.writeStringField("label", d.label());
      json.writeStringField("contextView", d.contextView());
      json.writeNumberField("tokens", d.tokens());
      json.writeNumberField("at", at.toEpochMilli());
      json.writeStringField("reason", d.reason());
    });
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

  /** The fields of a JSON object, written into it. */
  interface Fields {
    void write(JsonGenerator json) throws IOException;
  }

  /**
   * The object of {@code fields}, written after what {@code out} holds, and the whole of it: records are written field
   * by field, with no tree built for them, and their bytes copied once (every turn writes two or three).
   */
  static byte[] writeObject(ByteArrayBuilder out, Fields fields) {
    try (out; JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.writeStartObject();
      fields.write(json);
      json.writeEndObject();
      json.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The marker byte, then the envelope: gzip-compressed past {@link #COMPRESS_ABOVE} bytes. */
  private static byte[] pack(int flags, Fields fields) {
    ByteArrayBuilder out = new ByteArrayBuilder(256);
    out.append(flags);
    byte[] record = writeObject(out, fields);
    if (record.length - 1 <= COMPRESS_ABOVE) return record;
    try {
      byte[] payload = gzip(record, 1, record.length - 1);
      byte[] compressed = new byte[payload.length + 1];
      compressed[0] = (byte) (flags | GZIP);
      System.arraycopy(payload, 0, compressed, 1, payload.length);
      return compressed;
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

  private static byte[] gzip(byte[] plain, int offset, int length) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(length / 4 + 64);
    try (var out = new GZIPOutputStream(buf)) {
      out.write(plain, offset, length);
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
