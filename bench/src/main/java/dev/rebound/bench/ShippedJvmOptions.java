package dev.rebound.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM options the project ships the gateway with: the Dockerfile's {@code REBOUND_JAVA_OPTS}, the one place they
 * are written (the Kubernetes manifest and the README repeat them). The bench starts its gateway with them, so the
 * memory and CPU it reports are those of the gateway as people run it, not of a bare {@code java -jar} that takes a
 * quarter of the machine's memory for its heap.
 */
final class ShippedJvmOptions {
  private static final Pattern ENV = Pattern.compile("(?m)^ENV REBOUND_JAVA_OPTS=\"([^\"]+)\"");

  private ShippedJvmOptions() {}

  /** The options in {@code root}/Dockerfile; empty when there is none or it sets none. */
  static List<String> of(Path root) {
    Path dockerfile = root.resolve("Dockerfile");
    if (!Files.isRegularFile(dockerfile)) return List.of();
    try {
      return parse(Files.readString(dockerfile));
    } catch (IOException e) {
      return List.of();
    }
  }

  static List<String> parse(String dockerfile) {
    Matcher m = ENV.matcher(dockerfile);
    if (!m.find()) return List.of();
    List<String> out = new ArrayList<>();
    for (String o : m.group(1).trim().split("\\s+")) if (!o.isEmpty()) out.add(o);
    return out;
  }
}
