package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.keycloak.forms.login.LoginFormsProvider;

/**
 * The pages of theme-resources/templates, filled from a {@link Step}. Methods reach FreeMarker as
 * maps: the templates must work under any login theme, and maps need no bean conventions.
 */
public final class Pages {
  public static final String METHODS = "stepgate-methods.ftl";
  public static final String CODE = "stepgate-code.ftl";
  public static final String MOBILE = "stepgate-mobile.ftl";

  /** Message keys of messages_en.properties for what the templates do not show themselves. */
  public static final String DENIED = "stepgateDenied";
  public static final String UNAVAILABLE = "stepgateUnavailable";
  public static final String MISCONFIGURED = "stepgateMisconfigured";
  public static final String CODE_MISSING = "stepgateCodeMissing";
  public static final String PHONE_MISSING = "stepgatePhoneMissing";
  public static final String NOT_OFFERED = "stepgateNotOffered";

  private Pages() {}

  /** The page for where the person stands, with {@code error} (a message key or stepgate's sentence). */
  public static Response step(LoginFormsProvider form, Step step, String error) {
    if (error != null && !error.isBlank()) form.setError(error);
    if (step.registering()) {
      form.setAttribute("stepgateAllowDecline", step.allowDecline());
      if (step.phone() == null) return form.createForm(MOBILE);
      return code(form, "mobile", "sms", step.destination(), true, false);
    }
    if (step.method() == null) {
      form.setAttribute("stepgateMethods", methods(step.methods()));
      return form.createForm(METHODS);
    }
    Step.Method chosen = step.offered(step.method());
    boolean resend = chosen != null && chosen.sendsCode();
    return code(form, "confirm", step.method(), step.destination(), resend, step.methods().size() > 1);
  }

  private static Response code(
      LoginFormsProvider form, String purpose, String method, String destination, boolean resend, boolean back) {
    form.setAttribute("stepgatePurpose", purpose);
    form.setAttribute("stepgateMethod", method);
    if (destination != null) form.setAttribute("stepgateDestination", destination);
    form.setAttribute("stepgateCanResend", resend);
    form.setAttribute("stepgateCanChooseAnother", back);
    return form.createForm(CODE);
  }

  /** Keycloak's error page, saying why the sign-in cannot go on. */
  public static Response refusal(LoginFormsProvider form, Outcome.Refuse refusal) {
    switch (refusal.reason()) {
      case DENIED:
        return form.setError(DENIED).createErrorPage(Response.Status.FORBIDDEN);
      case LOCKED:
        // stepgate's own sentence, the one its pages show (SPEC §2).
        return form.setError(refusal.detail()).createErrorPage(Response.Status.FORBIDDEN);
      case UNAVAILABLE:
        return form.setError(UNAVAILABLE).createErrorPage(Response.Status.SERVICE_UNAVAILABLE);
      default:
        return form.setError(MISCONFIGURED).createErrorPage(Response.Status.INTERNAL_SERVER_ERROR);
    }
  }

  static List<Map<String, String>> methods(List<Step.Method> methods) {
    return methods.stream()
        .map(
            m -> {
              Map<String, String> item = new LinkedHashMap<>();
              item.put("id", m.id());
              item.put("destination", m.destination() == null ? "" : m.destination());
              return item;
            })
        .toList();
  }
}
