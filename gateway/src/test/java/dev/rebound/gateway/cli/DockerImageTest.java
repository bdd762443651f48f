package dev.rebound.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What can be checked of the image without a Docker engine: the Dockerfile runs a config that exists, checks health
 * with a command the jar has, bounds the JVM, hides no failure, and the build context leaves out what must not go in.
 */
class DockerImageTest {
  private static final Path ROOT = Path.of("..");

  private static String dockerfile() throws Exception {
    return Files.readString(ROOT.resolve("Dockerfile"));
  }

  @Test
  void theImageRunsTheShippedDockerConfig() throws Exception {
    Matcher cmd = Pattern.compile("(?m)^CMD \\[\"serve\", \"--config\", \"/app/conf/([^\"]+)\"]$").matcher(dockerfile());
    assertTrue(cmd.find(), "CMD serve --config /app/conf/...");
    assertEquals("docker.yaml", cmd.group(1));
    assertTrue(Files.isRegularFile(ROOT.resolve("conf").resolve(cmd.group(1))));
  }

  @Test
  void theHealthCheckRunsACommandTheJarHas() throws Exception {
    Matcher check = Pattern.compile("(?s)HEALTHCHECK .*?CMD \\[(.*?)]").matcher(dockerfile());
    assertTrue(check.find(), "a HEALTHCHECK");
    List<String> args = List.of(check.group(1).replace("\"", "").split(",\\s*"));
    assertEquals("java", args.get(0));
    assertEquals("/app/rebound.jar", args.get(args.indexOf("-jar") + 1));
    String command = args.get(args.size() - 1);
    assertTrue(new CommandLine(new Main()).getSubcommands().containsKey(command), command + " is a command of the jar");
  }

  @Test
  void theJvmIsBoundedByDefaultAndStartedSoItGetsSigterm() throws Exception {
    String file = dockerfile();
    Matcher opts = Pattern.compile("(?m)^ENV REBOUND_JAVA_OPTS=\"([^\"]+)\"").matcher(file);
    assertTrue(opts.find(), "default JVM options");
    for (String bound : new String[] {"-Xmx256m", "-XX:MaxMetaspaceSize=", "-XX:MaxDirectMemorySize=", "-Xss"}) {
      assertTrue(opts.group(1).contains(bound), bound + " in " + opts.group(1));
    }
    assertTrue(file.contains("exec java $REBOUND_JAVA_OPTS -jar /app/rebound.jar"), "java replaces the shell (PID 1)");
  }

  @Test
  void noFailureIsHiddenAndTheBuildContextLeavesOutHistoryBuildOutputAndStores() throws Exception {
    assertFalse(dockerfile().contains("|| true"), "a failing step must fail the build");
    List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    assertTrue(ignored.containsAll(List.of(".git", "**/target", "data")), ignored.toString());
    assertFalse(ignored.stream().anyMatch(l -> l.equals("conf") || l.equals("*.yaml")), "the configs are copied in");
  }
}
