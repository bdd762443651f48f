package dev.rebound.store;

import java.nio.file.Path;

/** The embedded store's file is locked: another process (or another store in this one) has it open. */
public class StoreInUseException extends IllegalStateException {
  private final Path directory;

  public StoreInUseException(Path directory, Throwable cause) {
    super("the embedded store at " + directory + " is in use by another process (its file is locked)", cause);
    this.directory = directory;
  }

  /** The store's directory, absolute. */
  public Path directory() {
    return directory;
  }
}
