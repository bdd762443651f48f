package dev.rebound.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Agents and routes compiled once into something that answers "who serves this request, in which order, and why?"
 * without I/O, in microseconds.
 *
 * <p>Precedence: {@code x-rebound-agent} pins an agent; a client naming an agent as its model gets it; otherwise routes
 * are checked in order and the first that matches and can serve the client's protocol supplies the plan (an ordered
 * chain, a weighted split, or best-match scoring); a model no route matches goes to the agents serving it. Within a
 * plan, healthy agents come first and a session's previous agent leads while it is healthy (affinity).
 */
public final class RuleSet {
  public static final String DIRECT = "direct";
  public static final String PINNED = "pinned";
  static final String PIN_HEADER = "x-rebound-agent";

  private final Map<String, AgentDefinition> agents;
  private final List<CompiledRoute> routes;
  private final TaskAnalyzer analyzer;
  private final double maxCost;

  private RuleSet(Map<String, AgentDefinition> agents, List<CompiledRoute> routes, TaskPatterns patterns) {
    this.agents = agents;
    this.routes = routes;
    this.analyzer = new TaskAnalyzer(patterns);
    this.maxCost = agents.values().stream().mapToDouble(AgentDefinition::cost).max().orElse(0);
  }

  public static RuleSet compile(List<AgentDefinition> agentList, List<RouteDefinition> routeList) {
    return compile(agentList, routeList, TaskPatterns.NONE);
  }

