package dev.rebound.routing;

/**
 * A prompt labelled with the kind of task it is: what the task classifier learns from (the bundled corpus and the
 * examples users add in config).
 *
 * @param label  the task tag (code, summarize, translate, data, vision, chat, or one of the user's own)
 * @param text   the prompt as a user would write it (the last user message)
 * @param images whether the request carries images
 */
public record TaskExample(String label, String text, boolean images) {
  public TaskExample {
    if (label == null || label.isBlank()) throw new IllegalArgumentException("a task example needs a label");
    if (text == null || text.isBlank()) throw new IllegalArgumentException("a task example needs a text");
    label = label.trim().toLowerCase(java.util.Locale.ROOT);
  }

  public TaskExample(String label, String text) {
    this(label, text, false);
  }
}
