package dev.rebound.mockllm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A body that cannot be read (a connection reset mid-body) cannot be produced reliably over a real
 * socket, so these tests hand the endpoints a request whose body future fails.
 */
class BodyReadFailureTest {

  private final Vertx vertx = Vertx.vertx();

  /** What the endpoint wrote on the response. */
  private static final class Written {
    int status = 200;
    Buffer body;
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await();
  }

  @Test
  void controlEndpointsAnswer400WhenTheBodyCannotBeRead() {
    Written written = new Written();

    new ControlApi(new FaultScript(), new RequestLog(10)).addFaults(failingBody(written));

    assertEquals(400, written.status);
    assertTrue(new JsonObject(written.body).getJsonObject("error").getString("message")
        .startsWith("could not read the request body: connection reset"), written.body.toString());
  }

  @Test
  void providerEndpointsAnswer400WhenTheBodyCannotBeRead() {
    Written written = new Written();
    ProviderApi provider = new ProviderApi(vertx, MockLlmOptions.defaults(), new FaultScript(), new RateLimit(), new RequestLog(10),
        TokenCounter.shared());

    provider.chatCompletions(failingBody(written));

    assertEquals(400, written.status);
    assertTrue(new JsonObject(written.body).getJsonObject("error").getString("message")
        .startsWith("could not read the request body: connection reset"), written.body.toString());
  }

  /** A routing context whose request body fails and whose response records what is written. */
  private static RoutingContext failingBody(Written written) {
    HttpServerResponse response = proxy(HttpServerResponse.class, (self, name, args) -> switch (name) {
      case "ended", "closed", "headWritten" -> false;
      case "setStatusCode" -> {
        written.status = (Integer) args[0];
        yield self;
      }
      case "putHeader" -> self;
      case "end" -> {
        written.body = (Buffer) args[0];
        yield Future.succeededFuture();
      }
      default -> throw new UnsupportedOperationException("response." + name);
    });
    HttpServerRequest request = proxy(HttpServerRequest.class, (self, name, args) -> switch (name) {
      case "body" -> Future.failedFuture(new VertxException("connection reset", true));
      case "response" -> response;
      case "method" -> HttpMethod.POST;
      case "path" -> "/v1/chat/completions";
      case "headers" -> MultiMap.caseInsensitiveMultiMap();
      default -> throw new UnsupportedOperationException("request." + name);
    });
    return proxy(RoutingContext.class, (self, name, args) -> switch (name) {
      case "request" -> request;
      case "response" -> response;
      default -> throw new UnsupportedOperationException("ctx." + name);
    });
  }

  private interface Handler {
    Object handle(Object self, String method, Object[] args);
  }

  private static <T> T proxy(Class<T> type, Handler handler) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> handler.handle(self, method.getName(), args)));
  }
}
