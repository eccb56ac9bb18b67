package org.stepgate.keycloak;

/**
 * stepgate could not answer: no connection, no answer in time, or stepgate itself said it is
 * unavailable (503 `unavailable`, or a proxy's 502/504). The setting "when stepgate cannot be
 * reached" decides what follows; every other answer is stepgate's word and is never overridden.
 */
public final class SidecarUnreachable extends Exception {
  private static final long serialVersionUID = 1L;

  public SidecarUnreachable(String message, Throwable cause) {
    super(message, cause);
  }
}
