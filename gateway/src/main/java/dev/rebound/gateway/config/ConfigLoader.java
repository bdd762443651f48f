package dev.rebound.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RouteDefinition;
import dev.rebound.routing.RouteMatch;
import dev.rebound.routing.RuleSet;
import dev.rebound.routing.RuleSetException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads rebound.yaml into a validated {@link ReboundConfig}. Every problem is reported at once, each with its key path
 * and the bad value; defaults are the ones documented in conf/rebound.yaml.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ResilienceConfig.Retry DEFAULT_RETRY =
      new ResilienceConfig.Retry(3, Duration.ofMillis(100), Duration.ofSeconds(30), 2.0, 0.25);
  /** Failure kinds as written in config: the lower-case names (rate_limited, overloaded, ...). */
  static final List<String> FAILURE_KINDS = java.util.Arrays.stream(dev.rebound.gateway.failure.FailureKind.values())
      .map(k -> k.name().toLowerCase(java.util.Locale.ROOT)).toList();

  private final Map<String, String> env;

  public ConfigLoader(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System.getenv());
  }

  public ReboundConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), List.of("file not found"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
    }
    return parse(text, file.toString());
  }

  public ReboundConfig parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
      throw new ConfigException(source, List.of(where + "not valid YAML: " + e.getOriginalMessage()));
    }
    ConfigProblems problems = new ConfigProblems();
    ConfigNode top = new ConfigNode(root, "", problems, new Interpolation(env));
    if (root == null || root.isMissingNode() || root.isNull()) {
      problems.add("", "the file is empty");
      throw new ConfigException(source, problems.lines());
    }
    ReboundConfig config = read(top, problems);
    if (!problems.isEmpty()) throw new ConfigException(source, problems.lines());
    return config;
  }

  private ReboundConfig read(ConfigNode top, ConfigProblems problems) {
    if (!top.expectObject()) return null;
    top.allowOnly("server", "store", "backends", "agents", "routes", "resilience", "context", "tenants", "admin");
    ServerConfig server = server(top.get("server"));
    StoreConfig store = store(top.get("store"));
    ResilienceConfig resilience = resilience(top.get("resilience"));
    List<BackendConfig> backends = backends(top.get("backends"), resilience.retry());
    List<AgentDefinition> agents = agents(top.get("agents"), backends);
    List<RouteDefinition> routes = routes(top.get("routes"));
    ContextConfig context = context(top.get("context"));
    List<TenantConfig> tenants = tenants(top.get("tenants"));
    AdminConfig admin = admin(top.get("admin"));
    RuleSet ruleSet = null;
    try {
      ruleSet = RuleSet.compile(agents, routes);
    } catch (RuleSetException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) return null;
    return new ReboundConfig(server, store, backends, agents, routes, resilience, context, tenants, admin, ruleSet);
  }

  private ServerConfig server(ConfigNode n) {
    n.expectObject();
    n.allowOnly("host", "port", "maxBodyBytes");
    return new ServerConfig(
        n.get("host").text("127.0.0.1"),
        (int) n.get("port").integer(8080, 0, 65535),
        n.get("maxBodyBytes").integer(32L * 1024 * 1024, 1024, Integer.MAX_VALUE));
  }

  private StoreConfig store(ConfigNode n) {
    n.expectObject();
    n.allowOnly("type", "path", "ttl", "redis");
    ConfigNode redis = n.get("redis");
    redis.expectObject();
    redis.allowOnly("url");
    String url = redis.get("url").text("redis://127.0.0.1:6379");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      redis.get("url").problem("'" + url + "' is not a redis:// or rediss:// URL");
    }
    return new StoreConfig(
        n.get("type").oneOf("embedded", "embedded", "redis"),
        n.get("path").text("./data"),
        n.get("ttl").duration(Duration.ofDays(7)),
        url);
  }

  private List<BackendConfig> backends(ConfigNode list, ResilienceConfig.Retry globalRetry) {
    List<BackendConfig> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "protocol", "url", "apiKey", "passClientKey", "headers", "timeouts", "maxConnections", "models", "retry");
      String name = n.get("name").requiredText();
      if (name != null && !names.add(name)) n.get("name").problem("duplicate backend '" + name + "'");
      String protocolText = n.get("protocol").requiredText();
      Protocol protocol = Protocol.parse(protocolText);
      if (protocolText != null && protocol == null) {
        n.get("protocol").problem("'" + protocolText + "' is not one of openai, anthropic");
      }
      URI url = url(n.get("url"));
      ConfigNode t = n.get("timeouts");
      t.expectObject();
      t.allowOnly("connect", "firstByte", "idle", "total");
      BackendConfig.Timeouts timeouts = new BackendConfig.Timeouts(
          t.get("connect").duration(Duration.ofSeconds(5)),
          t.get("firstByte").duration(Duration.ofSeconds(120)),
          t.get("idle").duration(Duration.ofSeconds(120)),
          t.get("total").duration(Duration.ofMinutes(30)));
      List<BackendConfig.ModelConfig> models = new ArrayList<>();
      Set<String> modelNames = new HashSet<>();
      for (ConfigNode m : n.get("models").list()) {
        if (!m.expectObject()) continue;
        m.allowOnly("name", "contextWindow", "maxOutputTokens");
        String modelName = m.get("name").requiredText();
        if (modelName != null && !modelNames.add(modelName)) m.get("name").problem("duplicate model '" + modelName + "'");
        models.add(new BackendConfig.ModelConfig(modelName,
            (int) m.get("contextWindow").integer(0, 0, 100_000_000),
            (int) m.get("maxOutputTokens").integer(0, 0, 100_000_000)));
      }
      if (n.get("models").isMissing() || models.isEmpty()) n.get("models").problem("list at least one model this backend serves");
      ResilienceConfig.Retry retry = n.get("retry").isMissing() ? null : retry(n.get("retry"), globalRetry);
      out.add(new BackendConfig(name, protocol, url, n.get("apiKey").text(""), n.get("passClientKey").bool(false),
          n.get("headers").textMap(), timeouts, (int) n.get("maxConnections").integer(64, 1, 10_000), models, retry));
    }
    if (list.isMissing() || out.isEmpty()) list.problem("configure at least one backend");
    return out;
  }

  private static URI url(ConfigNode n) {
    String text = n.requiredText();
    if (text == null) return null;
    try {
      URI u = new URI(text.trim());
      if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
        n.problem("'" + text + "' is not an http:// or https:// URL with a host");
        return null;
      }
      if (u.getQuery() != null || u.getFragment() != null) {
        n.problem("'" + text + "' must be a base URL without query or fragment");
        return null;
      }
      return u;
    } catch (URISyntaxException e) {
      n.problem("'" + text + "' is not a URL: " + e.getReason());
      return null;
    }
  }

  private List<AgentDefinition> agents(ConfigNode list, List<BackendConfig> backends) {
    Map<String, BackendConfig> byName = new HashMap<>();
    for (BackendConfig b : backends) if (b.name() != null) byName.put(b.name(), b);
    List<AgentDefinition> out = new ArrayList<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "backend", "model", "capabilities", "cost", "weight", "contextWindow");
      String name = n.get("name").requiredText();
      String backendName = n.get("backend").requiredText();
      String model = n.get("model").requiredText();
      BackendConfig backend = backendName == null ? null : byName.get(backendName);
      if (backendName != null && backend == null) {
        n.get("backend").problem("unknown backend '" + backendName + "' (known: " + String.join(", ", byName.keySet()) + ")");
      }
      int window = (int) n.get("contextWindow").integer(0, 0, 100_000_000);
      if (backend != null && model != null) {
        var served = backend.model(model);
        if (served.isEmpty()) {
          n.get("model").problem("backend '" + backendName + "' does not list model '" + model + "' (listed: "
              + String.join(", ", backend.models().stream().map(BackendConfig.ModelConfig::name).toList()) + ")");
        } else if (window == 0) {
          window = served.get().contextWindow();
        }
      }
      out.add(new AgentDefinition(name, backendName, model, backend == null ? null : backend.protocol(),
          n.get("capabilities").textList(), n.get("cost").number(1, 0, 1e9),
          (int) n.get("weight").integer(1, 0, 1_000_000), window));
    }
    if (list.isMissing() || out.isEmpty()) list.problem("configure at least one agent");
    return out;
  }

  private List<RouteDefinition> routes(ConfigNode list) {
    List<RouteDefinition> out = new ArrayList<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "match", "agents");
      ConfigNode match = n.get("match");
      match.expectObject();
      match.allowOnly("model", "protocol");
      String protocolText = match.get("protocol").text();
      Protocol protocol = Protocol.parse(protocolText);
      if (protocolText != null && protocol == null) {
        match.get("protocol").problem("'" + protocolText + "' is not one of openai, anthropic");
      }
      String name = n.get("name").requiredText();
      out.add(new RouteDefinition(name, new RouteMatch(match.get("model").text(), protocol), n.get("agents").textList()));
    }
    if (list.isMissing() || out.isEmpty()) list.problem("configure at least one route (e.g. { name: default, match: {}, agents: [my-agent] })");
    return out;
  }

  private ResilienceConfig resilience(ConfigNode n) {
    n.expectObject();
    n.allowOnly("retry", "waitBudget", "breaker", "keepAliveInterval", "continueStreams");
    ConfigNode r = n.get("retry");
    ResilienceConfig.Retry retry = retry(r, DEFAULT_RETRY, "byKind");
    Map<String, ResilienceConfig.Retry> byKind = new java.util.LinkedHashMap<>();
    ConfigNode kinds = r.get("byKind");
    if (kinds.expectObject()) {
      for (String kind : kinds.keys()) {
        if (!FAILURE_KINDS.contains(kind)) {
          kinds.get(kind).problem("not a failure kind (one of " + String.join(", ", FAILURE_KINDS) + ")");
          continue;
        }
        byKind.put(kind, retry(kinds.get(kind), retry));
      }
    }
    ConfigNode b = n.get("breaker");
    b.expectObject();
    b.allowOnly("failureThreshold", "window", "resetTimeout", "halfOpenCalls");
    return new ResilienceConfig(
        retry,
        byKind,
        n.get("waitBudget").duration(Duration.ofSeconds(120)),
        new ResilienceConfig.Breaker(
            (int) b.get("failureThreshold").integer(5, 1, 10_000),
            b.get("window").duration(Duration.ofSeconds(60)),
            b.get("resetTimeout").duration(Duration.ofSeconds(30)),
            (int) b.get("halfOpenCalls").integer(3, 1, 10_000)),
        n.get("keepAliveInterval").duration(Duration.ofSeconds(10)),
        n.get("continueStreams").bool(true));
  }

  /** Retry settings where every key is optional and falls back to {@code base}. */
  private static ResilienceConfig.Retry retry(ConfigNode r, ResilienceConfig.Retry base, String... alsoAllowed) {
    r.expectObject();
    java.util.List<String> allowed = new ArrayList<>(List.of("maxAttempts", "baseDelay", "maxDelay", "multiplier", "jitter"));
    allowed.addAll(List.of(alsoAllowed));
    r.allowOnly(allowed.toArray(String[]::new));
    return new ResilienceConfig.Retry(
        (int) r.get("maxAttempts").integer(base.maxAttempts(), 1, 100),
        r.get("baseDelay").duration(base.baseDelay()),
        r.get("maxDelay").duration(base.maxDelay()),
        r.get("multiplier").number(base.multiplier(), 1.0, 100.0),
        r.get("jitter").number(base.jitter(), 0.0, 1.0));
  }

  private ContextConfig context(ConfigNode n) {
    n.expectObject();
    n.allowOnly("onOverflow", "keepRecentTurns", "reserveOutputTokens");
    return new ContextConfig(
        n.get("onOverflow").oneOf("truncate", "truncate", "summarize", "larger-window", "fail"),
        (int) n.get("keepRecentTurns").integer(4, 0, 10_000),
        (int) n.get("reserveOutputTokens").integer(4096, 0, 10_000_000));
  }

  private List<TenantConfig> tenants(ConfigNode list) {
    List<TenantConfig> out = new ArrayList<>();
    Map<String, String> keyOwner = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "keys");
      String name = n.get("name").requiredText();
      if (name != null && !names.add(name)) n.get("name").problem("duplicate tenant '" + name + "'");
      List<String> keys = new ArrayList<>();
      List<ConfigNode> keyNodes = n.get("keys").list();
      for (ConfigNode k : keyNodes) {
        String key = k.text();
        // an unset ${REBOUND_KEY:-} leaves an empty key: that simply means "no key"
        if (key == null || key.isBlank()) continue;
        String owner = keyOwner.putIfAbsent(key, name);
        if (owner != null) k.problem("this key is already used by tenant '" + owner + "'");
        keys.add(key);
      }
      out.add(new TenantConfig(name, keys));
    }
    if (out.isEmpty()) out.add(new TenantConfig("default", List.of()));
    return out;
  }

  private AdminConfig admin(ConfigNode n) {
    n.expectObject();
    n.allowOnly("token");
    return new AdminConfig(n.get("token").text(""));
  }
}
