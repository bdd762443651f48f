package dev.rebound.gateway.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real provider error samples the classifier tests run on: the repository's copy on the test classpath
 * ({@code fixtures/provider-errors-sample.jsonl}), so a fresh clone needs nothing outside itself. A directory named
 * by {@code -Drebound.extraFixtures=DIR} or {@code REBOUND_EXTRA_FIXTURES=DIR} holding a file of the same name adds
 * its samples when it exists (same id: the extra one wins), for trying newer samples without copying them in.
 */
public final class ProviderErrorSamples {
  public static final String FILE = "provider-errors-sample.jsonl";
  private static final String RESOURCE = "/fixtures/" + FILE;
  private static final ObjectMapper JSON = new ObjectMapper();

  private ProviderErrorSamples() {}

  /** Every sample, one JSON object per element, in file order (the repository's copy first). */
  public static List<String> lines() {
    Map<String, String> byId = new LinkedHashMap<>();
    for (String line : bundled()) byId.put(id(line), line);
    Path extra = extraFile();
    if (extra != null) {
      for (String line : nonBlank(readFile(extra))) byId.put(id(line), line);
    }
    return List.copyOf(byId.values());
  }

  /** The samples written to {@code dir/provider-errors-sample.jsonl}, for what reads a file (the classify command). */
  public static Path writeTo(Path dir) throws IOException {
    return Files.write(dir.resolve(FILE), lines(), StandardCharsets.UTF_8);
  }

  private static List<String> bundled() {
    try (InputStream in = ProviderErrorSamples.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("test resource " + RESOURCE + " is missing from the classpath");
      List<String> lines = nonBlank(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
      if (lines.isEmpty()) throw new IllegalStateException(RESOURCE + " is empty");
      return lines;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path extraFile() {
    String dir = System.getProperty("rebound.extraFixtures", System.getenv("REBOUND_EXTRA_FIXTURES"));
    if (dir == null || dir.isBlank()) return null;
    Path file = Path.of(dir, FILE);
    return Files.isRegularFile(file) ? file : null;
  }

  private static List<String> readFile(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> nonBlank(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String l : lines) if (!l.isBlank()) out.add(l);
    return out;
  }

  private static String id(String line) {
    try {
      String id = JSON.readTree(line).path("id").asText("");
      return id.isEmpty() ? line : id;
    } catch (IOException e) {
      throw new IllegalStateException("a provider error sample is not JSON: " + line, e);
    }
  }
}
