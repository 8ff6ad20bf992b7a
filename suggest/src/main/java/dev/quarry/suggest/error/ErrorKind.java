package dev.quarry.suggest.error;

/** What went wrong with a request, independent of transport; the HTTP layer maps it to a status. */
public enum ErrorKind {
  /** The request is malformed or a parameter is invalid; the message says which and why. */
  INVALID_ARGUMENT,
  /** The named index or path does not exist. */
  NOT_FOUND,
  /** The path exists but not for this method. */
  METHOD_NOT_ALLOWED,
  /** A service this one depends on (the coordinator) is not configured or not reachable. */
  UNAVAILABLE,
  /** A bug or an unexpected failure; the message on the wire never carries details. */
  INTERNAL
}
