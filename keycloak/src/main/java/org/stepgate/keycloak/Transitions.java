package org.stepgate.keycloak;

import java.util.function.UnaryOperator;

/**
 * stepgate's answers turned into what happens next (docs/keycloak.md, "Errors"). Pure functions of
 * the answer and the step the person was on, so every status is covered by unit tests. The rule
 * throughout: only an answer that says so lets the sign-in go on; anything unexpected refuses it.
 */
public final class Transitions {
  private Transitions() {}

  /** After `POST /evaluate`. */
  public static Outcome afterEvaluate(SidecarAnswer answer) {
    if (answer.status() == 200 && "skip".equals(answer.decision())) return new Outcome.Proceed("skip");
    if (answer.status() == 200 && "deny".equals(answer.decision())) {
      return new Outcome.Refuse(Outcome.Reason.DENIED, "policy rule '" + answer.body().path("rule").asText() + "'");
    }
    if (answer.status() == 201) {
      Step step = Step.of(answer);
      if (step.transaction() != null && step.confirming()) return new Outcome.Show(step);
      if (step.transaction() != null && step.registering()) return new Outcome.RegisterMobile(step);
    }
    // A body stepgate refused (400 names the field), or an answer we do not know: never a pass.
    return misconfigured("evaluate", answer);
  }

  /**
   * After a step of a transaction the person was on ({@code current}). {@code chosen} records what
   * the person chose in the new step, for the answers that carry one (a method, a number).
   */
  public static Outcome afterStep(Step current, SidecarAnswer answer, UnaryOperator<Step> chosen) {
    if (answer.ok()) {
      if ("done".equals(answer.decision())) return new Outcome.Proceed(answer.body().path("confirmation").asText("done"));
      Step next = Step.of(answer);
      if (next.transaction() != null && (next.confirming() || next.registering())) {
        return new Outcome.Show(chosen.apply(next));
      }
      return misconfigured("step", answer);
    }
    return afterError(current, answer);
  }

  /** Errors of a transaction's step: most leave the person on their page with stepgate's sentence. */
  static Outcome afterError(Step current, SidecarAnswer answer) {
    String message = answer.message();
    switch (answer.status()) {
      case 400:
        return new Outcome.Show(current, message, "invalid_code".equals(answer.error()));
      case 403:
        if ("decline_not_allowed".equals(answer.error())) return new Outcome.Show(current, message, false);
        return misconfigured("step", answer);
      case 404:
        return new Outcome.Restart();
      case 409:
        return new Outcome.Resync(message);
      case 423:
        return new Outcome.Refuse(Outcome.Reason.LOCKED, message);
      case 429:
        return new Outcome.Show(current, message, false);
      case 503:
        // `unavailable` never gets here (SidecarClient throws SidecarUnreachable); a provider that
        // could not deliver leaves the transaction open: try again or choose another method.
        if ("delivery_failed".equals(answer.error())) return new Outcome.Show(current, message, false);
        return misconfigured("step", answer);
      default:
        return misconfigured("step", answer);
    }
  }

  /** stepgate could not answer: the admin's setting decides, fail closed unless they chose otherwise. */
  public static Outcome unreachable(StepgateSettings settings, SidecarUnreachable problem) {
    if (settings.failOpen()) return new Outcome.Proceed(problem.getMessage(), true);
    return new Outcome.Refuse(Outcome.Reason.UNAVAILABLE, problem.getMessage());
  }

  private static Outcome misconfigured(String call, SidecarAnswer answer) {
    return new Outcome.Refuse(
        Outcome.Reason.MISCONFIGURED,
        "stepgate answered " + call + " with " + answer.status() + " " + answer.body());
  }
}
