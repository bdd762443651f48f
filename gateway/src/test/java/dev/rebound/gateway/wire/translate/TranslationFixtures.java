package dev.rebound.gateway.wire.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The JSON files of src/test/resources/translation, read from the test classpath. */
final class TranslationFixtures {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TranslationFixtures() {}

  static ObjectNode read(String name) {
    try (InputStream in = TranslationFixtures.class.getResourceAsStream("/translation/" + name)) {
      if (in == null) throw new IllegalStateException("no fixture translation/" + name);
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode parse(String json) {
    return (ObjectNode) json(json);
  }

  static JsonNode json(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The tree as the client receives it: serialised and read back, so that 86 written as a long equals 86 read from a
   * fixture (Jackson's trees tell IntNode from LongNode).
   */
  static JsonNode sent(JsonNode tree) {
    return json(tree.toString());
  }

  /** Writes a fixture (pretty, one trailing newline) into {@code dir}, for re-recording. */
  static void write(Path dir, String name, JsonNode json) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(name), JSON.writeValueAsString(json) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
