package dev.rebound.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShippedJvmOptionsTest {
  @Test
  void theBenchStartsTheGatewayWithTheOptionsTheDockerfileShips() {
    List<String> shipped = ShippedJvmOptions.of(Path.of("..").toAbsolutePath().normalize());
    assertTrue(shipped.contains("-XX:+UseSerialGC") && shipped.stream().anyMatch(o -> o.startsWith("-Xmx")), shipped.toString());
  }

  @Test
  void noDockerfileOrNoOptionsMeansNone() {
    assertEquals(List.of(), ShippedJvmOptions.parse("FROM x\nENV OTHER=1\n"));
    assertEquals(List.of("-Xmx1m", "-Xss1m"), ShippedJvmOptions.parse("ENV REBOUND_JAVA_OPTS=\" -Xmx1m  -Xss1m\" \\\n  A=1"));
    assertEquals(List.of(), ShippedJvmOptions.of(Path.of("/nonexistent")));
  }
}
