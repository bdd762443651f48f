package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CheckConfigCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true));
    System.setErr(new PrintStream(err, true));
    try {
      int code = new CommandLine(new Main()).execute(args);
      return new Run(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void aValidConfigExitsZeroAndSummarizesIt() {
    Run r = run("check-config", "../conf/rebound.yaml");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("is valid: 2 backend(s), 3 agent(s), 3 route(s)"), r.out());
  }

  @Test
  void anInvalidConfigExitsNonZeroListingEveryProblemByKeyPath(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        server: { port: -1 }
        backends:
          - { name: b, protocol: openai, url: "http://h", models: [ { name: m } ] }
        agents:
          - { name: a, backend: b, model: m }
        routes:
          - { name: r, match: {}, agents: [codr] }
        """);
    Run r = run("check-config", bad.toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("has 2 problems"), r.err());
    assertTrue(r.err().contains("server.port: -1 is out of range (0 to 65535)"), r.err());
    assertTrue(r.err().contains("routes[0].agents[0]: unknown agent 'codr'"), r.err());
  }

  @Test
  void aMissingFileSaysSo() {
    Run r = run("check-config", "/nonexistent/rebound.yaml");
    assertEquals(1, r.code());
    assertTrue(r.err().contains("file not found"), r.err());
  }

  @Test
  void theDemoInstructionsNameEveryProtocolAndTheScripted429() {
    String text = DemoCommand.instructions("127.0.0.1", 8080, 8081);
    assertTrue(text.contains("/v1/chat/completions") && text.contains("/v1/messages"), text);
    assertTrue(text.contains(DemoCommand.RATE_LIMIT_WORD), text);
  }
}
