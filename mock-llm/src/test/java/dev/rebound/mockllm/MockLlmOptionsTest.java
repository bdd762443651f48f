package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MockLlmOptionsTest {

  @TempDir
  Path dir;

  private Path yaml(String text) throws Exception {
    return Files.writeString(dir.resolve("mock-llm.yaml"), text);
  }

  @Test
  void loadsEveryKeyFromYaml() throws Exception {
    MockLlmOptions options = MockLlmOptions.load(yaml("""
        host: 0.0.0.0
        port: 8089
        chunkDelayMs: 25
        replyWords: 30
        defaultContextWindow: 16000
        requestLogLimit: 50
        models:
          - name: tiny
            contextWindow: 512
        faults:
          - match: {path: /v1/messages, model: tiny}
            times: 2
            status: 529
            headers: {retry-after: 1}
          - cutAfterChunks: 3
        """));

    assertEquals("0.0.0.0", options.host());
    assertEquals(8089, options.port());
    assertEquals(25, options.chunkDelayMs());
    assertEquals(30, options.replyWords());
    assertEquals(16000, options.defaultContextWindow());
    assertEquals(50, options.requestLogLimit());
    assertEquals(List.of(new MockModel("tiny", 512)), options.models());
    assertEquals(512, options.contextWindowFor("tiny"));
    assertEquals(16000, options.contextWindowFor("anything-else"));
    Fault first = options.initialFaults().get(0);
    assertEquals(new Fault.Match("/v1/messages", "tiny", null), first.match());
    assertEquals(2, first.times());
    assertEquals(529, first.status());
    assertEquals(Map.of("retry-after", "1"), first.headers());
    assertEquals(3, options.initialFaults().get(1).cutAfterChunks());
  }

  @Test
  void keepsDefaultsForKeysThatAreNotGiven() throws Exception {
    MockLlmOptions options = MockLlmOptions.load(yaml("port: 9000\n"));

    assertEquals(MockLlmOptions.defaults().withPort(9000), options);
  }

  @Test
  void namesTheKeyPathAndValueOfABadEntry() throws Exception {
    Path file = yaml("""
        models:
          - name: ok
            contextWindow: 100
          - name: broken
            contextWindow: lots
        """);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MockLlmOptions.load(file));

    assertTrue(e.getMessage().contains("models[1].contextWindow: must be an integer"), e.getMessage());
    assertTrue(e.getMessage().contains("got \"lots\""), e.getMessage());
  }

  @Test
  void namesTheKeyPathOfABadFaultAndOfAnUnknownKey() throws Exception {
    IllegalArgumentException fault = assertThrows(IllegalArgumentException.class,
        () -> MockLlmOptions.load(yaml("faults:\n  - status: 200\n  - status: 9000\n")));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> MockLlmOptions.load(yaml("prot: 80\n")));
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> MockLlmOptions.load(yaml("port: -1\n")));

    assertTrue(fault.getMessage().contains("faults[1].status: must be an integer in 100..599, got 9000"),
        fault.getMessage());
    assertTrue(unknown.getMessage().contains("prot: unknown key"), unknown.getMessage());
    assertTrue(port.getMessage().contains("port: must be an integer in 0..65535, got -1"), port.getMessage());
  }

  @Test
  void aModelIsTrainedForFourTimesItsWindowUnlessTheFileSaysOtherwise() throws Exception {
    MockLlmOptions options = MockLlmOptions.load(yaml("""
        models:
          - {name: runtime-limited, contextWindow: 8192}
          - {name: full-length, contextWindow: 8192, trainedContextWindow: 8192}
          - {name: huge, contextWindow: 2000000000}
        """));

    assertEquals(List.of(new MockModel("runtime-limited", 8192, 32_768), new MockModel("full-length", 8192, 8192),
        new MockModel("huge", 2_000_000_000, Integer.MAX_VALUE)), options.models());
    assertEquals(new MockModel("runtime-limited", 8192), options.models().get(0));
    assertTrue(options.models().get(0).hasRuntimeWindow());
    assertFalse(options.models().get(1).hasRuntimeWindow());
  }

  @Test
  void rejectsATrainedContextWindowBelowTheContextWindow() throws Exception {
    IllegalArgumentException file = assertThrows(IllegalArgumentException.class, () -> MockLlmOptions.load(yaml("""
        models:
          - {name: odd, contextWindow: 8192, trainedContextWindow: 4096}
        """)));
    IllegalArgumentException code = assertThrows(IllegalArgumentException.class,
        () -> new MockModel("odd", 8192, 4096));

    assertTrue(file.getMessage().contains("models[0].trainedContextWindow: must be an integer in 8192..2147483647,"
        + " got 4096"), file.getMessage());
    assertTrue(code.getMessage().contains("trainedContextWindow of odd must be >= its contextWindow 8192, got 4096"),
        code.getMessage());
  }

  @Test
  void withersChangeOneSettingAndKeepTheRest() {
    MockLlmOptions options = MockLlmOptions.defaults().withPort(1234).withChunkDelayMs(5)
        .withModel(new MockModel("mock-small", 2048));

    assertEquals(1234, options.port());
    assertEquals(5, options.chunkDelayMs());
    assertEquals(2048, options.contextWindowFor("mock-small"));
    assertEquals(128_000, options.contextWindowFor("gpt-4o"));
    assertEquals(8192, options.contextWindowFor("never-heard-of-it"));
    assertEquals("127.0.0.1", options.host());
  }
}
