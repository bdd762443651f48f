package dev.rebound.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rebound.gateway.pipeline.TenantAuth;
import dev.rebound.gateway.reply.ErrorReply;
import dev.rebound.gateway.wire.ClientError;
import dev.rebound.gateway.wire.Endpoint;
import dev.rebound.gateway.wire.GatewayException;
import dev.rebound.gateway.wire.formats.WireFormats;
import dev.rebound.gateway.wire.responses.ResponsesItems;
import dev.rebound.store.CheckpointStore;
import dev.rebound.store.StoredResponse;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Responses API's calls on kept responses, as OpenAI answers them, each in the tenant's namespace (another tenant's
 * id is a 404): {@code GET /v1/responses/{id}} ({@link ResponseRetrieval}), {@code DELETE /v1/responses/{id}} (the
 * deletion object; the session's turn stays), {@code GET /v1/responses/{id}/input_items} (the items the response was
 * made from, its stored history before its answer, as a list with {@code limit}, {@code order}, {@code after},
 * {@code before}).
 */
public final class ResponsesEndpoints {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;
  /** Set on the routing context by a handler before {@link #deletion()} that deleted a background job of the id. */
  public static final String JOB_DELETED = "rebound.backgroundJobDeleted";

  private final TenantAuth auth;
  private final Supplier<CheckpointStore> store;
  private final ResponseRetrieval retrieval;

  public ResponsesEndpoints(TenantAuth auth, Supplier<CheckpointStore> store) {
    this.auth = auth;
    this.store = store;
    this.retrieval = new ResponseRetrieval(auth, store);
  }

  /**
   * Mounts input_items under each prefix ({@code ""}, {@code /s/:sessionId}); GET is {@link #retrieval()} and DELETE
   * {@link #deletion()}, mounted by the server behind the handlers of background responses.
   */
  public void mount(Router router, String... prefixes) {
    for (String prefix : prefixes) {
      router.get(prefix + Endpoint.RESPONSES.path() + "/:responseId/input_items").handler(this::inputItems);
    }
  }

  /**
   * The DELETE handler: the kept response goes; a 404 when there was none, unless a handler before it deleted a
   * background job of that id (it says so with {@code rebound.backgroundJobDeleted} on the routing context).
   */
  public io.vertx.core.Handler<RoutingContext> deletion() {
    return this::delete;
  }

  /** The GET handler (a lookup of responses still being made may go in front of it). */
  public ResponseRetrieval retrieval() {
    return retrieval;
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("responseId");
    String tenant = tenant(ctx);
    if (tenant == null) return;
    store.get().deleteResponse(tenant, id).onComplete(ar -> {
      if (ar.failed()) fail(ctx, storeDown(ar.cause()));
      else if (!ar.result() && !Boolean.TRUE.equals(ctx.get(JOB_DELETED))) fail(ctx, notFound(id));
      else json(ctx, 200, NODES.objectNode().put("id", id).put("object", "response.deleted").put("deleted", true).toString());
    });
  }

  private void inputItems(RoutingContext ctx) {
    String id = ctx.pathParam("responseId");
    String tenant = tenant(ctx);
    if (tenant == null) return;
    Page page;
    try {
      page = Page.of(ctx);
    } catch (GatewayException e) {
      fail(ctx, e.error());
      return;
    }
    CheckpointStore s = store.get();
    s.response(tenant, id)
        .compose(kept -> kept == null ? Future.succeededFuture((List<JsonNode>) null)
            : ResponseHistory.find(s, kept).map(found -> found == null ? null : items(kept, found.history())))
        .onComplete(ar -> {
          if (ar.failed()) {
            fail(ctx, storeDown(ar.cause()));
          } else if (ar.result() == null) {
            fail(ctx, notFound(id));
          } else {
            try {
              json(ctx, 200, page.of(ar.result()).toString());
            } catch (GatewayException e) {
              fail(ctx, e.error());
            }
          }
        });
  }

