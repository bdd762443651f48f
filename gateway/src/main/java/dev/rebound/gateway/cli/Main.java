package dev.rebound.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar rebound.jar <command>}: the one entry point for every way Rebound runs. {@code help [COMMAND]}
 * prints the same usage as {@code --help}.
 */
@Command(name = "rebound", mixinStandardHelpOptions = true, version = "rebound 0.1.0",
    description = "An LLM gateway that keeps long-running agent sessions alive.",
    subcommands = {ServeCommand.class, DemoCommand.class, MockLlmCommand.class, CheckConfigCommand.class,
        ClassifyCommand.class, HealthCheckCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    configureLogging();
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0 || !keepsRunning(args)) System.exit(code);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Servers keep the JVM alive through Vert.x's threads; one-shot commands exit with their code. */
  private static boolean keepsRunning(String[] args) {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) return false;
    }
    return args.length > 0 && (args[0].equals("serve") || args[0].equals("demo") || args[0].equals("mock-llm"));
  }

  /**
   * One line per record, to stderr, written off the calling thread (the event loop logs every decision);
   * REBOUND_LOG_LEVEL (debug, info, warn, error) sets the level.
   */
  static void configureLogging() {
    ConsoleLog.install(System.err, System.getenv("REBOUND_LOG_LEVEL"));
  }
}
