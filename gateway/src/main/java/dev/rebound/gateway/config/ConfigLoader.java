package dev.rebound.gateway.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.gateway.failure.FailureKind;
import dev.rebound.gateway.time.DurationText;
import dev.rebound.routing.AgentDefinition;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RouteDefinition;
import dev.rebound.routing.RouteMatch;
import dev.rebound.routing.RuleSet;
import dev.rebound.routing.RuleSetException;
import dev.rebound.routing.TaskExample;
import dev.rebound.routing.TaskPatterns;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
  static final List<String> FAILURE_KINDS = Arrays.stream(FailureKind.values())
      .map(k -> k.name().toLowerCase(Locale.ROOT)).toList();

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
    Path dir = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), dir == null ? Path.of(".") : dir);
  }

  public ReboundConfig parse(String yaml, String source) {
    return parse(yaml, source, Path.of("."));
  }

  /** @param baseDir where relative paths in the config (routing.taskPatterns) are resolved */
  public ReboundConfig parse(String yaml, String source, Path baseDir) {
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
    ReboundConfig config = read(top, problems, baseDir);
    if (!problems.isEmpty()) throw new ConfigException(source, problems.lines());
    return config;
  }

  private ReboundConfig read(ConfigNode top, ConfigProblems problems, Path baseDir) {
    if (!top.expectObject()) return null;
    top.allowOnly("server", "store", "backends", "agents", "routes", "routing", "resilience", "context", "tenants", "admin", "log",
        "analytics", "tracing", "responses", "metrics");
    ServerConfig server = server(top.get("server"));
    StoreConfig store = store(top.get("store"));
    ResilienceConfig resilience = resilience(top.get("resilience"));
    List<BackendConfig> backends = backends(top.get("backends"), resilience.retry());
    Map<String, OnOverflow> agentPolicies = new HashMap<>();
    List<AgentDefinition> agents = agents(top.get("agents"), backends, agentPolicies);
    List<RouteDefinition> routes = routes(top.get("routes"));
    RoutingConfig routing = routing(top.get("routing"), baseDir);
    ContextConfig context = context(top.get("context"), agentPolicies, agents);
    summarizerNeeded(routes, context, agentPolicies, problems);
    List<TenantConfig> tenants = tenants(top.get("tenants"));
    AdminConfig admin = admin(top.get("admin"));
    LogConfig log = log(top.get("log"));
    AnalyticsConfig analytics = analytics(top.get("analytics"));
    TracingConfig tracing = tracing(top.get("tracing"));
    ResponsesConfig responses = responses(top.get("responses"));
    MetricsConfig metrics = metrics(top.get("metrics"));
    RuleSet ruleSet = null;
    try {
      ruleSet = RuleSet.compile(agents, routes, routing.patterns());
    } catch (RuleSetException e) {
      problems.addAll(e.problems());
    }
    if (!problems.isEmpty()) return null;
    return new ReboundConfig(server, store, backends, agents, routes, routing, resilience, context, tenants, admin, log,
        analytics, tracing, ruleSet, responses, metrics);
  }

  private MetricsConfig metrics(ConfigNode n) {
    n.expectObject();
    n.allowOnly("httpMeters");
    return new MetricsConfig(n.get("httpMeters").bool(MetricsConfig.DEFAULTS.httpMeters()));
  }

  private ResponsesConfig responses(ConfigNode n) {
    n.expectObject();
    n.allowOnly("background");
    ConfigNode b = n.get("background");
    b.expectObject();
    b.allowOnly("deadline", "lease", "pollInterval", "maxRunning", "queue", "keepFinished");
    Duration lease = b.get("lease").positiveDuration(ResponsesConfig.Background.DEFAULT_LEASE);
    if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
      b.get("lease").problem("must be at least 3s (it is renewed every third of it), but was " + b.get("lease").text());
    }
    String queue = b.get("queue").text(ResponsesConfig.Background.DEFAULT_QUEUE);
    if (!queue.matches("[A-Za-z0-9._-]{1,64}")) {
      b.get("queue").problem("'" + queue + "' must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return new ResponsesConfig(new ResponsesConfig.Background(
        b.get("deadline").positiveDuration(ResponsesConfig.Background.DEFAULT_DEADLINE),
        lease,
        b.get("pollInterval").positiveDuration(ResponsesConfig.Background.DEFAULT_POLL_INTERVAL),
        (int) b.get("maxRunning").integer(ResponsesConfig.Background.DEFAULT_MAX_RUNNING, 1, 10_000),
        queue,
        b.get("keepFinished").positiveDuration(ResponsesConfig.Background.DEFAULT_KEEP_FINISHED)));
  }

  private ServerConfig server(ConfigNode n) {
    n.expectObject();
    n.allowOnly("host", "port", "maxBodyBytes", "transport", "headerTimeout", "idleTimeout", "maxConnections",
        "shutdownGrace");
    return new ServerConfig(
        n.get("host").text("127.0.0.1"),
        (int) n.get("port").integer(8080, 0, 65535),
        n.get("maxBodyBytes").integer(32L * 1024 * 1024, 1024, Integer.MAX_VALUE),
        ServerConfig.Transport.parse(n.get("transport").oneOf("auto", ServerConfig.Transport.TEXTS)),
        n.get("headerTimeout").positiveDuration(ServerConfig.DEFAULT_HEADER_TIMEOUT),
        n.get("idleTimeout").positiveDuration(ServerConfig.DEFAULT_IDLE_TIMEOUT),
        (int) n.get("maxConnections").integer(ServerConfig.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
        n.get("shutdownGrace").duration(ServerConfig.DEFAULT_SHUTDOWN_GRACE));
  }

  private StoreConfig store(ConfigNode n) {
    n.expectObject();
    n.allowOnly("type", "path", "ttl", "redis", "checkpointEvery", "userTurnWait");
    ConfigNode redis = n.get("redis");
    redis.expectObject();
    redis.allowOnly("url", "type", "endpoints", "masterName");
    String redisType = redis.get("type").oneOf("standalone", "standalone", "cluster", "sentinel");
    List<String> endpoints = redis.get("endpoints").textList();
    String masterName = redis.get("masterName").text();
    if ("sentinel".equals(redisType) && (masterName == null || masterName.isBlank())) {
      redis.get("masterName").problem("is required when type is sentinel");
    }
    String url = redis.get("url").text("redis://127.0.0.1:6379");
    if (!url.startsWith("redis://") && !url.startsWith("rediss://")) {
      redis.get("url").problem("'" + url + "' is not a redis:// or rediss:// URL");
    }
    return new StoreConfig(
        n.get("type").oneOf("embedded", "embedded", "redis"),
        n.get("path").text("./data"),
        n.get("ttl").duration(Duration.ofDays(7)),
        url,
        (int) n.get("checkpointEvery").integer(1, 1, 1_000_000),
        userTurnWait(n.get("userTurnWait")),
        new StoreConfig.Redis(redisType, endpoints, masterName));
  }

  /** At most a minute: a user turn held longer would be missing from a session that is read meanwhile. */
  private static Duration userTurnWait(ConfigNode n) {
    Duration wait = n.duration(StoreConfig.DEFAULT_USER_TURN_WAIT);
    if (wait.compareTo(Duration.ofMinutes(1)) > 0) {
      n.problem("'" + n.text() + "' is more than 1m (0 stores every user turn before its first upstream attempt)");
      return StoreConfig.DEFAULT_USER_TURN_WAIT;
    }
    return wait;
  }

  private List<BackendConfig> backends(ConfigNode list, ResilienceConfig.Retry globalRetry) {
    List<BackendConfig> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "protocol", "url", "apiKey", "passClientKey", "headers", "timeouts", "maxConnections", "models", "retry",
          "discoverWindow");
      String name = n.get("name").requiredText();
      if (name != null && !names.add(name)) n.get("name").problem("duplicate backend '" + name + "'");
      String protocolText = n.get("protocol").requiredText();
      Protocol protocol = Protocol.parse(protocolText);
      if (protocolText != null && protocol == null) {
        n.get("protocol").problem("'" + protocolText + "' is not one of " + Protocol.ids());
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
      // local servers (plain http) are asked for the window they loaded; hosted APIs (https) have no such endpoint
      String discoverDefault = url != null && "https".equals(url.getScheme()) ? "off" : "auto";
      // YAML reads a bare off as false
      String discoverText = "false".equals(n.get("discoverWindow").text()) ? "off"
          : n.get("discoverWindow").oneOf(discoverDefault, BackendConfig.WindowDiscovery.TEXTS);
      BackendConfig.WindowDiscovery discover = BackendConfig.WindowDiscovery.parse(discoverText);
      out.add(new BackendConfig(name, protocol, url, n.get("apiKey").text(""), n.get("passClientKey").bool(false),
          n.get("headers").textMap(), timeouts, (int) n.get("maxConnections").integer(64, 1, 10_000), models, retry,
          discover));
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

  private List<AgentDefinition> agents(ConfigNode list, List<BackendConfig> backends, Map<String, OnOverflow> policies) {
    Map<String, BackendConfig> byName = new HashMap<>();
    for (BackendConfig b : backends) if (b.name() != null) byName.put(b.name(), b);
    List<AgentDefinition> out = new ArrayList<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "backend", "model", "capabilities", "cost", "weight", "contextWindow", "context", "allowTranslation");
      String name = n.get("name").requiredText();
      OnOverflow own = onOverflowOnly(n.get("context"));
      if (own != null && name != null) policies.put(name, own);
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
          (int) n.get("weight").integer(1, 0, 1_000_000), window, n.get("allowTranslation").bool(true)));
    }
    if (list.isMissing() || out.isEmpty()) list.problem("configure at least one agent");
    return out;
  }

  /** The routes list, as in config: used for the file and for PUT /admin/routes. */
  static List<RouteDefinition> routes(ConfigNode list) {
    List<RouteDefinition> out = new ArrayList<>();
    for (ConfigNode n : list.list()) {
      if (!n.expectObject()) continue;
      n.allowOnly("name", "match", "agents", "split", "select", "context", "allowTranslation");
      OnOverflow own = onOverflowOnly(n.get("context"));
      ConfigNode m = n.get("match");
      m.expectObject();
      m.allowOnly("model", "protocol", "path", "tenant", "headers", "minTokens", "maxTokens", "tools", "images",
          "keywords", "regex", "task");
      String protocolText = m.get("protocol").text();
      Protocol protocol = Protocol.parse(protocolText);
      if (protocolText != null && protocol == null) {
        m.get("protocol").problem("'" + protocolText + "' is not one of " + Protocol.ids());
      }
      RouteMatch match = new RouteMatch(
          m.get("model").text(), protocol, m.get("path").text(), m.get("tenant").text(), m.get("headers").textMap(),
          optionalInt(m.get("minTokens")), optionalInt(m.get("maxTokens")),
          optionalBool(m.get("tools")), optionalBool(m.get("images")),
          m.get("keywords").textList(), m.get("regex").text(), m.get("task").text());
      Map<String, Integer> split = new java.util.LinkedHashMap<>();
      ConfigNode splitNode = n.get("split");
      if (splitNode.expectObject()) {
        for (String agent : splitNode.keys()) split.put(agent, (int) splitNode.get(agent).integer(0, 0, 1_000_000));
      }
      String select = n.get("select").text();
      out.add(new RouteDefinition(n.get("name").requiredText(), match, n.get("agents").textList(), split, select,
          own == null ? null : own.text(), n.get("allowTranslation").bool(true)));
    }
    if (list.isMissing() || out.isEmpty()) list.problem("configure at least one route (e.g. { name: default, match: {}, agents: [my-agent] })");
    return out;
  }

  private static Integer optionalInt(ConfigNode n) {
    return n.isMissing() ? null : (int) n.integer(0, 0, Integer.MAX_VALUE);
  }

  private static Boolean optionalBool(ConfigNode n) {
    return n.isMissing() ? null : n.bool(false);
  }

  /**
   * Replacement routes for a running gateway (PUT /admin/routes), compiled against the agents it already has:
   * validated whole, every problem with its key path.
   */
  public RuleSet parseRoutes(String yamlOrJson, ReboundConfig current) {
    JsonNode root;
    try {
      root = YAML.readTree(yamlOrJson);
    } catch (JsonProcessingException e) {
      throw new ConfigException("routes", List.of("not valid JSON or YAML: " + e.getOriginalMessage()));
    }
    ConfigProblems problems = new ConfigProblems();
    ConfigNode top = new ConfigNode(root, "", problems, new Interpolation(env));
    List<RouteDefinition> routes = List.of();
    if (top.isMissing() || !top.expectObject()) {
      problems.add("", "send an object with a routes list: {\"routes\": [...]}");
    } else {
      top.allowOnly("routes");
      routes = routes(top.get("routes"));
      summarizerNeeded(routes, current.context(), Map.of(), problems);
    }
    try {
      RuleSet rules = RuleSet.compile(current.agents(), routes, current.routing().patterns());
      if (problems.isEmpty()) return rules;
    } catch (RuleSetException e) {
      problems.addAll(e.problems());
    } catch (RuntimeException e) {
      // routes with structural problems may not compile at all; those problems are already listed
      if (problems.isEmpty()) throw e;
    }
    throw new ConfigException("routes", problems.lines());
  }

  private static final java.util.regex.Pattern TASK_TAG = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]*");

  private RoutingConfig routing(ConfigNode n, Path baseDir) {
    n.expectObject();
    n.allowOnly("taskPatterns", "taskExamples", "watch", "outcomes");
    ConfigNode o = n.get("outcomes");
    o.expectObject();
    o.allowOnly("window", "minSamples", "failureWeight", "latencyWeight", "explore", "ttftWeight", "throughputWeight",
        "recoveryWeight", "costWeight", "feedbackWeight", "feedbackWindow", "regenerateScore");
    RoutingConfig.Outcomes d = RoutingConfig.Outcomes.DEFAULT;
    RoutingConfig.Outcomes outcomes = new RoutingConfig.Outcomes(o.get("window").duration(d.window()),
        (int) o.get("minSamples").integer(d.minSamples(), 1, 100_000), o.get("failureWeight").number(d.failureWeight(), 0, 100),
        o.get("latencyWeight").number(d.latencyWeight(), 0, 100), o.get("explore").number(d.explore(), 0, 0.5),
        o.get("ttftWeight").number(d.ttftWeight(), 0, 100), o.get("throughputWeight").number(d.throughputWeight(), 0, 100),
        o.get("recoveryWeight").number(d.recoveryWeight(), 0, 100), o.get("costWeight").number(d.costWeight(), 0, 100),
        o.get("feedbackWeight").number(d.feedbackWeight(), 0, 100), o.get("feedbackWindow").positiveDuration(d.feedbackWindow()),
        o.get("regenerateScore").number(d.regenerateScore(), -1, 0));
    String file = n.get("taskPatterns").text();
    Duration watch = n.get("watch").duration(Duration.ofSeconds(2));
    TaskPatterns patterns = TaskPatterns.NONE;
    Path patternsFile = null;
    try {
      if (file != null) {
        patternsFile = baseDir.resolve(file).normalize();
        patterns = TaskPatternsFile.load(Files.readString(patternsFile), patternsFile.toString());
      } else {
        patterns = TaskPatternsFile.bundled();
      }
    } catch (NoSuchFileException e) {
      n.get("taskPatterns").problem("file not found: " + patternsFile);
    } catch (IOException e) {
      n.get("taskPatterns").problem("cannot be read: " + e.getMessage());
    } catch (ConfigException e) {
      for (String p : e.problems()) n.get("taskPatterns").problem(p);
    }
    List<TaskExample> examples = taskExamples(n.get("taskExamples"));
    // the task classifier trains here, once per load (0.5-3 s on a busy 2-core machine), never per request
    if (patterns != TaskPatterns.NONE) patterns = patterns.withClassifier(examples);
    return new RoutingConfig(patternsFile, watch, patterns, outcomes);
  }

  /** routing.taskExamples: {tag: [prompt, ...]}, the user's own labelled prompts for the task classifier. */
  private static List<TaskExample> taskExamples(ConfigNode n) {
    List<TaskExample> out = new ArrayList<>();
    if (!n.expectObject()) return out;
    for (String tag : n.keys()) {
      ConfigNode examples = n.get(tag);
      if (!TASK_TAG.matcher(tag).matches()) {
        examples.problem("'" + tag + "' is not a task tag (lower-case letters, digits, '-' and '_', as agents list it under capabilities)");
        continue;
      }
      for (ConfigNode example : examples.list()) {
        String text = example.requiredText();
        if (text != null && !text.isBlank()) out.add(new TaskExample(tag, text));
      }
    }
    return out;
  }

  private ResilienceConfig resilience(ConfigNode n) {
    n.expectObject();
    n.allowOnly("retry", "waitBudget", "breaker", "keepAliveInterval", "continueStreams", "firstByteKeepAlive", "paceBelow");
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
    b.allowOnly("failureThreshold", "window", "resetTimeout", "halfOpenCalls", "firstProbeAfter");
    Duration reset = b.get("resetTimeout").duration(Duration.ofSeconds(30));
    ConfigNode firstProbe = b.get("firstProbeAfter");
    Duration firstProbeAfter = firstProbe.duration(ResilienceConfig.Breaker.DEFAULT_FIRST_PROBE_AFTER);
    if (firstProbeAfter.compareTo(reset) > 0) {
      if (!firstProbe.isMissing()) firstProbe.problem("must not be longer than resetTimeout (" + DurationText.format(reset) + ")");
      firstProbeAfter = reset;
    }
    return new ResilienceConfig(
        retry,
        byKind,
        n.get("waitBudget").duration(Duration.ofSeconds(120)),
        new ResilienceConfig.Breaker(
            (int) b.get("failureThreshold").integer(5, 1, 10_000),
            b.get("window").duration(Duration.ofSeconds(60)),
            reset,
            (int) b.get("halfOpenCalls").integer(3, 1, 10_000),
            firstProbeAfter),
        n.get("keepAliveInterval").duration(Duration.ofSeconds(10)),
        n.get("continueStreams").bool(true),
        n.get("firstByteKeepAlive").duration(Duration.ofSeconds(10)),
        n.get("paceBelow").number(0.2, 0, 1));
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

  /** 'summarize' anywhere needs a summarizer to write the summaries. */
  private static void summarizerNeeded(List<RouteDefinition> routes, ContextConfig context,
      Map<String, OnOverflow> agentPolicies, ConfigProblems problems) {
    if (context == null || context.summarizer() != null) return;
    for (int i = 0; i < routes.size(); i++) {
      if (OnOverflow.SUMMARIZE.text().equals(routes.get(i).onOverflow())) {
        problems.add("routes[" + i + "].context.onOverflow", "'summarize' needs context.summarizer.agent (the agent that writes the summary)");
      }
    }
    agentPolicies.forEach((agent, p) -> {
      if (p == OnOverflow.SUMMARIZE) {
        problems.add("agents[name=" + agent + "].context.onOverflow", "'summarize' needs context.summarizer.agent (the agent that writes the summary)");
      }
    });
  }

  /** A route's or agent's own {@code context: { onOverflow: ... }}; null when it has none. */
  private static OnOverflow onOverflowOnly(ConfigNode n) {
    if (n.isMissing() || !n.expectObject()) return null;
    n.allowOnly("onOverflow");
    return OnOverflow.parse(n.get("onOverflow").oneOf(null, OnOverflow.TEXTS));
  }

  private ContextConfig context(ConfigNode n, Map<String, OnOverflow> agentPolicies, List<AgentDefinition> agents) {
    ContextConfig d = ContextConfig.defaults();
    n.expectObject();
    n.allowOnly("onOverflow", "keepRecentTurns", "keepFirstUserMessage", "reserveOutputTokens", "imageTokens", "pin",
        "summarizer", "tokenizers", "discoveryRefresh");
    List<ContextConfig.PinRule> pins = new ArrayList<>();
    for (ConfigNode p : n.get("pin").list()) {
      if (!p.expectObject()) continue;
      p.allowOnly("role", "regex");
      String role = p.get("role").oneOf(null, "system", "developer", "user", "assistant", "tool");
      String regex = p.get("regex").requiredText();
      java.util.regex.Pattern pattern = null;
      if (regex != null) {
        try {
          pattern = java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
          p.get("regex").problem("'" + regex + "' is not a regular expression: " + e.getDescription());
        }
      }
      if (pattern != null) pins.add(new ContextConfig.PinRule(role, pattern));
    }
    ContextConfig.Summarizer summarizer = null;
    ConfigNode s = n.get("summarizer");
    if (!s.isMissing() && s.expectObject()) {
      s.allowOnly("agent", "maxTokens", "prompt");
      String agent = s.get("agent").requiredText();
      if (agent != null && agents.stream().noneMatch(a -> agent.equals(a.name()))) {
        s.get("agent").problem("unknown agent '" + agent + "' (known: "
            + String.join(", ", agents.stream().map(AgentDefinition::name).toList()) + ")");
      }
      summarizer = new ContextConfig.Summarizer(agent, (int) s.get("maxTokens").integer(1024, 16, 1_000_000),
          s.get("prompt").text(DEFAULT_SUMMARY_PROMPT));
    }
    List<ContextConfig.TokenizerRule> tokenizers = new ArrayList<>();
    for (ConfigNode t : n.get("tokenizers").list()) {
      if (!t.expectObject()) continue;
      t.allowOnly("models", "encoding", "factor");
      tokenizers.add(new ContextConfig.TokenizerRule(t.get("models").requiredText(),
          t.get("encoding").oneOf("cl100k_base", "o200k_base", "cl100k_base", "p50k_base", "r50k_base"),
          t.get("factor").number(1.0, 0.1, 10.0)));
    }
    OnOverflow policy = OnOverflow.parse(n.get("onOverflow").oneOf(d.onOverflow().text(), OnOverflow.TEXTS));
    if (policy == OnOverflow.SUMMARIZE && summarizer == null) {
      n.get("onOverflow").problem("'summarize' needs context.summarizer.agent (the agent that writes the summary)");
    }
    return new ContextConfig(policy,
        (int) n.get("keepRecentTurns").integer(d.keepRecentTurns(), 0, 10_000),
        n.get("keepFirstUserMessage").bool(d.keepFirstUserMessage()),
        (int) n.get("reserveOutputTokens").integer(d.reserveOutputTokens(), 0, 10_000_000),
        (int) n.get("imageTokens").integer(d.imageTokens(), 0, 1_000_000),
        pins, summarizer, tokenizers, n.get("discoveryRefresh").duration(d.discoveryRefresh()), agentPolicies);
  }

  static final String DEFAULT_SUMMARY_PROMPT = "Summarize the conversation below for the assistant that continues it. "
      + "Keep every fact, decision, file name, identifier, number and open task; drop pleasantries. "
      + "Write plain prose or a terse list, at most a few hundred words.";

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

  /** A table name PostgreSQL takes unquoted, optionally with its schema. */
  private static final java.util.regex.Pattern TABLE_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");

  private AnalyticsConfig analytics(ConfigNode n) {
    n.expectObject();
    n.allowOnly("postgres");
    ConfigNode pg = n.get("postgres");
    if (pg.isMissing() || !pg.expectObject()) return AnalyticsConfig.NONE;
    pg.allowOnly("url", "table", "queueSize", "batchSize", "flushInterval");
    ConfigNode urlNode = pg.get("url");
    String url = urlNode.text();
    if (url == null && urlNode.isMissing()) urlNode.problem("is required (postgresql://user@host:5432/database)");
    String table = pg.get("table").text(AnalyticsConfig.Postgres.DEFAULT_TABLE);
    if (!TABLE_NAME.matcher(table).matches()) {
      pg.get("table").problem("'" + table + "' is not a table name (letters, digits and '_', not starting with a digit,"
          + " at most 63; optionally schema.table)");
    }
    int queueSize = (int) pg.get("queueSize").integer(AnalyticsConfig.Postgres.DEFAULT_QUEUE_SIZE, 1, 10_000_000);
    int batchSize = (int) pg.get("batchSize").integer(AnalyticsConfig.Postgres.DEFAULT_BATCH_SIZE, 1, 100_000);
    if (batchSize > queueSize) pg.get("batchSize").problem("must not be more than queueSize (" + queueSize + "), but was " + batchSize);
    Duration flushInterval = pg.get("flushInterval").positiveDuration(AnalyticsConfig.Postgres.DEFAULT_FLUSH_INTERVAL);
    // an unset ${REBOUND_PG_URL:-} leaves the URL empty: that means no PostgreSQL sink
    if (url == null || url.isBlank()) return AnalyticsConfig.NONE;
    url = url.trim();
    if (!url.startsWith("postgresql://") && !url.startsWith("postgres://")) {
      urlNode.problem("'" + AnalyticsConfig.redacted(url) + "' is not a postgresql:// or postgres:// URL");
    } else {
      try {
        io.vertx.pgclient.PgConnectOptions.fromUri(url);
      } catch (RuntimeException e) {
        // the client's message quotes the URL whole
        urlNode.problem("'" + AnalyticsConfig.redacted(url) + "' is not a PostgreSQL URL: "
            + AnalyticsConfig.redacted(String.valueOf(e.getMessage())));
      }
    }
    return new AnalyticsConfig(new AnalyticsConfig.Postgres(url, table, queueSize, batchSize, flushInterval));
  }

  private LogConfig log(ConfigNode n) {
    n.expectObject();
    n.allowOnly("format");
    return new LogConfig(LogConfig.Format.parse(n.get("format").oneOf("text", LogConfig.Format.TEXTS)));
  }

  private TracingConfig tracing(ConfigNode n) {
    n.expectObject();
    n.allowOnly("otlp");
    ConfigNode otlp = n.get("otlp");
    if (otlp.isMissing() || !otlp.expectObject()) return TracingConfig.OFF;
    otlp.allowOnly("endpoint", "serviceName", "sampleRatio", "headers", "timeout");
    ConfigNode endpointNode = otlp.get("endpoint");
    String endpoint = endpointNode.text();
    if (endpoint == null && endpointNode.isMissing()) endpointNode.problem("is required (the collector's OTLP/HTTP address, e.g. http://collector:4318)");
    String serviceName = otlp.get("serviceName").text(TracingConfig.Otlp.DEFAULT_SERVICE_NAME).trim();
    if (serviceName.isEmpty()) otlp.get("serviceName").problem("must not be empty");
    double sampleRatio = otlp.get("sampleRatio").number(1.0, 0.0, 1.0);
    java.util.Map<String, String> headers = otlp.get("headers").textMap();
    Duration timeout = otlp.get("timeout").positiveDuration(TracingConfig.Otlp.DEFAULT_TIMEOUT);
    // an unset ${OTEL_EXPORTER_OTLP_ENDPOINT:-} leaves the endpoint empty: that means tracing stays off
    if (endpoint == null || endpoint.isBlank()) return TracingConfig.OFF;
    String traces = tracesUrl(endpoint.trim());
    if (traces == null) {
      endpointNode.problem("'" + endpoint + "' is not an http:// or https:// URL with a host");
      return TracingConfig.OFF;
    }
    return new TracingConfig(new TracingConfig.Otlp(traces, serviceName, sampleRatio, headers, timeout));
  }

  /**
   * The traces URL of an OTLP/HTTP endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT means it: a base URL gets /v1/traces; one
   * that already names it stays. Null when it is no http(s) URL with a host.
   */
  static String tracesUrl(String endpoint) {
    try {
      java.net.URI uri = new java.net.URI(endpoint);
      if (uri.getHost() == null || uri.getScheme() == null
          || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))) return null;
    } catch (java.net.URISyntaxException e) {
      return null;
    }
    if (endpoint.endsWith(TracingConfig.Otlp.TRACES_PATH)) return endpoint;
    return (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint) + TracingConfig.Otlp.TRACES_PATH;
  }
}
