package dev.rebound.gateway.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {

  @Test
  void durationsReadTheWaysPeopleAndProvidersWriteThem() {
    assertEquals(Duration.ofMillis(100), DurationText.parse("100ms"));
    assertEquals(Duration.ofSeconds(90), DurationText.parse("1m30s"));
    assertEquals(Duration.ofMillis(18_642), DurationText.parse("18.642s"));
    assertEquals(Duration.ofDays(7), DurationText.parse("7d"));
    assertEquals(Duration.ofSeconds(30), DurationText.parse("30"));
    assertEquals("1m30s", DurationText.format(Duration.ofSeconds(90)));
    assertEquals("1.5s", DurationText.format(Duration.ofMillis(1500)));
    assertThrows(IllegalArgumentException.class, () -> DurationText.parse("5 minutes"));
  }
}
