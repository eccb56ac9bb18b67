package org.stepgate.keycloak;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.MultivaluedMap;
import java.io.IOException;
import org.jboss.logging.Logger;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.RequiredActionProviderModel;
import org.keycloak.vault.VaultStringSecret;

/**
 * One sign-in walked through stepgate's sidecar API, shared by the authenticator and the required
 * action: ask stepgate ({@link #begin}), show the page of the step, and turn each form post into
 * one sidecar call ({@link #act}). The step is kept in the authentication session between pages.
 */
final class Confirmation {
  private static final Logger LOG = Logger.getLogger(Confirmation.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The step, as JSON ({@link Step#toJson}). */
  static final String STEP_NOTE = "stepgate.step";
  /** The id of the authenticator's settings, for the required action that continues its transaction. */
  static final String SETTINGS_NOTE = "stepgate.settings";

  private final FlowStep flow;
  private final StepgateSettings settings;
  private final SidecarClient sidecar;

  Confirmation(FlowStep flow, StepgateSettings settings) {
    this.flow = flow;
    this.settings = settings;
    this.sidecar = new SidecarClient(settings);
  }

  /**
   * The confirmation of this sign-in with the settings of one execution, or null when they cannot
   * be used: the sign-in is then refused here, never let through. The token may be a vault
   * reference such as {@code ${vault.stepgate_token}}.
   */
  static Confirmation open(FlowStep flow, AuthenticatorConfigModel config) {
    try {
      StepgateSettings settings =
          StepgateSettings.read(
              config == null ? null : config.getConfig(),
              raw -> {
                try (VaultStringSecret secret = flow.session.vault().getStringSecret(raw)) {
                  return secret.get().orElse(null);
                }
              });
      return new Confirmation(flow, settings);
    } catch (StepgateSettings.Problem problem) {
      Outcome.Refuse refusal = new Outcome.Refuse(Outcome.Reason.MISCONFIGURED, problem.getMessage());
      LOG.errorf("stepgate: refusing the sign-in of %s: %s", flow.user.getUsername(), problem.getMessage());
      flow.refuse(refusal.reason(), Pages.refusal(flow.form(), refusal));
      return null;
    }
  }

  /** Asks stepgate what this sign-in needs. */
  void begin() {
    forget();
    SignIn signIn =
        KeycloakSignIn.read(
            flow.session, flow.authSession, flow.user, flow.connection, flow.request, settings);
    Outcome outcome;
    try {
      outcome = Transitions.afterEvaluate(sidecar.evaluate(signIn));
    } catch (SidecarUnreachable e) {
      outcome = Transitions.unreachable(settings, e);
    }
    apply(outcome, false);
  }

  /** Shows the page of the step under way, or begins when there is none. */
  void resume() {
    Step step = load();
    if (step == null) begin();
    else apply(new Outcome.Show(step), false);
  }

  /** One form post of our pages. */
  void act(MultivaluedMap<String, String> form) {
    Step step = load();
    if (step == null) {
      begin();
      return;
    }
    try {
      apply(post(step, form), false);
    } catch (SidecarUnreachable e) {
      apply(Transitions.unreachable(settings, e), false);
    }
  }

  /** The button pressed decides the call; Enter in the code field is "verify" (the first button). */
  private Outcome post(Step step, MultivaluedMap<String, String> form) throws SidecarUnreachable {
    if (form.containsKey("back")) {
      return new Outcome.Show(step.registering() ? step.withPhone(null, null) : step.withMethod(null, null));
    }
    return step.registering() ? postRegistration(step, form) : postChallenge(step, form);
  }

  /** The number's page (`register`, `decline`) and its code page (`verify`, `resend`). */
  private Outcome postRegistration(Step step, MultivaluedMap<String, String> form) throws SidecarUnreachable {
    String tx = step.transaction();
    if (form.containsKey("decline")) return Transitions.afterStep(step, sidecar.declineMobile(tx), s -> s);
    if (form.containsKey("register") || (form.containsKey("resend") && step.phone() != null)) {
      String phone = form.containsKey("register") ? trimmed(form.getFirst("phone")) : step.phone();
      if (phone == null) return new Outcome.Show(step, Pages.PHONE_MISSING, false);
      return Transitions.afterStep(
          step, sidecar.registerMobile(tx, phone), s -> s.withPhone(phone, destination(s, step)));
    }
    if (step.phone() == null) return new Outcome.Show(step);
    String code = trimmed(form.getFirst("code"));
    if (code == null) return new Outcome.Show(step, Pages.CODE_MISSING, false);
    return Transitions.afterStep(step, sidecar.verifyMobile(tx, code), s -> s);
  }

  /** The methods' page (`choose`) and the code page (`verify`, `resend`). */
  private Outcome postChallenge(Step step, MultivaluedMap<String, String> form) throws SidecarUnreachable {
    if (form.containsKey("choose")) {
      Step.Method method = step.offered(form.getFirst("choose"));
      if (method == null) return new Outcome.Show(step.withMethod(null, null), Pages.NOT_OFFERED, false);
      if (!method.sendsCode()) return new Outcome.Show(step.withMethod(method.id(), null));
      return send(step, method.id());
    }
    if (step.method() == null) return new Outcome.Show(step);
    if (form.containsKey("resend")) return send(step, step.method());
    String code = trimmed(form.getFirst("code"));
    if (code == null) return new Outcome.Show(step, Pages.CODE_MISSING, false);
    return Transitions.afterStep(
        step, sidecar.verify(step.transaction(), step.method(), code), s -> s.keeping(step));
  }

  private Outcome send(Step step, String method) throws SidecarUnreachable {
    SidecarAnswer answer = sidecar.send(step.transaction(), method);
    String sentTo = answer.body().path("destination").asText(null);
    // A refused send (429, 503 delivery_failed) leaves the person where they were.
    return Transitions.afterStep(step, answer, s -> s.withMethod(method, sentTo));
  }

  private static String destination(Step next, Step before) {
    return next.destination() != null ? next.destination() : before.destination();
  }

  private void apply(Outcome outcome, boolean restarted) {
    if (outcome instanceof Outcome.Proceed proceed) {
      if (proceed.unconfirmed()) {
        LOG.warnf(
            "stepgate: %s; user %s signs in unconfirmed because '%s' is '%s'",
            proceed.why(), flow.user.getUsername(), StepgateSettings.WHEN_UNREACHABLE, StepgateSettings.FAIL_OPEN);
      }
      forget();
      flow.proceed();
    } else if (outcome instanceof Outcome.Show show) {
      save(show.step());
      flow.show(Pages.step(flow.form(), show.step(), show.error()), show.wrongCode());
    } else if (outcome instanceof Outcome.RegisterMobile register) {
      save(register.step());
      if (!flow.handsOverRegistration()) {
        flow.show(Pages.step(flow.form(), register.step(), null), false);
      } else if (!requiredActionEnabled()) {
        apply(
            new Outcome.Refuse(
                Outcome.Reason.MISCONFIGURED,
                "the required action '" + RegisterMobileActionFactory.ID
                    + "' is not enabled in this realm; a user asked to register a mobile number would be signed in unconfirmed. "
                    + "Enable it under Authentication > Required actions."),
            restarted);
      } else {
        flow.authSession.setAuthNote(SETTINGS_NOTE, flow.settingsId());
        flow.authSession.addRequiredAction(RegisterMobileActionFactory.ID);
        flow.proceed(); // Keycloak runs the required action before it issues the session.
      }
    } else if (outcome instanceof Outcome.Restart) {
      forget();
      if (restarted) apply(new Outcome.Refuse(Outcome.Reason.MISCONFIGURED, "a new transaction was unknown at once"), true);
      else begin();
    } else if (outcome instanceof Outcome.Resync resync) {
      Step step = load();
      try {
        Outcome read = Transitions.afterStep(step, sidecar.transaction(step.transaction()), s -> s);
        apply(read instanceof Outcome.Show show ? new Outcome.Show(show.step(), resync.message(), false) : read, restarted);
      } catch (SidecarUnreachable e) {
        apply(Transitions.unreachable(settings, e), restarted);
      }
    } else if (outcome instanceof Outcome.Refuse refuse) {
      if (refuse.reason() == Outcome.Reason.LOCKED || refuse.reason() == Outcome.Reason.DENIED) {
        LOG.infof("stepgate: sign-in of %s refused (%s): %s", flow.user.getUsername(), refuse.reason(), refuse.detail());
      } else {
        LOG.errorf("stepgate: sign-in of %s refused (%s): %s", flow.user.getUsername(), refuse.reason(), refuse.detail());
      }
      forget();
      flow.refuse(refuse.reason(), Pages.refusal(flow.form(), refuse));
    }
  }

  private boolean requiredActionEnabled() {
    RequiredActionProviderModel action = flow.realm.getRequiredActionProviderByAlias(RegisterMobileActionFactory.ID);
    return action != null && action.isEnabled();
  }

  private Step load() {
    String json = flow.authSession.getAuthNote(STEP_NOTE);
    if (json == null) return null;
    try {
      return Step.fromJson(JSON.readTree(json));
    } catch (IOException e) {
      return null;
    }
  }

  private void save(Step step) {
    flow.authSession.setAuthNote(STEP_NOTE, step.toJson());
  }

  private void forget() {
    flow.authSession.removeAuthNote(STEP_NOTE);
  }

  private static String trimmed(String value) {
    return value == null || value.isBlank() ? null : value.trim();
  }
}
