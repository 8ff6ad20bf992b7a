package dev.quarry.suggest.error;

import java.util.Objects;

/**
 * A request the suggest service refuses, with a message the caller can act on. The message goes on
 * the wire as is, so it must never contain a stack trace, class name or internal detail.
 */
public final class SuggestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ErrorKind kind;

  public SuggestException(ErrorKind kind, String message) {
    super(message, null, false, false); // control flow, not a bug: no stack trace needed
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public ErrorKind kind() {
    return kind;
  }

  public static SuggestException invalidArgument(String message) {
    return new SuggestException(ErrorKind.INVALID_ARGUMENT, message);
  }

  public static SuggestException notFound(String message) {
    return new SuggestException(ErrorKind.NOT_FOUND, message);
  }

  public static SuggestException unavailable(String message) {
    return new SuggestException(ErrorKind.UNAVAILABLE, message);
  }

  public static SuggestException methodNotAllowed(String message) {
    return new SuggestException(ErrorKind.METHOD_NOT_ALLOWED, message);
  }
}
