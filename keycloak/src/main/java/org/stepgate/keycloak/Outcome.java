package org.stepgate.keycloak;

/** What the authenticator or the required action does next, decided from stepgate's answer. */
public sealed interface Outcome {
  /**
   * The sign-in goes on: skipped by policy or confirmed ({@code unconfirmed} false), or let
   * through unconfirmed because stepgate could not be reached and the setting says fail open.
   */
  record Proceed(String why, boolean unconfirmed) implements Outcome {
    public Proceed(String why) {
      this(why, false);
    }
  }

  /** Show the page of this step, with a sentence for the person when something went wrong. */
  record Show(Step step, String error, boolean wrongCode) implements Outcome {
    public Show(Step step) {
      this(step, null, false);
    }
  }

  /** stepgate wants a mobile number before the challenge: the required action asks for it. */
  record RegisterMobile(Step step) implements Outcome {}

  /** The transaction is gone (expired or ended): ask stepgate about this sign-in again. */
  record Restart() implements Outcome {}

  /** The transaction is at another step than our page: read it again and show that step. */
  record Resync(String message) implements Outcome {}

  /** The sign-in must not go on. {@code detail} is for the log; the page says what {@code reason} means. */
  record Refuse(Reason reason, String detail) implements Outcome {}

  enum Reason {
    /** The policy says deny. */
    DENIED,
    /** Too many failures in a row; stepgate's own sentence is shown. */
    LOCKED,
    /** stepgate cannot be reached and the setting says fail closed. */
    UNAVAILABLE,
    /** stepgate refused our token, or something else an admin must fix. */
    MISCONFIGURED
  }
}
