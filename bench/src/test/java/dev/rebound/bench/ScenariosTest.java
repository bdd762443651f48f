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
  void scenariosTheGatewayCannotRunYetSayWhatTheyNeed() {
    Map<String, Boolean> available = new java.util.HashMap<>();
    for (Scenario s : Scenarios.all()) available.put(s.name(), s.available());
    assertEquals(Map.of("c1", true, "nonstream", true, "stream", true, "faults", true, "sessions-embedded", false,
        "sessions-redis", false, "large-context", false, "routing", true), available);
    Scenario sessions = Scenarios.select(List.of("sessions-redis")).get(0);
    assertTrue(sessions.unavailableReason().startsWith("not available yet: needs "), sessions.unavailableReason());
    assertTrue(sessions.unavailableReason().contains("session checkpoints"));
  }

  @Test
  void availableScenariosHaveBothProtocolsWhereTheIssueAsks() {
    for (String name : List.of("c1", "stream")) {
      Scenario s = Scenarios.select(List.of(name)).get(0);
      assertEquals(List.of(Protocol.OPENAI, Protocol.ANTHROPIC), s.workloads().stream().map(Workload::protocol).toList(), name);
    }
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
}
