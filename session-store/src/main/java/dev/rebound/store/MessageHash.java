package dev.rebound.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * sha-256 of a message's canonical JSON. Clients re-serialize their history on every request (key order and
 * whitespace vary between SDKs), so history matching compares canonical hashes, never raw text.
 *
 * <p>Canonical form: object keys sorted, no insignificant whitespace, numbers kept as written (read as BigDecimal so
 * no precision is lost). Text that is not JSON is hashed as is.
 */
public final class MessageHash {

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private MessageHash() {}

  /** Lower-case hex sha-256 of the canonical form of {@code json}. */
  public static String of(String json) {
    return sha256Hex(canonical(json));
  }

  /** The canonical text that {@link #of} hashes. */
  public static String canonical(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || node.isMissingNode()) return json;
      StringWriter out = new StringWriter(json.length());
      try (JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
        write(node, gen);
      }
      return out.toString();
    } catch (IOException notJson) {
      return json;
    }
  }

  private static void write(JsonNode node, JsonGenerator gen) throws IOException {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      gen.writeStartObject();
      for (String name : names) {
        gen.writeFieldName(name);
        write(node.get(name), gen);
      }
      gen.writeEndObject();
    } else if (node.isArray()) {
      gen.writeStartArray();
      for (JsonNode element : node) write(element, gen);
      gen.writeEndArray();
    } else {
      gen.writeTree(node);
    }
  }

  private static String sha256Hex(String text) {
    return HexFormat.of().formatHex(sha256(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** sha-256 of {@code bytes}, with this thread's digest. */
  public static byte[] sha256(byte[] bytes) {
    return SHA_256.get().digest(bytes);
  }

  /**
   * One digest per thread: looking one up costs about as much as hashing a short message, and every stored message is
   * hashed. {@code digest()} resets it for the next use.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("SHA-256 is a required JDK algorithm", impossible);
    }
  });
}
