package org.stepgate.keycloak;

import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * "Register a mobile number (stepgate)": continues the transaction the authenticator started when
 * stepgate answered {@code register_mobile}. The person gives a number and proves it with the
 * texted code, or declines when the policy allows; then the same transaction's challenge follows
 * on these pages (the new number is not offered for it), and only {@code done} ends the action.
 */
public final class RegisterMobileAction implements RequiredActionProvider {
  private static final Logger LOG = Logger.getLogger(RegisterMobileAction.class);

  @Override
  public InitiatedActionSupport initiatedActionSupport() {
    // A number is registered inside a sign-in's transaction only; kc_action cannot start one.
    return InitiatedActionSupport.NOT_SUPPORTED;
  }

  @Override
  public void evaluateTriggers(RequiredActionContext context) {
    // Only the authenticator adds this action, to the authentication session.
  }

  @Override
  public void requiredActionChallenge(RequiredActionContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.resume();
  }

  @Override
  public void processAction(RequiredActionContext context) {
    Confirmation confirmation = confirmation(context);
    if (confirmation != null) confirmation.act(context.getHttpRequest().getDecodedFormParameters());
  }

  /**
   * The settings of the authenticator that handed over. Without a hand-over there is nothing to
   * register in this sign-in (stepgate did not ask), so the action ends.
   */
  private static Confirmation confirmation(RequiredActionContext context) {
    AuthenticationSessionModel authSession = context.getAuthenticationSession();
    String settingsId = authSession.getAuthNote(Confirmation.SETTINGS_NOTE);
    if (settingsId == null) {
      LOG.infof("stepgate: no registration under way for %s; nothing to do", context.getUser().getUsername());
      context.getUser().removeRequiredAction(RegisterMobileActionFactory.ID);
      context.success();
      return null;
    }
    return Confirmation.open(new Context(context, settingsId), context.getRealm().getAuthenticatorConfigById(settingsId));
  }

  @Override
  public void close() {}

  /** The required action's side of {@link FlowStep}. */
  private static final class Context extends FlowStep {
    private final RequiredActionContext context;
    private final String settingsId;

    Context(RequiredActionContext context, String settingsId) {
      super(
          context.getSession(),
          context.getRealm(),
          context.getUser(),
          context.getAuthenticationSession(),
          context.getConnection(),
          context.getHttpRequest());
      this.context = context;
      this.settingsId = settingsId;
    }

    @Override
    LoginFormsProvider form() {
      return context.form();
    }

    @Override
    String settingsId() {
      return settingsId;
    }

    @Override
    void show(Response page, boolean wrongCode) {
      context.challenge(page);
    }

    @Override
    void proceed() {
      authSession.removeAuthNote(Confirmation.SETTINGS_NOTE);
      user.removeRequiredAction(RegisterMobileActionFactory.ID);
      context.success();
    }

    /**
     * A required action cannot fail a sign-in the way an authenticator does: it keeps the person
     * on the error page instead, and Keycloak issues no session until the action succeeds.
     */
    @Override
    void refuse(Outcome.Reason reason, Response page) {
      context.challenge(page);
    }

    @Override
    boolean handsOverRegistration() {
      return false;
    }
  }
}
