package dev.rebound.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectionTest {
  static AgentDefinition agent(String name, int window, double cost, String... caps) {
    return new AgentDefinition(name, "b-" + name, "m-" + name, Protocol.OPENAI, List.of(caps), cost, 1, window);
  }

  static final AgentDefinition CODER = agent("coder", 128_000, 3, "code", "tools");
  static final AgentDefinition SUMMARIZER = agent("summarizer", 128_000, 1, "summarize");
  static final AgentDefinition TRANSLATOR = agent("translator", 32_000, 1, "translate");
  static final AgentDefinition ANALYST = agent("analyst", 128_000, 2, "data", "tools");
  static final AgentDefinition SEER = agent("seer", 128_000, 4, "vision", "chat");
  static final AgentDefinition GENERAL = agent("general", 16_000, 1, "chat");
  static final AgentDefinition LONG = agent("long", 1_000_000, 6, "chat", "long-context");
  static final List<AgentDefinition> ALL = List.of(CODER, SUMMARIZER, TRANSLATOR, ANALYST, SEER, GENERAL, LONG);

  static final TaskPatterns PATTERNS = TaskPatterns.compile(Map.of(
      "code", List.of("function", "bug", "refactor", "stack trace", "/```\\w*\\n/"),
      "summarize", List.of("summarize", "tl;dr", "key points"),
      "translate", List.of("translate", "into French"),
      "data", List.of("csv", "average", "column")), 32_000);

  static RuleSet bestMatch() {
    return RuleSet.compile(ALL, List.of(new RouteDefinition("auto", RouteMatch.ANY, List.of(), Map.of(), "best-match")), PATTERNS);
  }

  static RoutingRequest ask(String userText, int tokens, boolean tools, boolean images) {
    return new RoutingRequest(Protocol.OPENAI, "auto", "/v1/chat/completions", "t", Map.of(), tokens, tools, images,
        "", userText, null, 0.5);
  }

  record Case(String prompt, int tokens, boolean tools, boolean images, String expected) {}

  @Test
  void bestMatchSendsEachKindOfTaskToTheAgentBuiltForIt() {
    List<Case> cases = List.of(
        new Case("There is a bug in this function, please refactor it", 500, false, false, "coder"),
        new Case("```python\ndef f(): pass\n```", 300, true, false, "coder"),
        new Case("Summarize the key points of this report", 3000, false, false, "summarizer"),
        new Case("Translate this paragraph into French", 200, false, false, "translator"),
        new Case("Here is a CSV, what is the average of the price column?", 800, true, false, "analyst"),
        new Case("What is in this picture?", 900, false, true, "seer"),
        new Case("How are you today?", 20, false, false, "general"),
        new Case("Tell me a story", 200_000, false, false, "long"));
    RuleSet rules = bestMatch();
    for (Case c : cases) {
      AttemptPlan plan = rules.plan(ask(c.prompt(), c.tokens(), c.tools(), c.images()));
      assertEquals(c.expected(), plan.agents().get(0).agent().name(), c.prompt() + " -> " + plan.agents());
    }
  }

  @Test
  void agentsThatCannotReadImagesAreSkippedWithTheReason() {
    AttemptPlan plan = bestMatch().plan(ask("Look at this image", 900, false, true));
    assertEquals(List.of("seer"), plan.agents().stream().map(c -> c.agent().name()).toList(), "the only one that reads images");
    assertTrue(plan.skipped().stream().anyMatch(s -> s.agent().equals("coder") && s.reason().contains("images")), plan.skipped().toString());
  }

  @Test
  void agentsWhoseWindowIsTooSmallComeLastBecauseTheContextCanBeCutToFit() {
    AttemptPlan plan = bestMatch().plan(ask("Tell me a story", 200_000, false, false));
    List<String> order = plan.agents().stream().map(c -> c.agent().name()).toList();
    assertEquals("long", order.get(0), order.toString());
    AttemptPlan.Candidate general = plan.agents().stream().filter(c -> c.agent().name().equals("general")).findFirst().orElseThrow();
    assertTrue(general.reason().contains("too small") && general.reason().contains("cut to fit"), general.reason());
    assertTrue(plan.agents().indexOf(general) > 0);
  }

  @Test
  void tiesBreakByConfigOrder() {
    AgentDefinition a = agent("a", 0, 1, "chat");
    AgentDefinition b = agent("b", 0, 1, "chat");
    RuleSet rules = RuleSet.compile(List.of(a, b), List.of(new RouteDefinition("r", RouteMatch.ANY, List.of("b", "a"), Map.of(), "best-match")), PATTERNS);
    for (int i = 0; i < 10; i++) assertEquals("b", rules.plan(ask("hi", 10, false, false)).agents().get(0).agent().name());
  }

  @Test
  void weightPrefersOneOfTwoOtherwiseEqualAgents() {
    AgentDefinition a = new AgentDefinition("a", "ba", "ma", Protocol.OPENAI, List.of("chat"), 1, 1, 0);
    AgentDefinition b = new AgentDefinition("b", "bb", "mb", Protocol.OPENAI, List.of("chat"), 1, 50, 0);
    RuleSet rules = RuleSet.compile(List.of(a, b), List.of(new RouteDefinition("r", RouteMatch.ANY, List.of(), Map.of(), "best-match")), PATTERNS);
    assertEquals("b", rules.plan(ask("hi", 10, false, false)).agents().get(0).agent().name());
  }

  @Test
  void aWeightedSplitFollowsItsWeightsWithinTolerance() {
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put("coder", 70);
    split.put("general", 30);
    RuleSet rules = RuleSet.compile(ALL, List.of(new RouteDefinition("ab", RouteMatch.ANY, List.of(), split, null)), PATTERNS);
    int coder = 0;
    int n = 10_000;
    java.util.Random random = new java.util.Random(42);
    for (int i = 0; i < n; i++) {
      RoutingRequest r = new RoutingRequest(Protocol.OPENAI, "x", null, null, Map.of(), 10, false, false, "", "hi", null, random.nextDouble());
      AttemptPlan plan = rules.plan(r);
      assertEquals(2, plan.agents().size(), "the other agent stays as a fallback");
      if (plan.agents().get(0).agent() == CODER) coder++;
    }
    assertEquals(0.70, coder / (double) n, 0.02);
  }

  @Test
  void anOpenOrCoolingAgentMovesToTheEndOfAChain() {
    RuleSet rules = RuleSet.compile(ALL, List.of(new RouteDefinition("chain", RouteMatch.ANY, List.of("coder", "general", "long"))), PATTERNS);
    AgentHealth coderOpen = health(Map.of("coder", AgentHealth.Status.OPEN, "general", AgentHealth.Status.COOLING));
    AttemptPlan plan = rules.plan(ask("fix this bug", 100, false, false), coderOpen);
    assertEquals(List.of("long", "coder", "general"), plan.agents().stream().map(c -> c.agent().name()).toList());
    assertTrue(plan.agents().get(1).reason().contains("last resort"), plan.agents().get(1).reason());
  }

  @Test
  void aSessionStaysOnTheAgentOfItsLastTurnWhileItIsHealthy() {
    RuleSet rules = RuleSet.compile(ALL, List.of(new RouteDefinition("chain", RouteMatch.ANY, List.of("coder", "general"))), PATTERNS);
    RoutingRequest r = ask("fix this bug", 100, false, false).withPreferredAgent("general");
    assertEquals("general", rules.plan(r).agents().get(0).agent().name());
    assertTrue(rules.plan(r).agents().get(0).reason().startsWith("session affinity"));
    AgentHealth generalCooling = health(Map.of("general", AgentHealth.Status.COOLING));
    assertEquals("coder", rules.plan(r, generalCooling).agents().get(0).agent().name(), "a cooling agent loses the session");
  }

  @Test
  void theAgentHeaderPinsAnAgentAndTheTaskHeaderDeclaresTheTask() {
    RuleSet rules = bestMatch();
    RoutingRequest pinned = new RoutingRequest(Protocol.OPENAI, "auto", null, null, Map.of("x-rebound-agent", "seer"), 10,
        false, false, "", "fix this bug", null, 0.5);
    AttemptPlan p = rules.plan(pinned);
    assertEquals(RuleSet.PINNED, p.route());
    assertEquals(List.of("seer"), p.agents().stream().map(c -> c.agent().name()).toList());
    RoutingRequest declared = new RoutingRequest(Protocol.OPENAI, "auto", null, null, Map.of("x-rebound-task", "translate"), 10,
        false, false, "", "fix this bug", null, 0.5);
    AttemptPlan d = rules.plan(declared);
    assertEquals("translate", d.features().domain());
    assertTrue(d.features().declared());
    assertEquals("translator", d.agents().get(0).agent().name());
  }

  @Test
  void routesMatchOnEveryKindOfCondition() {
    List<RouteDefinition> routes = List.of(
        new RouteDefinition("big", new RouteMatch(null, null, null, null, Map.of(), 50_000, null, null, null, List.of(), null, null), List.of("long")),
        new RouteDefinition("team", new RouteMatch(null, null, null, null, Map.of("x-team", "data*"), null, null, null, null, List.of(), null, null), List.of("analyst")),
        new RouteDefinition("tooling", new RouteMatch(null, null, null, null, Map.of(), null, null, true, null, List.of(), null, null), List.of("coder")),
        new RouteDefinition("pictures", new RouteMatch(null, null, null, null, Map.of(), null, null, null, true, List.of(), null, null), List.of("seer")),
        new RouteDefinition("words", new RouteMatch(null, null, null, null, Map.of(), null, null, null, null, List.of("résumé", "tl;dr"), null, null), List.of("summarizer")),
        new RouteDefinition("regex", new RouteMatch(null, null, null, null, Map.of(), null, null, null, null, List.of(), "(?i)\\bauf deutsch\\b", null), List.of("translator")),
        new RouteDefinition("tasks", new RouteMatch(null, null, null, "acme", Map.of(), null, null, null, null, List.of(), null, "data"), List.of("analyst")),
        new RouteDefinition("rest", RouteMatch.ANY, List.of("general")));
    RuleSet rules = RuleSet.compile(ALL, routes, PATTERNS);
    assertEquals("big", rules.plan(ask("hello", 60_000, false, false)).route());
    assertEquals("team", rules.plan(new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of("x-team", "data-eng"), 10, false, false, "", "hi", null, 0)).route());
    assertEquals("tooling", rules.plan(ask("hello", 10, true, false)).route());
    assertEquals("pictures", rules.plan(ask("hello", 10, false, true)).route());
    assertEquals("words", rules.plan(ask("Give me the TL;DR", 10, false, false)).route());
    assertEquals("regex", rules.plan(ask("Bitte auf Deutsch", 10, false, false)).route());
    assertEquals("tasks", rules.plan(new RoutingRequest(Protocol.OPENAI, "m", null, "acme", Map.of(), 10, false, false, "", "average of the column", null, 0)).route());
    assertEquals("rest", rules.plan(ask("hello", 10, false, false)).route());
  }

  @Test
  void aRouteRegexMatchesTheSystemPromptToo_everyTimeItRecurs_andNotAnotherOne() {
    RuleSet rules = RuleSet.compile(ALL, List.of(
        new RouteDefinition("reviewer", new RouteMatch(null, null, null, null, Map.of(), null, null, null, null, List.of(), "(?i)\\bcode review(er)?\\b", null), List.of("coder")),
        new RouteDefinition("rest", RouteMatch.ANY, List.of("general"))), PATTERNS);
    String system = "You are a careful code reviewer. ".repeat(40);
    for (int i = 0; i < 3; i++) {
      // the system prompt's answer is remembered with its index: the same prompt gets the same answer every turn
      assertEquals("reviewer", rules.plan(new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of(), 10, false, false,
          system, "turn " + i, null, 0.5)).route());
    }
    assertEquals("rest", rules.plan(new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of(), 10, false, false,
        "You are a careful reviewer of prose. ".repeat(40), "turn 4", null, 0.5)).route());
    assertEquals("reviewer", rules.plan(new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of(), 10, false, false,
        "", "please do a Code Review of this", null, 0.5)).route());
  }

  @Test
  void rulesPrintThemselvesReadably() {
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put("coder", 70);
    split.put("general", 30);
    RuleSet rules = RuleSet.compile(ALL, List.of(
        new RouteDefinition("claude", new RouteMatch("claude-*", Protocol.ANTHROPIC), List.of("coder", "general")),
        new RouteDefinition("ab", new RouteMatch(null, null, null, null, Map.of(), 0, 8000, true, null, List.of("deploy"), null, null), List.of(), split, null),
        new RouteDefinition("auto", RouteMatch.ANY, List.of("coder", "seer"), Map.of(), "best-match")), PATTERNS);
    assertEquals(List.of(
        "route 'claude' when model ~ claude-* and protocol anthropic -> agents [coder, general]",
        "route 'ab' when tokens in [0, 8000] and tools present and keywords any of [deploy] -> split [coder: 70, general: 30]",
        "route 'auto' always -> best match among [coder, seer]"), rules.describe());
  }

  @Test
  void compileErrorsNameTheKeyPath() {
    Map<String, Integer> split = new LinkedHashMap<>();
    split.put("codr", 50);
    RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.compile(ALL, List.of(
        new RouteDefinition("a", RouteMatch.ANY, List.of(), split, null),
        new RouteDefinition("b", RouteMatch.ANY, List.of("coder"), Map.of(), "cheapest"),
        new RouteDefinition("c", new RouteMatch(null, null, null, null, Map.of(), 10, 5, null, null, List.of(), "([", null), List.of("coder")),
        new RouteDefinition("d", RouteMatch.ANY, List.of()))));
    assertEquals(List.of(
        "routes[0].split.codr: unknown agent 'codr' (did you mean 'coder'?)",
        "routes[1].select: 'cheapest' is not a selection (use best-match)",
        "routes[2].match.maxTokens: 5 is less than minTokens 10",
        "routes[2].match.regex: '([' is not a valid regular expression: Unclosed character class",
        "routes[3]: a route needs agents, a split or select: best-match"), e.problems());
  }

  static AgentHealth health(Map<String, AgentHealth.Status> states) {
    return new AgentHealth() {
      @Override
      public Status status(AgentDefinition agent) {
        return states.getOrDefault(agent.name(), Status.HEALTHY);
      }

      @Override
      public int inFlight(AgentDefinition agent) {
        return 0;
      }
    };
  }
}
