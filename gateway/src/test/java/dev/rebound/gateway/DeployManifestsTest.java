package dev.rebound.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import dev.rebound.gateway.testing.GatewayHarness;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * deploy/kubernetes/ is checked here, since no cluster runs in these tests: every manifest parses and is applied by
 * the kustomization, the ConfigMap's config loads as the gateway would load it, and the Deployment's probes, port,
 * config mount, Service and Redis address agree with the gateway and with each other.
 */
class DeployManifestsTest {
  static final Path DIR = Path.of("..", "deploy", "kubernetes");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theKustomizationAppliesEveryManifestInTheFolderAndEachParses() throws IOException {
    TreeSet<String> listed = new TreeSet<>();
    YAML.readTree(DIR.resolve("kustomization.yaml").toFile()).path("resources").forEach(r -> listed.add(r.asText()));
    TreeSet<String> present = new TreeSet<>();
    try (Stream<Path> files = Files.list(DIR)) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .forEach(present::add);
    }
    assertEquals(present, listed);
    for (String file : listed) assertTrue(documents(file).stream().allMatch(d -> d.hasNonNull("kind")), file);
  }

  @Test
  void theConfigMapHoldsAConfigTheGatewayLoadsWithItsSessionsInTheRedisTheManifestsRun() throws IOException {
    ReboundConfig config = config();
    assertEquals("redis", config.store().type());
    URI redis = URI.create(config.store().redisUrl());
    JsonNode service = kind("redis.yaml", "Service");
    assertEquals(service.path("metadata").path("name").asText(), redis.getHost());
    assertEquals(service.path("spec").path("ports").get(0).path("port").asInt(), redis.getPort());
    JsonNode redisArgs = kind("redis.yaml", "StatefulSet").at("/spec/template/spec/containers/0/args");
    assertTrue(redisArgs.toString().contains("\"--appendfsync\",\"always\""),
        "a turn Redis acknowledged must survive its restart: " + redisArgs);
    assertEquals("0.0.0.0", config.server().host(), "reachable from the Service, not only on the pod's loopback");
  }

  @Test
  void theDeploymentProbesServesAndMountsWhatTheGatewayAnswersAndReads() throws Exception {
    JsonNode deployment = kind("deployment.yaml", "Deployment");
    assertTrue(deployment.at("/spec/replicas").asInt() >= 2, "several gateways on one Redis");
    JsonNode pod = deployment.at("/spec/template");
    JsonNode container = pod.at("/spec/containers/0");
    JsonNode port = container.at("/ports/0");
    assertEquals(config().server().port(), port.path("containerPort").asInt());
    String portName = port.path("name").asText();
    assertEquals("/health", container.at("/livenessProbe/httpGet/path").asText());
    assertEquals("/health", container.at("/startupProbe/httpGet/path").asText());
    assertEquals("/ready", container.at("/readinessProbe/httpGet/path").asText());
    for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
      assertEquals(portName, container.path(probe).at("/httpGet/port").asText(), probe);
    }

    // the config file the gateway is told to read is the ConfigMap's, where the volume puts it
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    String configPath = args.get(args.indexOf("--config") + 1);
    JsonNode mount = null;
    for (JsonNode m : container.path("volumeMounts")) if (configPath.startsWith(m.path("mountPath").asText() + "/")) mount = m;
    assertNotNull(mount, "no volume is mounted where --config points: " + configPath);
    String volume = mount.path("name").asText();
    JsonNode source = null;
    for (JsonNode v : pod.at("/spec/volumes")) if (v.path("name").asText().equals(volume)) source = v;
    assertNotNull(source, volume);
    JsonNode configMap = kind("configmap.yaml", "ConfigMap");
    assertEquals(configMap.at("/metadata/name").asText(), source.at("/configMap/name").asText());
    assertTrue(configMap.path("data").has(Path.of(configPath).getFileName().toString()), configPath);

    // the Service reaches the pods by their labels and the named port
    JsonNode service = kind("service.yaml", "Service");
    service.at("/spec/selector").fields().forEachRemaining(label ->
        assertEquals(label.getValue().asText(), pod.at("/metadata/labels").path(label.getKey()).asText(), label.getKey()));
    assertEquals(portName, service.at("/spec/ports/0/targetPort").asText());

    // the heap stays well inside the container's memory limit (the rest: metaspace, code cache, direct buffers)
    String javaOpts = "";
    for (JsonNode e : container.path("env")) if (e.path("name").asText().equals("REBOUND_JAVA_OPTS")) javaOpts = e.path("value").asText();
    // the same JVM as the Docker image's, whose options the bench measures
    Matcher image = Pattern.compile("(?m)^ENV REBOUND_JAVA_OPTS=\"([^\"]+)\"").matcher(Files.readString(Path.of("..", "Dockerfile")));
    assertTrue(image.find(), "the Dockerfile's REBOUND_JAVA_OPTS");
    assertEquals(image.group(1), javaOpts);
    Matcher xmx = Pattern.compile("-Xmx(\\d+)m").matcher(javaOpts);
    assertTrue(xmx.find(), javaOpts);
    Matcher limit = Pattern.compile("(\\d+)Mi").matcher(container.at("/resources/limits/memory").asText());
    assertTrue(limit.matches(), container.at("/resources/limits").toString());
    assertTrue(Integer.parseInt(limit.group(1)) >= 2 * Integer.parseInt(xmx.group(1)), "limit about twice the heap");

    // and the gateway does answer those probes where they point
    try (GatewayHarness h = GatewayHarness.start()) {
      assertEquals(200, h.get(container.at("/livenessProbe/httpGet/path").asText()).statusCode());
      assertEquals(200, h.get(container.at("/readinessProbe/httpGet/path").asText()).statusCode());
    }
  }

  /** The ConfigMap's config, loaded as a replica loads it when the Secret sets nothing. */
  private static ReboundConfig config() throws IOException {
    String yaml = kind("configmap.yaml", "ConfigMap").path("data").path("rebound.yaml").asText();
    return new ConfigLoader(Map.of()).parse(yaml, "deploy/kubernetes/configmap.yaml");
  }

  private static JsonNode kind(String file, String kind) throws IOException {
    return documents(file).stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
        .orElseThrow(() -> new AssertionError(file + " has no " + kind));
  }

  private static List<JsonNode> documents(String file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(DIR.resolve(file).toFile())) {
      while (it.hasNext()) {
        JsonNode d = it.next();
        if (d != null && !d.isNull() && !d.isMissingNode()) docs.add(d);
      }
    }
    return docs;
  }
}
