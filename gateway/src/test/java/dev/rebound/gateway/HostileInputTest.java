package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rebound.gateway.testing.GatewayHarness;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A thousand hostile requests through real sockets (see {@link HostileRequests}): every one is answered, none with a
 * 5xx of the gateway's own, every model-endpoint error in a protocol's shape, and the gateway is healthy afterwards.
 * The same fuzzer runs 10,000 against a separate JVM with a small heap: {@code HostileRequests.main}.
 */
class HostileInputTest {
  static final String CONFIG = GatewayHarness.DEFAULT_CONFIG
      .replace("maxBodyBytes: 65536", "maxBodyBytes: 4194304")
      .replace("  - { name: gpt-family, match: { model: \"gpt-*\" }, agents: [assistant] }\n",
          "  - { name: gpt-family, match: { model: \"gpt-*\" }, agents: [assistant] }\n"
              + "  - { name: any-anthropic, match: { protocol: anthropic }, agents: [claude] }\n"
              + "  - { name: any-openai, match: { protocol: openai }, agents: [assistant, small] }\n");

  @Test
  void aThousandHostileRequestsAreEachAnsweredWithoutAFailureOfTheGatewaysOwn() throws Exception {
    assertTrue(CONFIG.contains("any-openai"), "the catch-all routes are in the config");
    try (GatewayHarness h = GatewayHarness.start(CONFIG)) {
      HostileRequests.Result r = new HostileRequests(h.base(), 7, Duration.ofSeconds(20)).run(1_000, 4);
      assertEquals(0, r.violations(), r.toString());
      assertTrue(r.byStatus().getOrDefault(200, 0) > 50, "some were served: " + r);
      assertEquals(200, h.get("/health").statusCode());
    }
  }
}
