package dev.rebound.gateway.failure;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Any provider error body, normalised to the few fields classification needs. Bodies come as
 * {"error":{...}}, {"type":"error","error":{...}}, [{"error":{...}}], {"error":"text"}, {"message":...},
 * {"detail":...}, {"object":"error",...}, {"__type":"ThrottlingException",...}, the Responses API's
 * {"response":{"error":{...}}}, JSON strings holding JSON (double-encoded), plain text and HTML pages.
 *
 * @param code        error.code as text ("rate_limit_exceeded", "429", "400"), or null
 * @param type        error.type / __type / error_type, without AWS namespace or URL parts, or null
 * @param status      Google RPC status string (RESOURCE_EXHAUSTED), or null
 * @param message     the human message ("" when none); for HTML the page title
 * @param extraText   further text worth matching: an upstream's raw error (OpenRouter metadata.raw), HTML headings
 * @param details     string values found under error.details (quotaId, reason, ...), space separated
 * @param error       the JSON object holding the error fields, or null
 * @param root        the whole parsed JSON value, or null
 * @param isError     whether the body looks like an error at all (matters for 200 bodies and stream events)
 */
public record ErrorBody(String code, String type, String status, String message, String extraText, String details,
                        JsonNode error, JsonNode root, boolean isError) {

  /** We never scan more than this: error bodies are small, and a huge one is not worth the CPU. */
  public static final int MAX_CHARS = 64 * 1024;
  static final int MAX_MESSAGE = 2000;
  private static final int MAX_DEPTH = 3;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ErrorBody EMPTY = new ErrorBody(null, null, null, "", "", "", null, null, false);
  /** For JSON cut off by MAX_CHARS or otherwise broken: pick the usual fields out of the text. */
  private static final Pattern LENIENT_FIELD =
      Pattern.compile("\"(message|type|code|status|__type)\"\\s*:\\s*(\"(?:[^\"\\\\]++|\\\\.)*+\"|-?\\d{1,9})");
  private static final Pattern SPACES = Pattern.compile("\\s+");

  public static ErrorBody parse(String body) {
    if (body == null) return EMPTY;
    String text = (body.length() > MAX_CHARS ? body.substring(0, MAX_CHARS) : body).strip();
    return text.isEmpty() ? EMPTY : parseText(text, 0);
  }

  /** The text rules match against: message plus the extra text. */
  public String text() {
    return extraText.isEmpty() ? message : message + "\n" + extraText;
  }

  /** error.code when it is an HTTP status (OpenRouter, vLLM, Gemini and Azure put one there), else -1. */
  public int httpCode() {
    if (code == null || code.length() != 3) return -1;
    try {
      int n = Integer.parseInt(code);
      return n >= 400 && n <= 599 ? n : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A numeric field of the error object, else of the root object (llama.cpp n_ctx, HF estimated_time). */
  public Double number(String field) {
    for (JsonNode n : new JsonNode[] {error, root}) {
      if (n == null || !n.isObject()) continue;
      JsonNode v = n.get(field);
      if (v != null && v.isNumber()) return v.doubleValue();
      if (v != null && v.isTextual()) {
        try {
          return Double.parseDouble(v.asText().trim());
        } catch (NumberFormatException ignored) {
          // not a number: keep looking
        }
      }
    }
    return null;
  }

  /** Same body with a type taken from elsewhere (Bedrock's x-amzn-ErrorType header) when the body has none. */
  public ErrorBody withTypeIfMissing(String fallbackType) {
    if (type != null || fallbackType == null || fallbackType.isBlank()) return this;
    return new ErrorBody(code, cleanType(fallbackType), status, message, extraText, details, error, root, true);
  }

  private static ErrorBody parseText(String text, int depth) {
    char first = text.charAt(0);
    if ((first == '{' || first == '[' || first == '"') && depth <= MAX_DEPTH) {
      JsonNode node = readJson(text);
      if (node != null) return fromJson(node, depth);
      if (first != '"') return lenient(text);
    }
    if (looksLikeHtml(text)) return fromHtml(text);
    return new ErrorBody(null, null, null, cap(text), "", "", null, null, true);
  }

  private static JsonNode readJson(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }

  private static ErrorBody fromJson(JsonNode node, int depth) {
    if (node.isTextual()) {
      String inner = node.asText().strip();
      return inner.isEmpty() ? EMPTY : parseText(inner, depth + 1);
    }
    if (node.isArray()) {
      for (JsonNode element : node) {
        if (element.isObject() || element.isTextual()) {
          ErrorBody b = fromJson(element, depth + 1);
          return new ErrorBody(b.code, b.type, b.status, b.message, b.extraText, b.details, b.error, node, b.isError);
        }
      }
      return EMPTY;
    }
    if (!node.isObject()) return new ErrorBody(null, null, null, cap(node.asText()), "", "", null, node, false);
    return fromObject(node, depth);
  }

  private static ErrorBody fromObject(JsonNode root, int depth) {
    JsonNode err = root.get("error");
    if (err != null && err.isTextual() && !err.asText().isBlank()) {
      // {"error":"..."}: Ollama, TGI, HF, LM Studio. The string itself may be JSON again.
      String text = err.asText().strip();
      if ((text.startsWith("{") || text.startsWith("[")) && depth < MAX_DEPTH) {
        ErrorBody inner = parseText(text, depth + 1);
        if (inner.isError) return inner;
      }
      return new ErrorBody(str(root, "code"), cleanType(firstText(root, "error_type", "type")), null, cap(text),
          "", "", root, root, true);
    }
    JsonNode holder;
    boolean isError;
    if (err != null && err.isObject()) {
      holder = err;
      isError = true;
    } else if (root.path("response").path("error").isObject()) {
      holder = root.path("response").path("error"); // Responses API response.failed
      isError = true;
    } else {
      holder = root;
      String topType = str(root, "type");
      isError = root.has("__type") || "error".equals(str(root, "object")) || "error".equals(topType)
          || root.has("detail") && root.size() <= 2
          || root.path("message").isTextual() && !root.has("choices") && !root.has("delta") && !root.has("candidates");
    }
    String message = messageOf(holder);
    if (message.isEmpty() && holder != root) message = messageOf(root);
    String type = cleanType(firstText(holder, "type", "__type", "error_type", "errorType"));
    if ("error".equalsIgnoreCase(type)) type = null; // the envelope's type, not the error's
    return new ErrorBody(str(holder, "code"), type, str(holder, "status"), cap(message),
        cap(upstreamText(holder, depth)), detailText(holder.get("details")), holder, root, isError);
  }

  private static String messageOf(JsonNode n) {
    for (String field : List.of("message", "Message", "msg", "error_message", "errorMessage", "detail")) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) continue;
      if (v.isTextual()) return v.asText().strip();
      if (field.equals("detail") && v.isArray()) return fastApiDetail(v);
      if (v.isContainerNode()) {
        // Mistral sometimes nests an object here; the nested message, or the JSON itself, still reads well.
        String nested = messageOf(v);
        return nested.isEmpty() ? v.toString() : nested;
      }
      return v.asText();
    }
    return "";
  }

  /** FastAPI validation errors: {"detail":[{"loc":[...],"msg":"Field required"}]}. */
  private static String fastApiDetail(JsonNode detail) {
    List<String> parts = new ArrayList<>();
    for (JsonNode d : detail) {
      String msg = d.path("msg").asText(d.isTextual() ? d.asText() : "");
      if (!msg.isEmpty()) parts.add(d.has("loc") ? d.get("loc").toString() + ": " + msg : msg);
      if (parts.size() == 5) break;
    }
    return String.join("; ", parts);
  }

  /** OpenRouter wraps the upstream's own error as metadata.raw (a string, often JSON): its words decide. */
  private static String upstreamText(JsonNode holder, int depth) {
    JsonNode raw = holder.path("metadata").path("raw");
    if (raw.isMissingNode() || raw.isNull()) return "";
    if (depth >= MAX_DEPTH) return raw.isTextual() ? raw.asText() : raw.toString();
    String rawText = raw.isTextual() ? raw.asText().strip() : null;
    if (rawText != null && rawText.isEmpty()) return "";
    ErrorBody inner = rawText != null ? parseText(rawText, depth + 1) : fromJson(raw, depth + 1);
    StringBuilder sb = new StringBuilder(inner.text());
    if (inner.type != null) sb.append(' ').append(inner.type);
    if (inner.code != null) sb.append(' ').append(inner.code);
    return sb.toString().strip();
  }

  /** The string leaves under error.details: Google's quotaId/quotaMetric/reason, typed as "@type" values. */
  private static String detailText(JsonNode details) {
    if (details == null || details.isNull()) return "";
    StringBuilder sb = new StringBuilder();
    collectStrings(details, sb, 0);
    return sb.toString().strip();
  }

  private static void collectStrings(JsonNode n, StringBuilder sb, int depth) {
    if (sb.length() > 8192 || depth > 8) return;
    if (n.isTextual()) {
      sb.append(n.asText()).append(' ');
    } else if (n.isContainerNode()) {
      for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) collectStrings(it.next(), sb, depth + 1);
    }
  }

  private static ErrorBody lenient(String text) {
    String code = null;
    String type = null;
    String status = null;
    String message = null;
    Matcher m = LENIENT_FIELD.matcher(text);
    while (m.find()) {
      String value = m.group(2).startsWith("\"") ? unquote(m.group(2)) : m.group(2);
      switch (m.group(1)) {
        case "message" -> message = message == null ? value : message;
        case "type", "__type" -> type = type == null ? value : type;
        case "code" -> code = code == null ? value : code;
        case "status" -> status = status == null && !value.matches("\\d+") ? value : status;
        default -> { }
      }
    }
    if (message == null && code == null && type == null) {
      return new ErrorBody(null, null, null, cap(text), "", "", null, null, true);
    }
    if ("error".equalsIgnoreCase(type)) type = null;
    return new ErrorBody(code, cleanType(type), status, cap(message == null ? "" : message), "", "", null, null, true);
  }

  private static String unquote(String quoted) {
    JsonNode n = readJson(quoted);
    return n != null && n.isTextual() ? n.asText() : quoted.substring(1, quoted.length() - 1);
  }

  private static boolean looksLikeHtml(String text) {
    if (text.charAt(0) != '<') return false;
    String head = text.substring(0, Math.min(text.length(), 1024)).toLowerCase(Locale.ROOT);
    return head.contains("<html") || head.contains("<!doctype") || head.contains("<head") || head.contains("<body")
        || head.contains("<title") || head.contains("<h1");
  }

  /** nginx/Cloudflare/ELB pages: the title names the status; h1/h2 carry the rest ("You are being rate limited"). */
  private static ErrorBody fromHtml(String html) {
    String lower = html.toLowerCase(Locale.ROOT);
    String title = element(html, lower, "title");
    String h1 = element(html, lower, "h1");
    String h2 = element(html, lower, "h2");
    String message = !title.isEmpty() ? title : !h1.isEmpty() ? h1 : cap(flatten(html));
    String extra = String.join("\n", h1, h2).strip();
    return new ErrorBody(null, null, null, cap(message), cap(extra), "", null, null, true);
  }

  private static String element(String html, String lower, String tag) {
    int open = lower.indexOf("<" + tag);
    if (open < 0) return "";
    int start = lower.indexOf('>', open);
    int end = lower.indexOf("</" + tag, start + 1);
    if (start < 0 || end < 0) return "";
    return flatten(html.substring(start + 1, end));
  }

  /** Tags become spaces; a linear scan, so a page full of '<' costs no more than any other. */
  private static String flatten(String html) {
    StringBuilder sb = new StringBuilder(html.length());
    for (int i = 0; i < html.length(); i++) {
      char c = html.charAt(i);
      if (c != '<') {
        sb.append(c);
        continue;
      }
      int close = html.indexOf('>', i);
      if (close < 0) break;
      sb.append(' ');
      i = close;
    }
    String text = sb.toString();
    for (Map.Entry<String, String> e : Map.of("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", "\"",
        "&#39;", "'", "&nbsp;", " ").entrySet()) {
      text = text.replace(e.getKey(), e.getValue());
    }
    return SPACES.matcher(text).replaceAll(" ").strip();
  }

  private static String firstText(JsonNode n, String... fields) {
    for (String f : fields) {
      String v = str(n, f);
      if (v != null && !v.isBlank()) return v;
    }
    return null;
  }

  /** A scalar field as text; objects, arrays and null count as absent. */
  private static String str(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isValueNode() || v.isNull() ? null : v.asText();
  }

  /** "com.amazon.coral.service#ThrottlingException" and "ThrottlingException:http://..." -> "ThrottlingException". */
  private static String cleanType(String type) {
    if (type == null) return null;
    String t = type.strip();
    int hash = t.lastIndexOf('#');
    if (hash >= 0) t = t.substring(hash + 1);
    int colon = t.indexOf(':');
    if (colon > 0) t = t.substring(0, colon);
    return t.isEmpty() ? null : t;
  }

  private static String cap(String s) {
    if (s == null) return "";
    return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "…";
  }
}
