package dev.rebound.mockllm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@link MockLlmOptions} from YAML; every error names the key path and the offending value. */
final class OptionsFile {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> KEYS = Set.of("host", "port", "chunkDelayMs", "replyWords",
      "defaultContextWindow", "requestLogLimit", "models", "faults", "speaks");
  private static final Set<String> MODEL_KEYS = Set.of("name", "contextWindow", "trainedContextWindow");

  private OptionsFile() {
  }

  static MockLlmOptions read(Path file) {
    Object root;
    try {
      root = YAML.readValue(file.toFile(), Object.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read mock-llm options " + file + ": " + e.getMessage(), e);
    }
    try {
      return fromTree(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  static MockLlmOptions fromTree(Object root) {
    MockLlmOptions defaults = MockLlmOptions.defaults();
    if (root == null) {
      return defaults;
    }
    Map<String, Object> map = mapping("(root)", root, KEYS);
    return new MockLlmOptions(
        map.containsKey("host") ? text("host", map.get("host")) : defaults.host(),
        map.containsKey("port") ? (int) integer("port", map.get("port"), 0, 65535) : defaults.port(),
        map.containsKey("chunkDelayMs")
            ? integer("chunkDelayMs", map.get("chunkDelayMs"), 0, Long.MAX_VALUE) : defaults.chunkDelayMs(),
        map.containsKey("models") ? models(map.get("models")) : defaults.models(),
        map.containsKey("defaultContextWindow")
            ? (int) integer("defaultContextWindow", map.get("defaultContextWindow"), 1, Integer.MAX_VALUE)
            : defaults.defaultContextWindow(),
        map.containsKey("replyWords")
            ? (int) integer("replyWords", map.get("replyWords"), 1, Integer.MAX_VALUE) : defaults.replyWords(),
        map.containsKey("faults") ? faults(map.get("faults")) : defaults.initialFaults(),
        map.containsKey("requestLogLimit")
            ? (int) integer("requestLogLimit", map.get("requestLogLimit"), 0, Integer.MAX_VALUE)
            : defaults.requestLogLimit(),
        map.containsKey("speaks") ? speaks(map.get("speaks")) : defaults.speaks());
  }

  private static Set<String> speaks(Object value) {
    Set<String> out = new java.util.LinkedHashSet<>();
    List<?> items = sequence("speaks", value);
    for (int i = 0; i < items.size(); i++) {
      String format = text("speaks[" + i + "]", items.get(i));
      if (!MockLlmOptions.ALL.contains(format)) {
        throw new IllegalArgumentException("speaks[" + i + "]: '" + format + "' is not openai, anthropic or openai-responses");
      }
      out.add(format);
    }
    if (out.isEmpty()) throw new IllegalArgumentException("speaks: name openai, anthropic, openai-responses or several");
    return out;
  }

  private static List<MockModel> models(Object value) {
    List<MockModel> models = new ArrayList<>();
    List<?> items = sequence("models", value);
    for (int i = 0; i < items.size(); i++) {
      String path = "models[" + i + "]";
      Map<String, Object> model = mapping(path, items.get(i), MODEL_KEYS);
      if (!model.containsKey("name")) {
        throw new IllegalArgumentException(path + ".name: is required");
      }
      String name = text(path + ".name", model.get("name"));
      if (name.isBlank()) {
        throw new IllegalArgumentException(path + ".name: must not be blank");
      }
      if (!model.containsKey("contextWindow")) {
        throw new IllegalArgumentException(path + ".contextWindow: is required");
      }
      int window = (int) integer(path + ".contextWindow", model.get("contextWindow"), 1, Integer.MAX_VALUE);
      int trained = model.containsKey("trainedContextWindow")
          ? (int) integer(path + ".trainedContextWindow", model.get("trainedContextWindow"), window, Integer.MAX_VALUE)
          : MockModel.defaultTrainedContextWindow(window);
      models.add(new MockModel(name, window, trained));
    }
    return models;
  }

  private static List<Fault> faults(Object value) {
    List<Fault> faults = new ArrayList<>();
    List<?> items = sequence("faults", value);
    for (int i = 0; i < items.size(); i++) {
      String path = "faults[" + i + "]";
      if (!(items.get(i) instanceof Map<?, ?> fault)) {
        throw new IllegalArgumentException(path + ": must be a mapping, got " + describe(items.get(i)));
      }
      try {
        faults.add(Fault.fromJson(new JsonObject(stringKeys(path, fault))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(path + "." + e.getMessage(), e);
      }
    }
    return faults;
  }

  private static Map<String, Object> mapping(String path, Object value, Set<String> allowed) {
    if (!(value instanceof Map<?, ?> raw)) {
      throw new IllegalArgumentException(path + ": must be a mapping, got " + describe(value));
    }
    Map<String, Object> map = stringKeys(path, raw);
    for (String key : map.keySet()) {
      if (!allowed.contains(key)) {
        String prefix = path.equals("(root)") ? "" : path + ".";
        throw new IllegalArgumentException(prefix + key + ": unknown key (expected one of " + allowed + ")");
      }
    }
    return map;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> stringKeys(String path, Map<?, ?> map) {
    for (Object key : map.keySet()) {
      if (!(key instanceof String)) {
        throw new IllegalArgumentException(path + ": keys must be strings, got " + describe(key));
      }
    }
    return (Map<String, Object>) map;
  }

  private static List<?> sequence(String path, Object value) {
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException(path + ": must be a list, got " + describe(value));
    }
    return list;
  }

  private static String text(String path, Object value) {
    if (!(value instanceof String s)) {
      throw new IllegalArgumentException(path + ": must be a string, got " + describe(value));
    }
    return s;
  }

  private static long integer(String path, Object value, long min, long max) {
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new IllegalArgumentException(path + ": must be an integer in " + min + ".." + max
          + ", got " + describe(value));
    }
    long n = ((Number) value).longValue();
    if (n < min || n > max) {
      throw new IllegalArgumentException(path + ": must be an integer in " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return '"' + s + '"';
    }
    if (value instanceof Map) {
      return "a mapping";
    }
    if (value instanceof List) {
      return "a list";
    }
    return String.valueOf(value);
  }
}
