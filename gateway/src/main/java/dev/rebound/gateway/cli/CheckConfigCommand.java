package dev.rebound.gateway.cli;

import dev.rebound.gateway.config.ConfigException;
import dev.rebound.gateway.config.ConfigLoader;
import dev.rebound.gateway.config.ReboundConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "check-config", mixinStandardHelpOptions = true,
    description = "Validate a config file; lists every problem by key path and exits non-zero if there are any.")
final class CheckConfigCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "The config file to check.")
  Path file;

  @Override
  public Integer call() {
    try {
      ReboundConfig cfg = ConfigLoader.fromEnvironment().load(file);
      System.out.println(file + " is valid: " + cfg.backends().size() + " backend(s), " + cfg.agents().size()
          + " agent(s), " + cfg.routes().size() + " route(s).");
      return 0;
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 1;
    }
  }
}
