package dev.rebound.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.routing.RuleSetException;
import dev.rebound.routing.TaskPatterns;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads task dictionaries (conf/task-patterns.yaml): {@code longContextTokens} and {@code domains: {tag: [entries]}}. */
public final class TaskPatternsFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private TaskPatternsFile() {}

  /** The dictionaries shipped with Rebound. */
  public static TaskPatterns bundled() throws IOException {
    try (InputStream in = TaskPatternsFile.class.getResourceAsStream("/conf/task-patterns.yaml")) {
      if (in == null) throw new IOException("conf/task-patterns.yaml is missing from the jar");
      return load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "conf/task-patterns.yaml (bundled)");
    }
  }

  public static TaskPatterns load(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()));
    }
    ConfigProblems problems = new ConfigProblems();
    ConfigNode top = new ConfigNode(root, "", problems, new Interpolation(Map.of()));
    Map<String, List<String>> domains = new LinkedHashMap<>();
    int longContext = 32_000;
    if (top.expectObject()) {
      top.allowOnly("longContextTokens", "domains");
      longContext = (int) top.get("longContextTokens").integer(32_000, 1, 100_000_000);
      ConfigNode d = top.get("domains");
      if (d.expectObject()) for (String domain : d.keys()) domains.put(domain, new ArrayList<>(d.get(domain).textList()));
    }
    if (!problems.isEmpty()) throw new ConfigException(source, problems.lines());
    try {
      return TaskPatterns.compile(domains, longContext);
    } catch (RuleSetException e) {
      throw new ConfigException(source, e.problems().stream().map(p -> "domains." + p).toList());
    }
  }
}
