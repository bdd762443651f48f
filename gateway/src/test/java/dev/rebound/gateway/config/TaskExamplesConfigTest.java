package dev.rebound.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.routing.Protocol;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.routing.TaskAnalyzer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** routing.taskExamples: users' own labelled prompts, learned by the task classifier at load. */
class TaskExamplesConfigTest {
  static RoutingRequest ask(String prompt) {
    return new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of(), 20, false, false, "", prompt, null, 0);
  }

  @Test
  void aTagOfTheUsersOwnIsLearnedFromItsExamples() {
    ReboundConfig c = new ConfigLoader(Map.of()).parse(ConfigLoaderTest.MINIMAL + """
        routing:
          taskExamples:
            legal:
              - "Review this NDA clause and tell me the risks for us"
              - "Is this non-compete enforceable in California?"
              - "Draft an indemnification clause for a software licence agreement"
              - "What does force majeure cover in this contract?"
              - "Check this lease for clauses that are unfair to the tenant"
              - "Explain the liability cap in section 9 of this agreement"
        """, "t.yaml");
    TaskAnalyzer analyzer = new TaskAnalyzer(c.routing().patterns());
    assertEquals("legal", analyzer.analyze(ask("Can you review the termination clause in this contract?")).domain());
    assertEquals("translate", analyzer.analyze(ask("Translate 'good evening' into Italian")).domain());
  }

  @Test
  void badExamplesAreRejectedNamingTheirKeyPath() {
    List<String> p = ConfigLoaderTest.problems(ConfigLoaderTest.MINIMAL + """
        routing:
          taskExamples:
            Legal Stuff: ["Review this NDA"]
            legal: ["Review this NDA", ""]
            code: "write a function"
        """);
    for (String expected : List.of(
        "routing.taskExamples.Legal Stuff: 'Legal Stuff' is not a task tag (lower-case letters, digits, '-' and '_', as agents list it under capabilities)",
        "routing.taskExamples.legal[1]: must not be empty")) {
      assertTrue(p.contains(expected), "missing: " + expected + "\nall:\n" + String.join("\n", p));
    }
    assertTrue(p.stream().anyMatch(s -> s.startsWith("routing.taskExamples.code: expected a list")), p.toString());
  }
}
