package dev.procpool.internal.process;

import java.io.IOException;

/**
 * The other side sent something that is not a well-formed frame of the protocol: a length out of
 * bounds, an unknown type, a payload cut short. The connection cannot be trusted past it.
 */
final class ProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  ProtocolException(String message) {
    super(message);
  }
}
