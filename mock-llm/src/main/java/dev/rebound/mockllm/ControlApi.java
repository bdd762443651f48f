package dev.rebound.mockllm;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** The {@code /_mock/*} endpoints tests use to script faults and inspect what the mock received. */
final class ControlApi {

  private final FaultScript faults;
  private final RequestLog log;

  ControlApi(FaultScript faults, RequestLog log) {
    this.faults = faults;
    this.log = log;
  }

  /** Appends faults from a JSON array or a single object; a bad fault rejects the whole post. */
  void addFaults(RoutingContext ctx) {
    ctx.request().body().onSuccess(raw -> {
      List<Fault> added;
      try {
        added = Fault.listFromJson(raw.toJsonValue());
      } catch (DecodeException e) {
        badRequest(ctx, "faults body is not valid JSON: " + e.getMessage());
        return;
      } catch (IllegalArgumentException e) {
        badRequest(ctx, e.getMessage());
        return;
      }
      faults.add(added);
      json(ctx.response(), 200, new JsonObject().put("added", added.size()).put("faults", faults.toJson()).toBuffer());
    }).onFailure(cause -> {
      // Usually the client went away mid-body; if it is still there it gets an answer instead of a hang.
      HttpServerResponse response = ctx.response();
      if (!response.ended() && !response.closed() && !response.headWritten()) {
        badRequest(ctx, "could not read the request body: " + cause.getMessage());
      }
    });
  }

  void listFaults(RoutingContext ctx) {
    json(ctx.response(), 200, faults.toJson().toBuffer());
  }

  void requests(RoutingContext ctx) {
    json(ctx.response(), 200, log.toJson().toBuffer());
  }

  void reset(RoutingContext ctx) {
    faults.clear();
    log.clear();
    json(ctx.response(), 200, new JsonObject().put("status", "ok").toBuffer());
  }

  void health(RoutingContext ctx) {
    json(ctx.response(), 200, new JsonObject().put("status", "ok").toBuffer());
  }

  private static void badRequest(RoutingContext ctx, String message) {
    json(ctx.response(), 400, new JsonObject().put("error", new JsonObject().put("message", message)).toBuffer());
  }

  private static void json(HttpServerResponse response, int status, Buffer body) {
    response.setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }
}
