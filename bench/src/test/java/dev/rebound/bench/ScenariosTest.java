package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenariosTest {
  private static List<String> names(List<Scenario> s) {
    return s.stream().map(Scenario::name).toList();
  }

  @Test
  void noNamesOrAllSelectsEveryScenarioInRunOrder() {
    assertEquals(Scenarios.names(), names(Scenarios.select(List.of())));
    assertEquals(Scenarios.names(), names(Scenarios.select(List.of("all"))));
    assertEquals("faults", Scenarios.names().get(Scenarios.names().size() - 1), "faults runs last: it leaves cooldowns behind");
  }

  @Test
  void namedScenariosComeOutOnceInRunOrder() {
    assertEquals(List.of("c1", "stream", "faults"), names(Scenarios.select(List.of("faults", "stream", "c1", "stream"))));
    assertEquals(List.of("nonstream"), names(Scenarios.select(List.of("NonStream"))));
  }

  @Test
  void unknownNamesAreAnErrorListingTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Scenarios.select(List.of("c1", "c2", "strem")));
    assertTrue(e.getMessage().contains("'c2'") && e.getMessage().contains("'strem'"), e.getMessage());
    for (String known : Scenarios.names()) assertTrue(e.getMessage().contains(known), e.getMessage());
  }

  @Test
  void everyScenarioTheIssueNamesIsAvailableAndAnUnbuiltOneWouldSayWhatItNeeds() {
    for (String name : List.of("c1", "nonstream", "stream", "sessions-embedded", "sessions-redis", "large-context",
        "faults", "routing", "context-fit", "store-turns")) {
      assertTrue(Scenarios.select(List.of(name)).get(0).available(), name);
    }
    Scenario future = new Scenario("future", "d", List.of(), List.of(), "a feature");
    assertTrue(future.unavailableReason().equals("not available yet: needs a feature"), future.unavailableReason());
  }

  @Test
  void plainProxyingScenariosTakePeersAndTheStreamShapesAreTheIssues() {
    for (String name : List.of("c1", "nonstream", "stream", "stream-burst")) {
      assertEquals(Scenario.Sides.GATEWAY_AND_PEERS, Scenarios.select(List.of(name)).get(0).sides(), name);
    }
    for (String name : List.of("large-context", "faults")) {
      assertEquals(Scenario.Sides.GATEWAY, Scenarios.select(List.of(name)).get(0).sides(), name);
    }
    // paced SSE: 32 streams, 32 events 5 ms apart; burst: 16 events written at once
    Workload paced = Scenarios.select(List.of("stream")).get(0).workloads().get(0);
    assertEquals(List.of(32, 32, 5L), List.of(paced.concurrency(), paced.replyWords(), paced.chunkDelayMs()));
    List<Workload> bursts = Scenarios.select(List.of("stream-burst")).get(0).workloads();
    assertEquals(List.of(Protocol.OPENAI, Protocol.ANTHROPIC, Protocol.RESPONSES),
        bursts.stream().map(Workload::protocol).toList(), "every protocol a client speaks, each passed through");
    String yaml = Topology.gatewayConfigYaml("http://127.0.0.1:9", java.nio.file.Path.of("/tmp/d"));
    assertTrue(yaml.contains("{ name: responses-clients, match: { protocol: openai-responses }, agents: [codex] }"), yaml);
    assertTrue(yaml.contains("protocol: openai-responses"), "the codex agent's backend speaks Responses itself");
    for (Workload burst : bursts) {
      assertTrue(burst.stream());
      assertEquals(List.of(32, 16, 0L), List.of(burst.concurrency(), burst.replyWords(), burst.chunkDelayMs()));
      assertTrue(burst.describe().contains("written at once"), burst.describe());
    }
  }

  @Test
  void translatedRunsEveryWorkloadPassThroughAndTranslatedAndTheGatewayRoutesTheCrossModelsAcross() {
    Scenario t = Scenarios.select(List.of("translated")).get(0);
    assertEquals(Scenario.Sides.PASS_THROUGH_AND_TRANSLATED, t.sides());
    assertEquals(List.of("anthropic", "openai", "anthropic-stream", "openai-stream"),
        t.workloads().stream().map(Workload::name).toList());
    String yaml = Topology.gatewayConfigYaml("http://127.0.0.1:9", java.nio.file.Path.of("/tmp/d"));
    assertTrue(yaml.contains("{ name: anthropic-via-openai, match: { model: bench-anthropic-via-openai }, agents: [assistant] }"), yaml);
    assertTrue(yaml.contains("{ name: openai-via-anthropic, match: { model: bench-openai-via-anthropic }, agents: [claude] }"), yaml);
    assertTrue(yaml.indexOf("anthropic-via-openai") < yaml.indexOf("anthropic-clients"), "before the protocol routes");
    assertTrue(Protocol.ANTHROPIC.body(Protocol.ANTHROPIC.crossModel(), true, "hi")
        .startsWith("{\"model\":\"bench-anthropic-via-openai\",\"max_tokens\":256,\"stream\":true"));
  }

  @Test
  void largeContextSendsFiftyThousandTokenConversationsForTheModelTheGatewayCuts() throws Exception {
    Workload w = Scenarios.select(List.of("large-context")).get(0).workloads().get(0);
    assertEquals(50_000, w.contextTokens());
    String prefix = LargeConversations.prefix(Protocol.OPENAI, false, w.contextTokens(), 0);
    assertTrue(prefix.contains("\"model\":\"" + Workload.LARGE_CONTEXT_MODEL + "\""));
    assertTrue(prefix.length() / 4 > 40_000, "about 50k tokens: " + prefix.length() + " characters");
    LargeConversations bodies = new LargeConversations(Protocol.OPENAI, false, 1000);
    String a = bodies.body(1, "x").toString();
    String b = bodies.body(1 + LargeConversations.VARIANTS, "x").toString();
    assertTrue(!a.equals(b) && a.endsWith("\"}]}"), "the same conversation with a new last question");
    assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(a).get("messages").size() > 3);
    assertThrows(IllegalArgumentException.class, () -> new Workload("x", Protocol.OPENAI, false, 1, 12, 0, null, 4, 1000));
  }

  @Test
  void sessionsScenariosAreNonstreamsLoadContinuingSessionsThroughAGatewayWithTheirStore() {
    Scenario nonstream = Scenarios.select(List.of("nonstream")).get(0);
    // the Chat and Messages workloads: the bench's conversations do not write Responses turns
    List<Workload> chatAndMessages = nonstream.workloads().stream().filter(w -> w.protocol() != Protocol.RESPONSES).toList();
    for (String name : List.of("sessions-embedded", "sessions-redis")) {
      Scenario s = Scenarios.select(List.of(name)).get(0);
      assertEquals(name.endsWith("redis") ? SessionStore.REDIS : SessionStore.EMBEDDED, s.store(), name);
      assertTrue(s.needsProcesses());
      assertEquals(chatAndMessages.size(), s.workloads().size());
      for (int i = 0; i < s.workloads().size(); i++) {
        Workload w = s.workloads().get(i);
        Workload n = chatAndMessages.get(i);
        assertEquals(n.withConcurrency(n.concurrency()), new Workload(w.name(), w.protocol(), w.stream(), w.concurrency(),
            w.replyWords(), w.chunkDelayMs(), w.faults()), name + ": the nonstream load shape");
        assertEquals(Scenarios.SESSION_TURNS, w.sessionTurns());
        assertTrue(w.sessions());
      }
      assertEquals(List.of(Budget.ratioAtLeast(Metric.THROUGHPUT, 0.6)), s.budgets(), name);
      assertEquals(s.store(), Scenarios.withConcurrency(List.of(s), Map.of("*", 4)).get(0).store(), "overrides keep the store");
      // its gateway twice per repetition: sessions on (under /s/<id>/), then the same bodies with sessions off
      assertEquals(Scenario.Sides.SESSIONS_ON_AND_OFF, s.sides(), name);
      assertEquals(s.sides(), Scenarios.withConcurrency(List.of(s), Map.of("*", 4)).get(0).sides(), "overrides keep the sides");
      assertTrue(s.description().contains("sessions off") || name.equals("sessions-redis"), s.description());
    }
    assertThrows(IllegalArgumentException.class, () -> new Scenario("x", "d", nonstream.workloads(), List.of(), null,
        null, null, Scenario.Sides.SESSIONS_ON_AND_OFF), "sessions off is a side of a gateway with a store");
    assertEquals(null, nonstream.store(), "every other scenario goes through the shared gateway");
    assertTrue(Runner.usesSharedGateway(Scenarios.select(List.of("c1", "sessions-redis"))));
    assertFalse(Runner.usesSharedGateway(Scenarios.select(List.of("sessions-embedded", "sessions-redis", "routing"))));
  }

  @Test
  void sessionWorkloadsAreNonStreamWithoutFaults() {
    assertThrows(IllegalArgumentException.class, () -> new Workload("x", Protocol.OPENAI, true, 1, 12, 0, null, 8));
    assertThrows(IllegalArgumentException.class,
        () -> new Workload("x", Protocol.OPENAI, false, 1, 12, 0, new FaultMix(0.1, 1, 0, 0), 8));
    assertTrue(new Workload("x", Protocol.OPENAI, false, 4, 12, 0, null, 8).withConcurrency(2).sessions());
    assertFalse(new Workload("x", Protocol.OPENAI, false, 4, 12, 0, null).sessions());
  }

  @Test
  void availableScenariosHaveBothProtocolsWhereTheIssueAsks() {
    assertEquals(List.of(Protocol.OPENAI, Protocol.ANTHROPIC),
        Scenarios.select(List.of("c1")).get(0).workloads().stream().map(Workload::protocol).toList());
    for (String name : List.of("nonstream", "stream")) {
      assertEquals(List.of(Protocol.OPENAI, Protocol.ANTHROPIC, Protocol.RESPONSES),
          Scenarios.select(List.of(name)).get(0).workloads().stream().map(Workload::protocol).toList(),
          name + ": a Responses request beside the other two, as Codex sends one");
    }
    assertTrue(Scenarios.select(List.of("stream")).get(0).workloads().stream().allMatch(Workload::stream),
        "the paced Responses workload streams too");
    Scenario c1 = Scenarios.select(List.of("c1")).get(0);
    assertTrue(c1.workloads().stream().allMatch(w -> w.concurrency() == 1 && !w.stream()));
    Scenario faults = Scenarios.select(List.of("faults")).get(0);
    assertTrue(faults.workloads().stream().allMatch(w -> w.stream() && w.faults() != null));
  }

  @Test
  void concurrencyOverridesByScenarioOrForAllButC1() {
    List<Scenario> s = Scenarios.withConcurrency(Scenarios.select(List.of("c1", "nonstream", "stream")), Map.of("*", 8));
    assertEquals(1, s.get(0).workloads().get(0).concurrency(), "c1 keeps its one connection under a blanket override");
    assertEquals(8, s.get(1).workloads().get(0).concurrency());
    assertEquals(8, s.get(2).workloads().get(1).concurrency());

    List<Scenario> t = Scenarios.withConcurrency(Scenarios.select(List.of("c1", "nonstream")), Map.of("c1", 2, "*", 16));
    assertEquals(2, t.get(0).workloads().get(0).concurrency());
    assertEquals(16, t.get(1).workloads().get(0).concurrency());

    assertThrows(IllegalArgumentException.class, () -> Scenarios.withConcurrency(Scenarios.all(), Map.of("nope", 3)));
    assertFalse(Scenarios.withConcurrency(Scenarios.all(), Map.of()).isEmpty());
  }

  @Test
  void theProcessWarmUpSendsLargePromptsOnlyWhenASelectedScenarioDoes() {
    List<Workload> plain = Runner.warmUpMix(Scenarios.select(List.of("c1", "stream")));
    assertTrue(plain.stream().noneMatch(w -> w.contextTokens() > 0), plain.toString());
    assertEquals(2 * Protocol.values().length, plain.size(), "every protocol, stream and not");

    List<Workload> large = Runner.warmUpMix(Scenarios.select(List.of("nonstream", "large-context")));
    assertEquals(plain.size() + 1, large.size());
    Workload added = large.get(large.size() - 1);
    assertEquals(Scenarios.LARGE_CONTEXT_TOKENS, added.contextTokens());
    assertEquals(0, added.sessionTurns());
  }

  @Test
  void aLongSessionIsAnEmbeddedSessionsRunWhoseHistoryGrowsToAboutTwoHundredKilobytes() {
    Scenario s = Scenarios.select(List.of("long-session")).get(0);
    assertEquals(SessionStore.EMBEDDED, s.store());
    assertEquals(Scenario.Sides.SESSIONS_ON_AND_OFF, s.sides());
    Workload w = s.workloads().get(0);
    assertTrue(w.sessions() && !w.stream());
    // an answer of N words is about 6 N bytes of JSON: the last turn resends about 100 of them
    long lastHistory = (long) w.sessionTurns() * w.replyWords() * 6;
    assertTrue(lastHistory >= 150_000 && lastHistory <= 250_000, lastHistory + " bytes");
  }
}
