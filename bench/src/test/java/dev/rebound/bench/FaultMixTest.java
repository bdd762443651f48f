package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FaultMixTest {
  @Test
  void sharesComeOutAsAsked() {
    FaultMix mix = new FaultMix(0.30, 1, 0.05, 10);
    Map<FaultMix.Kind, Integer> n = new EnumMap<>(FaultMix.Kind.class);
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 100_000; i++) n.merge(mix.pick(r), 1, Integer::sum);
    assertEquals(30_000, n.get(FaultMix.Kind.RATE_LIMIT), 600);
    assertEquals(5_000, n.get(FaultMix.Kind.CUT), 300);
  }

  @Test
  void eachFaultMatchesOneMarkerOnce() {
    FaultMix mix = new FaultMix(0.30, 1, 0.05, 10);
    JsonObject rl = new JsonObject(mix.faultJson(FaultMix.Kind.RATE_LIMIT, "benchm1"));
    assertEquals("benchm1", rl.getJsonObject("match").getString("contains"));
    assertEquals(1, rl.getInteger("times"));
    assertEquals(429, rl.getInteger("status"));
    assertEquals("1", rl.getJsonObject("headers").getString("retry-after"));
    JsonObject cut = new JsonObject(mix.faultJson(FaultMix.Kind.CUT, "benchm2"));
    assertEquals(10, cut.getInteger("cutAfterChunks"));
    assertEquals(1, cut.getInteger("times"));
    assertTrue(mix.describe().contains("30 % 429"));
    assertThrows(IllegalArgumentException.class, () -> new FaultMix(0.9, 1, 0.2, 1));
  }
}