  /** Compiles the rules, reporting every problem at once with its key path. */
  public static RuleSet compile(List<AgentDefinition> agentList, List<RouteDefinition> routeList, TaskPatterns patterns) {
    List<String> problems = new ArrayList<>();
    Map<String, AgentDefinition> agents = new LinkedHashMap<>();
    for (int i = 0; i < agentList.size(); i++) {
      AgentDefinition a = agentList.get(i);
      if (agents.putIfAbsent(a.name(), a) != null) problems.add("agents[" + i + "].name: duplicate agent '" + a.name() + "'");
    }
    List<CompiledRoute> routes = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < routeList.size(); i++) {
      RouteDefinition r = routeList.get(i);
      String at = "routes[" + i + "]";
      if (!names.add(r.name())) problems.add(at + ".name: duplicate route '" + r.name() + "'");
      boolean bestMatch = r.select() != null;
      if (bestMatch && !RouteDefinition.BEST_MATCH.equals(r.select())) {
        problems.add(at + ".select: '" + r.select() + "' is not a selection (use best-match)");
      }
      if (!r.split().isEmpty() && (bestMatch || !r.agents().isEmpty())) {
        problems.add(at + ": give one of agents, split or select, not several");
      }
      if (r.split().isEmpty() && r.agents().isEmpty() && !bestMatch) {
        problems.add(at + ": a route needs agents, a split or select: best-match");
      }
      List<AgentDefinition> chain = resolve(r.agents(), at + ".agents", agents, problems);
      Map<AgentDefinition, Integer> split = new LinkedHashMap<>();
      for (Map.Entry<String, Integer> e : r.split().entrySet()) {
        AgentDefinition a = agents.get(e.getKey());
        if (a == null) problems.add(at + ".split." + e.getKey() + ": unknown agent '" + e.getKey() + "'" + suggestion(e.getKey(), agents.keySet()));
        else if (e.getValue() == null || e.getValue() < 0) problems.add(at + ".split." + e.getKey() + ": weight must be 0 or more");
        else split.put(a, e.getValue());
      }
      if (!split.isEmpty() && split.values().stream().mapToInt(Integer::intValue).sum() == 0) {
        problems.add(at + ".split: the weights add up to 0");
      }
      if (bestMatch && chain.isEmpty() && r.agents().isEmpty()) chain = new ArrayList<>(agents.values());
      List<Matcher> matchers = matchers(r.match(), at + ".match", problems);
      Set<String> chainNames = new java.util.HashSet<>();
      for (AgentDefinition a : chain) chainNames.add(a.name());
      routes.add(new CompiledRoute(r.name(), matchers, chain, split, bestMatch, r.onOverflow(), r.allowTranslation(),
          Set.copyOf(chainNames)));
    }
    if (!problems.isEmpty()) throw new RuleSetException(problems);
    return new RuleSet(Map.copyOf(agents), List.copyOf(routes), patterns);
  }

  /** The attempt plan for a request, with every agent healthy and idle. */
  public AttemptPlan plan(RoutingRequest request) {
    return plan(request, AgentHealth.ALL_HEALTHY);
  }

  /** The attempt plan for a request; empty (route null) when nothing can serve it. */
  public AttemptPlan plan(RoutingRequest request, AgentHealth health) {
    // one pass over the texts, and only if a rule or a reader needs them; every check after it is a lookup
    Memo<Texts> texts = new Memo<>(() -> new Texts(
        request.lastUserText().isEmpty() ? TextIndex.EMPTY : new TextIndex(request.lastUserText()),
        TextIndex.ofRecurring(request.systemText())));
    Memo<TaskFeatures> features = new Memo<>(() -> analyzer.analyze(request, texts.get().user(), texts.get().system()));
    List<AttemptPlan.Skipped> skipped = new ArrayList<>();
    String pin = request.header(PIN_HEADER);
    if (pin != null && !pin.isBlank()) {
      AgentDefinition a = agents.get(pin.trim());
      if (a == null) {
        skipped.add(new AttemptPlan.Skipped(pin, "x-rebound-agent names no agent" + suggestion(pin.trim(), agents.keySet())));
        return new AttemptPlan(null, features, List.of(), skipped);
      }
      return ordered(PINNED, List.of(a), true, "pinned by x-rebound-agent", request, features, health, skipped, false);
    }
    AgentDefinition named = agents.get(request.model());
    if (named != null) {
      AttemptPlan p = ordered(DIRECT, List.of(named), true, "the request names this agent", request, features, health, skipped, false);
      if (!p.isEmpty()) return p;
    }
    for (CompiledRoute r : routes) {
      if (!r.matches(request, features, texts)) continue;
      AttemptPlan p;
      if (r.bestMatch) p = bestMatch(r, request, features, health, skipped);
      else if (!r.split.isEmpty()) p = split(r, request, features, health, skipped);
      else p = ordered(r.name, r.chain, r.allowTranslation, "route '" + r.name + "'", request, features, health, skipped, true);
      // a route that cannot serve the client's protocol lets the next rule decide
      if (!p.isEmpty()) return p;
    }
    List<AgentDefinition> serving = new ArrayList<>();
    for (AgentDefinition a : agents.values()) if (a.model().equals(request.model())) serving.add(a);
    if (!serving.isEmpty()) {
      AttemptPlan p = ordered(DIRECT, serving, true, "serves the requested model", request, features, health, skipped, true);
      if (!p.isEmpty()) return p;
    }
    return new AttemptPlan(null, features, List.of(), dedupe(skipped));
  }

  /** Model names a client may ask for: agents, their upstream models, and literal route models; in config order. */
  public List<String> knownModels() {
    Set<String> names = new LinkedHashSet<>();
    for (AgentDefinition a : agents.values()) {
      names.add(a.model());
      names.add(a.name());
    }
    for (CompiledRoute r : routes) {
      for (Matcher m : r.matchers) if (m instanceof ModelMatcher mm && mm.glob.isLiteral()) names.add(mm.glob.toString());
    }
    return List.copyOf(names);
  }

  /** The route's own context policy as written in config; null when it has none (or there is no such route). */
  public String onOverflow(String route) {
    for (CompiledRoute r : routes) if (r.name.equals(route)) return r.onOverflow;
    return null;
  }

  public AgentDefinition agent(String name) {
    return agents.get(name);
  }

  public List<AgentDefinition> agents() {
    return List.copyOf(agents.values());
  }

  /**
   * Each route's name with the agents it may send a request to (its chain, its split, or its best-match pool), routes
   * and agents in config order: whether a route can serve depends on whether one of them can.
   */
  public Map<String, List<AgentDefinition>> routeAgents() {
    Map<String, List<AgentDefinition>> out = new LinkedHashMap<>();
    for (CompiledRoute r : routes) {
      Set<AgentDefinition> agents = new LinkedHashSet<>(r.chain);
      agents.addAll(r.split.keySet());
      out.put(r.name, List.copyOf(agents));
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** Every route in a readable form, in order: what it matches and how it picks agents. */
  public List<String> describe() {
    return routes.stream().map(CompiledRoute::toString).toList();
  }

  private AttemptPlan ordered(String route, List<AgentDefinition> chain, boolean translating, String why,
      RoutingRequest request, Memo<TaskFeatures> f, AgentHealth health, List<AttemptPlan.Skipped> skipped, boolean affinity) {
    List<AttemptPlan.Candidate> healthy = new ArrayList<>();
    List<AttemptPlan.Candidate> unhealthy = new ArrayList<>();
    for (AgentDefinition a : serving(chain, translating, request, skipped)) {
      int position = healthy.size() + unhealthy.size();
      boolean ok = health.status(a) == AgentHealth.Status.HEALTHY;
      java.util.function.Supplier<String> reason = () -> why + (position == 0 ? "" : ", fallback #" + position) + "; "
          + AgentScorer.reason(a, f.get(), health) + (ok ? "" : " (kept as a last resort)");
      (ok ? healthy : unhealthy).add(new AttemptPlan.Candidate(a, () -> scoreOf(a, f.get(), health), reason));
    }
    healthy.addAll(unhealthy);
    return new AttemptPlan(route, f, affinity ? withAffinity(healthy, request, health) : healthy, skippedFor(chain, skipped));
  }

  private double scoreOf(AgentDefinition a, TaskFeatures f, AgentHealth health) {
    double v = AgentScorer.value(a, f, health, maxCost);
    return v == AgentScorer.UNFIT ? -100 : v;
  }

  private AttemptPlan split(CompiledRoute r, RoutingRequest request, Memo<TaskFeatures> f, AgentHealth health,
      List<AttemptPlan.Skipped> skipped) {
    List<AgentDefinition> speaking = serving(new ArrayList<>(r.split.keySet()), r.allowTranslation, request, skipped);
    List<AgentDefinition> pool = speaking.stream().filter(a -> health.status(a) == AgentHealth.Status.HEALTHY).toList();
    if (pool.isEmpty()) pool = speaking;
    int total = pool.stream().mapToInt(r.split::get).sum();
    AgentDefinition drawn = null;
    if (total > 0) {
      double at = request.dice() * total;
      for (AgentDefinition a : pool) {
        at -= r.split.get(a);
        if (at < 0) {
          drawn = a;
          break;
        }
      }
      if (drawn == null) drawn = pool.get(pool.size() - 1);
    }
    List<AgentDefinition> order = new ArrayList<>();
    if (drawn != null) order.add(drawn);
    speaking.stream().filter(a -> !order.contains(a))
        .sorted(Comparator.comparingInt((AgentDefinition a) -> -r.split.get(a)))
        .forEach(order::add);
    List<AttemptPlan.Candidate> out = new ArrayList<>();
    for (AgentDefinition a : order) {
      boolean first = a == drawn;
      int total2 = total;
      out.add(new AttemptPlan.Candidate(a, () -> scoreOf(a, f.get(), health), () -> (first
          ? "drawn by weight " + r.split.get(a) + " of " + total2 : "fallback, weight " + r.split.get(a))
          + " in route '" + r.name + "'; " + AgentScorer.reason(a, f.get(), health)));
    }
    return new AttemptPlan(r.name, f, withAffinity(out, request, health), skippedFor(order, skipped));
  }

  private AttemptPlan bestMatch(CompiledRoute r, RoutingRequest request, Memo<TaskFeatures> lazy, AgentHealth health,
      List<AttemptPlan.Skipped> skipped) {
    TaskFeatures f = lazy.get();
    List<AgentDefinition> pool = serving(r.chain, r.allowTranslation, request, skipped);
    AgentDefinition[] fit = new AgentDefinition[pool.size()];
    double[] values = new double[pool.size()];
    int n = 0;
    List<AttemptPlan.Skipped> unfit = new ArrayList<>();
    for (AgentDefinition a : pool) {
      double v = AgentScorer.value(a, f, health, maxCost);
      if (v == AgentScorer.UNFIT) {
        unfit.add(new AttemptPlan.Skipped(a.name(), AgentScorer.reason(a, f, health)));
      } else {
        fit[n] = a;
        values[n++] = v;
      }
    }
    // stable insertion sort on the plain scores (a few dozen agents; no boxing, no locks): equal scores keep config
    // order, so ties break deterministically
    for (int i = 1; i < n; i++) {
      AgentDefinition a = fit[i];
      double v = values[i];
      int j = i - 1;
      while (j >= 0 && values[j] < v) {
        fit[j + 1] = fit[j];
        values[j + 1] = values[j];
        j--;
      }
      fit[j + 1] = a;
      values[j + 1] = v;
    }
    List<AttemptPlan.Candidate> scored = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      AgentDefinition a = fit[i];
      scored.add(new AttemptPlan.Candidate(a, values[i], () -> "best match for " + f.domain() + " in route '" + r.name
          + "': " + AgentScorer.reason(a, f, health)));
    }
    if (scored.size() > 1 && request.dice() < health.exploration(scored.get(1).agent(), f.domain())) {
      // a few requests measure the runner-up, so an agent that lost its traffic can win it back
      AttemptPlan.Candidate runnerUp = scored.remove(1);
      scored.add(0, new AttemptPlan.Candidate(runnerUp.agent(), runnerUp::score,
          () -> {
            String why = health.explorationReason(runnerUp.agent(), f.domain());
            return "exploring (a share of requests measures the runner-up" + (why == null ? "" : ": " + why) + "); "
                + runnerUp.reason();
          }));
    }
    skipped.addAll(unfit);
    List<AttemptPlan.Skipped> mine = skipped.isEmpty() ? new ArrayList<>() : new ArrayList<>(skippedFor(r.names, skipped));
    return new AttemptPlan(r.name, lazy, withAffinity(scored, request, health), mine);
  }

  /** A session stays on the agent of its last turn while that agent is healthy (provider prompt caches). */
  private static List<AttemptPlan.Candidate> withAffinity(List<AttemptPlan.Candidate> plan, RoutingRequest request,
      AgentHealth health) {
    String preferred = request.preferredAgent();
    if (preferred == null) return plan;
    for (int i = 1; i < plan.size(); i++) {
      AttemptPlan.Candidate c = plan.get(i);
      if (c.agent().name().equals(preferred) && health.status(c.agent()) == AgentHealth.Status.HEALTHY) {
        List<AttemptPlan.Candidate> out = new ArrayList<>(plan);
        out.remove(i);
        out.add(0, new AttemptPlan.Candidate(c.agent(), c::score, () -> "session affinity (served the last turn); " + c.reason()));
        return out;
      }
    }
    return plan;
  }

  /**
   * The agents of a chain that may serve the request: those that speak its protocol, and the others unless the route
   * or the agent keeps translation off.
   */
  private static List<AgentDefinition> serving(List<AgentDefinition> chain, boolean routeTranslates, RoutingRequest request,
      List<AttemptPlan.Skipped> skipped) {
    List<AgentDefinition> out = new ArrayList<>(chain.size());
    for (AgentDefinition a : chain) {
      boolean foreign = request.protocol() != null && a.protocol() != null && a.protocol() != request.protocol();
      if (foreign && !a.protocol().serves(request.protocol())) {
        skipped.add(new AttemptPlan.Skipped(a.name(), "its backend speaks " + a.protocol().id() + ", and "
            + request.protocol().id() + " requests are not translated to it (only Responses clients use it)"));
      } else if (foreign && !(routeTranslates && a.allowTranslation())) {
        skipped.add(new AttemptPlan.Skipped(a.name(), "its backend speaks " + a.protocol().id() + ", the request is "
            + request.protocol().id() + ", and translation is off for this " + (routeTranslates ? "agent" : "route")));
      } else {
        out.add(a);
      }
    }
    return out;
  }

  private static List<AttemptPlan.Skipped> skippedFor(List<AgentDefinition> chain, List<AttemptPlan.Skipped> skipped) {
    if (skipped.isEmpty()) return List.of();
    Set<String> names = new LinkedHashSet<>();
    for (AgentDefinition a : chain) names.add(a.name());
    return skippedFor(names, skipped);
  }

  private static List<AttemptPlan.Skipped> skippedFor(Set<String> names, List<AttemptPlan.Skipped> skipped) {
    return dedupe(skipped.stream().filter(s -> names.contains(s.agent())).toList());
  }

  private static List<AttemptPlan.Skipped> dedupe(List<AttemptPlan.Skipped> skipped) {
    Map<String, AttemptPlan.Skipped> byAgent = new LinkedHashMap<>();
    for (AttemptPlan.Skipped s : skipped) byAgent.putIfAbsent(s.agent(), s);
    return List.copyOf(byAgent.values());
  }

  private static List<AgentDefinition> resolve(List<String> names, String at, Map<String, AgentDefinition> agents,
      List<String> problems) {
    List<AgentDefinition> out = new ArrayList<>();
    for (int j = 0; j < names.size(); j++) {
      AgentDefinition a = agents.get(names.get(j));
      if (a == null) problems.add(at + "[" + j + "]: unknown agent '" + names.get(j) + "'" + suggestion(names.get(j), agents.keySet()));
      else out.add(a);
    }
    return out;
  }

  private static List<Matcher> matchers(RouteMatch m, String at, List<String> problems) {
    List<Matcher> out = new ArrayList<>();
    if (m.model() != null) out.add(new ModelMatcher(ModelGlob.of(m.model())));
    if (m.protocol() != null) out.add(new Matcher.Field("protocol", m.protocol().id(), r -> r.protocol() == m.protocol()));
    if (m.path() != null) {
      ModelGlob g = ModelGlob.of(m.path());
      out.add(new Matcher.Field("path", "~ " + m.path(), r -> g.matches(r.path())));
    }
    if (m.tenant() != null) out.add(new Matcher.Field("tenant", m.tenant(), r -> m.tenant().equals(r.tenant())));
    m.headers().forEach((name, value) -> {
      ModelGlob g = ModelGlob.of(value);
      out.add(new Matcher.Field("header " + name.toLowerCase(), "~ " + value, r -> g.matches(r.header(name))));
    });
    if (m.minTokens() != null || m.maxTokens() != null) {
      int lo = m.minTokens() == null ? 0 : m.minTokens();
      int hi = m.maxTokens() == null ? Integer.MAX_VALUE : m.maxTokens();
      if (lo > hi) problems.add(at + ".maxTokens: " + hi + " is less than minTokens " + lo);
      out.add(new Matcher.Field("tokens", "in [" + lo + ", " + (hi == Integer.MAX_VALUE ? "inf" : hi) + "]",
          r -> r.tokens() >= lo && r.tokens() <= hi));
    }
    if (m.tools() != null) out.add(new Matcher.Field("tools", m.tools() ? "present" : "absent", r -> r.hasTools() == m.tools()));
    if (m.images() != null) out.add(new Matcher.Field("images", m.images() ? "present" : "absent", r -> r.hasImages() == m.images()));
    if (!m.keywords().isEmpty()) {
      List<List<String>> phrases = m.keywords().stream().map(TextIndex::wordsOf).filter(w -> !w.isEmpty()).toList();
      out.add(new KeywordMatcher(m.keywords(), phrases));
    }
    if (m.regex() != null) {
      try {
        Pattern p = Pattern.compile(m.regex());
        out.add(new RegexMatcher(m.regex(), RegexScan.of(p)));
      } catch (PatternSyntaxException e) {
        problems.add(at + ".regex: '" + m.regex() + "' is not a valid regular expression: " + e.getDescription());
      }
    }
    if (m.task() != null) out.add(new TaskMatcher(m.task().toLowerCase()));
    return out;
  }

  /** The request's texts, indexed once per plan. */
  record Texts(TextIndex user, TextIndex system) {}

  static String suggestion(String name, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(name, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best != null && bestDistance <= Math.max(2, name.length() / 3)) return " (did you mean '" + best + "'?)";
    return known.isEmpty() ? " (no agents are defined)" : " (known: " + String.join(", ", known) + ")";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** One condition of a route, printable. */
  interface Matcher {
    boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> texts);

    /** A condition on the request alone (cheap). */
    record Field(String what, String expected, java.util.function.Predicate<RoutingRequest> check) implements Matcher {
      @Override
      public boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> texts) {
        return check.test(r);
      }

      @Override
      public String toString() {
        return what + " " + expected;
      }
    }
  }

  record TaskMatcher(String task) implements Matcher {
    @Override
    public boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> texts) {
      return task.equals(f.get().domain());
    }

    @Override
    public String toString() {
      return "task " + task;
    }
  }

  record KeywordMatcher(List<String> keywords, List<List<String>> phrases) implements Matcher {
    @Override
    public boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> lazy) {
      Texts texts = lazy.get();
      for (List<String> p : phrases) if (texts.user().count(p) > 0 || texts.system().count(p) > 0) return true;
      return false;
    }

    @Override
    public String toString() {
      return "keywords any of " + keywords;
    }
  }

  /** Tried where a match can start; a recurring system prompt's answer is remembered with its index. */
  record RegexMatcher(String source, RegexScan scan) implements Matcher {
    @Override
    public boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> lazy) {
      Texts texts = lazy.get();
      if (scan.count(texts.user().head, 1) > 0) return true;
      TextIndex system = texts.system();
      if (system.head.isEmpty()) return false;
      return (Boolean) system.memo.computeIfAbsent(scan, k -> scan.count(system.head, 1) > 0);
    }

    @Override
    public String toString() {
      return "text ~ /" + source + "/";
    }
  }

  record ModelMatcher(ModelGlob glob) implements Matcher {
    @Override
    public boolean test(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> texts) {
      return glob.matches(r.model());
    }

    @Override
    public String toString() {
      return "model ~ " + glob;
    }
  }

  private record CompiledRoute(String name, List<Matcher> matchers, List<AgentDefinition> chain,
      Map<AgentDefinition, Integer> split, boolean bestMatch, String onOverflow, boolean allowTranslation,
      Set<String> names) {
    boolean matches(RoutingRequest r, Memo<TaskFeatures> f, Memo<Texts> texts) {
      for (Matcher m : matchers) if (!m.test(r, f, texts)) return false;
      return true;
    }

    @Override
    public String toString() {
      String when = matchers.isEmpty() ? "always" : "when " + String.join(" and ", matchers.stream().map(Object::toString).toList());
      String how;
      if (bestMatch) how = "best match among " + chain.stream().map(AgentDefinition::name).toList();
      else if (!split.isEmpty()) {
        List<String> parts = new ArrayList<>();
        split.forEach((a, w) -> parts.add(a.name() + ": " + w));
        how = "split " + parts;
      } else how = "agents " + chain.stream().map(AgentDefinition::name).toList();
      return "route '" + name + "' " + when + " -> " + how + (allowTranslation ? "" : ", same protocol only");
    }
  }
}
