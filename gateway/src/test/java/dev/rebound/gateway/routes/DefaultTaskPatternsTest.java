package dev.rebound.gateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rebound.gateway.config.TaskPatternsFile;
import dev.rebound.routing.Protocol;
import dev.rebound.routing.RoutingRequest;
import dev.rebound.routing.TaskAnalyzer;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The dictionaries shipped in conf/task-patterns.yaml recognise prompts people really write. */
class DefaultTaskPatternsTest {
  static final TaskAnalyzer ANALYZER;

  static {
    try {
      ANALYZER = new TaskAnalyzer(TaskPatternsFile.bundled());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "Why does this throw a NullPointerException when the list is empty?|code",
      "Can you write a Python script that renames every .jpg in a folder?|code",
      "Refactor UserService.java so the validation lives in its own class|code",
      "My React component re-renders forever, here is the useEffect hook|code",
      "Fix the failing unit test in parser_test.go|code",
      "TL;DR of this thread please|summarize",
      "Can you summarise the attached meeting notes in five bullet points?|summarize",
      "Give me the key points of this article, I don't have time to read it all|summarize",
      "Translate 'where is the train station' into Japanese|translate",
      "How do you say 'thank you for your patience' in Spanish?|translate",
      "Please translate the following email from German to English|translate",
      "Here is a CSV of monthly sales, which region has the highest average?|data",
      "Group by customer and sum the order totals in this spreadsheet|data",
      "Plot a histogram of the response times in this dataset|data",
      "Describe this image for a visually impaired reader|vision",
      "What do you see in this screenshot?|vision",
      "Hello! How are you today?|chat",
      "Recommend a good book about the history of Rome|chat"})
  void recognisesTheTask(String prompt, String expected) {
    RoutingRequest r = new RoutingRequest(Protocol.OPENAI, "m", null, null, Map.of(), 50, false, false, "", prompt, null, 0);
    assertEquals(expected, ANALYZER.analyze(r).domain(), prompt);
  }
}
