package dev.rebound.gateway.wire.translate;

import dev.rebound.gateway.stream.SseEvent;
import dev.rebound.gateway.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The stream fixtures of {@code translation/streams/} (see the README there) and the few steps every translation test
 * takes with them: parse a stream, feed it through a translator, write the events back out.
 */
final class StreamFixtures {
  /** Where the fixtures live in the source tree (tests run in the module's directory). */
  static final Path SOURCE_DIR = Path.of("src/test/resources/translation/streams");

  private StreamFixtures() {}

  /** A fixture's text, by its path under translation/streams/ (e.g. "chat-to-messages/text.in.sse"). */
  static String read(String name) {
    String resource = "translation/streams/" + name;
    try (InputStream in = StreamFixtures.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new AssertionError("no fixture " + resource);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<SseEvent> parse(String stream) {
    SseParser parser = new SseParser();
    List<SseEvent> events = new ArrayList<>(parser.feed(Buffer.buffer(stream)));
    if (!parser.pending().isEmpty()) throw new AssertionError("fixture ends inside an event: " + parser.pending());
    return events;
  }

  /** Every event the translator writes for the stream, in order. */
  static List<SseEvent> translate(StreamTranslator translator, String stream) {
    return translate(translator, parse(stream));
  }

  static List<SseEvent> translate(StreamTranslator translator, List<SseEvent> events) {
    List<SseEvent> out = new ArrayList<>();
    for (SseEvent e : events) out.addAll(translator.translate(e));
    return out;
  }

  /** The events as the client reads them on the wire. */
  static String raw(List<SseEvent> events) {
    StringBuilder text = new StringBuilder();
    for (SseEvent e : events) text.append(e.raw());
    return text.toString();
  }
}
