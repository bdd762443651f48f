package dev.rebound.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleSetTest {
  private static final AgentDefinition CODER =
      new AgentDefinition("coder", "local-vllm", "qwen2.5-coder-32b", Protocol.OPENAI, List.of("code"), 1, 1, 32768);
  private static final AgentDefinition GPT =
      new AgentDefinition("gpt", "openai", "gpt-4o", Protocol.OPENAI, List.of("chat"), 5, 1, 128000);
  private static final AgentDefinition CLAUDE =
      new AgentDefinition("claude", "anthropic", "claude-sonnet-4-5", Protocol.ANTHROPIC, List.of("code"), 8, 1, 200000);

  private static RuleSet rules() {
    return RuleSet.compile(List.of(CODER, GPT, CLAUDE), List.of(
        new RouteDefinition("claude-family", new RouteMatch("claude-*", null), List.of("claude")),
        new RouteDefinition("default", RouteMatch.ANY, List.of("coder", "gpt"))));
  }

  @Test
  void eachRouteListsTheAgentsItMaySendTo() {
    RuleSet r = RuleSet.compile(List.of(CODER, GPT, CLAUDE), List.of(
        new RouteDefinition("chain", RouteMatch.ANY, List.of("gpt", "coder")),
        new RouteDefinition("weighted", RouteMatch.ANY, List.of(), java.util.Map.of("claude", 1), null),
        new RouteDefinition("best", RouteMatch.ANY, List.of(), java.util.Map.of(), RouteDefinition.BEST_MATCH)));
    assertEquals(List.of("chain", "weighted", "best"), List.copyOf(r.routeAgents().keySet()));
    assertEquals(List.of(GPT, CODER), r.routeAgents().get("chain"));
    assertEquals(List.of(CLAUDE), r.routeAgents().get("weighted"));
    assertEquals(3, r.routeAgents().get("best").size(), "best-match with no agents listed picks from all");
  }

  @Test
  void aClientNamingAnAgentGetsThatAgentDirectly() {
    AttemptPlan plan = rules().plan(new RoutingRequest(Protocol.OPENAI, "gpt"));
    assertEquals(RuleSet.DIRECT, plan.route());
    assertEquals("gpt", plan.agents().get(0).agent().name());
  }

  @Test
  void aModelNoRouteMatchesGoesToTheAgentsServingIt() {
    RuleSet onlyClaude = RuleSet.compile(List.of(CODER, CLAUDE),
        List.of(new RouteDefinition("c", new RouteMatch("claude-*", null), List.of("claude"))));
    AttemptPlan plan = onlyClaude.plan(new RoutingRequest(Protocol.OPENAI, "qwen2.5-coder-32b"));
    assertEquals(RuleSet.DIRECT, plan.route());
    assertEquals(List.of("coder"), plan.agents().stream().map(c -> c.agent().name()).toList());
  }

  @Test
  void routesDecideForAModelNameEvenWhenAnAgentServesItDirectly() {
    AttemptPlan plan = rules().plan(new RoutingRequest(Protocol.OPENAI, "gpt-4o"));
    assertEquals("default", plan.route());
    assertEquals(List.of("coder", "gpt"), plan.agents().stream().map(c -> c.agent().name()).toList());
  }

  @Test
  void routesAreCheckedInOrderAndGlobsMatchModelFamilies() {
    AttemptPlan plan = rules().plan(new RoutingRequest(Protocol.ANTHROPIC, "claude-opus-4-1"));
    assertEquals("claude-family", plan.route());
    assertEquals("claude", plan.agents().get(0).agent().name());
  }

  @Test
  void theFallbackChainKeepsConfigOrder() {
    AttemptPlan plan = rules().plan(new RoutingRequest(Protocol.OPENAI, "anything"));
    assertEquals("default", plan.route());
    assertEquals(List.of("coder", "gpt"), plan.agents().stream().map(c -> c.agent().name()).toList());
  }

  @Test
  void agentsSpeakingAnotherProtocolServeThroughTranslationInConfigOrder() {
    AttemptPlan plan = rules().plan(new RoutingRequest(Protocol.ANTHROPIC, "anything"));
    assertEquals("default", plan.route());
    assertEquals(List.of("coder", "gpt"), plan.agents().stream().map(c -> c.agent().name()).toList());
  }

  @Test
  void aRouteWithTranslationOffSkipsAgentsOfAnotherProtocolWithTheReason() {
    RuleSet rules = RuleSet.compile(List.of(CODER, CLAUDE),
        List.of(new RouteDefinition("default", RouteMatch.ANY, List.of("coder", "claude"), Map.of(), null, null, false)));
    AttemptPlan plan = rules.plan(new RoutingRequest(Protocol.ANTHROPIC, "anything"));
    assertEquals(List.of("claude"), plan.agents().stream().map(c -> c.agent().name()).toList());
    assertEquals(1, plan.skipped().size());
    assertTrue(plan.skipped().get(0).reason().contains("speaks openai"), plan.skipped().toString());
    assertTrue(plan.skipped().get(0).reason().contains("translation is off for this route"), plan.skipped().toString());
  }

  @Test
  void anAgentWithTranslationOffServesOnlyItsOwnProtocol() {
    AgentDefinition strict = new AgentDefinition("strict", "openai", "gpt-4o", Protocol.OPENAI, List.of(), 1, 1, 0, false);
    RuleSet rules = RuleSet.compile(List.of(strict, CLAUDE),
        List.of(new RouteDefinition("default", RouteMatch.ANY, List.of("strict", "claude"))));
    assertEquals(List.of("claude"), rules.plan(new RoutingRequest(Protocol.ANTHROPIC, "x")).agents().stream()
        .map(c -> c.agent().name()).toList());
    assertEquals(List.of("strict", "claude"), rules.plan(new RoutingRequest(Protocol.OPENAI, "x")).agents().stream()
        .map(c -> c.agent().name()).toList());
    assertTrue(rules.plan(new RoutingRequest(Protocol.ANTHROPIC, "x")).skipped().get(0).reason()
        .contains("translation is off for this agent"));
  }

  @Test
  void aRouteWhoseAgentsAllSpeakAnotherProtocolWithTranslationOffLetsTheNextRuleDecide() {
    RuleSet rules = RuleSet.compile(List.of(CODER, CLAUDE),
        List.of(new RouteDefinition("default", RouteMatch.ANY, List.of("coder"), Map.of(), null, null, false)));
    AttemptPlan plan = rules.plan(new RoutingRequest(Protocol.ANTHROPIC, "claude-sonnet-4-5"));
    assertEquals(RuleSet.DIRECT, plan.route());
    assertEquals("claude", plan.agents().get(0).agent().name());
  }

  @Test
  void noMatchingRouteGivesAnEmptyPlan() {
    RuleSet onlyClaude = RuleSet.compile(List.of(CLAUDE),
        List.of(new RouteDefinition("c", new RouteMatch("claude-*", null), List.of("claude"))));
    assertTrue(onlyClaude.plan(new RoutingRequest(Protocol.OPENAI, "gpt-4o")).isEmpty());
    assertEquals(List.of("claude-sonnet-4-5", "claude"), onlyClaude.knownModels());
  }

  @Test
  void unknownAgentsInRoutesAreReportedWithTheirKeyPathAndASuggestion() {
    RuleSetException e = assertThrows(RuleSetException.class, () -> RuleSet.compile(List.of(CODER),
        List.of(new RouteDefinition("a", RouteMatch.ANY, List.of("coder")),
            new RouteDefinition("a", RouteMatch.ANY, List.of("codr", "nobody")))));
    assertEquals(List.of(
        "routes[1].name: duplicate route 'a'",
        "routes[1].agents[0]: unknown agent 'codr' (did you mean 'coder'?)",
        "routes[1].agents[1]: unknown agent 'nobody' (known: coder)"), e.problems());
  }

  @Test
  void globsAreCaseInsensitiveAndAnchored() {
    ModelGlob g = ModelGlob.of("gpt-4o*");
    assertTrue(g.matches("GPT-4o-mini"));
    assertTrue(!g.matches("my-gpt-4o"));
    assertTrue(!g.isLiteral());
    assertTrue(ModelGlob.of("gpt-4o").isLiteral());
  }

  @Test
  void theRecurringTextCacheHoldsOnlyTheHeadOfEachTextAndABoundedNumberOfThem() {
    String head = "You are a careful reviewer. ".repeat(400).substring(0, TextIndex.SCAN_CHARS);
    TextIndex a = TextIndex.ofRecurring(head + "x".repeat(1_000_000));
    assertTrue(a == TextIndex.ofRecurring(head + "y".repeat(10)), "the same head is the same index");
    assertEquals(TextIndex.SCAN_CHARS, a.head.length());
    for (int i = 0; i < 1_000; i++) TextIndex.ofRecurring("prompt " + i);
    assertTrue(TextIndex.cached() <= 256, "cached: " + TextIndex.cached());
  }

  @Test
  void globsMatchWhateverAClientSendsLineTerminatorsIncluded() {
    for (String end : new String[] {"\n", "\r", "\u0085", "\u2028", "\u2029", "\r\n", "\u0000"}) {
      assertTrue(ModelGlob.of("gpt-*").matches("gpt-" + end), "gpt-* ~ " + end.codePointAt(0));
      assertTrue(ModelGlob.of("*").matches(end));
      assertTrue(ModelGlob.of("gpt-?").matches("gpt-" + end.charAt(0)));
      assertTrue(!ModelGlob.of("gpt-4o").matches("gpt-4o" + end));
    }
    assertTrue(ModelGlob.of("*claude*").matches("x\nClaude\ny"));
    assertTrue(ModelGlob.of("a*b*c").matches("a" + "b".repeat(5000) + "c"));
    assertTrue(!ModelGlob.of("a*a*a*a*b").matches("a".repeat(5000)));
    assertTrue(ModelGlob.of("").matches("") && !ModelGlob.of("").matches("x"));
  }
}
