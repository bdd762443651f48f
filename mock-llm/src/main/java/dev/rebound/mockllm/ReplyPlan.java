package dev.rebound.mockllm;

import com.knuddels.jtokkit.api.Encoding;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock's answer before it is put into a dialect: the content pieces (one word, or one slice of
 * tool arguments, per streamed chunk), why it stopped, and what it cost.
 *
 * @param pieces           content in streaming order; joined they form the whole text or arguments JSON
 * @param stop             why the answer ended
 * @param completionTokens output tokens, reported in usage
 * @param toolCall         the tool call, or null for a text answer
 */
record ReplyPlan(List<String> pieces, Stop stop, int completionTokens, ToolCall toolCall) {

  enum Stop { END_TURN, MAX_TOKENS, TOOL_USE }

  /** A call to {@code name}; {@code argumentsJson} is the same text as the joined pieces. */
  record ToolCall(String name, String argumentsJson) {
  }

  /** Words of the user's message echoed after "Mock reply to:". */
  private static final int ECHOED_WORDS = 5;
  /** Longest echoed word, so a huge unbroken prompt does not end up in the reply. */
  private static final int ECHOED_WORD_CHARS = 32;
  /** Tool arguments are streamed in slices of this many characters. */
  static final int ARGUMENT_SLICE = 8;
  /** One streamed word of a continuation: the whitespace before it, then the word. */
  private static final Pattern PIECE = Pattern.compile("\\s*\\S+");

  static ReplyPlan plan(ChatRequest request, int replyWords, TokenCounter tokens) {
    Encoding encoding = tokens.encodingFor(request.model());
    if (request.toolToCall() != null) {
      return toolCall(request.toolToCall(), encoding, tokens);
    }
    List<String> pieces = pieces(words(request.lastUserText(), replyWords));
    if (request.partialAnswer() != null) {
      pieces = continuation(pieces, request.partialAnswer());
    }
    return text(pieces, request.maxTokens(), encoding, tokens);
  }

  /** The words as streamed: every piece but the first starts with the space that separates it. */
  static List<String> pieces(List<String> words) {
    List<String> pieces = new ArrayList<>(words.size());
    for (String word : words) {
      pieces.add(pieces.isEmpty() ? word : " " + word);
    }
    return pieces;
  }

  /**
   * What a model that faithfully continues {@code partial} sends: the rest of the full reply after
   * it, one word per piece (the first keeping its leading space, so partial + rest == full reply).
   * The partial is compared without trailing whitespace, which Anthropic rejects in a prefill. If
   * the full reply does not start with it, the model answers anyway: the whole reply.
   */
  static List<String> continuation(List<String> fullPieces, String partial) {
    String full = String.join("", fullPieces);
    String prefix = partial.stripTrailing();
    if (!full.startsWith(prefix)) {
      return fullPieces;
    }
    List<String> rest = new ArrayList<>();
    Matcher piece = PIECE.matcher(full.substring(prefix.length()));
    while (piece.find()) {
      rest.add(piece.group());
    }
    return rest;
  }

  String text() {
    return String.join("", pieces);
  }

  /** "Mock reply to: <first user words>" padded with "wordN" (N = position) to exactly {@code count} words. */
  static List<String> words(String userText, int count) {
    List<String> words = new ArrayList<>(count);
    words.add("Mock");
    words.add("reply");
    words.add("to:");
    String trimmed = userText == null ? "" : userText.strip();
    if (!trimmed.isEmpty()) {
      String[] userWords = trimmed.split("\\s+", ECHOED_WORDS + 1);
      for (int i = 0; i < Math.min(ECHOED_WORDS, userWords.length); i++) {
        words.add(shorten(userWords[i]));
      }
    }
    while (words.size() < count) {
      words.add("word" + (words.size() + 1));
    }
    return words.subList(0, count);
  }

  private static String shorten(String word) {
    if (word.length() <= ECHOED_WORD_CHARS) {
      return word;
    }
    int end = Character.isHighSurrogate(word.charAt(ECHOED_WORD_CHARS - 1)) ? ECHOED_WORD_CHARS - 1 : ECHOED_WORD_CHARS;
    return word.substring(0, end);
  }

  private static ReplyPlan text(List<String> candidates, Integer maxTokens, Encoding encoding, TokenCounter tokens) {
    List<String> pieces = new ArrayList<>(candidates.size());
    int used = 0;
    for (String piece : candidates) {
      int cost = tokens.text(encoding, piece);
      if (maxTokens != null && used + cost > maxTokens) {
        return new ReplyPlan(pieces, Stop.MAX_TOKENS, used, null);
      }
      pieces.add(piece);
      used += cost;
    }
    return new ReplyPlan(pieces, Stop.END_TURN, used, null);
  }

  private static ReplyPlan toolCall(ChatRequest.Tool tool, Encoding encoding, TokenCounter tokens) {
    String arguments = ToolArguments.fromSchema(tool.inputSchema()).encode();
    int cost = tokens.text(encoding, tool.name()) + tokens.text(encoding, arguments);
    return new ReplyPlan(slices(arguments), Stop.TOOL_USE, cost, new ToolCall(tool.name(), arguments));
  }

  /** Cuts the arguments into streaming slices without splitting a surrogate pair. */
  static List<String> slices(String text) {
    List<String> slices = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = Math.min(text.length(), start + ARGUMENT_SLICE);
      if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
        end++;
      }
      slices.add(text.substring(start, end));
      start = end;
    }
    if (slices.isEmpty()) {
      slices.add("");
    }
    return slices;
  }
}