  /**
   * The items the response was made from: its stored history before its answer, each as OpenAI lists an item (a typed
   * message with content parts, an id: the client's own, else one that names its place in the session).
   */
  static List<JsonNode> items(StoredResponse kept, List<JsonNode> history) {
    ArrayNode items = ResponsesItems.toItems(history.subList(0, history.size() - 1));
    List<JsonNode> out = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      ObjectNode item = ((ObjectNode) items.get(i)).deepCopy();
      String type = item.path("type").asText("message");
      item.put("type", type);
      if (type.equals("message")) {
        JsonNode content = item.get("content");
        if (content != null && content.isTextual()) {
          ArrayNode parts = NODES.arrayNode();
          String role = item.path("role").asText("user");
          ObjectNode part = parts.addObject().put("type", role.equals("assistant") ? "output_text" : "input_text")
              .put("text", content.textValue());
          if (role.equals("assistant")) part.putArray("annotations");
          item.set("content", parts);
        }
        if (!item.has("status")) item.put("status", "completed");
      }
      if (!item.path("id").isTextual()) {
        String prefix = type.equals("message") ? "msg_" : type.equals("function_call_output") ? "fco_" : "item_";
        item.put("id", prefix + placeId(kept.tenant() + "/" + kept.sessionId() + "#" + i));
      }
      out.add(item);
    }
    return out;
  }

  /** 32 hex digits naming a place in a session: the same item has the same id on every call. */
  private static String placeId(String place) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(place.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** {@code limit} (1 to 100, default 20), {@code order} (asc or desc, default desc), {@code after}, {@code before}. */
  record Page(int limit, boolean ascending, String after, String before) {
    static Page of(RoutingContext ctx) {
      String limitText = ctx.queryParams().get("limit");
      int limit = DEFAULT_LIMIT;
      if (limitText != null) {
        try {
          limit = Integer.parseInt(limitText.trim());
        } catch (NumberFormatException e) {
          limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
          throw new GatewayException(ClientError.invalidRequest("limit: must be a whole number from 1 to " + MAX_LIMIT
              + ", but was '" + limitText + "'.", "limit"));
        }
      }
      String order = ctx.queryParams().get("order");
      if (order != null && !order.equals("asc") && !order.equals("desc")) {
        throw new GatewayException(ClientError.invalidRequest("order: must be 'asc' or 'desc', but was '" + order + "'.",
            "order"));
      }
      return new Page(limit, "asc".equals(order), ctx.queryParams().get("after"), ctx.queryParams().get("before"));
    }

    /** OpenAI's list object: {@code object, data, first_id, last_id, has_more}. */
    ObjectNode of(List<JsonNode> all) {
      List<JsonNode> ordered = new ArrayList<>(all);
      if (!ascending) java.util.Collections.reverse(ordered);
      int from = 0;
      int to = ordered.size();
      if (after != null) from = indexOf(ordered, after, "after") + 1;
      if (before != null) to = indexOf(ordered, before, "before");
      List<JsonNode> window = from >= to ? List.of() : ordered.subList(from, to);
      // after a cursor the page starts there; before one, it ends there
      List<JsonNode> page = before != null && after == null
          ? window.subList(Math.max(0, window.size() - limit), window.size())
          : window.subList(0, Math.min(limit, window.size()));
      ObjectNode list = NODES.objectNode().put("object", "list");
      ArrayNode data = list.putArray("data");
      page.forEach(data::add);
      list.put("first_id", page.isEmpty() ? null : page.get(0).path("id").asText());
      list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).path("id").asText());
      list.put("has_more", page.size() < window.size());
      return list;
    }

    private static int indexOf(List<JsonNode> items, String id, String param) {
      for (int i = 0; i < items.size(); i++) if (id.equals(items.get(i).path("id").asText())) return i;
      throw new GatewayException(ClientError.invalidRequest(param + ": '" + id + "' is no input item of this response;"
          + " pass an id from an earlier page.", param));
    }
  }

  /** The tenant behind the request's key; null once a 401 was answered. */
  private String tenant(RoutingContext ctx) {
    try {
      return auth.identify(ctx.request().headers()).tenant();
    } catch (GatewayException e) {
      fail(ctx, e.error());
      return null;
    }
  }

  static ClientError notFound(String id) {
    return new ClientError(404, "not_found_error", "invalid_request_error", null, null,
        "Response with id '" + id + "' not found. Only responses made through this gateway with store: true (the"
            + " default) are kept, in the tenant that made them.");
  }

  static ClientError storeDown(Throwable err) {
    return new ClientError(503, "api_error", "server_error", "store_unavailable", null,
        "The session store cannot be read (" + err.getMessage() + "); retry shortly.");
  }

  static void fail(RoutingContext ctx, ClientError error) {
    ErrorReply.send(ctx.response(), ctx.request().connection(), WireFormats.of(Endpoint.RESPONSES.protocol()), error);
  }

  static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }
}
